#pragma once
// Ledger output shared by `zg ledger ...` and `zg demo`, and the chain connection every
// on-chain command starts with.
#include <memory>
#include <optional>

#include "command.hpp"
#include "contracts/ledger_manager.hpp"
#include "devnet/devnet_file.hpp"

namespace zg::cli {

// Connects to the selected network's RPC and checks that it serves the expected chain (a wrong
// --rpc for --network testnet must not sign transactions for another chain).
struct ChainConnection {
  std::unique_ptr<eth::RpcClient> rpc;
  std::uint64_t chain_id = 0;
};
ChainConnection connect(Context& ctx);

nlohmann::json ledger_json(const eth::Address& user, const std::optional<contracts::Ledger>& ledger);
std::string ledger_text(const eth::Address& user, const std::optional<contracts::Ledger>& ledger);

// The ledger part of `zg demo`; returns the JSON summary.
nlohmann::json run_ledger_demo(Context& ctx, eth::RpcClient& rpc, const devnet::DevnetState& state,
                               const crypto::PrivateKey& user_key);

}  // namespace zg::cli
