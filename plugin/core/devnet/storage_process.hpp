#pragma once
// The devnet's 0G Storage: the Flow and market contracts from @0gfoundation/0g-ts-sdk, and
// zg-storage-sim (a storage node + indexer that follows the Flow contract's Submit logs).
#include <filesystem>
#include <string>
#include <vector>

#include "common/process.hpp"
#include "devnet/devnet_file.hpp"
#include "devnet/simulator_process.hpp"
#include "eth/tx_sender.hpp"

namespace zg::devnet {

struct StorageContracts {
  eth::Address flow, market, reward;
};

// Deploys FixedPriceFlow(deployDelay 0) and FixedPrice, and initializes both:
// market.initialize(price, flow, reward), flow.initialize(market, blocksPerEpoch). The reward is a
// one-byte contract (STOP) that accepts the fee the market forwards: the real reward contract
// (ChunkLinearReward) is not in the npm package, and nothing here depends on how it pays miners.
StorageContracts deploy_storage_contracts(eth::TxSender& owner, const eth::Uint256& price_per_sector);

// $ZG_STORAGE_SIM, else zg-storage-sim next to the running executable, else the build tree's.
std::filesystem::path storage_simulator_binary();

using RunningStorage = RunningSimulator;  // url: the indexer and node JSON-RPC

RunningStorage start_storage_simulator(const DevnetState& state, const std::filesystem::path& work_dir, bool detach,
                                       const std::vector<std::string>& extra_arguments = {});

}  // namespace zg::devnet
