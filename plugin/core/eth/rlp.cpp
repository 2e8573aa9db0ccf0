#include "eth/rlp.hpp"

#include <string>

#include "common/error.hpp"

namespace zg::eth::rlp {
namespace {

constexpr std::uint8_t kShortString = 0x80;
constexpr std::uint8_t kLongString = 0xb7;
constexpr std::uint8_t kShortList = 0xc0;
constexpr std::uint8_t kLongList = 0xf7;
constexpr std::size_t kMaxShortPayload = 55;

Bytes minimal_be(std::uint64_t value) {
  Bytes out;
  for (; value != 0; value >>= 8) out.insert(out.begin(), static_cast<std::uint8_t>(value & 0xff));
  return out;
}

// Prefix for a payload of `size` bytes; `short_base` is 0x80 for strings and 0xc0 for lists.
void append_header(Bytes& out, std::size_t size, std::uint8_t short_base) {
  if (size <= kMaxShortPayload) {
    out.push_back(static_cast<std::uint8_t>(short_base + size));
    return;
  }
  const Bytes length = minimal_be(size);
  out.push_back(static_cast<std::uint8_t>(short_base + kMaxShortPayload + length.size()));
  append(out, length);
}

void encode_into(Bytes& out, const Item& item) {
  if (!item.is_list()) {
    const Bytes& value = item.as_bytes();
    if (value.size() == 1 && value[0] < kShortString) {
      out.push_back(value[0]);
      return;
    }
    append_header(out, value.size(), kShortString);
    append(out, value);
    return;
  }
  Bytes payload;
  for (const Item& child : item.as_list()) encode_into(payload, child);
  append_header(out, payload.size(), kShortList);
  append(out, payload);
}

[[noreturn]] void fail(const std::string& why, std::size_t offset) {
  throw ParseError("RLP: " + why + " at offset " + std::to_string(offset));
}

struct Header {
  bool is_list = false;
  std::size_t payload_offset = 0;  // absolute
  std::size_t payload_size = 0;
};

class Decoder {
 public:
  Decoder(ByteSpan input, const DecodeLimits& limits) : input_(input), limits_(limits) {}

  Item decode_all() {
    if (input_.empty()) fail("empty input", 0);
    std::size_t end = 0;
    Item item = decode_item(0, input_.size(), 0, end);
    if (end != input_.size()) fail(std::to_string(input_.size() - end) + " trailing bytes", end);
    return item;
  }

 private:
  // Decodes the item starting at `offset` that must end at or before `limit`; sets `end`.
  Item decode_item(std::size_t offset, std::size_t limit, std::size_t depth, std::size_t& end) {
    if (++item_count_ > limits_.max_items) fail("more than " + std::to_string(limits_.max_items) + " items", offset);
    const Header header = read_header(offset, limit);
    end = header.payload_offset + header.payload_size;
    if (!header.is_list) {
      const auto payload = input_.subspan(header.payload_offset, header.payload_size);
      return Item::bytes(payload);
    }
    if (depth >= limits_.max_depth) fail("lists nested deeper than " + std::to_string(limits_.max_depth), offset);
    std::vector<Item> children;
    std::size_t cursor = header.payload_offset;
    while (cursor < end) {
      std::size_t child_end = 0;
      children.push_back(decode_item(cursor, end, depth + 1, child_end));
      cursor = child_end;
    }
    return Item::list(std::move(children));
  }

  Header read_header(std::size_t offset, std::size_t limit) {
    const std::uint8_t prefix = input_[offset];
    if (prefix < kShortString) return {false, offset, 1};
    if (prefix <= kLongString) {
      const std::size_t size = prefix - kShortString;
      check_fits(offset, 1, size, limit);
      if (size == 1 && input_[offset + 1] < kShortString) fail("single byte below 0x80 must not have a prefix", offset);
      return {false, offset + 1, size};
    }
    if (prefix < kShortList) return read_long_header(offset, limit, prefix - kLongString, false);
    if (prefix <= kLongList) {
      const std::size_t size = prefix - kShortList;
      check_fits(offset, 1, size, limit);
      return {true, offset + 1, size};
    }
    return read_long_header(offset, limit, prefix - kLongList, true);
  }

  Header read_long_header(std::size_t offset, std::size_t limit, std::size_t length_of_length, bool is_list) {
    check_fits(offset, 1, length_of_length, limit);
    if (input_[offset + 1] == 0) fail("length with leading zero", offset);
    if (length_of_length > sizeof(std::uint32_t)) fail("length field of " + std::to_string(length_of_length) + " bytes", offset);
    std::size_t size = 0;
    for (std::size_t i = 0; i < length_of_length; ++i) size = (size << 8) | input_[offset + 1 + i];
    if (size <= kMaxShortPayload) fail("long form used for a payload of " + std::to_string(size) + " bytes", offset);
    check_fits(offset, 1 + length_of_length, size, limit);
    return {is_list, offset + 1 + length_of_length, size};
  }

  static void check_fits(std::size_t offset, std::size_t header_size, std::size_t payload_size, std::size_t limit) {
    // Written as subtractions so that no sum can overflow.
    if (limit - offset < header_size || limit - offset - header_size < payload_size) {
      fail("item of " + std::to_string(payload_size) + " bytes runs past the end of its container", offset);
    }
  }

  ByteSpan input_;
  DecodeLimits limits_;
  std::size_t item_count_ = 0;
};

}  // namespace

Item Item::uint(std::uint64_t value) { return bytes(minimal_be(value)); }

const Bytes& Item::as_bytes() const {
  if (is_list_) throw ParseError("RLP: expected a byte string, found a list");
  return bytes_;
}

const std::vector<Item>& Item::as_list() const {
  if (!is_list_) throw ParseError("RLP: expected a list, found a byte string");
  return items_;
}

std::uint64_t Item::as_u64(const char* what) const {
  const Bytes& value = as_bytes();
  if (value.size() > sizeof(std::uint64_t)) throw ParseError(std::string("RLP: ") + what + " does not fit in 64 bits");
  if (!value.empty() && value[0] == 0) throw ParseError(std::string("RLP: ") + what + " has a leading zero byte");
  std::uint64_t result = 0;
  for (const auto b : value) result = (result << 8) | b;
  return result;
}

Uint256 Item::as_uint256(const char* what) const {
  const Bytes& value = as_bytes();
  if (value.size() > 32) throw ParseError(std::string("RLP: ") + what + " does not fit in 256 bits");
  if (!value.empty() && value[0] == 0) throw ParseError(std::string("RLP: ") + what + " has a leading zero byte");
  return Uint256::from_be_bytes(value);
}

Bytes encode(const Item& item) {
  Bytes out;
  encode_into(out, item);
  return out;
}

Item decode(ByteSpan input, const DecodeLimits& limits) { return Decoder(input, limits).decode_all(); }

}  // namespace zg::eth::rlp
