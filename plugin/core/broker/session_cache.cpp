#include "broker/session_cache.hpp"

#include "broker/session_token.hpp"
#include "common/error.hpp"

namespace zg::broker {

SessionCache::SessionCache(const crypto::PrivateKey& key, GenerationReader read_generation, SessionCacheOptions options)
    : key_(key),
      user_(eth::Address::from_public_key(key.public_key())),
      user_checksummed_(user_.checksummed()),
      read_generation_(std::move(read_generation)),
      options_(std::move(options)) {
  if (!read_generation_) throw UsageError("SessionCache needs a generation reader");
  if (!options_.now_ms) throw UsageError("SessionCache needs a clock");
}

std::string SessionCache::authorization_header(const eth::Address& provider) {
  const std::int64_t now = options_.now_ms();
  {
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(provider);
    if (it != sessions_.end() && it->second.expires_at_ms - now > options_.renew_when_left.count()) {
      return it->second.header;
    }
  }
  // Signing and the chain read happen outside the lock, so a slow RPC for one provider does not
  // stall requests to the others. Two threads may both renew; either token is valid.
  Session fresh = create_session(provider, now);
  std::lock_guard lock(mutex_);
  auto& slot = sessions_[provider];
  if (slot.expires_at_ms < fresh.expires_at_ms) slot = fresh;
  ++created_;
  return fresh.header;
}

std::uint64_t SessionCache::generation_for(const eth::Address& provider, std::int64_t now) {
  {
    std::lock_guard lock(mutex_);
    const auto it = generations_.find(provider);
    if (it != generations_.end() && now - it->second.read_at_ms < options_.generation_ttl.count()) {
      return it->second.value;
    }
  }
  const std::uint64_t value = read_generation_(user_, provider);
  std::lock_guard lock(mutex_);
  generations_[provider] = Generation{value, now};
  return value;
}

SessionCache::Session SessionCache::create_session(const eth::Address& provider, std::int64_t now) {
  const auto generation = generation_for(provider, now);
  const auto token = ephemeral_token(user_checksummed_, provider.checksummed(), now, generate_nonce(now), generation);
  return Session{sign_session_token(token, key_).authorization_header(), token.expires_at_ms};
}

void SessionCache::invalidate(const eth::Address& provider) {
  std::lock_guard lock(mutex_);
  sessions_.erase(provider);
  generations_.erase(provider);
}

std::uint64_t SessionCache::tokens_created() const {
  std::lock_guard lock(mutex_);
  return created_;
}

}  // namespace zg::broker
