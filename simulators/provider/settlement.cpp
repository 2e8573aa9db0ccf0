#include "settlement.hpp"

#include <chrono>

#include "common/hex.hpp"
#include "crypto/keccak.hpp"

namespace zg::provider {

Hash256 requests_hash(const std::vector<std::string>& request_ids) {
  crypto::Keccak256 hasher;
  for (const auto& id : request_ids) hasher.update(as_bytes(id));
  return hasher.finalize();
}

eth::Uint256 SettlementNonces::next(const eth::Uint256& account_nonce) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  std::lock_guard lock(mutex_);
  eth::Uint256 candidate{static_cast<std::uint64_t>(micros)};
  if (candidate <= account_nonce) candidate = account_nonce + 1;
  if (candidate <= last_) candidate = last_ + 1;
  last_ = candidate;
  return candidate;
}

std::vector<std::vector<UnsettledBill>> settlement_batches(std::vector<UnsettledBill> bills) {
  std::vector<std::vector<UnsettledBill>> batches;
  for (auto& bill : bills) {
    if (batches.empty() || batches.back().size() == kSettlementBatchSize) batches.emplace_back();
    batches.back().push_back(std::move(bill));
  }
  return batches;
}

contracts::TeeSettlement Settler::build(const UnsettledBill& bill) {
  const eth::Address provider = chain_.provider_sender.address();
  const auto account = chain_.inference.get_account(bill.user, provider);  // fresh: the nonce must be current
  contracts::TeeSettlement settlement;
  settlement.user = bill.user;
  settlement.provider = provider;
  settlement.total_fee = bill.fee;
  settlement.requests_hash = requests_hash(bill.request_ids);
  settlement.nonce = nonces_.next(account ? account->nonce : eth::Uint256{});
  contracts::sign_tee_settlement(settlement, chain_.chain_id, chain_.inference.address(), chain_.tee_key);
  return settlement;
}

void Settler::settle_batch(const std::vector<UnsettledBill>& batch) {
  std::vector<contracts::TeeSettlement> settlements;
  for (const auto& bill : batch) settlements.push_back(build(bill));
  const auto results = chain_.inference.settle_fees_with_tee_detailed(chain_.provider_sender, settlements);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& bill = batch[i];
    const auto& result = results[i];
    accounts_.invalidate(bill.user);  // the balance moved (or a refund was cancelled)
    const bool paid_some = result.status == contracts::SettlementStatus::success ||
                           result.status == contracts::SettlementStatus::partial;
    if (!paid_some) {
      log_("settlement for " + bill.user.checksummed() + " refused: " + contracts::settlement_status_name(result.status));
      continue;
    }
    const eth::Uint256 paid = bill.fee > result.unsettled_amount ? bill.fee - result.unsettled_amount : eth::Uint256{};
    fees_.settled(bill.user, paid, bill.request_ids.size());
    log_("settled " + paid.to_dec() + " neuron for " + bill.user.checksummed() + " (" +
         std::to_string(bill.request_ids.size()) + " requests, " + contracts::settlement_status_name(result.status) +
         ")");
  }
}

void Settler::settle_all() {
  std::lock_guard lock(settle_mutex_);
  for (const auto& batch : settlement_batches(fees_.bills())) {
    try {
      settle_batch(batch);
    } catch (const std::exception& error) {
      log_(std::string("settlement batch failed, will retry: ") + error.what());
    }
  }
}

void Settler::start(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(wake_mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      settle_all();
      lock.lock();
    }
  });
}

void Settler::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace zg::provider
