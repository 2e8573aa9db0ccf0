// Per-request authentication and verification costs: a session token with a fresh nonce and
// signature (what every new session costs the customer), the provider's parse + validate of the
// Authorization header, and response-signature verification (ecrecover over the signed text).
#include <benchmark/benchmark.h>

#include <string>

#include "broker/response_signature.hpp"
#include "broker/session_token.hpp"
#include "crypto/eip191.hpp"
#include "eth/address.hpp"

namespace {

using namespace zg;

// Public Hardhat dev keys, as in the SDK vectors.
constexpr char kUserKey[] = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr char kTeeKey[] = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
constexpr char kProvider[] = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
constexpr std::int64_t kNowMs = 1'700'000'000'000;

const crypto::PrivateKey& user_key() {
  static const auto key = crypto::PrivateKey::from_hex(kUserKey);
  return key;
}
const std::string& user_address() {
  static const auto address = eth::Address::from_public_key(user_key().public_key()).checksummed();
  return address;
}

void BM_CreateSessionToken(benchmark::State& state) {
  for (auto _ : state) {
    const auto token = broker::ephemeral_token(user_address(), kProvider, kNowMs, broker::generate_nonce(kNowMs), 0);
    auto header = broker::sign_session_token(token, user_key()).authorization_header();
    benchmark::DoNotOptimize(header);
  }
}
BENCHMARK(BM_CreateSessionToken)->Unit(benchmark::kMicrosecond);

void BM_ParseAndValidateToken(benchmark::State& state) {
  const auto token = broker::ephemeral_token(user_address(), kProvider, kNowMs, broker::generate_nonce(kNowMs), 0);
  const auto header = broker::sign_session_token(token, user_key()).authorization_header();
  const broker::SessionValidationContext context{kProvider, kNowMs / 1000 + 60, broker::TokenRevocationState{}};
  for (auto _ : state) {
    auto parsed = broker::validate_authorization_header(header, context);
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_ParseAndValidateToken)->Unit(benchmark::kMicrosecond);

struct SignedText {
  std::string text = std::string(64, 'c') + ":" + std::string(64, 'd');
  std::string signature;
  std::string signer;
  SignedText() {
    const auto key = crypto::PrivateKey::from_hex(kTeeKey);
    signature = crypto::personal_sign(key, as_bytes(text)).to_hex(27);
    signer = eth::Address::from_public_key(key.public_key()).checksummed();
  }
};

void BM_VerifyResponseSignature(benchmark::State& state) {
  static const SignedText signed_text;
  for (auto _ : state) {
    benchmark::DoNotOptimize(broker::response_signature_matches(signed_text.text, signed_text.signature, signed_text.signer));
  }
}
BENCHMARK(BM_VerifyResponseSignature)->Unit(benchmark::kMicrosecond);

}  // namespace
