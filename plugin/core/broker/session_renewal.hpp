#pragma once
// One retry with a new session token when a provider says the token's generation expired, i.e.
// the user ran revokeAllTokens (Account.generation went up) after the cached token was signed
// (protocol-inference.md §3.3 step 6, §3.4). The SessionCache is told to forget the token and the
// cached generation, so the new token carries the generation read from the chain again.
//
//   auto answer = broker::with_session_renewal(sessions, provider, [&](const std::string& authorization) {
//     return client.chat(request, authorization);
//   });
#include <functional>
#include <string>

#include "broker/provider_client.hpp"
#include "broker/session_cache.hpp"

namespace zg::broker {

// The provider refused the token because its generation is older than the account's: the
// broker's "session token has been revoked (generation expired)" (400 or 401). A token from a
// newer generation than the provider knows ("future generation") is not this case: the provider's
// cache is behind the chain, and a new token would not help.
bool is_expired_generation(const ProviderError& error);

// Calls `call(authorization)` with the cached header; on an expired-generation refusal it
// invalidates the session, calls `on_renew` (to tell the user), and calls once more with a fresh
// header. Any other error, or a second refusal, propagates.
template <class Call>
auto with_session_renewal(SessionCache& sessions, const eth::Address& provider, Call&& call,
                          const std::function<void(const ProviderError&)>& on_renew = {}) {
  try {
    return call(sessions.authorization_header(provider));
  } catch (const ProviderError& error) {
    if (!is_expired_generation(error)) throw;
    sessions.invalidate(provider);
    if (on_renew) on_renew(error);
  }
  return call(sessions.authorization_header(provider));
}

}  // namespace zg::broker
