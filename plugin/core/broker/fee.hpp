#pragma once
// The per-request inference fee the provider bills (protocol-inference.md §12, fee vector):
// prompt_tokens * inputPrice + completion_tokens * outputPrice, in neuron, with checked 256-bit
// arithmetic so an absurd price or count is an error, never a wrapped number.
#include <cstdint>

#include "eth/uint256.hpp"

namespace zg::broker {

struct TokenUsage {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
};

// Throws zg::Error on 256-bit overflow.
eth::Uint256 fee_for_usage(const TokenUsage& usage, const eth::Uint256& input_price_per_token,
                           const eth::Uint256& output_price_per_token);

}  // namespace zg::broker
