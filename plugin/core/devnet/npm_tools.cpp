#include "devnet/npm_tools.hpp"

#include <cstdlib>

#include "common/error.hpp"

namespace zg::devnet {
namespace {

const char* kInstallHint = "install the pinned npm tools with: npm ci --prefix third_party/npm --ignore-scripts";

}  // namespace

std::filesystem::path npm_modules_dir() {
  if (const char* env = std::getenv("ZG_NPM_MODULES"); env != nullptr && *env != '\0') {
    if (!std::filesystem::is_directory(env)) throw UsageError(std::string("ZG_NPM_MODULES=") + env + " is not a directory");
    return env;
  }
  const std::filesystem::path built_from = std::filesystem::path(ZG_SOURCE_DIR) / "third_party/npm/node_modules";
  if (std::filesystem::is_directory(built_from)) return built_from;
  throw UsageError("the pinned npm packages are missing (" + built_from.string() + "): " + kInstallHint);
}

std::filesystem::path npm_file(const std::string& package, const std::string& relative_path) {
  auto path = npm_modules_dir() / package / relative_path;
  if (!std::filesystem::exists(path)) {
    throw UsageError("missing " + path.string() + " from npm package " + package + ": " + kInstallHint);
  }
  return path;
}

std::filesystem::path anvil_binary() {
  if (const char* env = std::getenv("ZG_ANVIL"); env != nullptr && *env != '\0') return env;
  return npm_file("@foundry-rs/anvil-linux-amd64", "bin/anvil");
}

}  // namespace zg::devnet
