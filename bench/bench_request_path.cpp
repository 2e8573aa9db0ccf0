// The customer's per-request costs on the inference path: the cached Authorization header (the
// budget is 1 us, no network), a new session token with a fresh nonce and signature (once a day
// per provider), and verifying an answer (EIP-191 recover of the signed text + sha256 of the body).
#include <benchmark/benchmark.h>

#include <string>

#include "broker/session_cache.hpp"
#include "broker/session_token.hpp"
#include "broker/verifier.hpp"
#include "common/hex.hpp"
#include "crypto/eip191.hpp"
#include "crypto/sha256.hpp"

namespace {

using namespace zg;

constexpr char kUserKey[] = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr char kTeeKey[] = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
constexpr char kTeeAddress[] = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const auto kProvider = eth::Address::from_hex("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

// One cache shared by all benchmark threads, as a host shares it between request threads.
broker::SessionCache& shared_cache() {
  static broker::SessionCache cache(crypto::PrivateKey::from_hex(kUserKey),
                                    [](const eth::Address&, const eth::Address&) { return std::uint64_t{0}; });
  static const auto warm = cache.authorization_header(kProvider);  // the first call signs
  return cache;
}

void BM_CachedAuthorizationHeader(benchmark::State& state) {
  auto& cache = shared_cache();
  for (auto _ : state) {
    auto header = cache.authorization_header(kProvider);
    benchmark::DoNotOptimize(header);
  }
  if (cache.tokens_created() != 1) state.SkipWithError("the header was not served from the cache");
}
BENCHMARK(BM_CachedAuthorizationHeader)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_CachedAuthorizationHeader)->Threads(2)->Unit(benchmark::kNanosecond);

void BM_NewSessionTokenWithFreshSignature(benchmark::State& state) {
  const auto key = crypto::PrivateKey::from_hex(kUserKey);
  const auto user = eth::Address::from_public_key(key.public_key()).checksummed();
  const auto provider = kProvider.checksummed();
  std::int64_t now = 1'700'000'000'000;
  for (auto _ : state) {
    ++now;
    const auto token = broker::ephemeral_token(user, provider, now, broker::generate_nonce(now), 0);
    auto header = broker::sign_session_token(token, key).authorization_header();
    benchmark::DoNotOptimize(header);
  }
}
BENCHMARK(BM_NewSessionTokenWithFreshSignature)->Unit(benchmark::kMicrosecond);

// A streamed answer of `range(0)` bytes signed the way a decentralized provider signs it.
void BM_VerifyAnswer(benchmark::State& state) {
  const std::string body(static_cast<std::size_t>(state.range(0)), 'x');
  const std::string text = std::string(64, 'a') + ":" + to_hex(crypto::sha256(as_bytes(body)), false);
  const auto signature = crypto::personal_sign(crypto::PrivateKey::from_hex(kTeeKey), as_bytes(text)).to_hex(27);
  for (auto _ : state) {
    const auto report = broker::verify_signed_text(text, signature, kTeeAddress, as_bytes(body));
    if (report.verdict != broker::Verdict::verified) state.SkipWithError(report.reason.c_str());
    benchmark::DoNotOptimize(report);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_VerifyAnswer)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);

}  // namespace
