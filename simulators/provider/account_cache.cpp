#include "account_cache.hpp"

namespace zg::provider {

AccountCache::AccountCache(AccountFetcher fetch_account, ServiceFetcher fetch_service,
                           std::chrono::milliseconds max_age)
    : fetch_account_(std::move(fetch_account)), fetch_service_(std::move(fetch_service)), max_age_(max_age) {}

std::optional<contracts::InferenceAccount> AccountCache::account(const eth::Address& user) {
  {
    std::lock_guard lock(mutex_);
    const auto cached = accounts_.find(user);
    if (cached != accounts_.end() && fresh(cached->second.fetched)) return cached->second.account;
  }
  auto fetched = fetch_account_(user);
  std::lock_guard lock(mutex_);
  accounts_.insert_or_assign(user, CachedAccount{fetched, Clock::now()});
  return fetched;
}

std::optional<contracts::InferenceService> AccountCache::service() {
  {
    std::lock_guard lock(mutex_);
    if (service_ && fresh(service_->second)) return service_->first;
  }
  auto fetched = fetch_service_();
  std::lock_guard lock(mutex_);
  service_.emplace(fetched, Clock::now());
  return fetched;
}

void AccountCache::invalidate(const eth::Address& user) {
  std::lock_guard lock(mutex_);
  accounts_.erase(user);
}

}  // namespace zg::provider
