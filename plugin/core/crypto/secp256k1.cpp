#include "crypto/secp256k1.hpp"

#include <secp256k1.h>
#include <secp256k1_ecdh.h>
#include <secp256k1_recovery.h>
#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <random>

#include "common/error.hpp"
#include "common/hex.hpp"

namespace zg::crypto {
namespace {

// libsecp256k1 aborts on an illegal argument unless told otherwise. Every call's return value is
// checked here, so a bad argument becomes an ordinary failure (and an exception) instead.
void ignore_illegal_argument(const char* /*message*/, void* /*data*/) {}

struct ContextDeleter {
  void operator()(secp256k1_context* context) const noexcept { secp256k1_context_destroy(context); }
};
using ContextPtr = std::unique_ptr<secp256k1_context, ContextDeleter>;

void fill_random(std::span<std::uint8_t> out) {
  std::size_t filled = 0;
  while (filled < out.size()) {
    const auto got = getrandom(out.data() + filled, out.size() - filled, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    filled += static_cast<std::size_t>(got);
  }
  if (filled == out.size()) return;
  std::random_device device;  // only reached where getrandom(2) is unavailable
  for (std::size_t i = filled; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(device());
}

ContextPtr create_context() {
  ContextPtr context(secp256k1_context_create(SECP256K1_CONTEXT_NONE));
  if (!context) throw Error("secp256k1: cannot create a context");
  secp256k1_context_set_illegal_callback(context.get(), ignore_illegal_argument, nullptr);
  // Randomizing blinds signing and key generation against timing and power side channels.
  Secret<32> seed;
  fill_random(seed.mutable_view());
  if (secp256k1_context_randomize(context.get(), seed.data()) != 1) throw Error("secp256k1: cannot randomize the context");
  return context;
}

// Created and randomized once (thread-safe static init); after that only read, which libsecp256k1
// allows from any number of threads.
const secp256k1_context* context() {
  static const ContextPtr instance = create_context();
  return instance.get();
}

PublicKey serialize(const secp256k1_pubkey& point) {
  FixedBytes<65> full{};
  std::size_t size = full.size();
  if (secp256k1_ec_pubkey_serialize(context(), full.data(), &size, &point, SECP256K1_EC_UNCOMPRESSED) != 1) {
    throw Error("secp256k1: cannot serialize a public key");
  }
  PublicKey key{};
  std::copy(full.begin() + 1, full.end(), key.begin());
  return key;
}

secp256k1_pubkey parse_point(ByteSpan serialized) {
  secp256k1_pubkey point;
  if (secp256k1_ec_pubkey_parse(context(), &point, serialized.data(), serialized.size()) != 1) {
    throw ParseError("public key: not a point on the secp256k1 curve");
  }
  return point;
}

FixedBytes<64> compact(const Signature& signature) noexcept {
  FixedBytes<64> rs{};
  std::copy(signature.r.begin(), signature.r.end(), rs.begin());
  std::copy(signature.s.begin(), signature.s.end(), rs.begin() + 32);
  return rs;
}

bool is_zero(const FixedBytes<32>& value) noexcept {
  return std::all_of(value.begin(), value.end(), [](std::uint8_t b) { return b == 0; });
}

// Only canonical signatures pass: r and s in [1, n), s in the lower half (EIP-2), recovery id 0 or 1.
// High-s twins of valid signatures are refused so that one signature has exactly one encoding.
void require_canonical(const Signature& signature) {
  if (signature.recovery_id > 1) {
    throw ParseError("signature: recovery id must be 0 or 1, got " + std::to_string(signature.recovery_id));
  }
  if (is_zero(signature.r) || is_zero(signature.s)) throw ParseError("signature: r and s must be non-zero");
  secp256k1_ecdsa_signature plain;
  const auto rs = compact(signature);
  if (secp256k1_ecdsa_signature_parse_compact(context(), &plain, rs.data()) != 1) {
    throw ParseError("signature: r or s is not below the secp256k1 curve order");
  }
  // normalize() reports whether s had to be flipped into the lower half.
  if (secp256k1_ecdsa_signature_normalize(context(), nullptr, &plain) == 1) {
    throw ParseError("signature: s is in the upper half of the curve order (not a canonical low-s signature)");
  }
}

// Writes the full shared point instead of hashing it: ECIES derives its own keys from 0x04 || X || Y.
int copy_uncompressed_point(unsigned char* output, const unsigned char* x32, const unsigned char* y32, void* /*data*/) {
  output[0] = 0x04;
  std::memcpy(output + 1, x32, 32);
  std::memcpy(output + 33, y32, 32);
  return 1;
}

}  // namespace

FixedBytes<65> Signature::to_rsv(std::uint8_t v_offset) const noexcept {
  FixedBytes<65> rsv{};
  const auto rs = compact(*this);
  std::copy(rs.begin(), rs.end(), rsv.begin());
  rsv[64] = static_cast<std::uint8_t>(v_offset + recovery_id);
  return rsv;
}

Signature Signature::from_rsv(ByteSpan rsv) {
  if (rsv.size() != 65) {
    throw ParseError("signature: expected 65 bytes (r, s, v), got " + std::to_string(rsv.size()));
  }
  const std::uint8_t v = rsv[64];
  if (v != 0 && v != 1 && v != 27 && v != 28) {
    throw ParseError("signature: v must be 0, 1, 27 or 28, got " + std::to_string(v));
  }
  Signature signature;
  std::copy(rsv.begin(), rsv.begin() + 32, signature.r.begin());
  std::copy(rsv.begin() + 32, rsv.begin() + 64, signature.s.begin());
  signature.recovery_id = static_cast<std::uint8_t>(v >= 27 ? v - 27 : v);
  require_canonical(signature);
  return signature;
}

Signature Signature::from_hex(std::string_view hex) { return from_rsv(fixed_from_hex<65>(hex, "signature")); }

std::string Signature::to_hex(std::uint8_t v_offset) const { return zg::to_hex(to_rsv(v_offset)); }

PrivateKey::PrivateKey(std::span<const std::uint8_t, 32> secret) : secret_(secret) {
  if (secp256k1_ec_seckey_verify(context(), secret_.data()) != 1) {
    throw UsageError("private key: must be a non-zero number below the secp256k1 curve order");
  }
}

PrivateKey PrivateKey::from_hex(std::string_view hex) {
  Secret<32> raw;  // wiped on the way out, also when decoding throws half-way
  decode_hex_into(hex, raw.mutable_view(), "private key");
  return PrivateKey(raw.view());
}

PublicKey PrivateKey::public_key() const {
  secp256k1_pubkey point;
  if (secp256k1_ec_pubkey_create(context(), &point, secret_.data()) != 1) {
    throw Error("secp256k1: cannot derive the public key");
  }
  return serialize(point);
}

Signature PrivateKey::sign_hash(const Hash256& digest) const {
  // A null nonce function selects RFC 6979, so signatures are deterministic and match ethers.
  secp256k1_ecdsa_recoverable_signature native;
  if (secp256k1_ecdsa_sign_recoverable(context(), &native, digest.data(), secret_.data(), nullptr, nullptr) != 1) {
    throw Error("secp256k1: signing failed");
  }
  FixedBytes<64> rs{};
  int recovery_id = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), rs.data(), &recovery_id, &native);
  Signature signature;
  std::copy(rs.begin(), rs.begin() + 32, signature.r.begin());
  std::copy(rs.begin() + 32, rs.end(), signature.s.begin());
  signature.recovery_id = static_cast<std::uint8_t>(recovery_id);
  return signature;
}

PublicKey recover(const Hash256& digest, const Signature& signature) {
  require_canonical(signature);
  secp256k1_ecdsa_recoverable_signature native;
  const auto rs = compact(signature);
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &native, rs.data(), signature.recovery_id) != 1) {
    throw ParseError("signature: cannot be parsed");
  }
  secp256k1_pubkey point;
  if (secp256k1_ecdsa_recover(context(), &point, &native, digest.data()) != 1) {
    throw ParseError("signature: no public key recovers from this signature and digest");
  }
  return serialize(point);
}

bool verify(const Hash256& digest, const Signature& signature, const PublicKey& key) noexcept {
  secp256k1_ecdsa_signature plain;
  const auto rs = compact(signature);
  if (secp256k1_ecdsa_signature_parse_compact(context(), &plain, rs.data()) != 1) return false;
  const auto full = uncompressed(key);
  secp256k1_pubkey point;
  if (secp256k1_ec_pubkey_parse(context(), &point, full.data(), full.size()) != 1) return false;
  // Rejects high-s on its own, in line with require_canonical.
  return secp256k1_ecdsa_verify(context(), &plain, digest.data(), &point) == 1;
}

FixedBytes<65> shared_point(const PrivateKey& own, const PublicKey& peer) {
  auto point = parse_point(uncompressed(peer));
  // secp256k1_ecdh multiplies in constant time (tweak_mul would not) and hands us x and y.
  FixedBytes<65> shared{};
  const int ok = secp256k1_ecdh(context(), shared.data(), &point, own.secret().data(), copy_uncompressed_point, nullptr);
  if (ok != 1) throw Error("secp256k1: ECDH failed");
  return shared;
}

FixedBytes<65> uncompressed(const PublicKey& key) noexcept {
  FixedBytes<65> full{};
  full[0] = 0x04;
  std::copy(key.begin(), key.end(), full.begin() + 1);
  return full;
}

PublicKey parse_public_key(ByteSpan serialized) {
  const bool compressed = serialized.size() == 33 && (serialized[0] == 0x02 || serialized[0] == 0x03);
  const bool full = serialized.size() == 65 && serialized[0] == 0x04;
  if (serialized.size() != 33 && serialized.size() != 65) {
    throw ParseError("public key: expected 33 (compressed) or 65 (uncompressed) bytes, got " +
                     std::to_string(serialized.size()));
  }
  if (!compressed && !full) {
    throw ParseError("public key: prefix byte " + zg::to_hex(serialized.first(1)) + " does not fit a " +
                     std::to_string(serialized.size()) + "-byte key");
  }
  return serialize(parse_point(serialized));
}

}  // namespace zg::crypto
