// Response signatures (protocol-inference.md §7) and the usage fee, against inference-vectors.json.
#include <gtest/gtest.h>

#include "broker/fee.hpp"
#include "broker/response_signature.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/eip191.hpp"
#include "crypto/sha256.hpp"
#include "vectors.hpp"

namespace zg::broker {
namespace {

using nlohmann::json;

const json& vectors() {
  static const json v = zg::test::load_vectors("inference-vectors.json");
  return v;
}
std::string response_field(const char* key) { return vectors()["responseSignature"][key].get<std::string>(); }

const std::string& text() {
  static const std::string t = response_field("text");
  return t;
}
const std::string& signature() {
  static const std::string s = response_field("signature");
  return s;
}
const std::string& tee_signer() {
  static const std::string a = response_field("teeSignerAddress");
  return a;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(ResponseSignature, SdkVectorVerifies) {
  ASSERT_TRUE(vectors()["responseSignature"]["sdkVerifySignature"].get<bool>());
  EXPECT_EQ(to_hex(crypto::eip191_hash(as_bytes(text()))), response_field("eip191Digest"));
  EXPECT_TRUE(response_signature_matches(text(), signature(), tee_signer()));
  EXPECT_TRUE(response_signature_matches(text(), signature(), lower(tee_signer())));
}

TEST(ResponseSignature, TamperedTextOrWrongSignerFails) {
  ASSERT_FALSE(vectors()["responseSignature"]["sdkVerifyTamperedText"].get<bool>());
  EXPECT_FALSE(response_signature_matches(text() + "0", signature(), tee_signer()));
  EXPECT_FALSE(response_signature_matches(text(), signature(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
  EXPECT_FALSE(response_signature_matches(text(), "0x1234", tee_signer()));
  EXPECT_FALSE(response_signature_matches(text(), "", tee_signer()));
  EXPECT_FALSE(response_signature_matches(text(), signature(), "not an address"));
}

TEST(ResponseSignature, SignedTextHoldsTheBodyHashes) {
  const auto hashes = split_signed_text(text());
  ASSERT_TRUE(hashes.has_value());
  EXPECT_EQ(hashes->request_sha256, to_hex(crypto::sha256(as_bytes(response_field("requestBody"))), false));
  EXPECT_EQ(hashes->response_sha256, to_hex(crypto::sha256(as_bytes(response_field("responseBody"))), false));
}

TEST(ResponseSignature, SplitSignedTextForms) {
  const std::string a(64, 'a');
  const std::string b(64, 'B');
  const auto centralized = split_signed_text(a + ":" + b + ":centralized:openai:" + std::string(64, 'c'));
  ASSERT_TRUE(centralized.has_value());
  EXPECT_EQ(centralized->response_sha256, std::string(64, 'b'));  // normalized to lower case
  EXPECT_FALSE(split_signed_text(a).has_value());
  EXPECT_FALSE(split_signed_text(a + ":" + b.substr(1)).has_value());
  EXPECT_FALSE(split_signed_text(a + ":" + std::string(63, 'b') + "g").has_value());
  EXPECT_FALSE(split_signed_text(a + ":" + b + "," + b).has_value());  // image responses: one hash per image
  EXPECT_FALSE(split_signed_text("zg-sig-v1/e2ee-ct:" + a + ":" + b).has_value());
  EXPECT_FALSE(split_signed_text("").has_value());
}

TEST(ResponseSignature, VerdictsWithReceivedBytes) {
  const auto body = response_field("responseBody");
  const auto ok = verify_response(text(), signature(), tee_signer(), as_bytes(body));
  EXPECT_EQ(ok.verdict, ResponseVerdict::verified) << ok.reason;

  const auto rewritten = verify_response(text(), signature(), tee_signer(), as_bytes(body + "\n"));
  EXPECT_EQ(rewritten.verdict, ResponseVerdict::signature_only);
  EXPECT_NE(rewritten.reason.find("differs"), std::string::npos) << rewritten.reason;

  const auto unavailable = verify_response(text(), signature(), tee_signer(), std::nullopt);
  EXPECT_EQ(unavailable.verdict, ResponseVerdict::signature_only);

  const auto tampered = verify_response(text() + "0", signature(), tee_signer(), as_bytes(body));
  EXPECT_EQ(tampered.verdict, ResponseVerdict::failed);
  EXPECT_NE(tampered.reason.find("not by the expected signer"), std::string::npos) << tampered.reason;

  const auto malformed = verify_response(text(), "0xzz", tee_signer(), as_bytes(body));
  EXPECT_EQ(malformed.verdict, ResponseVerdict::failed);
  EXPECT_NE(malformed.reason.find("malformed signature"), std::string::npos) << malformed.reason;
}

TEST(ResponseSignature, SignedTextWithoutHashesIsSignatureOnly) {
  const auto key = crypto::PrivateKey::from_hex(response_field("teePrivateKey"));
  const std::string opaque = "separated-tee-proxy-format";
  const auto sig = crypto::personal_sign(key, as_bytes(opaque)).to_hex(27);
  const auto result = verify_response(opaque, sig, tee_signer(), as_bytes("x"));
  EXPECT_EQ(result.verdict, ResponseVerdict::signature_only);
  EXPECT_NE(result.reason.find("no response hash"), std::string::npos) << result.reason;
}

// ---- §7.1 steps 2-3 ----

constexpr char kTarget[] = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

SignerChoice choose(std::string_view additional_info, std::string_view verifiability = "TeeML", bool acknowledged = true) {
  return choose_response_signer({verifiability, acknowledged, "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", additional_info});
}

TEST(ResponseSigner, DefaultIsTheTeeSigner) {
  const auto service = vectors()["abi"]["getServiceReturn"]["tuple"];
  const auto chosen = choose_response_signer({service[7].get<std::string>(), service[10] == "true",
                                              service[9].get<std::string>(), service[8].get<std::string>()});
  EXPECT_EQ(chosen.signer, std::optional<std::string>(tee_signer()));
}

TEST(ResponseSigner, SeparatedDecentralizedUsesTargetTeeAddress) {
  const std::string target = kTarget;
  EXPECT_EQ(choose(R"({"TargetSeparated":true,"TargetTeeAddress":")" + target + "\"}").signer, target);
  EXPECT_EQ(choose(R"({"TargetSeparated":true,"ProviderType":"decentralized","TargetTeeAddress":")" + target + "\"}").signer,
            target);
  // An unknown provider type counts as decentralized.
  EXPECT_EQ(choose(R"({"TargetSeparated":true,"ProviderType":"gpu","TargetTeeAddress":")" + target + "\"}").signer,
            target);
}

TEST(ResponseSigner, OtherwiseTheDefault) {
  const std::string t = kTarget;
  const std::optional<std::string> tee = tee_signer();
  EXPECT_EQ(choose(R"({"TargetSeparated":true,"ProviderType":"centralized","TargetTeeAddress":")" + t + "\"}").signer, tee);
  EXPECT_EQ(choose(R"({"TargetSeparated":"true","TargetTeeAddress":")" + t + "\"}").signer, tee);  // === true
  EXPECT_EQ(choose(R"({"TargetSeparated":false,"TargetTeeAddress":")" + t + "\"}").signer, tee);
  EXPECT_EQ(choose(R"({"TargetSeparated":true,"TargetTeeAddress":""})").signer, tee);
  EXPECT_EQ(choose(R"({"TargetSeparated":true})").signer, tee);
  EXPECT_EQ(choose("123").signer, tee);
}

TEST(ResponseSigner, NotVerifiableServices) {
  EXPECT_FALSE(choose("{}", "TeeTLS").signer.has_value());
  EXPECT_FALSE(choose("{}", "").signer.has_value());
  EXPECT_FALSE(choose("{}", "TeeML", false).signer.has_value());
  EXPECT_FALSE(choose("").signer.has_value());
  const auto bad = choose("{not json");
  EXPECT_FALSE(bad.signer.has_value());
  EXPECT_NE(bad.reason.find("not JSON"), std::string::npos);
}

// ---- fee ----

TEST(UsageFee, SdkFeeVector) {
  const auto& fee = vectors()["fee"];
  const TokenUsage usage{fee["usage"]["prompt_tokens"].get<std::uint64_t>(),
                         fee["usage"]["completion_tokens"].get<std::uint64_t>()};
  const auto neuron = fee_for_usage(usage, eth::Uint256::from_dec(fee["inputPrice"].get<std::string>()),
                                    eth::Uint256::from_dec(fee["outputPrice"].get<std::string>()));
  EXPECT_EQ(neuron.to_dec(), fee["feeNeuron"].get<std::string>());
  EXPECT_EQ(neuron.to_dec(), "550000000000");
}

TEST(UsageFee, OverflowIsAnError) {
  const auto huge = eth::Uint256::from_hex("0x8000000000000000000000000000000000000000000000000000000000000000");
  EXPECT_THROW((void)fee_for_usage({2, 0}, huge, 0), Error);
  EXPECT_THROW((void)fee_for_usage({1, 1}, huge, huge), Error);
  EXPECT_EQ(fee_for_usage({0, 0}, huge, huge), eth::Uint256(0));
}

}  // namespace
}  // namespace zg::broker
