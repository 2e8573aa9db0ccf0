#include "crypto/aes_gcm.hpp"

#include <cerrno>
#include <string>

#include <mbedtls/gcm.h>
#include <sys/random.h>

#include "common/secret.hpp"

namespace zg::crypto {

struct AesGcm::Context {
  Context() noexcept { mbedtls_gcm_init(&raw); }
  ~Context() { mbedtls_gcm_free(&raw); }  // also wipes the key schedule
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  mbedtls_gcm_context raw;
  bool in_message = false;
  bool saw_partial_block = false;  // a piece that was not a multiple of 16 ends the message's input
};

namespace {

void check(int status, const char* step) {
  if (status != 0) throw Error(std::string("aes-gcm: ") + step + " failed (mbedTLS error " + std::to_string(status) + ")");
}

void check_nonce(ByteSpan nonce) {
  if (nonce.size() != 12 && nonce.size() != 16) {
    throw UsageError("aes-gcm: nonce must be 12 or 16 bytes, not " + std::to_string(nonce.size()));
  }
}

bool equal_in_constant_time(const GcmTag& a, const GcmTag& b) noexcept {
  std::uint8_t difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) difference |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  return difference == 0;
}

}  // namespace

AesGcm::AesGcm(std::span<const std::uint8_t, kAes256KeySize> key) : context_(std::make_unique<Context>()) {
  check(mbedtls_gcm_setkey(&context_->raw, MBEDTLS_CIPHER_ID_AES, key.data(), 256), "set key");
}
AesGcm::~AesGcm() = default;
AesGcm::AesGcm(AesGcm&&) noexcept = default;
AesGcm& AesGcm::operator=(AesGcm&&) noexcept = default;

void AesGcm::begin(Direction direction, ByteSpan nonce, ByteSpan aad) {
  check_nonce(nonce);
  const int mode = direction == Direction::encrypt ? MBEDTLS_GCM_ENCRYPT : MBEDTLS_GCM_DECRYPT;
  check(mbedtls_gcm_starts(&context_->raw, mode, nonce.data(), nonce.size(), aad.data(), aad.size()), "start");
  context_->in_message = true;
  context_->saw_partial_block = false;
}

void AesGcm::update(ByteSpan in, MutableByteSpan out) {
  if (!context_->in_message) throw UsageError("aes-gcm: update() before begin()");
  if (in.size() != out.size()) throw UsageError("aes-gcm: input and output sizes differ");
  if (in.empty()) return;
  if (context_->saw_partial_block) throw UsageError("aes-gcm: only the last piece may be shorter than a 16-byte multiple");
  context_->saw_partial_block = in.size() % 16 != 0;
  check(mbedtls_gcm_update(&context_->raw, in.size(), in.data(), out.data()), "update");
}

GcmTag AesGcm::finish() {
  if (!context_->in_message) throw UsageError("aes-gcm: finish() before begin()");
  context_->in_message = false;
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
