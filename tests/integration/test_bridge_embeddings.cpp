// /v1/embeddings through zg-bridge on a real devnet: anvil + the 0G contracts, the chat provider
// (zg-sim-1, "chatbot") and, with DevnetOptions::start_embedding_provider, a second zg-provider-sim
// registered as an "embedding" service (zg-embed-1) under its own dev account; the real zg-bridge
// loading lib0g.so. The cases run in
// order: the model list shows both models with their service types; an embeddings request is
// answered with the provider's own vectors, verified, with its fee in the headers; the wrong
// route for a model's service type is refused with a clear error and nothing billed; and on
// shutdown the embedding provider settles, moving the user's sub-account by exactly the fees.
#include <gtest/gtest.h>

#include <cstdlib>

#include "broker/session_token.hpp"
#include "contracts/inference_serving.hpp"
#include "devnet/devnet.hpp"
#include "eth/uint256.hpp"
#include "test_bridge_harness.hpp"

namespace {

using namespace zg;
using namespace zg::test;
using nlohmann::json;

constexpr const char* kUserKeyHex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const eth::Uint256 kEmbeddingInputPrice{7'000'000'000};    // neuron per input token
const eth::Uint256 kEmbeddingOutputPrice{900'000'000'000};  // must play no part in an embedding's fee

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class BridgeEmbeddingsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The devnet helpers find zg-provider-sim through ZG_PROVIDER_SIM first: point it at this build's.
    ::setenv("ZG_PROVIDER_SIM", ZG_PROVIDER_SIM_PATH, /*overwrite=*/0);
    dir_ = fresh_test_dir("embeddings");
    try {
      devnet::DevnetOptions options;
      options.state_file = dir_ / "devnet.json";
      options.start_provider = true;  // the chatbot, zg-sim-1
      options.start_embedding_provider = true;
      options.embedding_provider_arguments = {"--input-price", kEmbeddingInputPrice.to_dec(), "--output-price",
                                              kEmbeddingOutputPrice.to_dec(), "--settle-interval-ms", "600000",
                                              "--account-refresh-ms", "200"};
      options.start_storage = false;
      devnet_ = std::make_unique<devnet::Devnet>(devnet::Devnet::up(options));
    } catch (const std::exception& error) {
      setup_error_ = std::string("devnet: ") + error.what();
      return;
    }
    file_ = "ZG_DEVNET_FILE=" + (dir_ / "devnet.json").string();
    const std::string key = std::string("ZG_PRIVATE_KEY=") + kUserKeyHex;
    for (const auto& step :
         {std::vector<std::string>{"ledger", "add", "--amount", "6"},
          std::vector<std::string>{"ledger", "transfer", "--provider", chat_provider().checksummed(), "--amount", "2"},
          std::vector<std::string>{"ledger", "transfer", "--provider", embedding_provider().checksummed(), "--amount",
                                   "3"}}) {
      const auto r = run_zg(step, {file_, key});
      if (r.exit_code != 0) {
        setup_error_ = step[0] + " " + step[1] + ": " + r.err;
        return;
      }
    }
    bridge_ = std::make_unique<BridgeProcess>(std::vector<std::string>{"--port", "0", "--verify", "sync"},
                                              std::vector<std::string>{file_, key}, dir_ / "bridge.log");
    if (bridge_->port() <= 0 || !bridge_->wait_healthy()) setup_error_ = "zg-bridge did not become healthy:\n" + bridge_->log();
  }
  static void TearDownTestSuite() {
    bridge_.reset();
    devnet_.reset();  // stops both providers and anvil
    std::filesystem::remove_all(dir_);
  }
  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static const devnet::DevnetState& state() { return devnet_->state(); }
  static eth::Address user() { return state().account("user").address; }
  static eth::Address chat_provider() { return state().account("provider").address; }
  static eth::Address embedding_provider() { return state().account("embedding-provider").address; }
  static std::string embedding_log() { return slurp(dir_ / "embedding-provider" / "embedding-provider-sim.log"); }

  static std::optional<contracts::InferenceAccount> sub_account(const eth::Address& provider) {
    eth::RpcClient rpc(state().rpc_url);
    return contracts::InferenceServing(rpc, state().contracts.inference).get_account(user(), provider);
  }
  // The same request straight to the embedding provider, with a session token of our own.
  static httplib::Result ask_provider_directly(const std::string& body) {
    const auto issued = now_ms();
    const auto token = broker::ephemeral_token(user().checksummed(), embedding_provider().checksummed(), issued,
                                               broker::generate_nonce(issued), 0);
    const auto authorization =
        broker::sign_session_token(token, crypto::PrivateKey::from_hex(kUserKeyHex)).authorization_header();
    static httplib::Client client(state().embedding_provider_url);
    client.set_read_timeout(std::chrono::seconds(30));
    return client.Post("/v1/proxy/embeddings", {{"Authorization", authorization}}, body, "application/json");
  }
  static std::string error_message(const HttpAnswer& answer) {
    const auto body = answer.json();
    if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return "<not an OpenAI error>";
    return body["error"].value("message", std::string("<no message>"));
  }

  static inline std::filesystem::path dir_;
  static inline std::string file_;
  static inline std::string setup_error_;
  static inline std::unique_ptr<devnet::Devnet> devnet_;
  static inline std::unique_ptr<BridgeProcess> bridge_;
  static inline json bridge_answer_;  // the vectors the bridge returned
  static inline eth::Uint256 billed_;  // every embedding fee the provider charged this user
};

TEST_F(BridgeEmbeddingsTest, ModelsListTheEmbeddingModelWithItsServiceType) {
  const auto models = http_get(bridge_->port(), "/v1/models");
  ASSERT_EQ(models.status, 200) << models.body;
  auto list = models.json();
  json embed, chat;
  for (const auto& m : list["data"]) {
    if (m["id"] == "0g/zg-embed-1") embed = m;
    if (m["id"] == "0g/zg-sim-1") chat = m;
  }
  ASSERT_TRUE(embed.is_object()) << models.body;
  ASSERT_TRUE(chat.is_object()) << models.body;
  ASSERT_EQ(embed["providers"].size(), 1u) << models.body;
  auto provider = embed["providers"][0];
  EXPECT_EQ(lower(provider["address"].get<std::string>()), lower(embedding_provider().checksummed()));
  EXPECT_EQ(provider["service_type"], "embedding");
  EXPECT_EQ(provider["input_price"], kEmbeddingInputPrice.to_dec());
  EXPECT_EQ(provider["verifiability"], "TeeML");
  EXPECT_EQ(chat["providers"][0]["service_type"], "chatbot");
}

TEST_F(BridgeEmbeddingsTest, EmbeddingsAreAnsweredVerifiedAndBilledOnInputTokens) {
  const std::string body = R"({"model":"0g/zg-embed-1","input":["zero gravity embeddings","through the bridge"]})";
  const auto answer = http_post(bridge_->port(), "/v1/embeddings", body);
  ASSERT_EQ(answer.status, 200) << answer.body << "\n" << bridge_->log() << "\n" << embedding_log();
  EXPECT_EQ(answer.header("Content-Type").rfind("application/json", 0), 0u);
  EXPECT_EQ(answer.header("X-ZG-Verification"), "verified") << answer.header("X-ZG-Verification-Reason");
  EXPECT_EQ(lower(answer.header("X-ZG-Provider")), lower(embedding_provider().checksummed()));
  EXPECT_FALSE(answer.header("X-ZG-Chat-Id").empty());

  bridge_answer_ = answer.json();
  ASSERT_TRUE(bridge_answer_.is_object()) << answer.body;
  EXPECT_EQ(bridge_answer_["object"], "list");
  EXPECT_EQ(bridge_answer_["model"], "zg-embed-1");
  ASSERT_EQ(bridge_answer_["data"].size(), 2u) << answer.body;
  EXPECT_EQ(bridge_answer_["data"][0]["embedding"].size(), 16u);
  // 3 + 3 words; the fee is input tokens x input price, the output price plays no part.
  EXPECT_EQ(bridge_answer_["usage"]["prompt_tokens"], 6);
  const auto fee = kEmbeddingInputPrice * eth::Uint256(6);
  EXPECT_EQ(answer.header("X-ZG-Fee-Neuron"), fee.to_dec());
  billed_ = billed_ + fee;
}

TEST_F(BridgeEmbeddingsTest, TheBridgeAnswersTheProvidersOwnVectors) {
  ASSERT_TRUE(bridge_answer_.is_object()) << "run the whole suite: the previous case asks through the bridge";
  const auto direct = ask_provider_directly(R"({"model":"zg-embed-1","input":["zero gravity embeddings","through the bridge"]})");
  ASSERT_TRUE(direct);
  ASSERT_EQ(direct->status, 200) << direct->body;
  auto body = json::parse(direct->body);
  EXPECT_EQ(body["data"], bridge_answer_["data"]);
  EXPECT_EQ(body["usage"], bridge_answer_["usage"]);
  billed_ = billed_ + kEmbeddingInputPrice * eth::Uint256(body["usage"]["prompt_tokens"].get<std::uint64_t>());
}

TEST_F(BridgeEmbeddingsTest, EmbeddingsOfAChatModelAreRefusedClearly) {
  const auto answer = http_post(bridge_->port(), "/v1/embeddings", R"({"model":"0g/zg-sim-1","input":"x"})");
  EXPECT_EQ(answer.status, 501) << answer.body;
  const auto message = error_message(answer);
  EXPECT_NE(message.find("chatbot"), std::string::npos) << message;
  EXPECT_NE(message.find("/v1/embeddings"), std::string::npos) << message;
  EXPECT_TRUE(answer.header("X-ZG-Fee-Neuron").empty());
}

TEST_F(BridgeEmbeddingsTest, CompletionsAreRefusedBecauseNoBrokerServesThem) {
  // The broker bills only the routes in its TargetRoute set, and /completions is not one of them
  // (0g-serving-broker api/inference/const/const.go): the bridge refuses before any provider is asked.
  const auto answer = http_post(bridge_->port(), "/v1/completions", R"({"model":"0g/zg-sim-1","prompt":"x"})");
  EXPECT_EQ(answer.status, 501) << answer.body;
  EXPECT_NE(error_message(answer).find("/v1/completions"), std::string::npos) << answer.body;
}

TEST_F(BridgeEmbeddingsTest, ChatWithTheEmbeddingModelIsRefusedClearly) {
  const json body = {{"model", "0g/zg-embed-1"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  const auto answer = http_post(bridge_->port(), "/v1/chat/completions", body.dump());
  // The gateway refuses before anything is sent: an embedding service has no chat route.
  EXPECT_EQ(answer.status, 501) << answer.body;
  auto refusal = answer.json();
  EXPECT_EQ(refusal["error"]["code"], "unsupported") << answer.body;
  const auto message = error_message(answer);
  EXPECT_NE(message.find("service type \"embedding\") do not offer /v1/chat/completions"), std::string::npos) << message;
  EXPECT_TRUE(answer.header("X-ZG-Fee-Neuron").empty());
}

TEST_F(BridgeEmbeddingsTest, SettlementMovesTheSubAccountByExactlyTheFees) {
  ASSERT_FALSE(billed_.is_zero()) << "run the whole suite: the embeddings cases produce the fees";
  const auto before = sub_account(embedding_provider());
  ASSERT_TRUE(before);
  EXPECT_EQ(before->balance, eth::parse_amount("3"));
  // SIGTERM: the simulator settles what it billed before it exits.
  devnet_->stop_embedding_provider();
  const auto after = sub_account(embedding_provider());
  ASSERT_TRUE(after);
  EXPECT_EQ(after->balance, eth::parse_amount("3") - billed_) << embedding_log();
  EXPECT_GT(after->nonce, before->nonce);
}

}  // namespace
