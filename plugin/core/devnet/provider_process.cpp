#include "devnet/provider_process.hpp"

namespace zg::devnet {

std::filesystem::path provider_simulator_binary() {
  return find_simulator_binary("zg-provider-sim", "ZG_PROVIDER_SIM", "provider");
}

namespace {

RunningProvider start_as(const std::string& role, const DevnetState& state, const std::filesystem::path& work_dir,
                         bool detach, std::vector<std::string> arguments) {
  std::filesystem::create_directories(work_dir);
  std::vector<std::string> argv = {provider_simulator_binary().string(),
                                   "--rpc", state.rpc_url,
                                   "--inference-contract", state.contracts.inference.checksummed(),
                                   "--provider-key-file", write_dev_key(work_dir, state, role).string(),
                                   "--tee-key-file", write_dev_key(work_dir, state, "tee-signer").string(),
                                   "--owner-key-file", write_dev_key(work_dir, state, "owner").string(),
                                   "--register", "--port", "0"};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return start_simulator(std::move(argv), work_dir / (role + "-sim.log"), detach);
}

}  // namespace

RunningProvider start_provider_simulator(const DevnetState& state, const std::filesystem::path& work_dir, bool detach,
                                         const std::vector<std::string>& extra_arguments) {
  return start_as("provider", state, work_dir, detach, extra_arguments);
}

RunningProvider start_embedding_provider_simulator(const DevnetState& state, const std::filesystem::path& work_dir,
                                                   bool detach, const std::vector<std::string>& extra_arguments) {
  std::vector<std::string> arguments = {"--service-type", "embedding"};
  arguments.insert(arguments.end(), extra_arguments.begin(), extra_arguments.end());
  return start_as("embedding-provider", state, work_dir, detach, std::move(arguments));
}

}  // namespace zg::devnet
