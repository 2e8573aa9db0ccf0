#include "crypto/hkdf.hpp"

#include <string>

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>

#include "common/error.hpp"

namespace zg::crypto {
namespace {

const mbedtls_md_info_t* sha256_info() {
  const auto* info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  if (info == nullptr) throw Error("hkdf: this mbedTLS build has no SHA-256");
  return info;
}

void check(int status, const char* step) {
  if (status != 0) throw Error(std::string("hkdf: ") + step + " failed (mbedTLS error " + std::to_string(status) + ")");
}

void check_output_length(std::size_t length) {
  if (length == 0 || length > kHkdfSha256MaxOutput) {
    throw UsageError("hkdf: output length must be 1.." + std::to_string(kHkdfSha256MaxOutput) + " bytes, not " +
                     std::to_string(length));
  }
}

}  // namespace

Secret<32> hkdf_sha256_extract(ByteSpan salt, ByteSpan ikm) {
  Secret<32> prk;
  // mbedTLS treats a null salt as HashLen zero bytes, which is the RFC's "no salt".
  check(mbedtls_hkdf_extract(sha256_info(), salt.empty() ? nullptr : salt.data(), salt.size(), ikm.data(), ikm.size(),
                             prk.mutable_view().data()),
        "extract");
  return prk;
}

void hkdf_sha256_expand(ByteSpan prk, ByteSpan info, MutableByteSpan okm) {
  check_output_length(okm.size());
  if (prk.size() < 32) throw UsageError("hkdf: the PRK must be at least 32 bytes");
  check(mbedtls_hkdf_expand(sha256_info(), prk.data(), prk.size(), info.data(), info.size(), okm.data(), okm.size()),
        "expand");
}

void hkdf_sha256(ByteSpan ikm, ByteSpan salt, ByteSpan info, MutableByteSpan okm) {
  check_output_length(okm.size());
  const auto prk = hkdf_sha256_extract(salt, ikm);
  hkdf_sha256_expand(prk.view(), info, okm);
}

Secret<32> hkdf_sha256_key(ByteSpan ikm, ByteSpan salt, ByteSpan info) {
  Secret<32> key;
  hkdf_sha256(ikm, salt, info, key.mutable_view());
  return key;
}

}  // namespace zg::crypto
