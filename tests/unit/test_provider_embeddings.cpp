// zg-provider-sim as an "embedding" service (--service-type embedding): the request parser and the
// deterministic vectors, then the real ProviderServer in this process with the chain's answers
// (the user's sub-account, the service) coming from fixed values: the same session-token gate,
// TEE signature and bill as chat, input tokens only, and each service type refusing the other's
// route with the broker's "endpoint not supported".
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "account_cache.hpp"
#include "broker/fee.hpp"
#include "broker/response_signature.hpp"
#include "broker/session_token.hpp"
#include "chat_signature.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/sha256.hpp"
#include "embedding_model.hpp"
#include "fee_ledger.hpp"
#include "provider_config.hpp"
#include "provider_server.hpp"
#include "rate_limiter.hpp"
#include "request_gate.hpp"
#include "simulated_provider.hpp"

namespace {

using namespace zg;
using namespace zg::provider;
using namespace std::chrono_literals;
using nlohmann::json;

// The simulated provider's parties (public anvil dev keys).
const auto& kUser = test::kSimUser;
const auto& kProvider = test::kSimProvider;
const auto& kProviderKey = test::kSimProviderKey;
const auto& kTeeSigner = test::kSimTeeSigner;

std::string sha256_hex(std::string_view bytes) { return to_hex(crypto::sha256(as_bytes(bytes)), false); }

ProviderConfig parse_flags(std::vector<std::string> flags) { return test::parse_provider_flags(std::move(flags)); }

double norm(const std::vector<double>& v) {
  double sum = 0;
  for (const double x : v) sum += x * x;
  return std::sqrt(sum);
}

// ---------------------------------------------------------------------------------------------
// The model

TEST(ProviderEmbeddingModel, AcceptsTheFourInputShapesAndCountsTokens) {
  const auto one = parse_embedding_request(R"({"input":"hello  embedding world"})", "zg-embed-1");
  EXPECT_EQ(one.model, "zg-embed-1");  // filled in: the body is rewritten
  EXPECT_EQ(json::parse(one.forwarded_body)["model"], "zg-embed-1");
  ASSERT_EQ(one.inputs.size(), 1u);
  EXPECT_EQ(one.prompt_tokens(), 3u);
  EXPECT_EQ(one.input_json, R"("hello  embedding world")");

  const std::string texts_body = R"({"model":"m","input":["a b","c"],"dimensions":5})";
  const auto texts = parse_embedding_request(texts_body, "zg-embed-1");
  EXPECT_EQ(texts.forwarded_body, texts_body);  // nothing to rewrite: forwarded byte for byte
  EXPECT_EQ(texts.model, "m");
  EXPECT_EQ(texts.inputs.size(), 2u);
  EXPECT_EQ(texts.prompt_tokens(), 3u);
  EXPECT_EQ(texts.dimensions, 5u);

  EXPECT_EQ(parse_embedding_request(R"({"input":[1,2,3,4]})", "m").prompt_tokens(), 4u);
  const auto batches = parse_embedding_request(R"({"input":[[1,2,3],[4,5]],"encoding_format":"float"})", "m");
  EXPECT_EQ(batches.inputs.size(), 2u);
  EXPECT_EQ(batches.prompt_tokens(), 5u);
  // A text of blanks is still one token: no input is free.
  EXPECT_EQ(parse_embedding_request(R"({"input":"   "})", "m").prompt_tokens(), 1u);
}

TEST(ProviderEmbeddingModel, RefusesMalformedRequestsWithTheReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"[1]", "expected a JSON object"},
      {R"({"model":"m"})", "`input` is required"},
      {R"({"input":null})", "`input` is required"},
      {R"({"input":""})", "must not be empty"},
      {R"({"input":[]})", "empty array"},
      {R"({"input":["a",""]})", "must not be empty"},
      {R"({"input":["a",1]})", "must not mix"},
      {R"({"input":[1,-2]})", "non-negative integers"},
      {R"({"input":[1,2.5]})", "non-negative integers"},
      {R"({"input":[[1],[]]})", "non-empty array"},
      {R"({"input":{"text":"a"}})", "string or an array"},
      {R"({"input":"a","model":7})", "`model` must be a string"},
      {R"({"input":"a","dimensions":0})", "`dimensions`"},
      {R"({"input":"a","dimensions":4097})", "`dimensions`"},
      {R"({"input":"a","dimensions":"8"})", "`dimensions`"},
      {R"({"input":"a","encoding_format":"base64"})", "`encoding_format`"},
  };
  for (const auto& [body, reason] : cases) {
    try {
      parse_embedding_request(body, "m");
      ADD_FAILURE() << "accepted: " << body;
    } catch (const ParseError& error) {
      EXPECT_NE(std::string(error.what()).find(reason), std::string::npos) << body << " -> " << error.what();
    }
  }
  std::string many = R"({"input":[)";
  for (std::size_t i = 0; i <= kMaxEmbeddingInputs; ++i) many += (i ? ",\"x\"" : "\"x\"");
  many += "]}";
  EXPECT_THROW(parse_embedding_request(many, "m"), ParseError);
}

// Untrusted bytes: truncated and byte-flipped variants of valid bodies either parse into a billable
// request (at least one input, at least one token) or fail with ParseError; nothing else escapes.
TEST(ProviderEmbeddingModel, MangledBodiesParseOrFailCleanly) {
  const std::vector<std::string> seeds = {R"({"model":"m","input":["a b","c"],"dimensions":5})",
                                          R"({"input":[[1,2,3],[4,5]],"encoding_format":"float"})",
                                          R"({"input":"hello world","model":null})", R"({"input":[7,8,9]})"};
  std::uint32_t random = 12345;
  const auto next = [&random] { return random = random * 1103515245u + 12345u; };
  std::size_t accepted = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string body = seeds[round % seeds.size()];
    if (round % 3 == 0) body.resize(next() % (body.size() + 1));
    for (int flips = 1 + static_cast<int>(next() % 3); flips > 0 && !body.empty(); --flips) {
      body[next() % body.size()] = static_cast<char>(next() % 256);
    }
    try {
      const auto request = parse_embedding_request(body, "d");
      EXPECT_FALSE(request.inputs.empty()) << body;
      EXPECT_GE(request.prompt_tokens(), 1u) << body;
      EXPECT_GE(request.dimensions, 1u) << body;
      ++accepted;
    } catch (const ParseError&) {
    } catch (const std::exception& error) {
      ADD_FAILURE() << "unexpected " << error.what() << " for " << body;
    }
  }
  EXPECT_GT(accepted, 0u);  // some mutations stay valid (e.g. a changed letter inside a string)
}

TEST(ProviderEmbeddingModel, VectorsAreDeterministicUnitLengthAndDependOnModelAndInput) {
  const auto a = embed_deterministically("zg-embed-1", "hello", 16);
  ASSERT_EQ(a.size(), 16u);
  EXPECT_NEAR(norm(a), 1.0, 1e-5);
  EXPECT_EQ(a, embed_deterministically("zg-embed-1", "hello", 16));
  EXPECT_NE(a, embed_deterministically("zg-embed-1", "hellp", 16));
  EXPECT_NE(a, embed_deterministically("zg-embed-2", "hello", 16));
  // The separators keep (model, key) pairs apart when their concatenations agree.
  EXPECT_NE(embed_deterministically("ab", "c", 8), embed_deterministically("a", "bc", 8));
  const auto wide = embed_deterministically("zg-embed-1", "hello", 1000);
  ASSERT_EQ(wide.size(), 1000u);
  EXPECT_NEAR(norm(wide), 1.0, 1e-4);
  for (const double x : wide) EXPECT_LE(std::abs(x), 1.0);
}

TEST(ProviderEmbeddingModel, BodyHasTheOpenAiShapeWithPromptTokensOnly) {
  const auto request = parse_embedding_request(R"({"input":["one two","three"],"dimensions":4})", "zg-embed-1");
  auto body = json::parse(embedding_body(request));
  EXPECT_EQ(body["object"], "list");
  EXPECT_EQ(body["model"], "zg-embed-1");
  ASSERT_EQ(body["data"].size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(body["data"][i]["object"], "embedding");
    EXPECT_EQ(body["data"][i]["index"], i);
    EXPECT_EQ(body["data"][i]["embedding"].get<std::vector<double>>(),
              embed_deterministically("zg-embed-1", request.inputs[i].key, 4));
  }
  EXPECT_EQ(body["usage"], json::parse(R"({"prompt_tokens":3,"total_tokens":3})"));
}

TEST(ProviderEmbeddingConfig, ServiceTypeFlagDefaultsAndRefusals) {
  EXPECT_EQ(parse_flags({}).service_type, "chatbot");
  EXPECT_EQ(parse_flags({}).model, "zg-sim-1");
  const auto embedding = parse_flags({"--service-type", "embedding"});
  EXPECT_EQ(embedding.service_type, "embedding");
  EXPECT_EQ(embedding.model, "zg-embed-1");
  EXPECT_EQ(parse_flags({"--model", "bge-small", "--service-type", "embedding"}).model, "bge-small");
  try {
    parse_flags({"--service-type", "text-to-image"});
    ADD_FAILURE() << "accepted an unknown service type";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("chatbot"), std::string::npos) << error.what();
  }
  EXPECT_THROW(parse_flags({"--service-type", "embedding", "--upstream", "http://127.0.0.1:1"}), UsageError);
}

// ---------------------------------------------------------------------------------------------
// The server

using test::SimulatedProvider;

const std::vector<std::string> kEmbeddingFlags = {"--service-type", "embedding", "--input-price", "3000", "--output-price",
                                                  "1000000"};

TEST(ProviderEmbeddingServer, AnswersSignsAndBillsInputTokensOnly) {
  SimulatedProvider provider(kEmbeddingFlags);
  const std::string request = R"({"model":"zg-embed-1","input":["zero gravity","embeds  this text"]})";
  const auto answer = provider.post("/v1/proxy/embeddings", request);
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 200) << answer->body;
  EXPECT_EQ(answer->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(answer->get_header_value("provider"), kProvider.checksummed());
  auto body = json::parse(answer->body);
  ASSERT_EQ(body["data"].size(), 2u);
  EXPECT_EQ(body["data"][1]["embedding"].get<std::vector<double>>(),
            embed_deterministically("zg-embed-1", "embeds  this text", kDefaultEmbeddingDimensions));
  EXPECT_EQ(body["usage"]["prompt_tokens"], 5);

  // Billed prompt_tokens x input price; the (much higher) output price plays no part.
  EXPECT_EQ(provider.unsettled(), eth::Uint256(5 * 3000));

  // The TEE signature under ZG-Res-Key covers the request and exactly the bytes sent, and recovers
  // to the TEE signer the way the SDK checks it.
  const auto chat_id = answer->get_header_value("ZG-Res-Key");
  ASSERT_FALSE(chat_id.empty());
  const auto signature = provider.client().Get("/v1/proxy/signature/" + chat_id + "?model=zg-embed-1");
  ASSERT_TRUE(signature);
  ASSERT_EQ(signature->status, 200) << signature->body;
  auto signed_json = json::parse(signature->body);
  EXPECT_EQ(signed_json["text"], sha256_hex(request) + ":" + sha256_hex(answer->body));
  EXPECT_TRUE(broker::response_signature_matches(signed_json["text"].get<std::string>(),
                                                signed_json["signature"].get<std::string>(), kTeeSigner.checksummed()));

  // The same text embeds the same way on the /v1 alias, and bills again.
  const auto again = provider.post("/v1/proxy/v1/embeddings", R"({"input":"zero gravity"})");
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(json::parse(again->body)["data"][0]["embedding"], body["data"][0]["embedding"]);
  EXPECT_EQ(provider.unsettled(), eth::Uint256(7 * 3000));
}

TEST(ProviderEmbeddingServer, SameGateAsChat) {
  SimulatedProvider provider(kEmbeddingFlags);
  const std::string request = R"({"input":"x"})";
  // No token: the broker's Authorization text, nothing billed.
  const auto anonymous = provider.post("/v1/proxy/embeddings", request, "");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 400);
  EXPECT_NE(anonymous->body.find("Bearer app-sk-"), std::string::npos) << anonymous->body;
  // A token signed by someone else: refused.
  const auto issued = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto forged = broker::sign_session_token(
      broker::ephemeral_token(kUser.checksummed(), kProvider.checksummed(), issued, broker::generate_nonce(issued), 0),
      kProviderKey);
  const auto wrong = provider.post("/v1/proxy/embeddings", request, forged.authorization_header());
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 400) << wrong->body;
  // A bad body is judged only after the token: with a good one, the parser's reason.
  const auto bad = provider.post("/v1/proxy/embeddings", R"({"input":[]})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("empty array"), std::string::npos) << bad->body;
  const auto bad_anonymous = provider.post("/v1/proxy/embeddings", R"({"input":[]})", "Bearer nope");
  ASSERT_TRUE(bad_anonymous);
  EXPECT_EQ(bad_anonymous->body.find("empty array"), std::string::npos) << bad_anonymous->body;
  EXPECT_TRUE(provider.unsettled().is_zero());
}

TEST(ProviderEmbeddingServer, BalanceGateRefusesAnUnderfundedAccount) {
  // 1 0G is exactly the broker's minimum locked balance: any estimated input fee tips it over.
  SimulatedProvider provider(kEmbeddingFlags, "1");
  const auto answer = provider.post("/v1/proxy/embeddings", R"({"input":"hello"})");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 400);
  EXPECT_NE(answer->body.find("insufficient balance"), std::string::npos) << answer->body;
  EXPECT_TRUE(provider.unsettled().is_zero());
}

TEST(ProviderEmbeddingServer, EachServiceTypeRefusesTheOtherRoute) {
  SimulatedProvider embedding(kEmbeddingFlags);
  const auto chat = embedding.post("/v1/proxy/chat/completions", R"({"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->status, 400);
  EXPECT_EQ(json::parse(chat->body), json::parse(R"({"error":"endpoint not supported"})"));
  EXPECT_TRUE(chat->get_header_value("ZG-Res-Key").empty());
  const auto completions = embedding.post("/v1/proxy/completions", R"({"prompt":"hi"})");
  ASSERT_TRUE(completions);
  EXPECT_EQ(completions->status, 400);
  EXPECT_TRUE(embedding.unsettled().is_zero());

  SimulatedProvider chatbot({});
  const auto embeddings = chatbot.post("/v1/proxy/embeddings", R"({"input":"hi"})");
  ASSERT_TRUE(embeddings);
  EXPECT_EQ(embeddings->status, 400);
  EXPECT_EQ(json::parse(embeddings->body), json::parse(R"({"error":"endpoint not supported"})"));
  // The chat route of a chatbot is untouched.
  const auto answer = chatbot.post("/v1/proxy/chat/completions", R"({"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200) << answer->body;
}

TEST(ProviderEmbeddingServer, FaultsApplyToEmbeddingsToo) {
  auto flags = kEmbeddingFlags;
  flags.insert(flags.end(), {"--tamper-response", "--fail-with-5xx", "1"});
  SimulatedProvider provider(flags);
  const auto failed = provider.post("/v1/proxy/embeddings", R"({"input":"x"})");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 500);
  const auto answer = provider.post("/v1/proxy/embeddings", R"({"input":"x"})");
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 200) << answer->body;
  const auto signature = provider.client().Get("/v1/proxy/signature/" + answer->get_header_value("ZG-Res-Key"));
  ASSERT_TRUE(signature);
  const auto text = json::parse(signature->body)["text"].get<std::string>();
  // Still signed by the TEE key, but over other bytes than those sent.
  EXPECT_EQ(text.substr(0, 64), sha256_hex(R"({"input":"x","model":"zg-embed-1"})"));
  EXPECT_NE(text.substr(65), sha256_hex(answer->body));
}

}  // namespace
