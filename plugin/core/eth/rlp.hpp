#pragma once
// Recursive Length Prefix (RLP), the serialization of Ethereum transactions.
// Encoding builds an Item tree and serializes it. Decoding is strict: only the canonical encoding
// of a value is accepted (no leading zeros in lengths, no long form for short payloads, single
// bytes below 0x80 never wrapped), the whole input must be consumed, and nesting depth and item
// count are bounded so hostile input cannot exhaust the stack or memory.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/bytes.hpp"
#include "eth/uint256.hpp"

namespace zg::eth::rlp {

// A byte string or a list of items.
class Item {
 public:
  static Item bytes(ByteSpan value) { return Item(false, Bytes(value.begin(), value.end()), {}); }
  static Item bytes(Bytes value) { return Item(false, std::move(value), {}); }
  // Unsigned integers are big-endian without leading zeros; zero is the empty string.
  static Item uint(std::uint64_t value);
  static Item uint(const Uint256& value) { return bytes(value.to_minimal_be_bytes()); }
  static Item list(std::vector<Item> items) { return Item(true, {}, std::move(items)); }

  bool is_list() const noexcept { return is_list_; }
  // Throw ParseError when the item is of the other kind (decoded input may be anything).
  const Bytes& as_bytes() const;
  const std::vector<Item>& as_list() const;
  // Decodes a canonical unsigned integer (no leading zero bytes); ParseError naming `what` otherwise.
  std::uint64_t as_u64(const char* what) const;
  Uint256 as_uint256(const char* what) const;

  friend bool operator==(const Item&, const Item&) = default;

 private:
  Item(bool is_list, Bytes value, std::vector<Item> items)
      : is_list_(is_list), bytes_(std::move(value)), items_(std::move(items)) {}

  bool is_list_ = false;
  Bytes bytes_;
  std::vector<Item> items_;
};

Bytes encode(const Item& item);

struct DecodeLimits {
  std::size_t max_depth = 16;        // nested lists
  std::size_t max_items = 1 << 16;   // items in the whole tree
};

// Decodes exactly one item spanning all of `input`; anything else is a ParseError.
Item decode(ByteSpan input, const DecodeLimits& limits = {});

}  // namespace zg::eth::rlp
