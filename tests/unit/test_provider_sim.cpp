// The chain-free pieces of zg-provider-sim: SSE events, the deterministic model and token counts,
// the signed text and its signature, the quote body, the balance gate arithmetic and message,
// the fee ledger and the rate limit, and the command line.
// tests/CMakeLists.txt links unit tests with zg_core only, so the simulator sources under test are
// compiled into this binary directly; once unit_provider_sim links zg_provider_sim, replace these
// includes with the headers.
#include <gtest/gtest.h>

#include <regex>

#include "balance_gate.hpp"
#include "chat_model.hpp"
#include "chat_signature.hpp"
#include "fee_ledger.hpp"
#include "provider_config.hpp"
#include "quote.hpp"
#include "rate_limiter.hpp"
#include "sse_writer.hpp"
#include "broker/quote.hpp"
#include "common/base64.hpp"
#include "common/error.hpp"
#include "crypto/keccak.hpp"
#include "crypto/sha256.hpp"
#include "broker/response_signature.hpp"
#include "common/hex.hpp"

namespace {

using namespace zg;
using namespace zg::provider;

const auto kTeeKey = crypto::PrivateKey::from_hex("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
const auto kTeeAddress = eth::Address::from_hex("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");

TEST(ProviderSse, EventsAreOneDataLineAndABlankLine) {
  EXPECT_EQ(sse_event(R"({"a":1})"), "data: {\"a\":1}\n\n");
  EXPECT_THROW(sse_event("two\nlines"), UsageError);
  EXPECT_EQ(kSseDone, "data: [DONE]\n\n");
}

TEST(ProviderModel, AnswersFromTheLastUserMessageAndCountsWords) {
  const auto request = parse_chat_request(
      R"({"messages":[{"role":"user","content":"first"},{"role":"user","content":[{"type":"text","text":"second  one"}]}]})",
      "zg-sim-1");
  EXPECT_EQ(request.model, "zg-sim-1");
  EXPECT_FALSE(request.stream);
  const auto answer = answer_deterministically(request, "chatcmpl-x", 1);
  EXPECT_EQ(answer.text(), "echo: second  one ");
  EXPECT_EQ(answer.usage.prompt_tokens, 3u);
  EXPECT_EQ(answer.usage.completion_tokens, 3u);
  const auto payloads = stream_payloads(answer);
  ASSERT_GE(payloads.size(), 4u);
  EXPECT_EQ(usage_from_json(nlohmann::json::parse(payloads.back()))->completion_tokens, 3u);
}

TEST(ProviderModel, StreamingForcesIncludeUsageAndBadBodiesAreRefused) {
  const auto request = parse_chat_request(R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":true})", "d");
  EXPECT_EQ(request.body["stream_options"]["include_usage"], true);
  EXPECT_NE(request.forwarded_body.find("include_usage"), std::string::npos);
  for (const char* bad : {"", "[]", "{", R"({"messages":[]})", R"({"messages":"x"})", R"({"messages":[1]})",
                          R"({"messages":[{"content":5}]})", R"({"messages":[{}],"stream":"yes"})",
                          R"({"messages":[{}],"model":7})"}) {
    EXPECT_THROW(parse_chat_request(bad, "d"), ParseError) << bad;
  }
}

TEST(ProviderSignature, TextIsBothSha256HashesAndRecoversToTheTeeSigner) {
  const std::string text = signed_text(as_bytes("req"), as_bytes("resp"));
  ASSERT_EQ(text.size(), 129u);
  const auto signature = sign_chat(text, kTeeKey);
  EXPECT_EQ(signature.signing_address, kTeeAddress.checksummed());
  EXPECT_TRUE(broker::response_signature_matches(text, signature.signature, kTeeAddress.checksummed()));
  EXPECT_EQ(broker::verify_response(text, signature.signature, kTeeAddress.checksummed(), as_bytes("resp")).verdict,
            broker::ResponseVerdict::verified);
  EXPECT_TRUE(std::regex_match(new_chat_id(), std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
}

TEST(ProviderSignature, CacheForgetsUnknownAndExpiredIds) {
  SignatureCache cache(std::chrono::seconds(0));
  cache.put("a", {"t", "s", "x"});
  EXPECT_FALSE(cache.find("a"));
  SignatureCache lasting;
  lasting.put("b", {"t", "s", "x"});
  EXPECT_EQ(lasting.find("b")->text, "t");
  EXPECT_FALSE(lasting.find("c"));
}

TEST(ProviderQuote, PassesTheSdkChecks) {
  const auto quote = broker::parse_quote(quote_body(kTeeAddress, "zg-sim-1"));
  const auto check = broker::check_quote(quote, kTeeAddress);
  EXPECT_TRUE(check.signer_matches) << check.summary();
  EXPECT_EQ(check.compose_hash, broker::ComposeHashCheck::matches);
  EXPECT_EQ(base64_decode(report_data_base64(kTeeAddress)).size(), 64u);
}

TEST(ProviderBalanceGate, SixDecimalsRoundHalfUp) {
  EXPECT_EQ(format_0g_six_decimals(eth::Uint256{}), "0.000000");
  EXPECT_EQ(format_0g_six_decimals(eth::parse_amount("1")), "1.000000");
  EXPECT_EQ(format_0g_six_decimals(eth::parse_amount("0.0000005")), "0.000001");
  EXPECT_EQ(format_0g_six_decimals(eth::parse_amount("0.0000004999")), "0.000000");
  EXPECT_EQ(format_0g_six_decimals(eth::parse_amount("2.9999996")), "3.000000");
  EXPECT_NO_THROW(format_0g_six_decimals(eth::Uint256::from_limbs({~0ULL, ~0ULL, ~0ULL, ~0ULL})));
}

TEST(ProviderBalanceGate, RequiresReservePlusUnsettledPlusEstimate) {
  EXPECT_EQ(estimated_input_fee(R"([{"content":"hi","role":"user"}])", 10), eth::Uint256{320});
  EXPECT_EQ(available_balance(5, 7), eth::Uint256{});
  BalanceRequirement enough{eth::parse_amount("1.5"), eth::parse_amount("1"), eth::parse_amount("0.25"),
                            eth::parse_amount("0.25")};
  EXPECT_FALSE(insufficient_balance_message(enough));
  enough.estimated_input_fee += 1;
  EXPECT_EQ(*insufficient_balance_message(enough),
            "insufficient balance: your locked balance is 1.500000 0G, but the required minimum is 1.500000 0G "
            "(breakdown: minimum reserve 1.000000 0G + unsettled fees 0.250000 0G + current request fee 0.250000 0G)");
}

TEST(ProviderFees, SettlementRemovesOnlyWhatItCovered) {
  FeeLedger fees;
  const auto user = kTeeAddress;
  fees.charge(user, 10, "a");
  fees.charge(user, 5, "b");
  const auto bills = fees.bills();
  ASSERT_EQ(bills.size(), 1u);
  fees.charge(user, 7, "c");  // arrives while the settlement is in flight
  fees.settled(user, bills[0].fee, bills[0].request_ids.size());
  EXPECT_EQ(fees.unsettled(user), eth::Uint256{7});
  EXPECT_EQ(fees.bills()[0].request_ids, std::vector<std::string>{"c"});
}

TEST(ProviderRateLimit, PerUserWindowOfOneMinute) {
  RateLimiter limiter(2);
  const auto t0 = RateLimiter::Clock::now();
  EXPECT_TRUE(limiter.admit(kTeeAddress, t0));
  EXPECT_TRUE(limiter.admit(kTeeAddress, t0));
  EXPECT_FALSE(limiter.admit(kTeeAddress, t0 + std::chrono::seconds(59)));
  EXPECT_TRUE(limiter.admit(eth::Address{}, t0));
  EXPECT_TRUE(limiter.admit(kTeeAddress, t0 + std::chrono::seconds(61)));
}

TEST(ProviderConfig, FlagsAndRefusals) {
  const std::vector<std::string_view> args{"--rpc", "http://127.0.0.1:8545", "--inference-contract",
                                           "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", "--port", "0",
                                           "--drop-stream-after", "2", "--register", "--stream-delay-ms", "25",
                                           "--delay-ms", "40", "--max-body-bytes", "1024"};
  const auto config = parse_provider_args(args);
  EXPECT_TRUE(config.register_service);
  EXPECT_EQ(config.misbehaviour.drop_stream_after, 2u);
  EXPECT_EQ(config.misbehaviour.stream_delay, std::chrono::milliseconds(25));
  EXPECT_EQ(config.misbehaviour.delay, std::chrono::milliseconds(40));
  EXPECT_EQ(config.max_body_bytes, 1024u);
  EXPECT_EQ(config.minimum_locked_balance, eth::parse_amount("1"));
  const std::vector<std::vector<std::string_view>> bad{
      {}, {"--rpc"}, {"--rpc", "x", "--bogus"}, {"--rpc", "x", "--inference-contract", "0x12"},
      {"--rpc", "x", "--inference-contract", "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", "--port", "70000"},
      {"--rpc", "x", "--inference-contract", "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", "--input-price", "1.5"},
      {"--rpc", "x", "--inference-contract", "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", "--stream-delay-ms", "-1"}};
  for (const auto& b : bad) EXPECT_THROW(parse_provider_args(b), UsageError);
}

}  // namespace
