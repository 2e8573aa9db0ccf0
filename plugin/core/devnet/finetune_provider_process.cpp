#include "devnet/finetune_provider_process.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "common/atomic_file.hpp"
#include "common/error.hpp"

namespace zg::devnet {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::filesystem::path write_key(const std::filesystem::path& dir, const DevnetState& state, const std::string& role) {
  const auto path = dir / (role + ".key");
  write_file_atomically(path, state.account(role).private_key + "\n", 0600);
  return path;
}

}  // namespace

std::filesystem::path finetune_simulator_binary() {
  if (const char* env = std::getenv("ZG_FINETUNE_SIM"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto sibling = self.parent_path() / "zg-finetune-sim";
    if (std::filesystem::exists(sibling)) return sibling;
  }
  // <build>/simulators/provider/zg-provider-sim -> <build>/simulators/finetune/zg-finetune-sim
  const auto built = std::filesystem::path(ZG_PROVIDER_SIM_BUILD_PATH).parent_path().parent_path() / "finetune" /
                     "zg-finetune-sim";
  if (std::filesystem::exists(built)) return built;
  throw UsageError("zg-finetune-sim not found (looked next to this program and at " + built.string() +
                   "); set ZG_FINETUNE_SIM to its path");
}

RunningFinetuneProvider start_finetune_simulator(const DevnetState& state, const std::filesystem::path& work_dir,
                                                 bool detach, const std::vector<std::string>& extra_arguments) {
  std::filesystem::create_directories(work_dir);
  const auto log = work_dir / "finetune-sim.log";
  ProcessOptions spawn;
  spawn.argv = {finetune_simulator_binary().string(),
                "--rpc", state.rpc_url,
                "--finetune-contract", state.contracts.finetune.checksummed(),
                "--provider-key-file", write_key(work_dir, state, "finetune-provider").string(),
                "--tee-key-file", write_key(work_dir, state, "tee-signer").string(),
                "--owner-key-file", write_key(work_dir, state, "owner").string(),
                "--data-dir", (work_dir / "data").string(),
                "--register", "--port", "0"};
  if (!state.storage_url.empty() && !state.contracts.flow.is_zero()) {
    spawn.argv.insert(spawn.argv.end(), {"--storage-url", state.storage_url, "--flow-contract",
                                         state.contracts.flow.checksummed()});
  }
  spawn.argv.insert(spawn.argv.end(), extra_arguments.begin(), extra_arguments.end());
  spawn.output_file = log;
  spawn.detach_from_owner = detach;
  auto process = ChildProcess::spawn(spawn);
  const auto port = wait_for_listening_port(process, log, "listening on 127.0.0.1:", std::chrono::seconds(60));
  if (!port) {
    process.stop();
    throw IoError("zg-finetune-sim did not start (log: " + log.string() + "):\n" + read_file(log));
  }
  return RunningFinetuneProvider{std::move(process), "http://127.0.0.1:" + std::to_string(*port)};
}

}  // namespace zg::devnet
