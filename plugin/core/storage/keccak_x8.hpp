#pragma once
// Keccak-256 (Ethereum's, padding 0x01) of 8 independent equal-length inputs at once, one per 64-bit
// lane of AVX-512 registers. A segment's merkle tree is 1024 independent leaf hashes and then 1023
// independent-per-level pair hashes, and hashing was most of a verified download's CPU time; eight
// permutations side by side cost about as much as two scalar ones. Results equal crypto::keccak256.
#include <array>
#include <cstddef>
#include <cstdint>

#include "common/bytes.hpp"

namespace zg::storage {

// Whether this CPU runs the 8-lane code (AVX-512F); callers fall back to crypto::keccak256 otherwise.
bool keccak_x8_available() noexcept;

// out[i] = keccak256(inputs[i][0 .. length)) for i in 0..7. Only call when keccak_x8_available().
void keccak256_x8(const std::array<const std::uint8_t*, 8>& inputs, std::size_t length,
                  const std::array<Hash256*, 8>& out) noexcept;

}  // namespace zg::storage
