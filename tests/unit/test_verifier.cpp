// Response verification end to end against an in-process provider that signs its answers with the
// TEE dev key (protocol-inference.md §7): verified, failed, signature-only, not verifiable.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "broker/usage_accounting.hpp"
#include "cli_runner.hpp"
#include "vectors.hpp"
#include "broker/verifier.hpp"
#include "common/hex.hpp"
#include "crypto/eip191.hpp"
#include "crypto/sha256.hpp"

namespace {

using namespace zg;
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kTeeKey[] = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
constexpr char kOtherKey[] = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
constexpr char kTeeAddress[] = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const std::string kAnswer = R"({"id":"chatcmpl-9","choices":[{"message":{"role":"assistant","content":"4"}}],"usage":{"prompt_tokens":5,"completion_tokens":1}})";

std::string sha_hex(std::string_view bytes) { return to_hex(crypto::sha256(as_bytes(bytes)), false); }

// A decentralized provider: signs "sha256(request):sha256(response)" per ZG-Res-Key.
class SigningProvider {
 public:
  struct Behaviour {
    const char* signing_key = kTeeKey;
    std::string served_answer = kAnswer;  // what the client gets (may differ from what is signed)
    int signature_misses = 0;              // first N signature fetches answer 404
  };

  explicit SigningProvider(Behaviour behaviour) : behaviour_(std::move(behaviour)) {
    server_.Post("/v1/proxy/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string key = "res-key-" + std::to_string(++counter_);
      const std::string text = sha_hex(req.body) + ":" + sha_hex(kAnswer);
      const auto signer = crypto::PrivateKey::from_hex(behaviour_.signing_key);
      std::lock_guard lock(mutex_);
      signed_[key] = {text, crypto::personal_sign(signer, as_bytes(text)).to_hex(27)};
      res.set_header("ZG-Res-Key", key);
      res.set_content(behaviour_.served_answer, "application/json");
    });
    server_.Get(R"(/v1/proxy/signature/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      const auto it = signed_.find(req.matches[1]);
      if (it == signed_.end() || behaviour_.signature_misses-- > 0) {
        res.status = 404;
        res.set_content(R"({"error":"Chat id not found or expired, chat_id_not_found"})", "application/json");
        return;
      }
      res.set_content(json{{"text", it->second.first}, {"signature", it->second.second},
                           {"signing_address", kTeeAddress}, {"signing_algo", "ecdsa"}}.dump(),
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~SigningProvider() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  Behaviour behaviour_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  int counter_ = 0;
  std::mutex mutex_;
  std::map<std::string, std::pair<std::string, std::string>> signed_;
};

contracts::InferenceService tee_service(std::string url) {
  contracts::InferenceService s;
  s.url = std::move(url);
  s.model = "qwen-test";
  s.verifiability = "TeeML";
  s.additional_info = "{}";
  s.tee_signer_address = eth::Address::from_hex(kTeeAddress);
  s.tee_signer_acknowledged = true;
  return s;
}

broker::VerificationReport chat_and_verify(SigningProvider& provider, const contracts::InferenceService& service) {
  broker::ProviderClient client(provider.url());
  const auto answer = client.chat(R"({"messages":[{"role":"user","content":"2+2?"}]})", "Bearer app-sk-x");
  return broker::verify_chat(client, service, answer.chat_id().value_or(""), as_bytes(answer.body),
                             broker::VerifierOptions{3, 10ms});
}

TEST(Verifier, CorrectlySignedAnswerIsVerified) {
  SigningProvider provider({});
  const auto report = chat_and_verify(provider, tee_service(provider.url()));
  EXPECT_EQ(broker::to_string(report.verdict), "verified") << report.reason;
  EXPECT_EQ(report.chat_id, "res-key-1");
  EXPECT_EQ(report.expected_signer, kTeeAddress);
  ASSERT_TRUE(report.signature);
  EXPECT_EQ(report.signature->text.size(), 129u);
}

TEST(Verifier, SignatureFromAnotherKeyFails) {
  SigningProvider provider({kOtherKey});
  const auto report = chat_and_verify(provider, tee_service(provider.url()));
  EXPECT_EQ(report.verdict, broker::Verdict::failed);
  EXPECT_NE(report.reason.find("not by the expected signer " + std::string(kTeeAddress)), std::string::npos) << report.reason;
}

TEST(Verifier, TamperedBodyIsSignatureOnlyWithContentMismatch) {
  std::string tampered = kAnswer;
  tampered.replace(tampered.find("\"4\""), 3, "\"5\"");
  SigningProvider provider({kTeeKey, tampered});
  const auto report = chat_and_verify(provider, tee_service(provider.url()));
  EXPECT_EQ(report.verdict, broker::Verdict::signature_only);
  EXPECT_NE(report.reason.find("differs from sha256 of the received bytes " + sha_hex(tampered)), std::string::npos)
      << report.reason;
}

TEST(Verifier, SignatureNotReadyYetIsRetried) {
  SigningProvider provider({kTeeKey, kAnswer, 2});
  EXPECT_EQ(chat_and_verify(provider, tee_service(provider.url())).verdict, broker::Verdict::verified);
}

TEST(Verifier, MissingSignatureFailsWithTheProviderText) {
  SigningProvider provider({kTeeKey, kAnswer, 100});
  const auto report = chat_and_verify(provider, tee_service(provider.url()));
  EXPECT_EQ(report.verdict, broker::Verdict::failed);
  EXPECT_NE(report.reason.find("chat_id_not_found"), std::string::npos) << report.reason;
}

TEST(Verifier, WithoutTheBytesTheBestIsSignatureOnly) {
  SigningProvider provider({});
  broker::ProviderClient client(provider.url());
  const auto answer = client.chat("{}", "Bearer app-sk-x");
  const auto report = broker::verify_chat(client, tee_service(provider.url()), *answer.chat_id(), std::nullopt);
  EXPECT_EQ(report.verdict, broker::Verdict::signature_only);
  EXPECT_NE(report.reason.find("not available"), std::string::npos) << report.reason;
}

TEST(Verifier, UnverifiableServicesAreSaidSoWithoutFetching) {
  SigningProvider provider({});
  broker::ProviderClient client(provider.url());
  auto standard = tee_service(provider.url());
  standard.verifiability = "standard";
  auto unacknowledged = tee_service(provider.url());
  unacknowledged.tee_signer_acknowledged = false;
  for (const auto& service : {standard, unacknowledged}) {
    const auto report = broker::verify_chat(client, service, "res-key-1", std::nullopt);
    EXPECT_EQ(broker::to_string(report.verdict), "not verifiable");
    EXPECT_FALSE(report.signature);
    EXPECT_NE(report.reason.find("not verifiable"), std::string::npos) << report.reason;
  }
}

TEST(Verifier, SeparatedProviderIsCheckedAgainstTargetTeeAddress) {
  SigningProvider provider({kOtherKey});
  auto service = tee_service(provider.url());
  const auto other = eth::Address::from_public_key(crypto::PrivateKey::from_hex(kOtherKey).public_key());
  service.additional_info = json{{"TargetSeparated", true}, {"TargetTeeAddress", other.checksummed()}}.dump();
  const auto report = chat_and_verify(provider, service);
  EXPECT_EQ(report.verdict, broker::Verdict::verified) << report.reason;
  EXPECT_EQ(report.expected_signer, other.checksummed());
}

TEST(Verifier, OfflineSdkVectorTextIsSignatureOnlyWithoutBytes) {
  const std::string text = std::string(64, 'a') + ":" + std::string(64, 'b');
  const auto sig = crypto::personal_sign(crypto::PrivateKey::from_hex(kTeeKey), as_bytes(text)).to_hex(27);
  EXPECT_EQ(broker::verify_signed_text(text, sig, kTeeAddress, std::nullopt).verdict, broker::Verdict::signature_only);
  EXPECT_EQ(broker::verify_signed_text(text + "x", sig, kTeeAddress, std::nullopt).verdict, broker::Verdict::failed);
}

TEST(CliVerify, SdkResponseVectorOfflineWithAndWithoutTheBytes) {
  const auto v = test::load_vectors("inference-vectors.json")["responseSignature"];
  const std::vector<std::string> base = {"inference", "verify", "--text", v["text"].get<std::string>(), "--signature",
                                         v["signature"].get<std::string>(), "--signer", v["teeSignerAddress"].get<std::string>()};
  auto r = test::run_zg(base);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "signature-only: signature ok; the received response bytes are not available\n");

  const auto file = std::filesystem::temp_directory_path() / "zg-test-response-vector.json";
  std::ofstream(file, std::ios::binary) << v["responseBody"].get<std::string>();
  auto with_bytes = base;
  with_bytes.insert(with_bytes.begin(), "--json");
  with_bytes.insert(with_bytes.end(), {"--response-file", file.string()});
  r = test::run_zg(with_bytes);
  std::filesystem::remove(file);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.json()["verdict"], "verified") << r.out;

  auto tampered = base;
  tampered[3] += "x";
  r = test::run_zg(tampered);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("failed: signed by 0x"), std::string::npos) << r.out;
}

TEST(UsageAccounting, FeePerAnswerAndTotalsPerProviderInNeuron) {
  // The SDK fee vector: 9 prompt + 1 completion tokens at 5e10 / 1e11 neuron = 550000000000.
  broker::UsageAccounting accounting;
  const auto provider = eth::Address::from_hex(kTeeAddress);
  const auto fee = accounting.record(provider, {9, 1}, eth::Uint256(50'000'000'000), eth::Uint256(100'000'000'000));
  EXPECT_EQ(fee.to_dec(), "550000000000");
  accounting.record(provider, {1, 2}, eth::Uint256(50'000'000'000), eth::Uint256(100'000'000'000));
  const auto totals = accounting.totals(provider);
  EXPECT_EQ(totals.requests, 2u);
  EXPECT_EQ(totals.prompt_tokens, 10u);
  EXPECT_EQ(totals.completion_tokens, 3u);
  EXPECT_EQ(eth::format_amount(totals.fee), "0.0000008");
  EXPECT_EQ(accounting.total_fee(), totals.fee);
  EXPECT_EQ(accounting.totals(eth::Address{}).requests, 0u);
}

TEST(UsageAccounting, OverflowingPriceIsAnErrorAndRecordsNothing) {
  broker::UsageAccounting accounting;
  const auto huge = eth::Uint256::from_hex("0x" + std::string(64, 'f'));
  EXPECT_THROW(accounting.record(eth::Address{}, {2, 0}, huge, 0), Error);
  EXPECT_EQ(accounting.totals(eth::Address{}).requests, 0u);
}

}  // namespace
