// HKDF-SHA256: RFC 5869 test cases 1-3, the ECIES key of the fine-tuning vectors, and length limits.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/hkdf.hpp"
#include "vectors.hpp"

namespace zg::crypto {
namespace {

struct Rfc5869Case {
  const char* ikm;
  const char* salt;
  const char* info;
  const char* prk;
  const char* okm;
};

// RFC 5869 appendix A.1 (basic), A.2 (long inputs) and A.3 (no salt, no info).
const Rfc5869Case kRfcCases[] = {
    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
     "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a"
     "3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
     "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a"
     "9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
     "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaeb"
     "ecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
     "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
     "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db"
     "71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
};

TEST(Hkdf, Rfc5869ExtractExpandAndOneShot) {
  for (const auto& c : kRfcCases) {
    const auto ikm = from_hex(c.ikm);
    const auto salt = from_hex(c.salt);
    const auto info = from_hex(c.info);
    const auto prk = hkdf_sha256_extract(salt, ikm);
    EXPECT_EQ(to_hex(prk.view(), false), c.prk);

    Bytes okm(from_hex(c.okm).size());
    hkdf_sha256_expand(prk.view(), info, okm);
    EXPECT_EQ(to_hex(okm, false), c.okm);

    Bytes one_shot(okm.size());
    hkdf_sha256(ikm, salt, info, one_shot);
    EXPECT_EQ(one_shot, okm);
  }
}

TEST(Hkdf, DerivesTheEciesKeyOfTheFineTuningVector) {
  const auto v = test::load_vectors("finetune-crypto-vectors.json")["encryptedSecret"];
  Bytes ikm = from_hex(v["ephemeralPublicKey"].get<std::string>());
  append(ikm, from_hex(v["sharedPointUncompressed"].get<std::string>()));
  ASSERT_EQ(ikm.size(), 130u);
  EXPECT_EQ(to_hex(hkdf_sha256_key(ikm).view()), v["hkdfSha256Key"].get<std::string>());
}

TEST(Hkdf, RejectsOutputLengthsOutsideTheRfcRange) {
  const FixedBytes<32> prk{};
  Bytes empty;
  EXPECT_THROW(hkdf_sha256_expand(prk, {}, empty), UsageError);
  Bytes too_long(kHkdfSha256MaxOutput + 1);
  EXPECT_THROW(hkdf_sha256_expand(prk, {}, too_long), UsageError);
  Bytes longest(kHkdfSha256MaxOutput);
  EXPECT_NO_THROW(hkdf_sha256_expand(prk, {}, longest));
  Bytes out(32);
  EXPECT_THROW(hkdf_sha256_expand(ByteSpan(prk).first(16), {}, out), UsageError);
}

}  // namespace
}  // namespace zg::crypto
