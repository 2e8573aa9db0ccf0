// A real llama-server (v0.5.0, built by scripts/llama_server.sh) in router mode, serving a tiny model
// generated at test time: the host the plugin's importer and zg-bridge's --local-upstream talk to.
// The cases share one router and run in order (listing, then the first request loads the model).
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "broker/sse.hpp"
#include "e2e_support.hpp"

namespace zg::e2e {
namespace {

class LlamaRouterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = std::make_unique<ScratchDir>("router");
    const fs::path models = scratch_->path() / "models";
    fs::create_directories(models);
    const auto model = generate_tiny_model(models, "tiny-llama");
    // A second model from a preset: the same weights with a LoRA adapter (llama-server pairs a LoRA
    // with a model only through a preset, never from --models-dir).
    const auto adapter = generate_tiny_lora(scratch_->path(), "tiny-adapter");
    const fs::path preset = scratch_->path() / "presets.ini";
    std::ofstream(preset) << "[tiny-lora]\nmodel = " << model.string() << "\nlora = " << adapter.string() << "\n";
    router_ = std::make_unique<LlamaRouter>(LlamaRouter::start(models, scratch_->path(), preset));
  }
  static void TearDownTestSuite() {
    router_.reset();  // stops llama-server by PID; its model children exit with it
    scratch_.reset();
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "llama-server log:\n" << read_text(router_->log()) << "\n";
  }

  static std::unique_ptr<ScratchDir> scratch_;
  static std::unique_ptr<LlamaRouter> router_;
  static std::string plain_answer_;  // the non-streaming answer, to compare the stream with
};
std::unique_ptr<ScratchDir> LlamaRouterTest::scratch_;
std::unique_ptr<LlamaRouter> LlamaRouterTest::router_;
std::string LlamaRouterTest::plain_answer_;

TEST_F(LlamaRouterTest, ListsTheModelsDirModelAndThePresetModel) {
  const auto reply = http_get(router_->url(), "/models");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto model = listed_model(reply.json(), "tiny-llama");
  ASSERT_TRUE(model) << reply.body;
  EXPECT_EQ(model->at("source"), "models_dir");
  EXPECT_EQ(model->at("status").at("value"), "unloaded");  // nothing loads before a request names it
  const auto with_lora = listed_model(reply.json(), "tiny-lora");
  ASSERT_TRUE(with_lora) << reply.body;
  EXPECT_EQ(with_lora->at("source"), "preset");
  EXPECT_EQ(reply.json().at("data").size(), 2U) << "only the models dir and the preset are sources: " << reply.body;
}

TEST_F(LlamaRouterTest, AnswersAChatCompletionAndLoadsTheModelOnDemand) {
  const auto reply = http_post_json(router_->url(), "/v1/chat/completions", chat_request("tiny-llama", false));
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto answer = reply.json();
  EXPECT_EQ(answer.at("object"), "chat.completion");
  EXPECT_EQ(answer.at("model"), "tiny-llama");
  const auto& choice = answer.at("choices").at(0);
  EXPECT_EQ(choice.at("message").at("role"), "assistant");
  ASSERT_TRUE(choice.at("message").at("content").is_string());
  plain_answer_ = choice.at("message").at("content").get<std::string>();
  const int completion_tokens = answer.at("usage").at("completion_tokens").get<int>();
  EXPECT_GE(completion_tokens, 1);
  EXPECT_LE(completion_tokens, 8);  // max_tokens
  EXPECT_GT(answer.at("usage").at("prompt_tokens").get<int>(), 0);

  const auto models = http_get(router_->url(), "/models");
  const auto model = listed_model(models.json(), "tiny-llama");
  ASSERT_TRUE(model) << models.body;
  EXPECT_EQ(model->at("status").at("value"), "loaded") << models.body;
}

TEST_F(LlamaRouterTest, StreamsTheSameAnswerAsSseChunksEndingInDone) {
  const auto reply = http_post_json(router_->url(), "/v1/chat/completions", chat_request("tiny-llama", true));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.header("Content-Type").find("text/event-stream"), std::string::npos);
  broker::ChatStreamParser parser;
  int chunks = 0;
  std::string finish_reason;
  const auto on_chunk = [&](const broker::ChatChunk& chunk) {
    ++chunks;
    EXPECT_EQ(chunk.json.at("object"), "chat.completion.chunk");
    const auto& choices = chunk.json.at("choices");
    if (!choices.empty() && choices.at(0).contains("finish_reason") && choices.at(0).at("finish_reason").is_string()) {
      finish_reason = choices.at(0).at("finish_reason").get<std::string>();
    }
  };
  parser.feed(reply.body, on_chunk);
  parser.finish(on_chunk);
  EXPECT_TRUE(parser.done()) << "no data: [DONE] in\n" << reply.body;
  EXPECT_GE(chunks, 2) << reply.body;
  EXPECT_TRUE(finish_reason == "length" || finish_reason == "stop") << reply.body;
  // Greedy decoding of the same prompt by the same model: the stream spells the non-streamed answer.
  EXPECT_EQ(parser.content(), plain_answer_);
}

TEST_F(LlamaRouterTest, APresetModelRunsWithItsLoraAdapterAndAnswersDifferently) {
  ASSERT_FALSE(plain_answer_.empty()) << "run the whole suite: the plain model's answer comes first";
  const auto reply = http_post_json(router_->url(), "/v1/chat/completions", chat_request("tiny-lora", false));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json().at("model"), "tiny-lora");
  const auto answer = reply.json().at("choices").at(0).at("message").at("content").get<std::string>();
  // Same base weights, same prompt, greedy: only the adapter can change the text.
  EXPECT_NE(answer, plain_answer_);

  const auto adapters = http_get(router_->url(), "/lora-adapters?model=tiny-lora");
  ASSERT_EQ(adapters.status, 200) << adapters.body;
  ASSERT_EQ(adapters.json().size(), 1U) << adapters.body;
  EXPECT_EQ(fs::path(adapters.json().at(0).at("path").get<std::string>()).filename(), "tiny-adapter.gguf");
  EXPECT_EQ(adapters.json().at(0).at("scale"), 1.0);
}

TEST_F(LlamaRouterTest, RefusesAModelItDoesNotHave) {
  const auto reply = http_post_json(router_->url(), "/v1/chat/completions", chat_request("no-such-model", false));
  EXPECT_GE(reply.status, 400) << reply.body;
  EXPECT_LT(reply.status, 500) << reply.body;
}

}  // namespace
}  // namespace zg::e2e
