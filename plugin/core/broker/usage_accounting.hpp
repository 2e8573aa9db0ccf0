#pragma once
// The customer's own count of what inference costs (the SDK's "cachedFee", protocol-inference.md
// §2 step 8): the fee of each answer from its usage and the service's prices, and running totals
// per provider. Auto-funding falls back to these totals when the provider's unsettledfee route
// fails. Thread-safe.
#include <cstdint>
#include <map>
#include <mutex>

#include "broker/fee.hpp"
#include "eth/address.hpp"
#include "eth/uint256.hpp"

namespace zg::broker {

struct ProviderUsageTotals {
  std::uint64_t requests = 0;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  eth::Uint256 fee;  // neuron
};

class UsageAccounting {
 public:
  // Adds one answer; returns its fee in neuron. Throws zg::Error on 256-bit overflow (nothing is
  // recorded then).
  eth::Uint256 record(const eth::Address& provider, const TokenUsage& usage, const eth::Uint256& input_price,
                      const eth::Uint256& output_price);

  ProviderUsageTotals totals(const eth::Address& provider) const;  // zeros for an unknown provider
  std::map<eth::Address, ProviderUsageTotals> all_totals() const;
  eth::Uint256 total_fee() const;
  // After a settlement or a top-up the local count starts over for that provider.
  void reset(const eth::Address& provider);

 private:
  mutable std::mutex mutex_;
  std::map<eth::Address, ProviderUsageTotals> totals_;
};

}  // namespace zg::broker
