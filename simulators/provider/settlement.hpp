#pragma once
// Fee settlement, provider -> chain (protocol-inference.md §10): for each user with unsettled fees,
// a TeeSettlement {user, provider, totalFee, requestsHash, nonce > Account.nonce} signed by the TEE
// key (EIP-712, contracts::tee_settlement_digest), sent with settleFeesWithTEE in batches of 50 (the
// broker's TEESettlementBatchSize); what the contract reports as paid leaves the fee ledger.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "account_cache.hpp"
#include "fee_ledger.hpp"

namespace zg::provider {

inline constexpr std::size_t kSettlementBatchSize = 50;

// keccak256 over the concatenated request ids (each the UTF-8 of its ZG-Res-Key).
Hash256 requests_hash(const std::vector<std::string>& request_ids);

// Strictly increasing settlement nonces above the account's on-chain nonce; microseconds since the
// epoch, so a restarted provider still moves forward.
class SettlementNonces {
 public:
  eth::Uint256 next(const eth::Uint256& account_nonce);

 private:
  std::mutex mutex_;
  eth::Uint256 last_;
};

// Splits bills into batches of at most kSettlementBatchSize.
std::vector<std::vector<UnsettledBill>> settlement_batches(std::vector<UnsettledBill> bills);

struct SettlementChain {
  eth::RpcClient& rpc;
  const contracts::InferenceServing& inference;
  eth::TxSender& provider_sender;
  const crypto::PrivateKey& tee_key;
  std::uint64_t chain_id = 0;
};

class Settler {
 public:
  using Log = std::function<void(const std::string&)>;
  Settler(SettlementChain chain, FeeLedger& fees, AccountCache& accounts, Log log)
      : chain_(chain), fees_(fees), accounts_(accounts), log_(std::move(log)) {}
  ~Settler() { stop(); }
  Settler(const Settler&) = delete;
  Settler& operator=(const Settler&) = delete;

  // Settles every open bill now; failures are logged and the bills stay open for the next round.
  void settle_all();
  // A background thread that settles every `interval` until stop().
  void start(std::chrono::milliseconds interval);
  void stop();

 private:
  void settle_batch(const std::vector<UnsettledBill>& batch);
  contracts::TeeSettlement build(const UnsettledBill& bill);

  SettlementChain chain_;
  FeeLedger& fees_;
  AccountCache& accounts_;
  Log log_;
  SettlementNonces nonces_;
  std::mutex settle_mutex_;  // one settlement round at a time (background thread and shutdown)
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace zg::provider
