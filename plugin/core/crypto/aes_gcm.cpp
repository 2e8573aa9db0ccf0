#include "crypto/aes_gcm.hpp"

#include <algorithm>
#include <cerrno>
#include <new>
#include <string>

// OpenSSL unless a build says otherwise (-DZG_AES_GCM_OPENSSL=0 for an mbedTLS-only build).
#ifndef ZG_AES_GCM_OPENSSL
#define ZG_AES_GCM_OPENSSL 1
#endif
#if ZG_AES_GCM_OPENSSL
#include <openssl/evp.h>
#else
#include <mbedtls/gcm.h>
#endif
#include <sys/random.h>

#include "common/secret.hpp"

namespace zg::crypto {

// Two interchangeable engines behind one API: OpenSSL's EVP (AES-NI + PCLMUL stitched GCM, about 2.5x
// mbedTLS 2.28 here, which is what the model decryption speed target needs) and mbedTLS for builds
// without OpenSSL (the edge build). Both accept the same nonces and produce the same bytes; the unit
// tests run against whichever is built.
#if ZG_AES_GCM_OPENSSL
struct AesGcm::Context {
  Context() : raw(EVP_CIPHER_CTX_new()) {
    if (raw == nullptr) throw std::bad_alloc();
  }
  ~Context() { EVP_CIPHER_CTX_free(raw); }  // also wipes the key schedule
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  EVP_CIPHER_CTX* raw;
  FixedBytes<kAes256KeySize> key{};
  bool encrypting = false;
  bool in_message = false;
  bool saw_partial_block = false;  // a piece that was not a multiple of 16 ends the message's input
};
#else
struct AesGcm::Context {
  Context() noexcept { mbedtls_gcm_init(&raw); }
  ~Context() { mbedtls_gcm_free(&raw); }  // also wipes the key schedule
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  mbedtls_gcm_context raw;
  bool in_message = false;
  bool saw_partial_block = false;  // a piece that was not a multiple of 16 ends the message's input
};
#endif

namespace {

#if ZG_AES_GCM_OPENSSL
// EVP calls return 1 on success.
void check(int status, const char* step) {
  if (status != 1) throw Error(std::string("aes-gcm: ") + step + " failed (OpenSSL)");
}
#else
void check(int status, const char* step) {
  if (status != 0) throw Error(std::string("aes-gcm: ") + step + " failed (mbedTLS error " + std::to_string(status) + ")");
}
#endif

void check_nonce(ByteSpan nonce) {
  if (nonce.size() != 12 && nonce.size() != 16) {
    throw UsageError("aes-gcm: nonce must be 12 or 16 bytes, not " + std::to_string(nonce.size()));
  }
}

#if !ZG_AES_GCM_OPENSSL
bool equal_in_constant_time(const GcmTag& a, const GcmTag& b) noexcept {
  std::uint8_t difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) difference |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  return difference == 0;
}
#endif

}  // namespace

#if ZG_AES_GCM_OPENSSL
// EVP binds the direction at init time, so the key is kept and the context keyed again when a
// message's direction differs from the last one (never, in practice: a cipher object does one job).
AesGcm::AesGcm(std::span<const std::uint8_t, kAes256KeySize> key) : context_(std::make_unique<Context>()) {
  std::copy(key.begin(), key.end(), context_->key.begin());
  check(EVP_EncryptInit_ex(context_->raw, EVP_aes_256_gcm(), nullptr, context_->key.data(), nullptr), "set key");
  context_->encrypting = true;
}
AesGcm::~AesGcm() {
  if (context_) secure_wipe(context_->key.data(), context_->key.size());
}
#else
AesGcm::AesGcm(std::span<const std::uint8_t, kAes256KeySize> key) : context_(std::make_unique<Context>()) {
  check(mbedtls_gcm_setkey(&context_->raw, MBEDTLS_CIPHER_ID_AES, key.data(), 256), "set key");
}
AesGcm::~AesGcm() = default;
#endif
AesGcm::AesGcm(AesGcm&&) noexcept = default;
AesGcm& AesGcm::operator=(AesGcm&&) noexcept = default;

void AesGcm::begin(Direction direction, ByteSpan nonce, ByteSpan aad) {
  check_nonce(nonce);
  start_message(direction, nonce, aad);
  context_->in_message = true;
  context_->saw_partial_block = false;
}

void AesGcm::update(ByteSpan in, MutableByteSpan out) {
  if (!context_->in_message) throw UsageError("aes-gcm: update() before begin()");
  if (in.size() != out.size()) throw UsageError("aes-gcm: input and output sizes differ");
  if (in.empty()) return;
  // mbedTLS needs it; OpenSSL does not, but one rule for both keeps callers portable between builds.
  if (context_->saw_partial_block) throw UsageError("aes-gcm: only the last piece may be shorter than a 16-byte multiple");
  context_->saw_partial_block = in.size() % 16 != 0;
  transform(in, out);
}

void AesGcm::end_message() {
  if (!context_->in_message) throw UsageError("aes-gcm: finish() before begin()");
  context_->in_message = false;
}

#if ZG_AES_GCM_OPENSSL
void AesGcm::start_message(Direction direction, ByteSpan nonce, ByteSpan aad) {
  const bool encrypt = direction == Direction::encrypt;
  // Re-key only when the direction changes: EVP fixes the direction at init.
  const std::uint8_t* key = encrypt != context_->encrypting ? context_->key.data() : nullptr;
  check(EVP_CipherInit_ex(context_->raw, nullptr, nullptr, key, nullptr, encrypt ? 1 : 0), "start");
  context_->encrypting = encrypt;
  check(EVP_CIPHER_CTX_ctrl(context_->raw, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr), "set nonce length");
  check(EVP_CipherInit_ex(context_->raw, nullptr, nullptr, nullptr, nonce.data(), -1), "set nonce");
  if (!aad.empty()) {
    int ignored = 0;
    check(EVP_CipherUpdate(context_->raw, nullptr, &ignored, aad.data(), static_cast<int>(aad.size())), "aad");
  }
}

void AesGcm::transform(ByteSpan in, MutableByteSpan out) {
  // EVP takes int lengths: feed pieces below 1 GiB.
  constexpr std::size_t kMaxPiece = std::size_t{1} << 30;
  for (std::size_t done = 0; done < in.size();) {
    const std::size_t piece = std::min(kMaxPiece, in.size() - done);
    int written = 0;
    check(EVP_CipherUpdate(context_->raw, out.data() + done, &written, in.data() + done, static_cast<int>(piece)), "update");
    done += piece;
  }
}

GcmTag AesGcm::finish_encrypt() {
  end_message();
  if (!context_->encrypting) throw UsageError("aes-gcm: finish_encrypt() on a decryption");
  int ignored = 0;
  std::uint8_t last[16];
  check(EVP_CipherFinal_ex(context_->raw, last, &ignored), "finish");
  GcmTag tag{};
  check(EVP_CIPHER_CTX_ctrl(context_->raw, EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag.size()), tag.data()), "get tag");
  return tag;
}

void AesGcm::finish_decrypt(const GcmTag& expected) {
  end_message();
  if (context_->encrypting) throw UsageError("aes-gcm: finish_decrypt() on an encryption");
  GcmTag copy = expected;  // the ctrl takes a non-const pointer
  check(EVP_CIPHER_CTX_ctrl(context_->raw, EVP_CTRL_GCM_SET_TAG, static_cast<int>(copy.size()), copy.data()), "set tag");
  int ignored = 0;
  std::uint8_t last[16];
  // OpenSSL compares the tags in constant time.
  if (EVP_CipherFinal_ex(context_->raw, last, &ignored) != 1) {
    throw AuthenticationError("aes-gcm: authentication tag mismatch (wrong key or corrupted data)");
  }
}
#else
void AesGcm::start_message(Direction direction, ByteSpan nonce, ByteSpan aad) {
  const int mode = direction == Direction::encrypt ? MBEDTLS_GCM_ENCRYPT : MBEDTLS_GCM_DECRYPT;
  check(mbedtls_gcm_starts(&context_->raw, mode, nonce.data(), nonce.size(), aad.data(), aad.size()), "start");
}

void AesGcm::transform(ByteSpan in, MutableByteSpan out) {
  check(mbedtls_gcm_update(&context_->raw, in.size(), in.data(), out.data()), "update");
}

GcmTag AesGcm::finish() {
  end_message();
  GcmTag tag{};
  check(mbedtls_gcm_finish(&context_->raw, tag.data(), tag.size()), "finish");
  return tag;
}

GcmTag AesGcm::finish_encrypt() { return finish(); }

void AesGcm::finish_decrypt(const GcmTag& expected) {
  if (!equal_in_constant_time(finish(), expected)) {
    throw AuthenticationError("aes-gcm: authentication tag mismatch (wrong key or corrupted data)");
  }
}
#endif

GcmSealed AesGcm::seal(ByteSpan nonce, ByteSpan plaintext, ByteSpan aad) {
  GcmSealed sealed;
  sealed.ciphertext.resize(plaintext.size());
  begin(Direction::encrypt, nonce, aad);
  update(plaintext, sealed.ciphertext);
  sealed.tag = finish_encrypt();
  return sealed;
}

Bytes AesGcm::open(ByteSpan nonce, ByteSpan ciphertext, const GcmTag& tag, ByteSpan aad) {
  Bytes plaintext(ciphertext.size());
  begin(Direction::decrypt, nonce, aad);
  update(ciphertext, plaintext);
  try {
    finish_decrypt(tag);
  } catch (const AuthenticationError&) {
    secure_wipe(plaintext.data(), plaintext.size());  // unauthenticated bytes never leave this function
    throw;
  }
  return plaintext;
}

GcmSealed aes256_gcm_encrypt(std::span<const std::uint8_t, kAes256KeySize> key, ByteSpan nonce, ByteSpan plaintext,
                             ByteSpan aad) {
  return AesGcm(key).seal(nonce, plaintext, aad);
}

Bytes aes256_gcm_decrypt(std::span<const std::uint8_t, kAes256KeySize> key, ByteSpan nonce, ByteSpan ciphertext,
                         const GcmTag& tag, ByteSpan aad) {
  return AesGcm(key).open(nonce, ciphertext, tag, aad);
}

void fill_random(MutableByteSpan out) {
  std::size_t filled = 0;
  while (filled < out.size()) {
    const auto got = getrandom(out.data() + filled, out.size() - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw Error("random: getrandom failed (errno " + std::to_string(errno) + ")");
    }
    filled += static_cast<std::size_t>(got);
  }
}

}  // namespace zg::crypto
