#pragma once
// The broker's per-request balance check (protocol-inference.md §3.3 step 8, §10), in neuron with
// Uint256 only: lockBalance = min(local, Account.balance - Account.pendingRefund) must cover
// estimatedInputFee + unsettledFee + MinimumLockedBalance. The estimate is the byte length of
// json.Marshal(messages) times inputPrice — not a token count, as upstream does it.
#include <optional>
#include <string>
#include <string_view>

#include "eth/uint256.hpp"

namespace zg::provider {

// Account.balance - Account.pendingRefund, 0 when refunds exceed the balance.
eth::Uint256 available_balance(const eth::Uint256& balance, const eth::Uint256& pending_refund);

eth::Uint256 estimated_input_fee(std::string_view messages_json, const eth::Uint256& input_price);

// neuron -> 0G with exactly six decimals, rounded half up (Go's "%.6f" of the float the broker prints).
std::string format_0g_six_decimals(const eth::Uint256& neuron);

struct BalanceRequirement {
  eth::Uint256 locked_balance;
  eth::Uint256 minimum_locked_balance;
  eth::Uint256 unsettled_fee;
  eth::Uint256 estimated_input_fee;

  eth::Uint256 required() const;  // the sum; zg::Error on 256-bit overflow
};

// nullopt when the balance suffices; otherwise the broker's message:
// "insufficient balance: your locked balance is X 0G, but the required minimum is Y 0G (breakdown:
//  minimum reserve A 0G + unsettled fees B 0G + current request fee C 0G)".
std::optional<std::string> insufficient_balance_message(const BalanceRequirement& requirement);

}  // namespace zg::provider
