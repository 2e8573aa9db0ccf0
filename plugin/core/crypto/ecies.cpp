#include "crypto/ecies.hpp"

#include <algorithm>
#include <string>

#include "common/error.hpp"
#include "crypto/hkdf.hpp"

namespace zg::crypto::ecies {
namespace {

// A uniformly random valid scalar: retry the (astronomically rare) zero or >= n draws.
PrivateKey random_private_key() {
  Secret<32> candidate;
  for (;;) {
    fill_random(candidate.mutable_view());
    try {
      return PrivateKey(candidate.view());
    } catch (const UsageError&) {
    }
  }
}

// Splits a blob into its parts; throws ParseError when it is too short or the point is malformed.
struct BlobParts {
  FixedBytes<65> ephemeral_public{};
  PublicKey ephemeral_key{};
  ByteSpan nonce;
  GcmTag tag{};
  ByteSpan ciphertext;
};

BlobParts split_blob(ByteSpan blob) {
  if (blob.size() < kOverhead) {
    throw ParseError("ecies: message is " + std::to_string(blob.size()) + " bytes, shorter than the " +
                     std::to_string(kOverhead) + "-byte header (ephemeral key, nonce, tag)");
  }
  BlobParts parts;
  const auto ephemeral = blob.first(kEphemeralKeySize);
  if (ephemeral[0] != 0x04) {
    throw ParseError("ecies: the ephemeral public key is not in uncompressed form (first byte is not 0x04)");
  }
  std::copy(ephemeral.begin(), ephemeral.end(), parts.ephemeral_public.begin());
  try {
    parts.ephemeral_key = parse_public_key(ephemeral);
  } catch (const Error& error) {
    throw ParseError(std::string("ecies: the ephemeral public key is not a point on secp256k1 (") + error.what() + ")");
  }
  parts.nonce = blob.subspan(kEphemeralKeySize, kNonceSize);
  const auto tag = blob.subspan(kEphemeralKeySize + kNonceSize, kGcmTagSize);
  std::copy(tag.begin(), tag.end(), parts.tag.begin());
  parts.ciphertext = blob.subspan(kOverhead);
  return parts;
}

}  // namespace

Secret<32> derive_key(const FixedBytes<65>& ephemeral_public, const FixedBytes<65>& shared_point) {
  FixedBytes<130> ikm{};
  std::copy(ephemeral_public.begin(), ephemeral_public.end(), ikm.begin());
  std::copy(shared_point.begin(), shared_point.end(), ikm.begin() + 65);
  auto key = hkdf_sha256_key(ikm);
  secure_wipe(ikm.data(), ikm.size());  // the shared point is as secret as the key it yields
  return key;
}

Bytes encrypt(const PublicKey& receiver, ByteSpan plaintext) {
  Nonce nonce{};
  fill_random(nonce);
  return encrypt(receiver, plaintext, random_private_key(), nonce);
}

Bytes encrypt(const PublicKey& receiver, ByteSpan plaintext, const PrivateKey& ephemeral, const Nonce& nonce) {
  const auto ephemeral_public = uncompressed(ephemeral.public_key());
  auto shared = shared_point(ephemeral, receiver);
  const auto key = derive_key(ephemeral_public, shared);
  secure_wipe(shared.data(), shared.size());
  auto sealed = aes256_gcm_encrypt(key.view(), nonce, plaintext);

  Bytes blob(kOverhead + plaintext.size());
  auto out = std::copy(ephemeral_public.begin(), ephemeral_public.end(), blob.begin());
  out = std::copy(nonce.begin(), nonce.end(), out);
  out = std::copy(sealed.tag.begin(), sealed.tag.end(), out);
  std::copy(sealed.ciphertext.begin(), sealed.ciphertext.end(), out);
  return blob;
}

Bytes decrypt(const PrivateKey& receiver, ByteSpan blob) {
  const auto parts = split_blob(blob);
  auto shared = shared_point(receiver, parts.ephemeral_key);
  const auto key = derive_key(parts.ephemeral_public, shared);
  secure_wipe(shared.data(), shared.size());
  try {
    return aes256_gcm_decrypt(key.view(), parts.nonce, parts.ciphertext, parts.tag);
  } catch (const AuthenticationError&) {
    throw AuthenticationError("ecies: authentication failed (not encrypted to this key, or the message was altered)");
  }
}

Secret<32> decrypt_key(const PrivateKey& receiver, ByteSpan blob) {
  auto plaintext = decrypt(receiver, blob);
  if (plaintext.size() != 32) {
    const auto size = plaintext.size();
    secure_wipe(plaintext.data(), plaintext.size());
    throw ParseError("ecies: the decrypted secret is " + std::to_string(size) + " bytes, expected a 32-byte key");
  }
  Secret<32> key{std::span<const std::uint8_t, 32>(plaintext.data(), 32)};
  secure_wipe(plaintext.data(), plaintext.size());
  return key;
}

}  // namespace zg::crypto::ecies
