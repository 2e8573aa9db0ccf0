#include "balance_gate.hpp"

namespace zg::provider {

eth::Uint256 available_balance(const eth::Uint256& balance, const eth::Uint256& pending_refund) {
  return balance > pending_refund ? balance - pending_refund : eth::Uint256{};
}

eth::Uint256 estimated_input_fee(std::string_view messages_json, const eth::Uint256& input_price) {
  return eth::Uint256{messages_json.size()} * input_price;
}

std::string format_0g_six_decimals(const eth::Uint256& neuron) {
  const eth::Uint256 micro_unit{1'000'000'000'000};  // 10^12 neuron = 0.000001 0G
  const eth::Uint256 half{500'000'000'000};
  // Round half up on the remainder; dividing first means no addition can overflow near 2^256.
  const eth::Uint256 remainder = neuron % micro_unit;
  const eth::Uint256 micros = neuron / micro_unit + eth::Uint256{remainder >= half ? 1u : 0u};
  const eth::Uint256 million{1'000'000};
  std::string fraction = (micros % million).to_dec();
  fraction.insert(0, 6 - fraction.size(), '0');
  return (micros / million).to_dec() + "." + fraction;
}

eth::Uint256 BalanceRequirement::required() const {
  return minimum_locked_balance + unsettled_fee + estimated_input_fee;
}

std::optional<std::string> insufficient_balance_message(const BalanceRequirement& requirement) {
  const eth::Uint256 required = requirement.required();
  if (requirement.locked_balance >= required) return std::nullopt;
  return "insufficient balance: your locked balance is " + format_0g_six_decimals(requirement.locked_balance) +
         " 0G, but the required minimum is " + format_0g_six_decimals(required) +
         " 0G (breakdown: minimum reserve " + format_0g_six_decimals(requirement.minimum_locked_balance) +
         " 0G + unsettled fees " + format_0g_six_decimals(requirement.unsettled_fee) +
         " 0G + current request fee " + format_0g_six_decimals(requirement.estimated_input_fee) + " 0G)";
}

}  // namespace zg::provider
