#include "devnet/simulator_process.hpp"

#include <cstdlib>

#include "common/atomic_file.hpp"
#include "common/error.hpp"

namespace zg::devnet {
std::filesystem::path find_simulator_binary(const std::string& name, const char* env_var, const std::string& build_subdir) {
  if (const char* env = std::getenv(env_var); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto sibling = self.parent_path() / name;
    if (std::filesystem::exists(sibling)) return sibling;
  }
  // The build tree keeps every simulator under simulators/<subdir>/ (the provider's path is known).
  const auto built =
      std::filesystem::path(ZG_PROVIDER_SIM_BUILD_PATH).parent_path().parent_path() / build_subdir / name;
  if (std::filesystem::exists(built)) return built;
  throw UsageError(name + " not found (looked next to this program and at " + built.string() + "); set " + env_var +
                   " to its path");
}

std::filesystem::path write_dev_key(const std::filesystem::path& dir, const DevnetState& state, const std::string& role) {
  const auto path = dir / (role + ".key");
  write_file_atomically(path, state.account(role).private_key + "\n", 0600);
  return path;
}

RunningSimulator start_simulator(std::vector<std::string> argv, const std::filesystem::path& log, bool detach) {
  const auto name = std::filesystem::path(argv.at(0)).filename().string();
  ProcessOptions spawn;
  spawn.argv = std::move(argv);
  spawn.output_file = log;
  spawn.detach_from_owner = detach;
  auto process = ChildProcess::spawn(spawn);
  const auto port = wait_for_listening_port(process, log, "listening on 127.0.0.1:", std::chrono::seconds(60));
  if (!port) {
    process.stop();
    throw IoError(name + " did not start (log: " + log.string() + "):\n" + read_log(log));
  }
  return RunningSimulator{std::move(process), "http://127.0.0.1:" + std::to_string(*port)};
}

}  // namespace zg::devnet
