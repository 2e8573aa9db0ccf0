#include "crypto/sha256.hpp"

#include <mbedtls/sha256.h>

#include "common/error.hpp"

namespace zg::crypto {

struct Sha256::Context {
  Context() noexcept { mbedtls_sha256_init(&raw); }
  ~Context() { mbedtls_sha256_free(&raw); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  mbedtls_sha256_context raw;
};

namespace {

void check(int status, const char* step) {
  // mbedTLS only fails here on hardware-accelerator errors; surface them rather than hash garbage.
  if (status != 0) throw Error(std::string("sha256: ") + step + " failed (mbedTLS error " + std::to_string(status) + ")");
}

}  // namespace

Sha256::Sha256() : context_(std::make_unique<Context>()) { reset(); }
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::reset() { check(mbedtls_sha256_starts_ret(&context_->raw, 0), "start"); }

Sha256& Sha256::update(ByteSpan data) {
  check(mbedtls_sha256_update_ret(&context_->raw, data.data(), data.size()), "update");
  return *this;
}

Hash256 Sha256::finalize() {
  Hash256 digest{};
  check(mbedtls_sha256_finish_ret(&context_->raw, digest.data()), "finish");
  reset();
  return digest;
}

Hash256 sha256(ByteSpan data) { return Sha256().update(data).finalize(); }

}  // namespace zg::crypto
