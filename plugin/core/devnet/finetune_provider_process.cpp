#include "devnet/finetune_provider_process.hpp"

namespace zg::devnet {

std::filesystem::path finetune_simulator_binary() {
  return find_simulator_binary("zg-finetune-sim", "ZG_FINETUNE_SIM", "finetune");
}

RunningFinetuneProvider start_finetune_simulator(const DevnetState& state, const std::filesystem::path& work_dir,
                                                 bool detach, const std::vector<std::string>& extra_arguments) {
  std::filesystem::create_directories(work_dir);
  std::vector<std::string> argv = {finetune_simulator_binary().string(),
                                   "--rpc", state.rpc_url,
                                   "--finetune-contract", state.contracts.finetune.checksummed(),
                                   "--provider-key-file", write_dev_key(work_dir, state, "finetune-provider").string(),
                                   "--tee-key-file", write_dev_key(work_dir, state, "tee-signer").string(),
                                   "--owner-key-file", write_dev_key(work_dir, state, "owner").string(),
                                   "--data-dir", (work_dir / "data").string(),
                                   "--register", "--port", "0"};
  if (!state.storage_url.empty() && !state.contracts.flow.is_zero()) {
    argv.insert(argv.end(), {"--storage-url", state.storage_url, "--flow-contract", state.contracts.flow.checksummed()});
  }
  argv.insert(argv.end(), extra_arguments.begin(), extra_arguments.end());
  return start_simulator(std::move(argv), work_dir / "finetune-sim.log", detach);
}

}  // namespace zg::devnet
