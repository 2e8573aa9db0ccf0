#pragma once
// A 20-byte Ethereum address with EIP-55 checksums.
#include <compare>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "crypto/secp256k1.hpp"

namespace zg::eth {

class Address {
 public:
  Address() noexcept = default;
  explicit Address(const FixedBytes<20>& bytes) noexcept : bytes_(bytes) {}

  // Accepts 0x + 40 hex digits. All-lower or all-upper hex is taken as is; mixed case must be a
  // valid EIP-55 checksum, otherwise ParseError ("bad EIP-55 checksum").
  static Address from_hex(std::string_view text);
  static Address from_public_key(const crypto::PublicKey& key) noexcept;  // last 20 bytes of keccak(X||Y)

  std::string checksummed() const;  // EIP-55
  std::string lower_hex() const;    // 0x + lowercase
  const FixedBytes<20>& bytes() const noexcept { return bytes_; }
  bool is_zero() const noexcept;

  friend auto operator<=>(const Address&, const Address&) noexcept = default;

 private:
  FixedBytes<20> bytes_{};
};

}  // namespace zg::eth
