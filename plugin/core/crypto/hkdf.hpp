#pragma once
// HKDF with HMAC-SHA256 (RFC 5869) over mbedTLS. An empty salt means "no salt" (HashLen zero bytes,
// as the RFC says); an empty info means "no info". ECIES (eciesjs / ecies-go) uses both empty.
#include "common/bytes.hpp"
#include "common/secret.hpp"

namespace zg::crypto {

inline constexpr std::size_t kHkdfSha256MaxOutput = 255 * 32;

// Extract: PRK = HMAC-SHA256(salt, ikm). The PRK is key material, hence a Secret.
Secret<32> hkdf_sha256_extract(ByteSpan salt, ByteSpan ikm);
// Expand: fills `okm` (1..8160 bytes) from the PRK; any other length is a UsageError.
void hkdf_sha256_expand(ByteSpan prk, ByteSpan info, MutableByteSpan okm);
// Extract then expand.
void hkdf_sha256(ByteSpan ikm, ByteSpan salt, ByteSpan info, MutableByteSpan okm);

// The common case of deriving one 32-byte key.
Secret<32> hkdf_sha256_key(ByteSpan ikm, ByteSpan salt = {}, ByteSpan info = {});

}  // namespace zg::crypto
