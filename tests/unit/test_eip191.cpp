// EIP-191 personal_sign digests and signatures against the SDK vectors (inference-vectors.json)
// and ethers v6 hashMessage / Wallet.signMessageSync.
#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/eip191.hpp"
#include "crypto/keccak.hpp"
#include "vectors.hpp"

namespace zg::crypto {
namespace {

const nlohmann::json& vectors() {
  static const nlohmann::json all = test::load_vectors("inference-vectors.json");
  return all;
}

std::string field(const char* section, const char* name) { return vectors().at(section).at(name).get<std::string>(); }

TEST(Eip191, SessionTokenSignsThePersonalHashOfTheMessageHash) {
  const std::string raw = field("sessionToken", "rawMessage");
  const Hash256 message_hash = keccak256(as_bytes(raw));
  EXPECT_EQ(to_hex(message_hash), field("sessionToken", "keccak256OfRawMessage"));
  const Hash256 digest = eip191_hash_of_hash(message_hash);
  EXPECT_EQ(to_hex(digest), field("sessionToken", "eip191DigestSigned"));

  const auto key = PrivateKey::from_hex(vectors().at("sessionToken").at("inputs").at("userPrivateKey").get<std::string>());
  EXPECT_EQ(key.sign_hash(digest).to_hex(), field("sessionToken", "signature"));
  EXPECT_EQ(personal_sign(key, message_hash).to_hex(), field("sessionToken", "signature"));
  const auto signer = recover_personal_signer(message_hash, Signature::from_hex(field("sessionToken", "signature")));
  EXPECT_EQ(signer.checksummed(), field("sessionToken", "recoveredSigner"));
}

TEST(Eip191, ResponseSignatureIsOverTheTextItself) {
  const std::string text = field("responseSignature", "text");
  EXPECT_EQ(to_hex(eip191_hash(as_bytes(text))), field("responseSignature", "eip191Digest"));
  const auto signature = Signature::from_hex(field("responseSignature", "signature"));
  EXPECT_EQ(recover_personal_signer(as_bytes(text), signature).checksummed(), field("responseSignature", "teeSignerAddress"));

  std::string tampered = text;
  tampered[0] = tampered[0] == 'c' ? 'd' : 'c';
  EXPECT_NE(recover_personal_signer(as_bytes(tampered), signature).checksummed(),
            field("responseSignature", "teeSignerAddress"));
}

TEST(Eip191, MatchesEthersHashMessage) {
  EXPECT_EQ(to_hex(eip191_hash(as_bytes("hello 0G"))), "0x911948cc2fbfdfd0a003fac5c18a05e0d012aecbf4b6ecaddac34c5b80b17a20");
  EXPECT_EQ(to_hex(eip191_hash({})), "0x5f35dce98ba4fba25530a026ed80b2cecdaa31091ba4958b99b52ea1d068adad");
}

TEST(Eip191, PersonalSignMatchesEthersSignMessage) {
  const auto key = PrivateKey::from_hex(vectors().at("sessionToken").at("inputs").at("userPrivateKey").get<std::string>());
  EXPECT_EQ(personal_sign(key, as_bytes("hello 0G")).to_hex(),
            "0xfd3e56dabb5ebf10fd37e7f945275499d452ec7aa7a29db0dd7f368936dcee64"
            "3a0adacb10614691e8cebef96edaf979428ddfc3d4854102fdfb3550cf2751cd1c");
}

TEST(Eip191, RecoverRejectsANonCanonicalSignature) {
  Signature signature = Signature::from_hex(field("responseSignature", "signature"));
  signature.s.fill(0xff);  // not below the curve order
  EXPECT_THROW(recover_personal_signer(as_bytes("x"), signature), ParseError);
}

}  // namespace
}  // namespace zg::crypto
