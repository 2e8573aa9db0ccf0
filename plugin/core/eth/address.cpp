#include "eth/address.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/keccak.hpp"

namespace zg::eth {
namespace {

constexpr std::size_t kHexDigits = 40;

bool has_letter_in(std::string_view digits, char first, char last) noexcept {
  return std::any_of(digits.begin(), digits.end(), [=](char c) { return c >= first && c <= last; });
}

// EIP-55: the i-th hex letter is upper case when the i-th nibble of keccak(lowercase hex) is >= 8.
bool nibble_says_upper(const Hash256& hash, std::size_t index) noexcept {
  const std::uint8_t byte = hash[index / 2];
  const std::uint8_t nibble = (index % 2 == 0) ? (byte >> 4) : (byte & 0x0f);
  return nibble >= 8;
}

}  // namespace

Address Address::from_hex(std::string_view text) {
  if (text.size() != 2 + kHexDigits || !text.starts_with("0x")) {
    throw ParseError("address: expected 0x followed by 40 hex digits, got " + std::to_string(text.size()) +
                     " characters");
  }
  FixedBytes<20> bytes{};
  decode_hex_into(text, bytes, "address");
  const Address address(bytes);
  // A mixed-case address claims a checksum; all-lower and all-upper carry none.
  const auto digits = text.substr(2);
  if (has_letter_in(digits, 'a', 'f') && has_letter_in(digits, 'A', 'F') && address.checksummed() != text) {
    // The correct spelling is left out on purpose: it would bless whatever typo the text holds.
    throw ParseError("address " + std::string(text) + ": bad EIP-55 checksum");
  }
  return address;
}

Address Address::from_public_key(const crypto::PublicKey& key) noexcept {
  const Hash256 hash = crypto::keccak256(key);
  FixedBytes<20> bytes{};
  std::copy(hash.end() - 20, hash.end(), bytes.begin());
  return Address(bytes);
}

std::string Address::checksummed() const {
  std::string text = lower_hex();
  const Hash256 hash = crypto::keccak256(as_bytes(std::string_view(text).substr(2)));
  for (std::size_t i = 0; i < kHexDigits; ++i) {
    char& digit = text[2 + i];
    if (digit >= 'a' && nibble_says_upper(hash, i)) digit = static_cast<char>(digit - 'a' + 'A');
  }
  return text;
}

std::string Address::lower_hex() const { return to_hex(bytes_); }

bool Address::is_zero() const noexcept {
  return std::all_of(bytes_.begin(), bytes_.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace zg::eth
