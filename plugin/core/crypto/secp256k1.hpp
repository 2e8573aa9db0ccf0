#pragma once
// secp256k1 keys, ECDSA signing (RFC 6979, low-s, as ethers does) and public key recovery,
// through libsecp256k1. Private keys live in zg::Secret and are wiped when dropped.
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "common/secret.hpp"

namespace zg::crypto {

// A 65-byte recoverable signature: r, s and the recovery id (0 or 1).
struct Signature {
  FixedBytes<32> r{};
  FixedBytes<32> s{};
  std::uint8_t recovery_id = 0;

  // r || s || v with v = 27 + recovery_id: the Ethereum wire form ("0x" + 130 hex digits).
  FixedBytes<65> to_rsv(std::uint8_t v_offset = 27) const noexcept;
  // Accepts v in {0, 1, 27, 28}; anything else, or a high s, is a ParseError.
  static Signature from_rsv(ByteSpan rsv);
  static Signature from_hex(std::string_view hex);
  std::string to_hex(std::uint8_t v_offset = 27) const;
};

// Uncompressed public key without the 0x04 prefix: X || Y.
using PublicKey = FixedBytes<64>;

class PrivateKey {
 public:
  // Throws UsageError when the scalar is zero or not below the curve order.
  explicit PrivateKey(std::span<const std::uint8_t, 32> secret);
  static PrivateKey from_hex(std::string_view hex);  // "0x"-prefixed or bare; wipes nothing it does not own

  const Secret<32>& secret() const noexcept { return secret_; }
  PublicKey public_key() const;
  Signature sign_hash(const Hash256& digest) const;  // deterministic RFC 6979, low-s

 private:
  Secret<32> secret_;
};

// Recovers the signer's public key; throws ParseError when the signature is not valid for `digest`.
PublicKey recover(const Hash256& digest, const Signature& signature);
// Verifies (r, s) against the key without recovery.
bool verify(const Hash256& digest, const Signature& signature, const PublicKey& key) noexcept;
// ECDH shared point (uncompressed, 65 bytes with 0x04 prefix) as ECIES needs it.
FixedBytes<65> shared_point(const PrivateKey& own, const PublicKey& peer);
// 0x04 || X || Y.
FixedBytes<65> uncompressed(const PublicKey& key) noexcept;
PublicKey parse_public_key(ByteSpan serialized);  // 33 (compressed) or 65 (uncompressed) bytes

}  // namespace zg::crypto
