#include "fee_ledger.hpp"

#include <algorithm>

namespace zg::provider {

void FeeLedger::charge(const eth::Address& user, const eth::Uint256& fee, const std::string& request_id) {
  std::lock_guard lock(mutex_);
  auto& bill = bills_[user];
  bill.user = user;
  bill.fee += fee;
  bill.request_ids.push_back(request_id);
}

eth::Uint256 FeeLedger::unsettled(const eth::Address& user) const {
  std::lock_guard lock(mutex_);
  const auto found = bills_.find(user);
  return found == bills_.end() ? eth::Uint256{} : found->second.fee;
}

std::vector<UnsettledBill> FeeLedger::bills() const {
  std::lock_guard lock(mutex_);
  std::vector<UnsettledBill> open;
  for (const auto& [user, bill] : bills_) {
    if (!bill.fee.is_zero()) open.push_back(bill);
  }
  return open;
}

void FeeLedger::settled(const eth::Address& user, const eth::Uint256& paid, std::size_t request_count) {
  std::lock_guard lock(mutex_);
  const auto found = bills_.find(user);
  if (found == bills_.end()) return;
  auto& bill = found->second;
  bill.fee = bill.fee > paid ? bill.fee - paid : eth::Uint256{};
  const auto covered = static_cast<std::ptrdiff_t>(std::min(request_count, bill.request_ids.size()));
  bill.request_ids.erase(bill.request_ids.begin(), bill.request_ids.begin() + covered);
  if (bill.fee.is_zero() && bill.request_ids.empty()) bills_.erase(found);
}

}  // namespace zg::provider
