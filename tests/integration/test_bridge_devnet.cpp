// zg-bridge with its plugin on a real devnet: anvil + the 0G contracts + the provider simulator,
// the real zg-bridge process loading lib0g.so through the C ABI, a real HTTP client. One suite, one
// devnet; its cases run in order: models listed, 0G answers verified (streamed and not), local models
// beside them, metrics, and llama-swap's part played from the sample config in docs/llama-swap.yaml.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "test_bridge_harness.hpp"

namespace {

using namespace zg::test;

constexpr const char* kUserKey = "ZG_PRIVATE_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr const char* kProvider = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The "content" deltas of an OpenAI SSE stream, joined.
std::string streamed_content(const std::string& sse) {
  std::string content;
  std::istringstream lines(sse);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("data: {", 0) != 0) continue;
    const auto event = nlohmann::json::parse(line.substr(6), nullptr, false);
    if (!event.is_object() || !event.contains("choices") || event["choices"].empty()) continue;
    const auto& delta = event["choices"][0].value("delta", nlohmann::json::object());
    if (delta.contains("content") && delta["content"].is_string()) content += delta["content"].get<std::string>();
  }
  return content;
}

class BridgeDevnetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fresh_test_dir("devnet");
    file_ = "ZG_DEVNET_FILE=" + (dir_ / "devnet.json").string();
    const auto up = run_zg({"devnet", "up", "--json"}, {file_});
    if (up.exit_code != 0) {
      setup_error_ = "zg devnet up: " + up.err;
      return;
    }
    devnet_up_ = true;
    for (const auto& step : {std::vector<std::string>{"ledger", "add", "--amount", "3"},
                             std::vector<std::string>{"ledger", "transfer", "--provider", kProvider, "--amount", "2"}}) {
      const auto r = run_zg(step, {file_, kUserKey});
      if (r.exit_code != 0) {
        setup_error_ = step[0] + " " + step[1] + ": " + r.err;
        return;
      }
    }
    upstream_ = std::make_unique<FakeOpenAiUpstream>();
    bridge_ = std::make_unique<BridgeProcess>(
        std::vector<std::string>{"--port", "0", "--local-upstream", upstream_->url(), "--verify", "sync"},
        std::vector<std::string>{file_, kUserKey}, dir_ / "bridge.log");
    if (bridge_->port() <= 0 || !bridge_->wait_healthy()) setup_error_ = "zg-bridge did not become healthy:\n" + bridge_->log();
  }
  static void TearDownTestSuite() {
    bridge_.reset();
    upstream_.reset();
    if (devnet_up_) run_zg({"devnet", "down"}, {file_});
    std::filesystem::remove_all(dir_);
  }
  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static HttpAnswer chat(const std::string& model, bool stream, const std::string& prompt) {
    const nlohmann::json body = {{"model", model}, {"stream", stream}, {"messages", {{{"role", "user"}, {"content", prompt}}}}};
    return http_post(bridge_->port(), "/v1/chat/completions", body.dump());
  }

  static inline std::filesystem::path dir_;
  static inline std::string file_;
  static inline bool devnet_up_ = false;
  static inline std::string setup_error_;
  static inline std::unique_ptr<FakeOpenAiUpstream> upstream_;
  static inline std::unique_ptr<BridgeProcess> bridge_;
  static inline std::string streamed_chat_id_;
};

TEST_F(BridgeDevnetTest, ModelsListZeroGAndLocalModels) {
  const auto models = http_get(bridge_->port(), "/v1/models");
  ASSERT_EQ(models.status, 200) << models.body;
  const auto data = models.json()["data"];
  ASSERT_TRUE(data.is_array()) << models.body;
  nlohmann::json zero_g, local;
  for (const auto& m : data) {
    if (m["id"] == "0g/zg-sim-1") zero_g = m;
    if (m["id"] == "tiny-local") local = m;
  }
  ASSERT_TRUE(zero_g.is_object()) << models.body;
  EXPECT_TRUE(local.is_object()) << models.body;
  ASSERT_TRUE(zero_g["providers"].is_array() && !zero_g["providers"].empty()) << models.body;
  const auto& provider = zero_g["providers"][0];
  EXPECT_EQ(lower(provider["address"].get<std::string>()), lower(kProvider));
  EXPECT_TRUE(provider.contains("input_price") && provider.contains("output_price")) << models.body;
  EXPECT_TRUE(provider.contains("verifiability")) << models.body;
}

TEST_F(BridgeDevnetTest, NonStreamedZeroGAnswerCarriesItsVerification) {
  const auto answer = chat("0g/zg-sim-1", false, "Hello bridge");
  ASSERT_EQ(answer.status, 200) << answer.body << "\n" << bridge_->log();
  EXPECT_EQ(answer.header("Content-Type").rfind("application/json", 0), 0u);
  EXPECT_EQ(answer.json()["choices"][0]["message"]["content"], "echo: Hello bridge") << answer.body;
  EXPECT_EQ(answer.header("X-ZG-Verification"), "verified");
  EXPECT_EQ(lower(answer.header("X-ZG-Provider")), lower(kProvider));
  EXPECT_FALSE(answer.header("X-ZG-Chat-Id").empty());
  const auto fee = answer.header("X-ZG-Fee-Neuron");
  ASSERT_FALSE(fee.empty());
  EXPECT_GT(std::stod(fee), 0);
}

TEST_F(BridgeDevnetTest, StreamedZeroGAnswerArrivesUntouchedWithTheOutcomeAfterIt) {
  const auto answer = chat("0g/zg-sim-1", true, "Stream me");
  ASSERT_EQ(answer.status, 200) << answer.body << "\n" << bridge_->log();
  EXPECT_EQ(answer.header("Content-Type").rfind("text/event-stream", 0), 0u);
  EXPECT_EQ(lower(answer.header("X-ZG-Provider")), lower(kProvider));
  streamed_chat_id_ = answer.header("X-ZG-Chat-Id");
  ASSERT_FALSE(streamed_chat_id_.empty());
  EXPECT_EQ(streamed_content(answer.body), "echo: Stream me");
  // The provider's stream ends with [DONE]; the bridge's only addition is one SSE comment after it.
  const auto done = answer.body.rfind("data: [DONE]\n\n");
  ASSERT_NE(done, std::string::npos) << answer.body;
  const auto tail = answer.body.substr(done + 14);
  ASSERT_EQ(tail.rfind(": zg-verification ", 0), 0u) << tail;
  const auto note = nlohmann::json::parse(tail.substr(18), nullptr, false);
  EXPECT_EQ(note["verification"]["outcome"], "verified") << tail;
  EXPECT_EQ(note["chat_id"], streamed_chat_id_);
  EXPECT_GE(answer.chunks.size(), 2u);
}

TEST_F(BridgeDevnetTest, VerificationOfAStreamCanBeAskedForByChatId) {
  ASSERT_FALSE(streamed_chat_id_.empty()) << "the streamed case did not run";
  const auto found = http_get(bridge_->port(), "/v1/zg/verifications/" + streamed_chat_id_);
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(found.json()["verification"]["outcome"], "verified") << found.body;
  EXPECT_EQ(http_get(bridge_->port(), "/v1/zg/verifications/no-such-chat").status, 404);
}

TEST_F(BridgeDevnetTest, ProviderCanBePinnedInTheModelName) {
  const auto answer = chat(std::string("0g/") + kProvider + "/zg-sim-1", false, "pinned");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.json()["choices"][0]["message"]["content"], "echo: pinned");
}

TEST_F(BridgeDevnetTest, UnknownZeroGModelIsAnOpenAiError) {
  const auto answer = chat("0g/no-such-model", false, "hi");
  EXPECT_GE(answer.status, 400) << answer.body;
  EXPECT_LT(answer.status, 500) << answer.body;
  EXPECT_TRUE(answer.json()["error"]["message"].is_string()) << answer.body;
  EXPECT_TRUE(answer.json()["error"]["type"].is_string()) << answer.body;
  EXPECT_TRUE(answer.json()["error"]["code"].is_string()) << answer.body;
}

TEST_F(BridgeDevnetTest, LocalModelsAreServedBesideZeroG) {
  const auto answer = chat("tiny-local", true, "hi");
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, FakeOpenAiUpstream::sse_body());
}

TEST_F(BridgeDevnetTest, MetricsShowVerificationsTokensAndFees) {
  const auto metrics = http_get(bridge_->port(), "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_GE(metric_value(metrics.body, R"(zg_bridge_verifications_total{outcome="verified"})"), 3) << metrics.body;
  EXPECT_GE(metric_value(metrics.body, R"(zg_bridge_requests_total{route="chat_completions",target="0g",status="200"})"), 3);
  EXPECT_GT(metric_value(metrics.body, R"(zg_bridge_tokens_total{kind="completion"})"), 0);
  EXPECT_GT(metric_value(metrics.body, "zg_bridge_fees_neuron_total"), 0);
  EXPECT_GE(metric_value(metrics.body, R"(zg_bridge_requests_total{route="chat_completions",target="local",status="200"})"), 1);
}

// ---- llama-swap's part ------------------------------------------------------------------------
// llama-swap (Go, not installable here) runs `cmd` with ${PORT} substituted, polls checkEndpoint,
// then reverse-proxies requests to `proxy`, with "model" replaced by useModelName. This plays it
// from the sample config the docs ship.

struct SwapModel {
  std::string cmd, proxy, check_endpoint, use_model_name;
};

std::string yaml_value(std::string line) {
  line = line.substr(line.find(':') + 1);
  while (!line.empty() && line.front() == ' ') line.erase(0, 1);
  if (line.size() >= 2 && line.front() == '"' && line.back() == '"') line = line.substr(1, line.size() - 2);
  return line;
}

// A small reader for the one shape docs/llama-swap.yaml uses: `models:` then `  "<id>":` then
// `    key: value` lines.
SwapModel read_swap_model(const std::filesystem::path& yaml, const std::string& id) {
  std::ifstream in(yaml);
  SwapModel model;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("  \"", 0) == 0 || (line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ' && line[2] != '#')) {
      inside = line.find("\"" + id + "\":") != std::string::npos;
      continue;
    }
    if (!inside) continue;
    const auto key_start = line.find_first_not_of(' ');
    if (key_start == std::string::npos || line[key_start] == '#') continue;
    const auto key = line.substr(key_start, line.find(':') - key_start);
    if (key == "cmd") model.cmd = yaml_value(line);
    if (key == "proxy") model.proxy = yaml_value(line);
    if (key == "checkEndpoint") model.check_endpoint = yaml_value(line);
    if (key == "useModelName") model.use_model_name = yaml_value(line);
  }
  return model;
}

// A port nobody listens on right now, as llama-swap picks one: bind port 0, read it, close. (An
// httplib::Server used as a probe would keep its SO_REUSEPORT socket open and share the port.)
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
  return text;
}

TEST_F(BridgeDevnetTest, LlamaSwapSpawnsPollsAndProxiesTheSampleConfig) {
  const auto model = read_swap_model(std::filesystem::path(ZG_SOURCE_DIR) / "docs" / "llama-swap.yaml", "0g-sim");
  ASSERT_FALSE(model.cmd.empty()) << "docs/llama-swap.yaml has no model \"0g-sim\" with a cmd";
  EXPECT_EQ(model.check_endpoint, "/health");
  EXPECT_EQ(model.use_model_name, "0g/zg-sim-1");

  // Substitute ${PORT} as llama-swap does (it picks a free port from its range) and split the words.
  const int port = free_port();
  ASSERT_GT(port, 0);
  const auto cmd = replace_all(model.cmd, "${PORT}", std::to_string(port));
  std::vector<std::string> words;
  std::istringstream split(cmd);
  for (std::string w; split >> w;) words.push_back(w);
  ASSERT_EQ(words.at(0), "zg-bridge");
  zg::ProcessOptions options;
  options.argv = words;
  options.argv[0] = ZG_BRIDGE_PATH;
  options.output_file = dir_ / "swap-bridge.log";
  options.extra_environment = {file_, kUserKey};
  auto child = zg::ChildProcess::spawn(options);

  const auto base = replace_all(model.proxy, "${PORT}", std::to_string(port));
  ASSERT_EQ(base, "http://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(zg::wait_until(
      [&] {
        httplib::Client c(base);
        auto r = c.Get(model.check_endpoint);
        return r && r->status == 200;
      },
      std::chrono::seconds(30)))
      << slurp(options.output_file);

  // The proxy: the client's body with "model" replaced, relayed chunk by chunk as it arrives.
  std::string relayed;  // what the bridge sent, as llama-swap received it
  httplib::Server swap;
  swap.Post("/v1/chat/completions", [&](const httplib::Request& req, httplib::Response& res) {
    auto body = nlohmann::json::parse(req.body);
    body["model"] = model.use_model_name;
    res.set_chunked_content_provider("text/event-stream", [&, body = body.dump()](std::size_t, httplib::DataSink& sink) {
      httplib::Client upstream(base);
      upstream.set_read_timeout(std::chrono::seconds(60));
      httplib::Request forward;
      forward.method = "POST";
      forward.path = "/v1/chat/completions";
      forward.body = body;
      forward.set_header("Content-Type", "application/json");
      forward.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
        relayed.append(data, n);
        return sink.write(data, n);
      };
      httplib::Response response;
      httplib::Error error = httplib::Error::Success;
      upstream.send(forward, response, error);
      sink.done();
      return true;
    });
  });
  const int swap_port = swap.bind_to_any_port("127.0.0.1");
  std::thread swap_thread([&] { swap.listen_after_bind(); });

  const nlohmann::json request = {{"model", "0g-sim"}, {"stream", true}, {"messages", {{{"role", "user"}, {"content", "via swap"}}}}};
  const auto answer = http_post(swap_port, "/v1/chat/completions", request.dump());
  swap.stop();
  swap_thread.join();
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, relayed);  // byte for byte through the proxy
  EXPECT_EQ(streamed_content(answer.body), "echo: via swap") << answer.body << "\n" << slurp(options.output_file);
  EXPECT_NE(answer.body.find("data: [DONE]\n\n"), std::string::npos);
  EXPECT_EQ(child.stop(), 0);
}

}  // namespace
