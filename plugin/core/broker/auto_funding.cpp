#include "broker/auto_funding.hpp"

#include "common/error.hpp"

namespace zg::broker {

std::optional<eth::Uint256> top_up_needed(const eth::Uint256& balance, const eth::Uint256& pending_refund,
                                          const eth::Uint256& unsettled_fee, const FundingPolicy& policy) {
  // Funds already asked back (pending refunds) do not count toward the provider's gate.
  const eth::Uint256 available = balance > pending_refund ? balance - pending_refund : eth::Uint256{};
  const eth::Uint256 required = unsettled_fee + policy.min_locked_balance * eth::Uint256(policy.reserve_multiple);
  if (available >= required) return std::nullopt;
  const auto deficit = required - available;
  return deficit > policy.min_top_up ? deficit : policy.min_top_up;
}

AutoFunder::AutoFunder(FundingSources sources, FundingPolicy policy)
    : sources_(std::move(sources)), policy_(std::move(policy)) {}

AutoFunder::~AutoFunder() { stop(); }

eth::Uint256 AutoFunder::check_once() {
  std::lock_guard check(check_mutex_);
  const auto account = sources_.read_account();
  if (!account) throw UsageError("no sub-account with this provider yet: fund it first (zg ledger transfer, at least 1 0G)");
  // The provider's own count of what it has not settled yet; our local count when it does not answer.
  const auto unsettled = sources_.read_unsettled_fee();
  const auto fee = unsettled ? *unsettled : sources_.local_fee_estimate();
  const auto top_up = top_up_needed(account->balance, account->pending_refund, fee, policy_);
  if (!top_up) return {};
  sources_.transfer(*top_up);
  std::lock_guard lock(mutex_);
  total_transferred_ += *top_up;
  return *top_up;
}

void AutoFunder::start(std::chrono::milliseconds interval) {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this, interval] { run(interval); });
}

void AutoFunder::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_one();
}

void AutoFunder::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::optional<std::string> AutoFunder::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

eth::Uint256 AutoFunder::total_transferred() const {
  std::lock_guard lock(mutex_);
  return total_transferred_;
}

void AutoFunder::run(std::chrono::milliseconds interval) {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval, [this] { return stopping_ || poked_; });
    if (stopping_) break;
    poked_ = false;
    lock.unlock();
    std::optional<std::string> error;
    try {
      check_once();
    } catch (const std::exception& e) {
      error = e.what();
    }
    lock.lock();
    last_error_ = error;
  }
}

}  // namespace zg::broker
