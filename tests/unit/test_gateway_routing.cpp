// The gateway's pure routing pieces: which 0G model a request names, the body the provider gets
// (only the model value changes), the order providers are tried in, which paths a service offers,
// and the circuit breaker's transitions.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "gateway/circuit_breaker.hpp"
#include "gateway/provider_directory.hpp"
#include "gateway/request_target.hpp"
#include "gateway/routing.hpp"

namespace {

using namespace zg;
using namespace zg::gateway;

const auto kA = eth::Address::from_hex("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
const auto kB = eth::Address::from_hex("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
const auto kC = eth::Address::from_hex("0x90F79bf6EB2c4f870365E785982E1f101E93b906");

TEST(GatewayModelRef, PlainModelAndModelsWithSlashes) {
  EXPECT_EQ(parse_model_ref("0g/zg-sim-1").model, "zg-sim-1");
  EXPECT_FALSE(parse_model_ref("0g/zg-sim-1").provider);
  const auto nested = parse_model_ref("0g/meta-llama/Llama-3.3-70B");
  EXPECT_EQ(nested.model, "meta-llama/Llama-3.3-70B");
  EXPECT_FALSE(nested.provider);
}

TEST(GatewayModelRef, PinnedProvider) {
  const auto pinned = parse_model_ref("0g/0x70997970c51812dc3a010c7d01b50e0d17dc79c8/zg-sim-1");
  ASSERT_TRUE(pinned.provider);
  EXPECT_EQ(*pinned.provider, kA);
  EXPECT_EQ(pinned.model, "zg-sim-1");
  const auto provider_only = parse_model_ref("0g/0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  ASSERT_TRUE(provider_only.provider);
  EXPECT_EQ(provider_only.model, "");
  // 0x-prefixed text that is not an address is a model name.
  EXPECT_FALSE(parse_model_ref("0g/0xcafe/model").provider);
}

TEST(GatewayModelRef, RejectsWhatIsNotA0gModel) {
  EXPECT_THROW(parse_model_ref("gpt-4o"), UsageError);
  EXPECT_THROW(parse_model_ref("0g/"), UsageError);
  EXPECT_THROW(parse_model_ref("0g/0x70997970C51812dc3A010C7d01b50e0d17dc79C8/"), UsageError);
  try {
    parse_model_ref("llama");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("0g/<model>"), std::string::npos) << e.what();
  }
}

TEST(GatewayBody, ModelIsReplacedAndEveryOtherByteKept) {
  // Odd spacing, key order, unicode escapes, a nested "model" and numbers the provider must get as sent.
  const std::string body =
      "{ \"messages\" : [{\"role\":\"user\",\"content\":\"say \\\"model\\\": \\u00e9\"}],\n"
      "  \"model\":\t\"0g/zg-sim-1\" , \"tools\":[{\"model\":\"inner\"}], \"temperature\": 0.70, \"stream\":true}";
  const auto member = find_model_member(body);
  EXPECT_EQ(member.value, "0g/zg-sim-1");
  EXPECT_EQ(body.substr(member.begin, member.end - member.begin), "\"0g/zg-sim-1\"");
  const auto rewritten = replace_model(body, member, "zg-sim-1");
  std::string expected = body;
  expected.replace(member.begin, member.end - member.begin, "\"zg-sim-1\"");
  EXPECT_EQ(rewritten, expected);
  EXPECT_NE(rewritten.find("\"temperature\": 0.70"), std::string::npos);
  EXPECT_NE(rewritten.find("{\"model\":\"inner\"}"), std::string::npos);
}

TEST(GatewayBody, ServiceModelIsJsonEscaped) {
  const std::string body = R"({"model":"0g/x"})";
  EXPECT_EQ(replace_model(body, find_model_member(body), "a\"b"), R"({"model":"a\"b"})");
}

TEST(GatewayBody, EscapedModelValueIsDecoded) {
  const std::string body = R"({"model":"0g\/zg-sim-1"})";
  EXPECT_EQ(find_model_member(body).value, "0g/zg-sim-1");
}

TEST(GatewayBody, RejectsBadBodiesWithAClearError) {
  const auto message = [](const std::string& body) {
    try {
      find_model_member(body);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_NE(message("{\"model\":").find("not valid JSON"), std::string::npos);
  EXPECT_NE(message("[1,2]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(message("{\"messages\":[]}").find("no \"model\""), std::string::npos);
  EXPECT_NE(message("{\"model\":3}").find("must be a string"), std::string::npos);
  EXPECT_NE(message("{\"model\":\"a\",\"model\":\"b\"}").find("twice"), std::string::npos);
}

TEST(GatewayRouting, PricePolicyPicksCheapestInputPlusOutput) {
  std::vector<RouteCandidate> candidates = {
      {kA, eth::Uint256(30), std::nullopt, 0}, {kB, eth::Uint256(10), 5.0, 1}, {kC, eth::Uint256(20), 1.0, 2}};
  order_candidates(candidates, RoutingPolicy::price);
  EXPECT_EQ(candidates[0].provider, kB);
  EXPECT_EQ(candidates[1].provider, kC);
  EXPECT_EQ(candidates[2].provider, kA);
}

TEST(GatewayRouting, LatencyPolicyMeasuresUnknownFirstThenLowestEwma) {
  std::vector<RouteCandidate> candidates = {
      {kA, eth::Uint256(1), 50.0, 0}, {kB, eth::Uint256(1), std::nullopt, 1}, {kC, eth::Uint256(99), 3.0, 2}};
  order_candidates(candidates, RoutingPolicy::latency);
  EXPECT_EQ(candidates[0].provider, kB);  // never measured
  EXPECT_EQ(candidates[1].provider, kC);  // fastest, though dearest
  EXPECT_EQ(candidates[2].provider, kA);
}

TEST(GatewayRouting, EqualPricesOrderByAddress) {
  std::vector<RouteCandidate> candidates = {{kA, eth::Uint256(5), std::nullopt, 0}, {kB, eth::Uint256(5), std::nullopt, 1}};
  order_candidates(candidates, RoutingPolicy::price);
  EXPECT_EQ(candidates[0].provider, kB);  // 0x3C44... < 0x7099...
}

TEST(GatewayRouting, LatencyEwmaWeighsTheNewestSampleAFifth) {
  LatencyEwma ewma;
  EXPECT_FALSE(ewma.value());
  ewma.observe(10.0);
  EXPECT_DOUBLE_EQ(*ewma.value(), 10.0);
  ewma.observe(20.0);
  EXPECT_DOUBLE_EQ(*ewma.value(), 12.0);
}

TEST(GatewayRouting, PathsByServiceType) {
  EXPECT_EQ(proxy_path_for("/v1/chat/completions", "chatbot"), "/v1/proxy/chat/completions");
  EXPECT_FALSE(proxy_path_for("/v1/embeddings", "chatbot"));
  EXPECT_FALSE(proxy_path_for("/v1/completions", "chatbot"));
  EXPECT_EQ(proxy_path_for("/v1/embeddings", "embeddings"), "/v1/proxy/embeddings");
  EXPECT_EQ(proxy_path_for("/v1/embeddings", "embedding"), "/v1/proxy/embeddings");
  EXPECT_FALSE(proxy_path_for("/v1/chat/completions", "embedding"));
  EXPECT_FALSE(proxy_path_for("/v1/completions", "completions"));
  EXPECT_TRUE(is_known_path("/v1/embeddings"));
  EXPECT_FALSE(is_known_path("/v1/images/generations"));
}

TEST(GatewayCircuit, OpensAfterConsecutiveFailuresThenOneHalfOpenProbe) {
  using namespace std::chrono_literals;
  CircuitBreaker breaker({3, 1000ms});
  const auto t0 = CircuitBreaker::Clock::now();
  EXPECT_TRUE(breaker.allow(t0));
  breaker.record_failure(t0);
  breaker.record_failure(t0);
  EXPECT_EQ(breaker.state(t0), CircuitState::closed);
  EXPECT_TRUE(breaker.allow(t0));
  breaker.record_failure(t0);
  EXPECT_EQ(breaker.state(t0), CircuitState::open);
  EXPECT_FALSE(breaker.allow(t0 + 999ms));

  // After the cooldown exactly one caller probes.
  EXPECT_EQ(breaker.state(t0 + 1000ms), CircuitState::half_open);
  EXPECT_TRUE(breaker.allow(t0 + 1000ms));
  EXPECT_FALSE(breaker.allow(t0 + 1001ms));
  // The probe failed: open for another cooldown.
  breaker.record_failure(t0 + 1002ms);
  EXPECT_EQ(breaker.state(t0 + 1500ms), CircuitState::open);
  EXPECT_FALSE(breaker.allow(t0 + 1500ms));
  // Next probe succeeds: closed, counters reset.
  EXPECT_TRUE(breaker.allow(t0 + 2002ms));
  breaker.record_success();
  EXPECT_EQ(breaker.state(t0 + 2002ms), CircuitState::closed);
  EXPECT_EQ(breaker.consecutive_failures(), 0u);
  EXPECT_TRUE(breaker.allow(t0 + 2002ms));
  EXPECT_TRUE(breaker.allow(t0 + 2002ms));
}

TEST(GatewayCircuit, SuccessResetsTheFailureCount) {
  CircuitBreaker breaker({2, std::chrono::milliseconds(1000)});
  breaker.record_failure();
  breaker.record_success();
  breaker.record_failure();
  EXPECT_EQ(breaker.state(), CircuitState::closed);
  EXPECT_EQ(to_string(breaker.state()), "closed");
}

contracts::InferenceService service(const eth::Address& provider, const std::string& model, const std::string& url) {
  contracts::InferenceService s;
  s.provider = provider;
  s.model = model;
  s.url = url;
  s.tee_signer_acknowledged = true;
  return s;
}

TEST(GatewayDirectory, OnlyServicesTheUserCanUseAndWhyOthersAreLeftOut) {
  contracts::InferenceAccount acknowledged;
  acknowledged.acknowledged = true;
  auto unacknowledged_signer = service(kA, "m", "http://127.0.0.1:1");
  unacknowledged_signer.tee_signer_acknowledged = false;
  EXPECT_NE(exclusion_reason(unacknowledged_signer, acknowledged, {})->find("owner has not acknowledged"), std::string::npos);
  EXPECT_NE(exclusion_reason(service(kA, "m", "u"), std::nullopt, {})->find("no sub-account"), std::string::npos);
  contracts::InferenceAccount not_acknowledged;
  EXPECT_NE(exclusion_reason(service(kA, "m", "u"), not_acknowledged, {})->find("zg inference acknowledge"), std::string::npos);
  EXPECT_NE(exclusion_reason(service(kA, "m", "u"), acknowledged, {kB})->find("providers list"), std::string::npos);
  EXPECT_FALSE(exclusion_reason(service(kA, "m", "u"), acknowledged, {kA}));
  EXPECT_FALSE(exclusion_reason(service(kA, "m", "u"), acknowledged, {}));
}

TEST(GatewayDirectory, IndexesByModelAndKeepsWhatWasLearnedAcrossRefreshes) {
  std::map<eth::Address, std::shared_ptr<ProviderRuntime>> runtimes;
  const auto first = build_directory({service(kA, "m1", "http://127.0.0.1:1"), service(kB, "m1", "http://127.0.0.1:2"),
                                      service(kC, "m2", "http://127.0.0.1:3")},
                                     runtimes);
  ASSERT_EQ(first.by_model.at("m1").size(), 2u);
  ASSERT_EQ(first.by_model.at("m2").size(), 1u);
  EXPECT_EQ(first.find(kC)->address, kC.checksummed());
  first.find(kA)->runtime->circuit.record_failure();
  const auto runtime_b = first.find(kB)->runtime;

  // A keeps its URL (same runtime, failure remembered); B moved (fresh runtime); C is gone.
  const auto second = build_directory({service(kA, "m1", "http://127.0.0.1:1"), service(kB, "m1", "http://127.0.0.1:9")}, runtimes);
  EXPECT_EQ(second.find(kA)->runtime->circuit.consecutive_failures(), 1u);
  EXPECT_NE(second.find(kB)->runtime, runtime_b);
  EXPECT_EQ(second.find(kB)->runtime->pool.url(), "http://127.0.0.1:9");
  EXPECT_EQ(second.find(kC), nullptr);
  EXPECT_EQ(runtimes.size(), 2u);
}

}  // namespace
