// zg-bridge's /metrics text: Prometheus counters and cumulative histograms a scraper can read.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "metrics.hpp"
#include "openai_error.hpp"

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(BridgeMetrics, CountsRequestsByRouteTargetAndStatus) {
  zg::bridge::Metrics m;
  m.record_request("chat_completions", "0g", 200, 0.0007, 0.0004);
  m.record_request("chat_completions", "0g", 200, 0.003, 0.002);
  m.record_request("chat_completions", "local", 404, 0.0001, -1);
  const auto text = m.render();
  EXPECT_TRUE(has_line(text, R"(zg_bridge_requests_total{route="chat_completions",target="0g",status="200"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(zg_bridge_requests_total{route="chat_completions",target="local",status="404"} 1)")) << text;
  // Cumulative buckets: 0.0007 falls in le=0.001, 0.003 in le=0.005.
  EXPECT_TRUE(has_line(text, R"(zg_bridge_request_duration_seconds_bucket{route="chat_completions",target="0g",le="0.0005"} 0)")) << text;
  EXPECT_TRUE(has_line(text, R"(zg_bridge_request_duration_seconds_bucket{route="chat_completions",target="0g",le="0.001"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(zg_bridge_request_duration_seconds_bucket{route="chat_completions",target="0g",le="0.005"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(zg_bridge_request_duration_seconds_bucket{route="chat_completions",target="0g",le="+Inf"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(zg_bridge_request_duration_seconds_count{route="chat_completions",target="0g"} 2)")) << text;
  // No first byte, no TTFB sample.
  EXPECT_TRUE(has_line(text, R"(zg_bridge_time_to_first_byte_seconds_count{route="chat_completions",target="0g"} 2)")) << text;
  EXPECT_EQ(text.find(R"(zg_bridge_time_to_first_byte_seconds_count{route="chat_completions",target="local"})"), std::string::npos);
  EXPECT_TRUE(has_line(text, "# TYPE zg_bridge_request_duration_seconds histogram")) << text;
}

TEST(BridgeMetrics, TokensFeesVerificationsAndErrors) {
  zg::bridge::Metrics m;
  m.record_tokens(12, 30);
  m.record_tokens(1, 2);
  m.record_fee_neuron(1500);
  m.record_fee_neuron(500);
  m.record_verification("verified");
  m.record_verification("verified");
  m.record_verification("failed");
  m.record_error("unauthorized");
  m.add_in_flight(2);
  m.add_in_flight(-1);
  const auto text = m.render();
  EXPECT_TRUE(has_line(text, R"(zg_bridge_tokens_total{kind="prompt"} 13)")) << text;
  EXPECT_TRUE(has_line(text, R"(zg_bridge_tokens_total{kind="completion"} 32)")) << text;
  EXPECT_TRUE(has_line(text, "zg_bridge_fees_neuron_total 2000")) << text;
  EXPECT_TRUE(has_line(text, R"(zg_bridge_verifications_total{outcome="verified"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(zg_bridge_verifications_total{outcome="failed"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(zg_bridge_errors_total{kind="unauthorized"} 1)")) << text;
  EXPECT_TRUE(has_line(text, "zg_bridge_in_flight_requests 1")) << text;
}

TEST(BridgeMetrics, OpenAiErrorShape) {
  const auto body = nlohmann::json::parse(zg::bridge::openai_error_body(404, "no \"such\" model\n", "model_not_found"));
  EXPECT_EQ(body, (nlohmann::json{{"error", {{"message", "no \"such\" model\n"}, {"type", "not_found_error"}, {"code", "model_not_found"}}}}));
  EXPECT_EQ(zg::bridge::openai_error_type(401), "authentication_error");
  EXPECT_EQ(zg::bridge::openai_error_type(502), "api_error");
  // Invalid UTF-8 from a provider never breaks the error body.
  const auto replaced = nlohmann::json::parse(zg::bridge::openai_error_body(502, std::string("bad \xff byte"), "provider"));
  EXPECT_EQ(replaced["error"]["message"], "bad \xEF\xBF\xBD byte");  // U+FFFD for the invalid byte
}

}  // namespace
