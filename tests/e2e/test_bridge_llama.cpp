// Issue 4 end to end: one OpenAI endpoint (zg-bridge) for a local model and a 0G model, both answered
// by the same real llama-server.
//
//   client -> zg-bridge --local-upstream <router> -> llama-server router (model "tiny-llama")
//          \-> 0g/tiny-llama -> lib0g.so (C ABI) -> zg-provider-sim on the devnet --upstream <router>
//
// The devnet is real (anvil + the 0G contracts); the provider simulator signs, bills and settles on
// chain. The client sees the same greedy answer both ways, the 0G one verified; after the provider
// settles, the user's sub-account has moved by exactly the fees the bridge reported. The cases share
// everything and run in order.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/sse.hpp"
#include "cli_runner.hpp"
#include "contracts/inference_serving.hpp"
#include "contracts/ledger_manager.hpp"
#include "devnet/devnet.hpp"
#include "e2e_support.hpp"
#include "eth/rpc_client.hpp"
#include "eth/uint256.hpp"

namespace zg::e2e {
namespace {

// The devnet's "user" (anvil's first public dev key: test use only, never a real wallet's).
constexpr const char* kUserKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr const char* kModel = "tiny-llama";

// The 0G outcome of a streamed answer: the bridge's SSE comment after the last event
// (": zg-verification {...}"), or an empty object when there is none.
nlohmann::json stream_verification(const std::string& body) {
  constexpr std::string_view kMarker = "\n: zg-verification ";
  const auto at = body.find(kMarker);
  if (at == std::string::npos) return nlohmann::json::object();
  const auto start = at + kMarker.size();
  return nlohmann::json::parse(body.substr(start, body.find('\n', start) - start), nullptr, false);
}

struct StreamedChat {
  std::string content;
  bool done = false;
  int chunks = 0;
};

StreamedChat parse_stream(const std::string& body) {
  broker::ChatStreamParser parser;
  StreamedChat out;
  const auto on_chunk = [&](const broker::ChatChunk&) { ++out.chunks; };
  parser.feed(body, on_chunk);
  parser.finish(on_chunk);
  out.content = parser.content();
  out.done = parser.done();
  return out;
}

class BridgeLlamaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      start_everything();
    } catch (const std::exception& error) {
      setup_error_ = error.what();
    }
  }

  static void start_everything() {
    scratch_ = std::make_unique<ScratchDir>("bridge");
    const fs::path models = scratch_->path() / "models";
    fs::create_directories(models);
    generate_tiny_model(models, kModel);
    router_ = std::make_unique<LlamaRouter>(LlamaRouter::start(models, scratch_->path()));

    devnet::DevnetOptions options;
    options.state_file = scratch_->path() / "devnet" / "devnet.json";
    fs::create_directories(options.state_file.parent_path());
    options.start_provider = true;
    options.start_storage = false;  // not needed here
    // The provider serves the router's model: its answers come from the real llama-server.
    options.provider_arguments = {"--upstream", router_->url(), "--model", kModel};
    devnet_ = std::make_unique<devnet::Devnet>(devnet::Devnet::up(options));
    devnet_env_ = "ZG_DEVNET_FILE=" + options.state_file.string();

    // 10 0G in the ledger, 5 to the provider: far above the auto-funding reserve, so the only thing
    // that moves the sub-account below is the provider settling the fees.
    for (const std::vector<std::string>& step :
         {std::vector<std::string>{"ledger", "add", "--amount", "10"},
          std::vector<std::string>{"ledger", "transfer", "--provider", provider().checksummed(), "--amount", "5"}}) {
      const auto result = test::run_zg(step, {devnet_env_, std::string("ZG_PRIVATE_KEY=") + kUserKey});
      if (result.exit_code != 0) throw std::runtime_error("zg " + step[0] + " " + step[1] + ": " + result.err);
    }
    start_bridge();
  }

  static void start_bridge() {
    bridge_log_ = scratch_->path() / "zg-bridge.log";
    ProcessOptions options;
    options.argv = {ZG_BRIDGE_PATH, "--port", "0", "--plugin", ZG_LIB_PATH, "--network", "local",
                    "--devnet-file", devnet_->state_file().string(), "--local-upstream", router_->url(),
                    "--verify", "sync"};
    options.output_file = bridge_log_;
    options.extra_environment = {std::string("ZG_PRIVATE_KEY=") + kUserKey};
    bridge_ = std::make_unique<ChildProcess>(ChildProcess::spawn(options));
    const auto port = wait_for_listening_port(*bridge_, bridge_log_, "listening on http://127.0.0.1:", 30s);
    if (!port) throw std::runtime_error("zg-bridge did not start:\n" + read_text(bridge_log_));
    bridge_url_ = "http://127.0.0.1:" + std::to_string(*port);
    const bool healthy = wait_until([] { return http_get(bridge_url_, "/health").status == 200; }, 60s);
    if (!healthy) throw std::runtime_error("zg-bridge never became healthy:\n" + read_text(bridge_log_));
  }

  static void TearDownTestSuite() {
    bridge_.reset();  // each stops its process by PID
    devnet_.reset();
    router_.reset();
    scratch_.reset();
  }

  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }
  void TearDown() override {
    if (!HasFailure()) return;
    if (bridge_) std::cerr << "zg-bridge log:\n" << read_text(bridge_log_) << "\n";
    if (router_) std::cerr << "llama-server log (tail):\n" << tail(read_text(router_->log())) << "\n";
  }
  static std::string tail(const std::string& text) {
    return text.size() > 6000 ? text.substr(text.size() - 6000) : text;
  }

  static eth::Address provider() { return devnet_->state().account("provider").address; }
  static eth::Address user() { return devnet_->state().account("user").address; }

  static std::unique_ptr<ScratchDir> scratch_;
  static std::unique_ptr<LlamaRouter> router_;
  static std::unique_ptr<devnet::Devnet> devnet_;
  static std::unique_ptr<ChildProcess> bridge_;
  static fs::path bridge_log_;
  static std::string bridge_url_;
  static std::string devnet_env_;
  static std::string setup_error_;
  static std::string local_answer_;  // the router's own answer, which every path must reproduce
  static eth::Uint256 fees_;         // what the bridge reported for the 0G answers
};
std::unique_ptr<ScratchDir> BridgeLlamaTest::scratch_;
std::unique_ptr<LlamaRouter> BridgeLlamaTest::router_;
std::unique_ptr<devnet::Devnet> BridgeLlamaTest::devnet_;
std::unique_ptr<ChildProcess> BridgeLlamaTest::bridge_;
fs::path BridgeLlamaTest::bridge_log_;
std::string BridgeLlamaTest::bridge_url_;
std::string BridgeLlamaTest::devnet_env_;
std::string BridgeLlamaTest::setup_error_;
std::string BridgeLlamaTest::local_answer_;
eth::Uint256 BridgeLlamaTest::fees_;

TEST_F(BridgeLlamaTest, ModelsListTheLocalModelAndTheZeroGModel) {
  const auto reply = http_get(bridge_url_, "/v1/models");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto models = reply.json();
  const auto zero_g = listed_model(models, std::string("0g/") + kModel);
  ASSERT_TRUE(zero_g) << reply.body;
  ASSERT_FALSE(zero_g->at("providers").empty()) << reply.body;
  EXPECT_EQ(eth::Address::from_hex(zero_g->at("providers").at(0).at("address").get<std::string>()), provider());
  EXPECT_TRUE(listed_model(models, kModel)) << "the router's model is listed beside it: " << reply.body;
}

TEST_F(BridgeLlamaTest, TheLocalModelAnswersThroughTheBridgeAsTheRouterDoes) {
  const auto direct = http_post_json(router_->url(), "/v1/chat/completions", chat_request(kModel, false));
  ASSERT_EQ(direct.status, 200) << direct.body;
  local_answer_ = direct.json().at("choices").at(0).at("message").at("content").get<std::string>();

  const auto plain = http_post_json(bridge_url_, "/v1/chat/completions", chat_request(kModel, false));
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(plain.json().at("object"), "chat.completion");
  EXPECT_EQ(plain.json().at("model"), kModel);
  EXPECT_EQ(plain.json().at("choices").at(0).at("message").at("content"), local_answer_);
  EXPECT_EQ(plain.header("X-ZG-Verification"), "") << "a local answer is not a 0G answer";

  const auto streamed = http_post_json(bridge_url_, "/v1/chat/completions", chat_request(kModel, true));
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  EXPECT_EQ(streamed.header("Content-Type").rfind("text/event-stream", 0), 0U);
  const auto stream = parse_stream(streamed.body);
  EXPECT_TRUE(stream.done) << streamed.body;
  EXPECT_GE(stream.chunks, 2) << streamed.body;
  EXPECT_EQ(stream.content, local_answer_);
}

TEST_F(BridgeLlamaTest, TheZeroGModelAnswersVerifiedWithTheSameText) {
  const auto reply =
      http_post_json(bridge_url_, "/v1/chat/completions", chat_request(std::string("0g/") + kModel, false));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("X-ZG-Verification"), "verified") << reply.header("X-ZG-Verification-Reason");
  EXPECT_EQ(eth::Address::from_hex(reply.header("X-ZG-Provider")), provider());
  EXPECT_FALSE(reply.header("X-ZG-Chat-Id").empty());
  const auto fee = eth::Uint256::from_dec(reply.header("X-ZG-Fee-Neuron"));
  EXPECT_FALSE(fee.is_zero());
  fees_ += fee;
  // The provider asked the same llama-server for the same greedy completion.
  EXPECT_EQ(reply.json().at("choices").at(0).at("message").at("content"), local_answer_);
  EXPECT_GT(reply.json().at("usage").at("completion_tokens").get<int>(), 0);
}

TEST_F(BridgeLlamaTest, TheZeroGModelStreamsVerifiedWithTheSameText) {
  const auto reply =
      http_post_json(bridge_url_, "/v1/chat/completions", chat_request(std::string("0g/") + kModel, true));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("Content-Type").rfind("text/event-stream", 0), 0U);
  EXPECT_EQ(eth::Address::from_hex(reply.header("X-ZG-Provider")), provider());
  const auto stream = parse_stream(reply.body);
  EXPECT_TRUE(stream.done) << reply.body;
  EXPECT_EQ(stream.content, local_answer_);
  const auto outcome = stream_verification(reply.body);
  ASSERT_TRUE(outcome.is_object() && outcome.contains("verification")) << reply.body;
  EXPECT_EQ(outcome.at("verification").at("outcome"), "verified") << outcome.dump();
  const auto fee = eth::Uint256::from_dec(outcome.at("fee_neuron").get<std::string>());
  EXPECT_FALSE(fee.is_zero());
  fees_ += fee;
}

// Last: stops the provider, which settles what it billed on the way out.
TEST_F(BridgeLlamaTest, SettlementMovesTheSubAccountByExactlyTheReportedFees) {
  ASSERT_FALSE(fees_.is_zero()) << "run the whole suite: the 0G cases produce the fees";
  eth::RpcClient rpc(devnet_->state().rpc_url);
  const contracts::InferenceServing inference(rpc, devnet_->state().contracts.inference);
  const auto before = inference.get_account(user(), provider());
  ASSERT_TRUE(before);
  EXPECT_EQ(before->balance, eth::parse_amount("5")) << "nothing settled yet";

  devnet_->stop_provider();
  const auto after = inference.get_account(user(), provider());
  ASSERT_TRUE(after);
  EXPECT_EQ(after->balance, eth::parse_amount("5") - fees_);
  const contracts::LedgerManager ledger(rpc, devnet_->state().contracts.ledger);
  EXPECT_EQ(ledger.get_ledger(user())->total_balance, eth::parse_amount("10") - fees_);
}

}  // namespace
}  // namespace zg::e2e
