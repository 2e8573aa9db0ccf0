#include "devnet/provider_process.hpp"

namespace zg::devnet {

std::filesystem::path provider_simulator_binary() {
  return find_simulator_binary("zg-provider-sim", "ZG_PROVIDER_SIM", "provider");
}

RunningProvider start_provider_simulator(const DevnetState& state, const std::filesystem::path& work_dir, bool detach,
                                         const std::vector<std::string>& extra_arguments) {
  std::filesystem::create_directories(work_dir);
  std::vector<std::string> argv = {provider_simulator_binary().string(),
                                   "--rpc", state.rpc_url,
                                   "--inference-contract", state.contracts.inference.checksummed(),
                                   "--provider-key-file", write_dev_key(work_dir, state, "provider").string(),
                                   "--tee-key-file", write_dev_key(work_dir, state, "tee-signer").string(),
                                   "--owner-key-file", write_dev_key(work_dir, state, "owner").string(),
                                   "--register", "--port", "0"};
  argv.insert(argv.end(), extra_arguments.begin(), extra_arguments.end());
  return start_simulator(std::move(argv), work_dir / "provider-sim.log", detach);
}

}  // namespace zg::devnet
