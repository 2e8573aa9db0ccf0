// Session-token reuse and renewal as the SDK does it: one token per provider, renewed with less
// than 1 h left, generation read from the chain at most every 5 minutes.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "broker/session_cache.hpp"
#include "broker/session_token.hpp"

namespace {

using namespace zg;

constexpr char kUserKey[] = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const auto kProviderA = eth::Address::from_hex("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
const auto kProviderB = eth::Address::from_hex("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
constexpr std::int64_t kStart = 1'700'000'000'000;
constexpr std::int64_t kHour = 3'600'000;

struct Fixture {
  std::atomic<std::int64_t> now{kStart};
  std::atomic<std::uint64_t> generation{0};
  std::atomic<int> chain_reads{0};
  broker::SessionCache cache;

  Fixture()
      : cache(crypto::PrivateKey::from_hex(kUserKey),
              [this](const eth::Address&, const eth::Address&) {
                ++chain_reads;
                return generation.load();
              },
              broker::SessionCacheOptions{std::chrono::hours(1), std::chrono::minutes(5), [this] { return now.load(); }}) {}

  broker::ParsedAuthorization parsed(const eth::Address& provider) {
    return broker::parse_authorization_header(cache.authorization_header(provider));
  }
};

TEST(SessionCache, HeaderIsReusedUntilLessThanAnHourIsLeft) {
  Fixture f;
  const auto first = f.cache.authorization_header(kProviderA);
  f.now = kStart + 23 * kHour - 1;
  EXPECT_EQ(f.cache.authorization_header(kProviderA), first);
  f.now = kStart + 23 * kHour;  // exactly 1 h left: renew
  const auto renewed = f.cache.authorization_header(kProviderA);
  EXPECT_NE(renewed, first);
  EXPECT_EQ(f.cache.tokens_created(), 2u);
  const auto token = broker::parse_authorization_header(renewed).token;
  EXPECT_EQ(token.timestamp_ms, kStart + 23 * kHour);
  EXPECT_EQ(token.expires_at_ms, kStart + 47 * kHour);
}

TEST(SessionCache, TokenIsValidForTheProviderAndSignedByTheUser) {
  Fixture f;
  f.generation = 3;
  const auto header = f.cache.authorization_header(kProviderA);
  const broker::SessionValidationContext context{kProviderA.lower_hex(), kStart / 1000 + 60,
                                                 broker::TokenRevocationState{3, {}}};
  const auto parsed = broker::validate_authorization_header(header, context);
  EXPECT_EQ(parsed.token.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  EXPECT_EQ(parsed.token.provider, kProviderA.checksummed());
  EXPECT_EQ(parsed.token.generation, 3u);
  EXPECT_EQ(parsed.token.token_id, broker::kEphemeralTokenId);
}

TEST(SessionCache, ProvidersHaveSeparateTokens) {
  Fixture f;
  EXPECT_EQ(f.parsed(kProviderA).token.provider, kProviderA.checksummed());
  EXPECT_EQ(f.parsed(kProviderB).token.provider, kProviderB.checksummed());
  EXPECT_EQ(f.chain_reads, 2);
}

TEST(SessionCache, InvalidateForgetsTokenAndGeneration) {
  // After revokeAllTokens the provider answers "generation expired": the caller invalidates, and
  // the next header carries the new generation at once instead of after the 5-minute cache.
  Fixture f;
  const auto old_header = f.cache.authorization_header(kProviderA);
  f.generation = 1;
  f.now = kStart + 60'000;
  EXPECT_EQ(f.cache.authorization_header(kProviderA), old_header);
  f.cache.invalidate(kProviderA);
  EXPECT_EQ(f.parsed(kProviderA).token.generation, 1u);
  EXPECT_EQ(f.chain_reads, 2);
}

TEST(SessionCache, RenewalAfterTheGenerationTtlReadsTheChain) {
  Fixture f;
  f.cache.authorization_header(kProviderA);
  f.generation = 5;
  f.now = kStart + 23 * kHour;
  EXPECT_EQ(f.parsed(kProviderA).token.generation, 5u);
  EXPECT_EQ(f.chain_reads, 2);
}

TEST(SessionCache, ChainFailureIsPassedOnAndNothingIsCached) {
  bool fail = true;
  broker::SessionCache cache(crypto::PrivateKey::from_hex(kUserKey), [&](const eth::Address&, const eth::Address&) -> std::uint64_t {
    if (fail) throw IoError("eth_call to http://127.0.0.1:8545 failed: Connection");
    return 0;
  });
  EXPECT_THROW(cache.authorization_header(kProviderA), IoError);
  fail = false;
  EXPECT_EQ(cache.authorization_header(kProviderA).rfind("Bearer app-sk-", 0), 0u);
}

TEST(SessionCache, ConcurrentCallersGetValidTokens) {
  Fixture f;
  std::vector<std::thread> threads;
  std::vector<std::string> headers(8);
  for (std::size_t i = 0; i < headers.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 200; ++n) headers[i] = f.cache.authorization_header(n % 2 ? kProviderA : kProviderB);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(f.cache.tokens_created(), 16u);  // at most one racing renewal per thread and provider
  for (const auto& h : headers) EXPECT_NO_THROW(broker::parse_authorization_header(h));
}

}  // namespace
