// zg-bridge without the 0G side (--no-plugin): the real process forwarding to a loopback OpenAI
// upstream byte for byte (JSON and SSE, status and content type kept), the bearer key, /health,
// /metrics, /v1/models, and OpenAI-shaped errors. The 0G side is in test_bridge_devnet.cpp.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "test_bridge_harness.hpp"

namespace {

using namespace zg::test;

constexpr const char* kBridgeKey = "sk-bridge-test-5f1e";

class BridgeLocalTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fresh_test_dir("local");
    upstream_ = std::make_unique<FakeOpenAiUpstream>();
    const auto key_file = dir_ / "bridge.key";
    std::ofstream(key_file) << kBridgeKey << "\n";
    ::chmod(key_file.c_str(), 0600);
    bridge_ = std::make_unique<BridgeProcess>(
        std::vector<std::string>{"--port", "0", "--no-plugin", "--local-upstream", upstream_->url(), "--api-key-file",
                                 key_file.string(), "--log-requests", "--threads", "8"},
        std::vector<std::string>{}, dir_ / "bridge.log");
  }
  static void TearDownTestSuite() {
    bridge_.reset();
    upstream_.reset();
    std::filesystem::remove_all(dir_);
  }
  void SetUp() override { ASSERT_GT(bridge_->port(), 0) << "zg-bridge did not start:\n" << bridge_->log(); }

  static HttpAnswer post(const std::string& path, const std::string& body) { return http_post(bridge_->port(), path, body, kBridgeKey); }

  static inline std::filesystem::path dir_;
  static inline std::unique_ptr<FakeOpenAiUpstream> upstream_;
  static inline std::unique_ptr<BridgeProcess> bridge_;
};

TEST_F(BridgeLocalTest, HealthAnswersWithoutTheKey) {
  const auto health = http_get(bridge_->port(), "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
}

TEST_F(BridgeLocalTest, EveryOtherRouteNeedsTheBridgeKey) {
  const std::string body = R"({"model":"tiny-local","messages":[{"role":"user","content":"hi"}]})";
  for (const auto& answer : {http_post(bridge_->port(), "/v1/chat/completions", body),
                             http_post(bridge_->port(), "/v1/chat/completions", body, "sk-wrong"),
                             http_get(bridge_->port(), "/v1/models"), http_get(bridge_->port(), "/metrics")}) {
    EXPECT_EQ(answer.status, 401) << answer.body;
    EXPECT_EQ(answer.json()["error"]["type"], "authentication_error") << answer.body;
    EXPECT_EQ(answer.json()["error"]["code"], "invalid_api_key") << answer.body;
  }
  EXPECT_EQ(upstream_->last_body(), "");  // nothing unauthorized went through
}

TEST_F(BridgeLocalTest, LocalModelIsForwardedByteForByte) {
  // Odd spacing and key order: the upstream must get exactly these bytes, not a re-serialisation.
  const std::string body = "{ \"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],  \"model\":\"tiny-local\" }";
  const auto answer = post("/v1/chat/completions", body);
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, FakeOpenAiUpstream::kJsonBody);
  EXPECT_EQ(answer.header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(upstream_->last_body(), body);
  // The bridge's own key is not passed on to the upstream.
  EXPECT_EQ(upstream_->last_authorization(), "");
}

TEST_F(BridgeLocalTest, LocalStreamIsForwardedAsItArrives) {
  const std::string body = R"({"model":"slow","stream":true,"messages":[{"role":"user","content":"hi"}]})";
  const auto started = std::chrono::steady_clock::now();
  const auto answer = post("/v1/chat/completions", body);
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(answer.body, FakeOpenAiUpstream::sse_body());
  // The upstream sends one event every 300 ms; a bridge that buffered would deliver one piece.
  EXPECT_GE(answer.chunks.size(), FakeOpenAiUpstream::sse_events().size());
  EXPECT_GE(seconds, 1.0);
}

TEST_F(BridgeLocalTest, UpstreamStatusAndContentTypeAreKept) {
  const auto answer = post("/v1/chat/completions", R"({"model":"teapot","messages":[]})");
  EXPECT_EQ(answer.status, 418);
  EXPECT_EQ(answer.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(answer.json()["error"]["code"], "teapot");
  const auto streamed = post("/v1/chat/completions", R"({"model":"teapot","stream":true,"messages":[]})");
  EXPECT_EQ(streamed.status, 418);
  EXPECT_EQ(streamed.json()["error"]["code"], "teapot");
}

TEST_F(BridgeLocalTest, EmbeddingsAreForwardedToo) {
  const auto answer = post("/v1/embeddings", R"({"model":"tiny-local","input":"x"})");
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(upstream_->last_body(), R"({"model":"tiny-local","input":"x"})");
}

TEST_F(BridgeLocalTest, ModelsListTheUpstreamModels) {
  const auto models = http_get(bridge_->port(), "/v1/models", kBridgeKey);
  ASSERT_EQ(models.status, 200) << models.body;
  EXPECT_EQ(models.json()["object"], "list");
  ASSERT_EQ(models.json()["data"].size(), 1u) << models.body;
  EXPECT_EQ(models.json()["data"][0]["id"], "tiny-local");
}

TEST_F(BridgeLocalTest, ErrorsHaveTheOpenAiShape) {
  const auto not_json = post("/v1/chat/completions", "not json");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(not_json.json()["error"]["type"], "invalid_request_error") << not_json.body;
  const auto no_plugin = post("/v1/chat/completions", R"({"model":"0g/zg-sim-1","messages":[]})");
  EXPECT_EQ(no_plugin.status, 404);
  EXPECT_EQ(no_plugin.json()["error"]["code"], "model_not_found") << no_plugin.body;
  const auto no_route = http_get(bridge_->port(), "/v2/nothing", kBridgeKey);
  EXPECT_EQ(no_route.status, 404);
  EXPECT_EQ(no_route.json()["error"]["type"], "not_found_error") << no_route.body;
}

TEST_F(BridgeLocalTest, MetricsCountedWhatHappened) {
  const auto before = http_get(bridge_->port(), "/metrics", kBridgeKey);
  ASSERT_EQ(before.status, 200);
  const std::string sample = R"(zg_bridge_requests_total{route="chat_completions",target="local",status="200"})";
  const double ok_before = metric_value(before.body, sample);
  post("/v1/chat/completions", R"({"model":"tiny-local","messages":[]})");
  const auto after = http_get(bridge_->port(), "/metrics", kBridgeKey);
  EXPECT_EQ(metric_value(after.body, sample), ok_before + 1) << after.body;
  EXPECT_GE(metric_value(after.body, R"(zg_bridge_errors_total{kind="unauthorized"})"), 4) << after.body;
  EXPECT_GE(metric_value(after.body, R"(zg_bridge_requests_total{route="chat_completions",target="local",status="418"})"), 2);
  EXPECT_GE(metric_value(after.body, R"(zg_bridge_time_to_first_byte_seconds_count{route="chat_completions",target="local"})"), 1);
  EXPECT_EQ(after.header("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
}

TEST_F(BridgeLocalTest, LogsNeverShowTheKey) {
  const auto log = bridge_->log();
  EXPECT_NE(log.find("POST /v1/chat/completions -> 200"), std::string::npos) << log;
  EXPECT_EQ(log.find(kBridgeKey), std::string::npos) << log;
  EXPECT_EQ(log.find("Authorization"), std::string::npos) << log;
}

TEST_F(BridgeLocalTest, StopsCleanlyOnSigterm) {
  EXPECT_EQ(bridge_->stop(), 0);
}

TEST(BridgeLocalNoUpstreamTest, UnknownModelIsNotFound) {
  const auto dir = fresh_test_dir("no-upstream");
  BridgeProcess bridge({"--port", "0", "--no-plugin"}, {}, dir / "bridge.log");
  ASSERT_GT(bridge.port(), 0) << bridge.log();
  const auto answer = http_post(bridge.port(), "/v1/chat/completions", R"({"model":"llama-7b","messages":[]})");
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(answer.json()["error"]["code"], "model_not_found") << answer.body;
  EXPECT_NE(answer.json()["error"]["message"].get<std::string>().find("--local-upstream"), std::string::npos);
  // The bridge is open without --api-key-file.
  EXPECT_EQ(http_get(bridge.port(), "/v1/models").status, 200);
  std::filesystem::remove_all(dir);
}

// A bridge whose plugin cannot start says why and exits 1 (llama-swap then reports the failed cmd),
// instead of serving a /health that never turns ok.
TEST(BridgeLocalNoUpstreamTest, APluginThatCannotLoadStopsTheBridge) {
  const auto dir = fresh_test_dir("bad-plugin");
  for (const auto& [plugin, expected] : {std::pair<std::string, std::string>{"/nonexistent/lib0g.so", "cannot load /nonexistent/lib0g.so"},
                                         {"/lib/x86_64-linux-gnu/libm.so.6", "is not a zg plugin"}}) {
    BridgeProcess bridge({"--port", "0", "--plugin", plugin}, {}, dir / "bridge.log");
    ASSERT_TRUE(zg::wait_until([&] { return !bridge.running(); }, std::chrono::seconds(10))) << bridge.log();
    const auto log = bridge.log();
    EXPECT_NE(log.find("the 0G plugin did not start"), std::string::npos) << log;
    EXPECT_NE(log.find(expected), std::string::npos) << log;
  }
  std::filesystem::remove_all(dir);
}

// A second bridge on a port the first one holds must fail, not share the port with it (httplib's
// default SO_REUSEPORT would let both listen and split the clients between them).
TEST(BridgeLocalNoUpstreamTest, ASecondBridgeOnATakenPortFails) {
  const auto dir = fresh_test_dir("taken-port");
  BridgeProcess first({"--port", "0", "--no-plugin"}, {}, dir / "first.log");
  ASSERT_GT(first.port(), 0) << first.log();
  BridgeProcess second({"--port", std::to_string(first.port()), "--no-plugin"}, {}, dir / "second.log");
  ASSERT_TRUE(zg::wait_until([&] { return !second.running(); }, std::chrono::seconds(10))) << second.log();
  EXPECT_NE(second.stop(), std::optional<int>(0));
  EXPECT_NE(second.log().find("cannot listen on 127.0.0.1:" + std::to_string(first.port()) + ": Address already in use"),
            std::string::npos)
      << second.log();
  EXPECT_EQ(http_get(first.port(), "/health").status, 200);  // the first one still serves
  std::filesystem::remove_all(dir);
}

TEST(BridgeLocalNoUpstreamTest, RefusesAPrivateKeyOnTheCommandLine) {
  const auto err = std::filesystem::temp_directory_path() / ("zg-bridge-test-err-" + std::to_string(::getpid()));
  const std::string command = shell_quote(ZG_BRIDGE_PATH) + " --port 0 --private-key 0xabc >/dev/null 2>" + shell_quote(err.string());
  const int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  const auto message = slurp(err);
  EXPECT_NE(message.find("never taken from the command line"), std::string::npos) << message;
  EXPECT_EQ(message.find("0xabc"), std::string::npos) << message;
  std::filesystem::remove(err);
}

}  // namespace
