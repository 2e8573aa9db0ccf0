#pragma once
// AES-256-GCM (OpenSSL EVP, or mbedTLS where ZG_AES_GCM_OPENSSL is 0) with 12- or 16-byte nonces (16 bytes: GCM's GHASH-derived J0, as ECIES
// uses it), optional AAD and a 16-byte tag. Decryption never hands out plaintext whose tag failed.
#include <memory>

#include "common/bytes.hpp"
#include "common/error.hpp"

namespace zg::crypto {

inline constexpr std::size_t kAes256KeySize = 32;
inline constexpr std::size_t kGcmTagSize = 16;
using GcmTag = FixedBytes<kGcmTagSize>;

// The ciphertext or its tag does not match the key, nonce and AAD: wrong key or tampered data.
class AuthenticationError : public Error {
 public:
  using Error::Error;
};

struct GcmSealed {
  Bytes ciphertext;
  GcmTag tag{};
};

// One keyed context, reusable for many messages (the model file's chunks). Besides one-shot
// seal/open it offers a streaming interface, so a 64 MiB chunk can pass through a small buffer:
//   begin(nonce) -> update(...)* -> finish_encrypt() / finish_decrypt(tag).
// Streaming decryption releases plaintext before the tag is checked: the caller must discard all of
// it when finish_decrypt throws (the model decryptor writes to a temporary file for that reason).
class AesGcm {
 public:
  explicit AesGcm(std::span<const std::uint8_t, kAes256KeySize> key);
  ~AesGcm();
  AesGcm(const AesGcm&) = delete;
  AesGcm& operator=(const AesGcm&) = delete;
  AesGcm(AesGcm&&) noexcept;
  AesGcm& operator=(AesGcm&&) noexcept;

  GcmSealed seal(ByteSpan nonce, ByteSpan plaintext, ByteSpan aad = {});
  // Throws AuthenticationError (and returns nothing) when the tag does not match.
  Bytes open(ByteSpan nonce, ByteSpan ciphertext, const GcmTag& tag, ByteSpan aad = {});

  enum class Direction { encrypt, decrypt };
  void begin(Direction direction, ByteSpan nonce, ByteSpan aad = {});
  // `in` and `out` have the same size and are either the same buffer (in place) or do not overlap.
  // Every piece but the last of a message must be a multiple of 16 bytes (an mbedTLS rule, kept for
  // both engines); breaking it is a UsageError.
  void update(ByteSpan in, MutableByteSpan out);
  GcmTag finish_encrypt();
  // Compares in constant time; throws AuthenticationError on mismatch.
  void finish_decrypt(const GcmTag& expected);

 private:
  void start_message(Direction direction, ByteSpan nonce, ByteSpan aad);
  void transform(ByteSpan in, MutableByteSpan out);
  void end_message();
  GcmTag finish();  // mbedTLS only: the computed tag

  struct Context;
  std::unique_ptr<Context> context_;
};

// One-shot helpers.
GcmSealed aes256_gcm_encrypt(std::span<const std::uint8_t, kAes256KeySize> key, ByteSpan nonce, ByteSpan plaintext,
                             ByteSpan aad = {});
Bytes aes256_gcm_decrypt(std::span<const std::uint8_t, kAes256KeySize> key, ByteSpan nonce, ByteSpan ciphertext,
                         const GcmTag& tag, ByteSpan aad = {});

// Fills `out` from the operating system's CSPRNG (getrandom): keys, nonces, ephemeral ECIES keys.
void fill_random(MutableByteSpan out);

}  // namespace zg::crypto
