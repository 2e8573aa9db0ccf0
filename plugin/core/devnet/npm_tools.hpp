#pragma once
// Where the pinned npm packages (third_party/npm) are: anvil and the contract bytecode.
#include <filesystem>
#include <string>

namespace zg::devnet {

// The node_modules folder of third_party/npm. Looks at $ZG_NPM_MODULES, then the source tree this
// binary was built from. Throws UsageError with the command that installs it when missing.
std::filesystem::path npm_modules_dir();
// A file inside a package, e.g. npm_file("@openzeppelin/contracts", "build/contracts/BeaconProxy.json").
std::filesystem::path npm_file(const std::string& package, const std::string& relative_path);
// The anvil binary: $ZG_ANVIL, else the one in @foundry-rs/anvil-linux-amd64.
std::filesystem::path anvil_binary();

}  // namespace zg::devnet
