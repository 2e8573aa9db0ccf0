// lib0g.so is built with hidden visibility and --exclude-libs: the only dynamic symbols it defines are
// the two C ABI entry points of zg/plugin.h. Nothing of the C++ core, the standard library or the
// system libraries it links may leak out, or hosts could bind to it by accident. Beside it lies
// lib0g.json, the manifest a host reads before loading anything.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "zg/plugin.h"

namespace {

std::string run(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::string out;
  char buffer[4096];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) out += buffer;
  return out;
}

std::set<std::string> defined_dynamic_symbols() {
  const auto symbols = run(std::string("nm -D --defined-only ") + ZG_LIB_PATH + " 2>&1");
  EXPECT_EQ(symbols.find("No such file"), std::string::npos) << symbols;
  std::set<std::string> names;
  std::istringstream lines(symbols);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty()) names.insert(line.substr(line.find_last_of(' ') + 1));
  }
  return names;
}

TEST(Lib0gExports, ExactlyTheTwoEntryPoints) {
  const std::set<std::string> expected = {"zg_plugin_negotiate", "zg_plugin_get_api"};
  EXPECT_EQ(defined_dynamic_symbols(), expected);
}

TEST(Lib0gExports, ExportsNoCxxSymbols) {
  const auto symbols = run(std::string("nm -D --defined-only -C ") + ZG_LIB_PATH + " 2>&1");
  EXPECT_EQ(symbols.find("::"), std::string::npos) << symbols;
}

TEST(Lib0gManifest, BesideTheLibraryAndMatchingTheHeader) {
  const auto library = std::filesystem::path(ZG_LIB_PATH);
  std::ifstream in(library.parent_path() / "lib0g.json");
  ASSERT_TRUE(in) << "no lib0g.json beside " << library;
  const auto manifest = nlohmann::json::parse(in);
  EXPECT_EQ(manifest.at("file_format_version"), "1.0.0");
  EXPECT_EQ(manifest.at("name"), "0g");
  EXPECT_EQ(manifest.at("abi").at("major"), ZG_PLUGIN_ABI_VERSION_MAJOR);
  EXPECT_EQ(manifest.at("abi").at("minor"), ZG_PLUGIN_ABI_VERSION_MINOR);
  EXPECT_EQ(manifest.at("library_path"), library.filename().string());
  EXPECT_EQ(manifest.at("entry_points"), nlohmann::json::array({"zg_plugin_negotiate", "zg_plugin_get_api"}));
}

}  // namespace
