#pragma once
// The devnet's fine-tuning provider: zg-finetune-sim started against the devnet chain, registered
// with addOrUpdateService (100 0G stake) and its TEE signer acknowledged by the devnet owner, with
// the devnet's 0G Storage (when it runs one) for models and datasets.
#include <filesystem>
#include <string>
#include <vector>

#include "common/process.hpp"
#include "devnet/devnet_file.hpp"
#include "devnet/simulator_process.hpp"

namespace zg::devnet {

// $ZG_FINETUNE_SIM, else zg-finetune-sim next to the running executable, else the build tree's.
std::filesystem::path finetune_simulator_binary();

using RunningFinetuneProvider = RunningSimulator;

// Starts the simulator with the devnet's "finetune-provider", "tee-signer" and "owner" dev keys
// (written to 0600 files in `work_dir`; its data directory is `work_dir`/data) and waits until it
// serves. `extra_arguments` go to the simulator as they are (--ack-timeout-s, fault flags, ...).
RunningFinetuneProvider start_finetune_simulator(const DevnetState& state, const std::filesystem::path& work_dir,
                                                 bool detach, const std::vector<std::string>& extra_arguments = {});

}  // namespace zg::devnet
