#pragma once
// Keccak-256 as Ethereum uses it (original Keccak padding 0x01, not SHA3's 0x06).
#include "common/bytes.hpp"

namespace zg::crypto {

// Incremental hasher for streamed input (storage segments, files).
class Keccak256 {
 public:
  Keccak256() noexcept;
  void update(ByteSpan data) noexcept;
  Hash256 finalize() noexcept;  // the hasher must not be updated afterwards; reset() to reuse
  void reset() noexcept;

 private:
  std::uint64_t state_[25];
  std::uint8_t buffer_[136];
  std::size_t buffered_ = 0;
};

Hash256 keccak256(ByteSpan data) noexcept;
// keccak256(a || b) without building the concatenation: the merkle-tree inner node.
Hash256 keccak256_pair(const Hash256& left, const Hash256& right) noexcept;

}  // namespace zg::crypto
