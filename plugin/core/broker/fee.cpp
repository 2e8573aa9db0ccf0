#include "broker/fee.hpp"

namespace zg::broker {

eth::Uint256 fee_for_usage(const TokenUsage& usage, const eth::Uint256& input_price_per_token,
                           const eth::Uint256& output_price_per_token) {
  return eth::Uint256(usage.prompt_tokens) * input_price_per_token +
         eth::Uint256(usage.completion_tokens) * output_price_per_token;
}

}  // namespace zg::broker
