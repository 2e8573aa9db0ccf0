#pragma once
// The devnet's inference provider: zg-provider-sim started against the devnet chain, registered
// with addOrUpdateService (100 0G stake) and acknowledged by the devnet owner.
#include <filesystem>
#include <string>
#include <vector>

#include "common/process.hpp"
#include "devnet/devnet_file.hpp"
#include "devnet/simulator_process.hpp"

namespace zg::devnet {

// $ZG_PROVIDER_SIM, else zg-provider-sim next to the running executable, else the build tree's.
std::filesystem::path provider_simulator_binary();

using RunningProvider = RunningSimulator;

// Starts the simulator with the devnet's "provider", "tee-signer" and "owner" dev keys (written to
// 0600 files in `work_dir`) and waits until it serves. `extra_arguments` go to the simulator as
// they are (prices, --upstream, misbehaviour flags).
RunningProvider start_provider_simulator(const DevnetState& state, const std::filesystem::path& work_dir, bool detach,
                                         const std::vector<std::string>& extra_arguments = {});

// A second inference provider, of service type "embedding" (model zg-embed-1 unless the extra
// arguments say otherwise), under the "embedding-provider" dev account with the same TEE signer,
// registered and acknowledged the same way; its log is `work_dir`/embedding-provider-sim.log.
RunningProvider start_embedding_provider_simulator(const DevnetState& state, const std::filesystem::path& work_dir,
                                                   bool detach, const std::vector<std::string>& extra_arguments = {});

}  // namespace zg::devnet
