#pragma once
// ECIES on secp256k1 in the eciesjs 0.4 / ecies-go v2 default layout (protocol-finetune.md §6):
//
//   ephemeralPub (65, 0x04||X||Y) || nonce (16) || gcmTag (16) || ciphertext (len(plaintext))
//   key    = HKDF-SHA256(IKM = ephemeralPub(65) || sharedPoint(65, uncompressed), no salt, no info, 32)
//   cipher = AES-256-GCM with the 16-byte nonce, no AAD
//
// The fine-tuning broker uses it to hand the model's AES key to the user (Deliverable.encryptedSecret).
#include "common/bytes.hpp"
#include "common/secret.hpp"
#include "crypto/aes_gcm.hpp"
#include "crypto/secp256k1.hpp"

namespace zg::crypto::ecies {

inline constexpr std::size_t kEphemeralKeySize = 65;
inline constexpr std::size_t kNonceSize = 16;
inline constexpr std::size_t kOverhead = kEphemeralKeySize + kNonceSize + kGcmTagSize;  // 97

using Nonce = FixedBytes<kNonceSize>;

// The symmetric key of one message: HKDF-SHA256(ephemeralPub || sharedPoint).
Secret<32> derive_key(const FixedBytes<65>& ephemeral_public, const FixedBytes<65>& shared_point);

// Encrypts with a fresh random ephemeral key and nonce.
Bytes encrypt(const PublicKey& receiver, ByteSpan plaintext);
// Deterministic form for test vectors and simulators: the caller pins the ephemeral key and nonce.
// Never reuse an (ephemeral key, nonce) pair for two messages.
Bytes encrypt(const PublicKey& receiver, ByteSpan plaintext, const PrivateKey& ephemeral, const Nonce& nonce);

// Throws ParseError for a blob shorter than 97 bytes or an ephemeral key that is not a valid
// uncompressed curve point, and AuthenticationError when the key or any byte is wrong.
Bytes decrypt(const PrivateKey& receiver, ByteSpan blob);
// decrypt() for a message that must be a 32-byte key (the model's AES key); other lengths are a
// ParseError, and the intermediate plaintext is wiped.
Secret<32> decrypt_key(const PrivateKey& receiver, ByteSpan blob);

}  // namespace zg::crypto::ecies
