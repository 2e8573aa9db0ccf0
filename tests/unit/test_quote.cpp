// The TEE quote checks a user runs before trusting a provider (`zg inference acknowledge`).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "broker/quote.hpp"
#include "common/base64.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/sha256.hpp"

namespace {

using nlohmann::json;
using namespace zg;

const auto kTeeSigner = eth::Address::from_hex("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
const std::string kCompose = R"({"docker_compose_file":"services:\n  broker: {}"})";

std::string report_data_for(std::string_view address) {
  std::string padded(address);
  padded.resize(64, '\0');
  return base64_encode(as_bytes(padded));
}

json quote_json(std::string_view attested, std::string compose_hash) {
  const json events = json::array({{{"imr", 3}, {"event", "app-id"}, {"event_payload", "ab"}},
                                    {{"imr", 3}, {"event", "compose-hash"}, {"event_payload", compose_hash}}});
  return {{"quote", "04000200"}, {"report_data", report_data_for(attested)}, {"vm_config", "{}"},
          {"event_log", events.dump()}, {"tcb_info", json{{"app_compose", kCompose}}.dump()}};
}

std::string compose_sha() { return to_hex(crypto::sha256(as_bytes(kCompose)), false); }

TEST(Quote, LegacyQuoteWithTheContractSignerAndComposeHashPasses) {
  // Lower case in the quote, checksummed on chain: the SDK compares case-insensitively.
  const auto quote = broker::parse_quote(quote_json("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", compose_sha()).dump());
  const auto check = broker::check_quote(quote, kTeeSigner);
  EXPECT_TRUE(check.signer_matches);
  EXPECT_EQ(check.attested_signer, "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
  EXPECT_EQ(check.compose_hash, broker::ComposeHashCheck::matches);
  EXPECT_TRUE(check.acceptable());
  EXPECT_NE(check.summary().find("compose hash matches"), std::string::npos) << check.summary();
}

TEST(Quote, QuoteSentAsAJsonStringIsUnwrapped) {
  const auto body = json(quote_json(kTeeSigner.checksummed(), compose_sha()).dump()).dump();
  EXPECT_TRUE(broker::check_quote(broker::parse_quote(body), kTeeSigner).acceptable());
}

TEST(Quote, WrongSignerIsRefused) {
  const auto quote = broker::parse_quote(quote_json("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", compose_sha()).dump());
  const auto check = broker::check_quote(quote, kTeeSigner);
  EXPECT_FALSE(check.signer_matches);
  EXPECT_FALSE(check.acceptable());
  EXPECT_NE(check.summary().find("NOT the contract's teeSignerAddress"), std::string::npos) << check.summary();
}

TEST(Quote, ComposeHashMismatchIsRefusedAndShowsBothHashes) {
  const auto quote = broker::parse_quote(quote_json(kTeeSigner.checksummed(), std::string(64, '0')).dump());
  const auto check = broker::check_quote(quote, kTeeSigner);
  EXPECT_TRUE(check.signer_matches);
  EXPECT_EQ(check.compose_hash, broker::ComposeHashCheck::differs);
  EXPECT_FALSE(check.acceptable());
  EXPECT_NE(check.summary().find(compose_sha()), std::string::npos) << check.summary();
}

TEST(Quote, NoComposeEventIsReportedAsNotPresent) {
  auto q = quote_json(kTeeSigner.checksummed(), compose_sha());
  q.erase("event_log");
  const auto check = broker::check_quote(broker::parse_quote(q.dump()), kTeeSigner);
  EXPECT_EQ(check.compose_hash, broker::ComposeHashCheck::not_present);
  EXPECT_TRUE(check.acceptable());
}

TEST(Quote, MalformedFieldsAreParseErrorsNamingTheField) {
  const auto expect_error = [](const json& q, const std::string& needle) {
    try {
      broker::parse_quote(q.dump());
      FAIL() << "accepted: " << q.dump();
    } catch (const ParseError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto q = quote_json(kTeeSigner.checksummed(), compose_sha());
  q["report_data"] = "not base64!";
  expect_error(q, "report_data");
  q = quote_json(kTeeSigner.checksummed(), compose_sha());
  q["event_log"] = "{not json";
  expect_error(q, "event_log");
  q = quote_json(kTeeSigner.checksummed(), compose_sha());
  q["tcb_info"] = json{{"app_compose", 5}}.dump();
  expect_error(q, "app_compose");
  q.erase("quote");
  expect_error(q, "`quote`");
  EXPECT_THROW(broker::parse_quote("[1,2]"), ParseError);
  EXPECT_THROW(broker::parse_quote(""), ParseError);
}

TEST(Quote, BinaryReportDataIsNotTakenAsAnAddress) {
  auto q = quote_json(kTeeSigner.checksummed(), compose_sha());
  q["report_data"] = base64_encode(Bytes{0x01, 0xff, 0x30});
  const auto quote = broker::parse_quote(q.dump());
  EXPECT_THROW(broker::check_quote(quote, kTeeSigner), ParseError);
}

}  // namespace
