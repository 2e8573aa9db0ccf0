#pragma once
// Session tokens per (user, provider), as the SDK's getOrCreateSession keeps them
// (protocol-inference.md §3.4): one ephemeral 24 h token per provider, reused until less than
// 1 hour of life remains. Account.generation comes from the chain through a callback and is cached
// for 5 minutes. The hot path (a cached header) takes a mutex, a map lookup and a string copy: no
// network call, no signature.
//
//   broker::SessionCache sessions(key, [&](const eth::Address& user, const eth::Address& provider) {
//     auto account = serving.get_account(user, provider);
//     return account ? account->generation.low_u64() : 0;
//   });
//   request.set_header("Authorization", sessions.authorization_header(provider));
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "crypto/secp256k1.hpp"
#include "eth/address.hpp"

namespace zg::broker {

// Reads Account.generation for (user, provider); 0 when the account does not exist. May throw.
using GenerationReader = std::function<std::uint64_t(const eth::Address& user, const eth::Address& provider)>;

struct SessionCacheOptions {
  std::chrono::milliseconds renew_when_left{std::chrono::hours(1)};
  std::chrono::milliseconds generation_ttl{std::chrono::minutes(5)};
  // Wall clock in ms since the epoch; replaceable for tests.
  std::function<std::int64_t()> now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
};

// One cache per wallet (the user is the key's address); safe to share between threads.
class SessionCache {
 public:
  SessionCache(const crypto::PrivateKey& key, GenerationReader read_generation, SessionCacheOptions options = {});

  const eth::Address& user() const noexcept { return user_; }

  // "Bearer app-sk-..." for `provider`: the cached token, or a new one (generation read, signed).
  std::string authorization_header(const eth::Address& provider);
  // Forgets the token and the generation for `provider`, e.g. after the provider answered
  // "revoked (generation expired)" because the user ran revokeAllTokens.
  void invalidate(const eth::Address& provider);

  // How many tokens were signed so far (for tests and diagnostics).
  std::uint64_t tokens_created() const;

 private:
  struct Session {
    std::string header;
    std::int64_t expires_at_ms = 0;
  };
  struct Generation {
    std::uint64_t value = 0;
    std::int64_t read_at_ms = 0;
  };

  std::uint64_t generation_for(const eth::Address& provider, std::int64_t now);
  Session create_session(const eth::Address& provider, std::int64_t now);

  crypto::PrivateKey key_;
  eth::Address user_;
  std::string user_checksummed_;
  GenerationReader read_generation_;
  SessionCacheOptions options_;

  mutable std::mutex mutex_;
  std::map<eth::Address, Session> sessions_;
  std::map<eth::Address, Generation> generations_;
  std::uint64_t created_ = 0;
};

}  // namespace zg::broker
