// ECIES (eciesjs 0.4 / ecies-go v2 layout): the SDK vector byte for byte with every intermediate
// value, blobs produced by eciesjs 0.4.18 itself, and a clear error for every kind of bad blob.
#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/ecies.hpp"
#include "crypto/keccak.hpp"
#include "vectors.hpp"

namespace zg::crypto::ecies {
namespace {

class EciesVector : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto all = test::load_vectors("finetune-crypto-vectors.json");
    keys_ = all["keys"];
    v_ = all["encryptedSecret"];
  }
  std::string field(const char* name) const { return v_[name].get<std::string>(); }
  PrivateKey user() const { return PrivateKey::from_hex(keys_["userPrivateKey"].get<std::string>()); }
  PublicKey user_public() const { return parse_public_key(from_hex(keys_["userPublicKeyUncompressed"].get<std::string>())); }
  PrivateKey ephemeral() const { return PrivateKey::from_hex(field("ephemeralPrivateKey")); }
  Bytes blob() const { return from_hex(field("encryptedSecret")); }

  nlohmann::json keys_;
  nlohmann::json v_;
};

TEST_F(EciesVector, PinnedInputsAreAsDocumented) {
  EXPECT_EQ(to_hex(keccak256(as_bytes("0g-finetune-vector/ecies-ephemeral"))), field("ephemeralPrivateKey"));
  EXPECT_EQ(to_hex(uncompressed(ephemeral().public_key())), field("ephemeralPublicKey"));
  EXPECT_EQ(v_["encryptedSecretLength"].get<std::size_t>(), kOverhead + 32);
}

TEST_F(EciesVector, EveryIntermediateValueMatches) {
  const auto shared = shared_point(ephemeral(), user_public());
  EXPECT_EQ(to_hex(shared), field("sharedPointUncompressed"));
  EXPECT_EQ(shared_point(user(), ephemeral().public_key()), shared);  // ECDH is symmetric

  const auto key = derive_key(uncompressed(ephemeral().public_key()), shared);
  EXPECT_EQ(to_hex(key.view()), field("hkdfSha256Key"));

  const auto sealed = aes256_gcm_encrypt(key.view(), from_hex(field("nonce16")), from_hex(field("aesKey")));
  EXPECT_EQ(to_hex(sealed.tag), field("gcmTag"));
  EXPECT_EQ(to_hex(sealed.ciphertext), field("ciphertext"));
}

TEST_F(EciesVector, EncryptWithPinnedEphemeralKeyAndNonceIsByteIdentical) {
  const auto nonce = fixed_from_hex<16>(field("nonce16"), "nonce");
  const auto encrypted = encrypt(user_public(), from_hex(field("aesKey")), ephemeral(), nonce);
  EXPECT_EQ(to_hex(encrypted), field("encryptedSecret"));
}

TEST_F(EciesVector, DecryptRecoversTheAesKey) {
  EXPECT_EQ(to_hex(decrypt(user(), blob())), field("aesKey"));
  EXPECT_EQ(to_hex(decrypt_key(user(), blob()).view()), field("aesKey"));
}

// Produced by eciesjs 0.4.18 `encrypt(userPub, msg)` (random ephemeral key and nonce).
TEST_F(EciesVector, DecryptsWhatEciesjsEncrypts) {
  const auto hello = from_hex(
      "04ace01c9998a42de17629a1c7b1beb2870538fd59012ec58b3a04cd89fc15a5a1a820631cf406d3370bf51d46ed6f59367506ac8f6ea565b3cc37dd28cd"
      "42b1700656cc472e63b3a8cea599752f4c71a001a51ab0e51e0ddbedaf5d739ca88d83b0ce9ab093bcb66d03016f0c5edaefd4ea33f77e");
  EXPECT_EQ(as_text(decrypt(user(), hello)), "hello 0G fine-tuning");
  const auto empty = from_hex(
      "04f104dce7d2fa3f416b28082913005fad4ca7f472de65b402c9cadf87a90ccfd9e4177caa0502bcc1365cca3b1a3ccf99772b4880f886f1632c8c4010"
      "8c4dc3542b6fca6e2e8810433acf8a4d67776259ca9dffd91a1370177e59a9c10269237d");
  EXPECT_TRUE(decrypt(user(), empty).empty());
  EXPECT_THROW((void)decrypt_key(user(), hello), ParseError);  // 20 bytes is not a key
}

TEST_F(EciesVector, RandomEncryptionRoundTripsAndNeverRepeats) {
  const auto message = as_bytes("a secret for the user only");
  const auto first = encrypt(user_public(), message);
  const auto second = encrypt(user_public(), message);
  EXPECT_EQ(first.size(), kOverhead + message.size());
  EXPECT_NE(first, second);
  EXPECT_EQ(decrypt(user(), first), Bytes(message.begin(), message.end()));
  EXPECT_EQ(decrypt(user(), second), Bytes(message.begin(), message.end()));
}

std::string error_of(const PrivateKey& key, ByteSpan blob) {
  try {
    (void)decrypt(key, blob);
  } catch (const Error& error) {
    return error.what();
  }
  return "accepted";
}

TEST_F(EciesVector, TooShortBlobsAreParseErrors) {
  const auto full = blob();
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{65}, kOverhead - 1}) {
    EXPECT_THROW((void)decrypt(user(), ByteSpan(full).first(size)), ParseError) << size;
  }
  EXPECT_NE(error_of(user(), ByteSpan(full).first(96)).find("shorter than the 97-byte header"), std::string::npos);
  // Exactly the header is a valid layout (empty message) whose tag then fails.
  EXPECT_THROW((void)decrypt(user(), ByteSpan(full).first(kOverhead)), AuthenticationError);
}

TEST_F(EciesVector, BadEphemeralPointsAreParseErrors) {
  auto compressed_prefix = blob();
  compressed_prefix[0] = 0x02;
  EXPECT_NE(error_of(user(), compressed_prefix).find("not in uncompressed form"), std::string::npos);

  auto off_curve = blob();
  off_curve[64] ^= 0x01;  // last byte of Y: the point leaves the curve
  EXPECT_THROW((void)decrypt(user(), off_curve), ParseError);
  EXPECT_NE(error_of(user(), off_curve).find("not a point on secp256k1"), std::string::npos);
}

TEST_F(EciesVector, WrongKeyIsAnAuthenticationError) {
  const auto tee = PrivateKey::from_hex(keys_["teeSignerPrivateKey"].get<std::string>());
  EXPECT_THROW((void)decrypt(tee, blob()), AuthenticationError);
  EXPECT_NE(error_of(tee, blob()).find("authentication failed"), std::string::npos);
}

TEST_F(EciesVector, EveryFlippedByteAfterTheKeyIsAnAuthenticationError) {
  const auto original = blob();
  for (std::size_t i = kEphemeralKeySize; i < original.size(); ++i) {
    auto tampered = original;
    tampered[i] ^= 0x04;
    EXPECT_THROW((void)decrypt(user(), tampered), AuthenticationError) << "byte " << i;
  }
  auto extended = original;
  extended.push_back(0);
  EXPECT_THROW((void)decrypt(user(), extended), AuthenticationError);
}

TEST_F(EciesVector, EveryFlippedByteOfTheEphemeralKeyIsRejected) {
  const auto original = blob();
  for (std::size_t i = 0; i < kEphemeralKeySize; ++i) {
    auto tampered = original;
    tampered[i] ^= 0x04;
    EXPECT_THROW((void)decrypt(user(), tampered), Error) << "byte " << i;
  }
}

}  // namespace
}  // namespace zg::crypto::ecies
