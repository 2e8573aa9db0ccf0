#pragma once
// The provider's view of the chain: the user sub-accounts and its own Service, read through a cache
// so a request only waits for the chain when an entry is missing or older than `max_age` (the
// broker also works from a cache, so a revocation or a deposit takes effect after a delay).
// The fetchers are injected, so the cache can be tested without a chain.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "contracts/inference_serving.hpp"

namespace zg::provider {

class AccountCache {
 public:
  using AccountFetcher = std::function<std::optional<contracts::InferenceAccount>(const eth::Address& user)>;
  using ServiceFetcher = std::function<std::optional<contracts::InferenceService>()>;

  AccountCache(AccountFetcher fetch_account, ServiceFetcher fetch_service, std::chrono::milliseconds max_age);

  // nullopt: the account does not exist on chain (as of the cached read).
  std::optional<contracts::InferenceAccount> account(const eth::Address& user);
  std::optional<contracts::InferenceService> service();
  // Forces the next read of this user to go to the chain (after a settlement moved the balance).
  void invalidate(const eth::Address& user);

 private:
  using Clock = std::chrono::steady_clock;
  struct CachedAccount {
    std::optional<contracts::InferenceAccount> account;
    Clock::time_point fetched;
  };
  bool fresh(Clock::time_point fetched) const { return Clock::now() - fetched < max_age_; }

  AccountFetcher fetch_account_;
  ServiceFetcher fetch_service_;
  std::chrono::milliseconds max_age_;
  std::mutex mutex_;  // guards the maps; never held while the chain is read
  std::map<eth::Address, CachedAccount> accounts_;
  std::optional<std::pair<std::optional<contracts::InferenceService>, Clock::time_point>> service_;
};

}  // namespace zg::provider
