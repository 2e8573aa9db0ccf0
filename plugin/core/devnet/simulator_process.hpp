#pragma once
// What the devnet's three simulators (inference provider, fine-tuning provider, storage node) share
// when they are started: finding the binary, handing them dev keys in 0600 files, spawning them
// with a log, and waiting for their "listening on 127.0.0.1:<port>" line.
#include <filesystem>
#include <string>
#include <vector>

#include "common/process.hpp"
#include "devnet/devnet_file.hpp"

namespace zg::devnet {

struct RunningSimulator {
  ChildProcess process;
  std::string url;  // http://127.0.0.1:<port>
};

// $`env_var`, else `name` next to the running executable, else the build tree's
// simulators/`build_subdir`/`name`. UsageError naming the places it looked when none exists.
std::filesystem::path find_simulator_binary(const std::string& name, const char* env_var, const std::string& build_subdir);

// Writes the dev account `role`'s key to `dir`/<role>.key (mode 0600) and returns the path.
std::filesystem::path write_dev_key(const std::filesystem::path& dir, const DevnetState& state, const std::string& role);

// Spawns `argv` with its output in `log` and waits up to 60 s for it to serve; IoError with the log's
// text when it does not.
RunningSimulator start_simulator(std::vector<std::string> argv, const std::filesystem::path& log, bool detach);

}  // namespace zg::devnet
