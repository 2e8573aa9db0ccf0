#pragma once
// zg-provider-sim's server in the test process (for the unit_provider_* tests, which link the
// simulator's library): the real ProviderServer, request gate, fee ledger and TEE signatures, with
// the chain's answers coming from fixed values instead of a node. The user has an acknowledged
// sub-account holding `balance` at generation `generation`, and the contract owner acknowledged the
// TEE signer unless `signer_acknowledged` says otherwise.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "account_cache.hpp"
#include "chat_signature.hpp"
#include "broker/session_token.hpp"
#include "contracts/inference_serving.hpp"
#include "crypto/secp256k1.hpp"
#include "eth/address.hpp"
#include "eth/uint256.hpp"
#include "fee_ledger.hpp"
#include "provider_config.hpp"
#include "provider_server.hpp"
#include "rate_limiter.hpp"
#include "request_gate.hpp"

namespace zg::test {

// Public anvil dev keys: the user, the provider and the TEE signer.
inline const auto kSimUserKey = crypto::PrivateKey::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
inline const auto kSimProviderKey = crypto::PrivateKey::from_hex("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
inline const auto kSimTeeKey = crypto::PrivateKey::from_hex("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
inline const auto kSimUser = eth::Address::from_public_key(kSimUserKey.public_key());
inline const auto kSimProvider = eth::Address::from_public_key(kSimProviderKey.public_key());
inline const auto kSimTeeSigner = eth::Address::from_public_key(kSimTeeKey.public_key());

// The simulator's command line with a chain that is never called (the account cache reads the
// fixed values below on every request: --account-refresh-ms 0) and `flags` added.
inline provider::ProviderConfig parse_provider_flags(std::vector<std::string> flags) {
  std::vector<std::string> all = {"--rpc", "http://127.0.0.1:1", "--inference-contract",
                                  "0x0165878A594ca255338adfa4d48449f69242Eb8F", "--account-refresh-ms", "0"};
  all.insert(all.end(), flags.begin(), flags.end());
  const std::vector<std::string_view> views(all.begin(), all.end());
  return provider::parse_provider_args(views);
}

class SimulatedProvider {
 public:
  explicit SimulatedProvider(std::vector<std::string> flags, std::string_view balance = "10")
      : config_(parse_provider_flags(std::move(flags))),
        balance_(eth::parse_amount(balance)),
        accounts_([this](const eth::Address& user) { return account_of(user); }, [this] { return service(); },
                  config_.account_refresh),
        limiter_(config_.misbehaviour.rate_limit_rpm),
        gate_({kSimProvider, config_.input_price, config_.minimum_locked_balance}, accounts_, fees_, limiter_),
        server_({config_, kSimProvider, kSimTeeKey, kSimTeeSigner, gate_, fees_, signatures_, [](const std::string&) {}}) {
    port_ = server_.bind();
    thread_ = std::thread([this] { server_.listen(); });
    // The server is up once it answers; /v1/models needs no token.
    for (int i = 0; i < 500 && !client().Get("/v1/models"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~SimulatedProvider() {
    server_.stop();
    thread_.join();
  }
  SimulatedProvider(const SimulatedProvider&) = delete;
  SimulatedProvider& operator=(const SimulatedProvider&) = delete;

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    return c;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // A fresh session token of the user, signed now, for account generation `generation`.
  static std::string header(std::uint64_t generation = 0) {
    const auto issued = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const auto token = broker::ephemeral_token(kSimUser.checksummed(), kSimProvider.checksummed(), issued,
                                               broker::generate_nonce(issued), generation);
    return broker::sign_session_token(token, kSimUserKey).authorization_header();
  }
  httplib::Result post(const std::string& path, const std::string& body, const std::string& authorization = header()) const {
    return client().Post(path, {{"Authorization", authorization}}, body, "application/json");
  }
  httplib::Result chat(const std::string& body, const std::string& authorization = header()) const {
    return post("/v1/proxy/chat/completions", body, authorization);
  }
  eth::Uint256 unsettled() const { return fees_.unsettled(kSimUser); }
  const provider::ProviderConfig& config() const { return config_; }

  std::atomic<std::uint64_t> generation{0};     // Account.generation "on chain"
  std::atomic<bool> signer_acknowledged{true};  // Service.teeSignerAcknowledged "on chain"

 private:
  std::optional<contracts::InferenceAccount> account_of(const eth::Address& user) const {
    contracts::InferenceAccount account;
    account.user = user;
    account.provider = kSimProvider;
    account.balance = balance_;
    account.acknowledged = true;
    account.generation = eth::Uint256(generation.load());
    return account;
  }
  std::optional<contracts::InferenceService> service() const {
    contracts::InferenceService service;
    service.provider = kSimProvider;
    service.service_type = config_.service_type;
    service.tee_signer_address = kSimTeeSigner;
    service.tee_signer_acknowledged = signer_acknowledged.load();
    return service;
  }

  provider::ProviderConfig config_;
  eth::Uint256 balance_;
  provider::AccountCache accounts_;
  provider::FeeLedger fees_;
  provider::RateLimiter limiter_;
  provider::RequestGate gate_;
  provider::SignatureCache signatures_;
  provider::ProviderServer server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace zg::test
