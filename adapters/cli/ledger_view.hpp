#pragma once
// Ledger output shared by `zg ledger ...`, `zg inference ...` and `zg demo`, and the chain
// connection every on-chain command starts with.
#include <memory>
#include <optional>

#include "command.hpp"
#include "contracts/inference_serving.hpp"
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

namespace zg::cli {

// The wallet's address, or --address when the command allows reading someone else's state.
eth::Address user_address(Context& ctx, const Args& args);
// A --provider value; UsageError naming the option when malformed.
eth::Address provider_option(const std::string& text);

// --service inference|fine-tuning -> that serving contract of the network, and the name
// LedgerManager files its sub-accounts under (read from the registry, not assumed).
struct ServingChoice {
  std::string kind;  // "inference" or "fine-tuning"
  eth::Address contract;
  std::string service_name;  // "inference-v1.0"
};
ServingChoice serving_choice(Context& ctx, const contracts::LedgerManager& ledger, const Args& args);

// Unix seconds -> "2025-01-02 03:04:05 UTC".
std::string utc_time(std::uint64_t unix_seconds);
// "in 59 min" / "now" (already unlocked), relative to `now` (the chain's latest block time).
std::string relative_time(std::uint64_t at, std::uint64_t now);
std::uint64_t chain_time(eth::RpcClient& rpc);

// A provider sub-account with every live refund and when it unlocks (createdAt + lockTime).
nlohmann::json sub_account_json(const contracts::InferenceAccount& account, std::uint64_t lock_time, std::uint64_t now);
std::string sub_account_text(const contracts::InferenceAccount& account, std::uint64_t lock_time, std::uint64_t now);

}  // namespace zg::cli
