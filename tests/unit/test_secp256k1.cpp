// secp256k1 keys, signing, recovery, verification and ECDH against the SDK vectors
// (inference-vectors.json) and values computed with ethers v6 (SigningKey, Signature).
#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/keccak.hpp"
#include "crypto/secp256k1.hpp"
#include "eth/address.hpp"
#include "vectors.hpp"

namespace zg::crypto {
namespace {

const nlohmann::json& session_vector() {
  static const nlohmann::json vectors = test::load_vectors("inference-vectors.json");
  return vectors.at("sessionToken");
}

std::string user_key_hex() { return session_vector().at("inputs").at("userPrivateKey").get<std::string>(); }
std::string sdk_signature_hex() { return session_vector().at("signature").get<std::string>(); }
Hash256 sdk_digest() { return fixed_from_hex<32>(session_vector().at("eip191DigestSigned").get<std::string>()); }

// ethers: new SigningKey(userPrivateKey).publicKey without the 0x04 prefix.
constexpr const char* kUserPublicKey =
    "0x8318535b54105d4a7aae60c08fc45f9687181b4fdfc625bd1a753fa7397fed753547f11ca8696646f2f3acb08e31016afac23e630c5d11f59f61fef57b0d2aa5";
constexpr const char* kUserCompressedKey = "0x038318535b54105d4a7aae60c08fc45f9687181b4fdfc625bd1a753fa7397fed75";
// secp256k1 order n minus the SDK signature's s: the high-s twin that EIP-2 forbids.
constexpr const char* kHighS = "a21e81aa4715da69e1c4ae4d067faf689647568eec6e771f5438d246914b8ab5";

std::string with_v(const std::string& hex, const char* v) { return hex.substr(0, hex.size() - 2) + v; }

template <typename F>
std::string error_of(F&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(PrivateKey, DerivesTheSdkUserPublicKeyAndAddress) {
  const auto key = PrivateKey::from_hex(user_key_hex());
  EXPECT_EQ(to_hex(key.public_key()), kUserPublicKey);
  EXPECT_EQ(eth::Address::from_public_key(key.public_key()).checksummed(),
            session_vector().at("inputs").at("userAddress").get<std::string>());
}

TEST(PrivateKey, AcceptsHexWithoutPrefix) {
  const auto key = PrivateKey::from_hex(user_key_hex().substr(2));
  EXPECT_EQ(to_hex(key.public_key()), kUserPublicKey);
}

TEST(PrivateKey, ScalarOneGivesTheGenerator) {
  const auto key = PrivateKey::from_hex("0x0000000000000000000000000000000000000000000000000000000000000001");
  EXPECT_EQ(to_hex(key.public_key()),
            "0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
}

TEST(PrivateKey, RejectsZeroAndScalarsNotBelowTheOrder) {
  EXPECT_THROW(PrivateKey::from_hex(std::string(64, '0')), UsageError);
  // n itself and n + 1.
  EXPECT_THROW(PrivateKey::from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"), UsageError);
  EXPECT_THROW(PrivateKey::from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142"), UsageError);
  EXPECT_NO_THROW(PrivateKey::from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"));
  EXPECT_EQ(error_of([] { PrivateKey::from_hex(std::string(64, '0')); }),
            "private key: must be a non-zero number below the secp256k1 curve order");
}

TEST(PrivateKey, RejectsMalformedHexWithoutEchoingIt) {
  EXPECT_THROW(PrivateKey::from_hex("0x1234"), ParseError);
  const std::string bad = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ffzz";
  const std::string message = error_of([&] { PrivateKey::from_hex(bad); });
  EXPECT_NE(message.find("private key"), std::string::npos) << message;
  EXPECT_EQ(message.find("ac0974"), std::string::npos) << "the error must not carry key material: " << message;
}

TEST(Sign, MatchesTheSdkSignatureByteForByte) {
  const auto key = PrivateKey::from_hex(user_key_hex());
  const auto digest = fixed_from_hex<32>(session_vector().at("independentCheck").at("digestHex").get<std::string>());
  const Signature signature = key.sign_hash(digest);
  EXPECT_EQ(signature.to_hex(), sdk_signature_hex());
  EXPECT_EQ(signature.recovery_id, 0);
  EXPECT_EQ(to_hex(signature.to_rsv(0)), with_v(sdk_signature_hex(), "00"));
}

TEST(Sign, IsDeterministicAndLowS) {
  const auto key = PrivateKey::from_hex(user_key_hex());
  for (int i = 0; i < 64; ++i) {
    const Hash256 digest = keccak256(as_bytes("message " + std::to_string(i)));
    const Signature first = key.sign_hash(digest);
    EXPECT_EQ(first.to_hex(), key.sign_hash(digest).to_hex());
    // from_rsv refuses high s, so a successful round trip proves s is in the lower half.
    EXPECT_NO_THROW(Signature::from_rsv(first.to_rsv())) << i;
    EXPECT_EQ(recover(digest, first), key.public_key()) << i;
  }
}

TEST(Recover, SdkSignatureRecoversTheUser) {
  const auto signature = Signature::from_hex(sdk_signature_hex());
  const auto signer = eth::Address::from_public_key(recover(sdk_digest(), signature));
  EXPECT_EQ(signer.checksummed(), session_vector().at("recoveredSigner").get<std::string>());
}

TEST(Recover, ResponseSignatureRecoversTheTeeSigner) {
  const auto vector = test::load_vectors("inference-vectors.json").at("responseSignature");
  const auto digest = fixed_from_hex<32>(vector.at("eip191Digest").get<std::string>());
  const auto signature = Signature::from_hex(vector.at("signature").get<std::string>());
  const auto signer = eth::Address::from_public_key(recover(digest, signature));
  EXPECT_EQ(signer, eth::Address::from_hex(vector.at("teeSignerAddress").get<std::string>()));
  const auto tee_key = PrivateKey::from_hex(vector.at("teePrivateKey").get<std::string>());
  EXPECT_TRUE(verify(digest, signature, tee_key.public_key()));
}

TEST(Recover, AnotherDigestGivesAnotherKey) {
  Hash256 digest = sdk_digest();
  digest[31] ^= 1;
  const auto user = PrivateKey::from_hex(user_key_hex()).public_key();
  EXPECT_NE(recover(digest, Signature::from_hex(sdk_signature_hex())), user);
}

TEST(Verify, AcceptsTheSignerOnlyForItsDigest) {
  const auto key = PrivateKey::from_hex(user_key_hex());
  const auto signature = Signature::from_hex(sdk_signature_hex());
  EXPECT_TRUE(verify(sdk_digest(), signature, key.public_key()));
  Hash256 other = sdk_digest();
  other[0] ^= 0x80;
  EXPECT_FALSE(verify(other, signature, key.public_key()));
  const auto stranger = PrivateKey::from_hex("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
  EXPECT_FALSE(verify(sdk_digest(), signature, stranger.public_key()));
  PublicKey not_on_curve{};
  not_on_curve[63] = 7;
  EXPECT_FALSE(verify(sdk_digest(), signature, not_on_curve));
}

TEST(SignatureFromRsv, AcceptsEveryVForm) {
  for (const char* v : {"1b", "00"}) {
    EXPECT_EQ(Signature::from_hex(with_v(sdk_signature_hex(), v)).recovery_id, 0) << v;
  }
  for (const char* v : {"1c", "01"}) {
    EXPECT_EQ(Signature::from_hex(with_v(sdk_signature_hex(), v)).recovery_id, 1) << v;
  }
}

TEST(SignatureFromRsv, RejectsOtherV) {
  for (const char* v : {"02", "1d", "25", "ff"}) {
    EXPECT_THROW(Signature::from_hex(with_v(sdk_signature_hex(), v)), ParseError) << v;
  }
  EXPECT_EQ(error_of([] { Signature::from_hex(with_v(sdk_signature_hex(), "1d")); }),
            "signature: v must be 0, 1, 27 or 28, got 29");
}

TEST(SignatureFromRsv, RejectsHighS) {
  const std::string hex = sdk_signature_hex();
  const std::string high = hex.substr(0, 2 + 64) + kHighS + "1c";
  EXPECT_THROW(Signature::from_hex(high), ParseError);
  EXPECT_NE(error_of([&] { Signature::from_hex(high); }).find("upper half"), std::string::npos);
  // The same twin built by hand is refused by recover and verify too.
  Signature twin = Signature::from_hex(hex);
  twin.s = fixed_from_hex<32>(kHighS);
  twin.recovery_id = 1;
  EXPECT_THROW(recover(sdk_digest(), twin), ParseError);
  EXPECT_FALSE(verify(sdk_digest(), twin, PrivateKey::from_hex(user_key_hex()).public_key()));
}

TEST(SignatureFromRsv, RejectsBadLengthsHexAndScalars) {
  EXPECT_THROW(Signature::from_rsv(Bytes(64)), ParseError);
  EXPECT_THROW(Signature::from_rsv(Bytes(66)), ParseError);
  EXPECT_EQ(error_of([] { Signature::from_rsv(Bytes(64)); }), "signature: expected 65 bytes (r, s, v), got 64");
  EXPECT_THROW(Signature::from_hex("0x1234"), ParseError);
  EXPECT_THROW(Signature::from_hex(sdk_signature_hex().substr(0, 10) + "zz" + sdk_signature_hex().substr(12)), ParseError);
  Bytes zero_r = from_hex(sdk_signature_hex());
  std::fill(zero_r.begin(), zero_r.begin() + 32, 0);
  EXPECT_THROW(Signature::from_rsv(zero_r), ParseError);
  Bytes r_too_big = from_hex(sdk_signature_hex());
  std::fill(r_too_big.begin(), r_too_big.begin() + 32, 0xff);
  EXPECT_THROW(Signature::from_rsv(r_too_big), ParseError);
}

TEST(Recover, RejectsRecoveryIdsBeyondOne) {
  Signature signature = Signature::from_hex(sdk_signature_hex());
  signature.recovery_id = 2;
  EXPECT_THROW(recover(sdk_digest(), signature), ParseError);
}

TEST(PublicKeys, ParseBothFormsAndRoundTrip) {
  const auto expected = fixed_from_hex<64>(kUserPublicKey);
  EXPECT_EQ(parse_public_key(from_hex(kUserCompressedKey)), expected);
  EXPECT_EQ(parse_public_key(uncompressed(expected)), expected);
  EXPECT_EQ(uncompressed(expected)[0], 0x04);
}

TEST(PublicKeys, RejectBadInput) {
  EXPECT_THROW(parse_public_key(Bytes(64, 1)), ParseError);
  EXPECT_THROW(parse_public_key(Bytes{}), ParseError);
  Bytes wrong_prefix = from_hex(kUserCompressedKey);
  wrong_prefix[0] = 0x04;
  EXPECT_THROW(parse_public_key(wrong_prefix), ParseError);
  Bytes off_curve(65, 0);
  off_curve[0] = 0x04;
  off_curve[64] = 1;
  EXPECT_EQ(error_of([&] { parse_public_key(off_curve); }), "public key: not a point on the secp256k1 curve");
}

TEST(SharedPoint, MatchesEthersAndIsSymmetric) {
  const auto user = PrivateKey::from_hex(user_key_hex());
  const auto tee = PrivateKey::from_hex("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
  // ethers: new SigningKey(user).computeSharedSecret(teePublicKey)
  const std::string expected =
      "0x04302e44424051336aa2c3e44c746e9017668d640f5a7ce1b4d31b3798d0f5bb6a96f1d58bfddf736177be32bca9fbd9cbec22b519a4b234d161a8e838873981f2";
  EXPECT_EQ(to_hex(shared_point(user, tee.public_key())), expected);
  EXPECT_EQ(to_hex(shared_point(tee, user.public_key())), expected);
}

TEST(SharedPoint, RejectsAPeerKeyOffTheCurve) {
  const auto user = PrivateKey::from_hex(user_key_hex());
  PublicKey off_curve{};
  off_curve[63] = 1;
  EXPECT_THROW(shared_point(user, off_curve), ParseError);
}

}  // namespace
}  // namespace zg::crypto
