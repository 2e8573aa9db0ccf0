#include "broker/usage_accounting.hpp"

#include "common/error.hpp"

namespace zg::broker {
namespace {

std::uint64_t checked_add(std::uint64_t a, std::uint64_t b) {
  if (b > UINT64_MAX - a) throw Error("token count overflows 64 bits");
  return a + b;
}

}  // namespace

eth::Uint256 UsageAccounting::record(const eth::Address& provider, const TokenUsage& usage, const eth::Uint256& input_price,
                                     const eth::Uint256& output_price) {
  const auto fee = fee_for_usage(usage, input_price, output_price);
  std::lock_guard lock(mutex_);
  ProviderUsageTotals next = totals_[provider];
  next.requests += 1;
  next.prompt_tokens = checked_add(next.prompt_tokens, usage.prompt_tokens);
  next.completion_tokens = checked_add(next.completion_tokens, usage.completion_tokens);
  next.fee = next.fee + fee;  // checked: throws before anything is stored
  totals_[provider] = next;
  return fee;
}

ProviderUsageTotals UsageAccounting::totals(const eth::Address& provider) const {
  std::lock_guard lock(mutex_);
  const auto it = totals_.find(provider);
  return it == totals_.end() ? ProviderUsageTotals{} : it->second;
}

std::map<eth::Address, ProviderUsageTotals> UsageAccounting::all_totals() const {
  std::lock_guard lock(mutex_);
  return totals_;
}

eth::Uint256 UsageAccounting::total_fee() const {
  std::lock_guard lock(mutex_);
  eth::Uint256 sum;
  for (const auto& [provider, totals] : totals_) sum = sum + totals.fee;
  return sum;
}

void UsageAccounting::reset(const eth::Address& provider) {
  std::lock_guard lock(mutex_);
  totals_.erase(provider);
}

}  // namespace zg::broker
