#include "account_cache.hpp"

namespace zg::provider {

AccountCache::AccountCache(AccountFetcher fetch_account, ServiceFetcher fetch_service,
                           std::chrono::milliseconds max_age)
    : fetch_account_(std::move(fetch_account)), fetch_service_(std::move(fetch_service)), max_age_(max_age) {}

// Returns the entry's value when fresh; when stale, reads the chain unless another thread already
// is (then the stale value serves); when there is no value, reads or waits for the read in flight.
// `entry` lives in a node-based map or in *this, so it stays put while the lock is released.
template <typename T, typename Fetch>
std::optional<T> AccountCache::read_through(Entry<T>& entry, const Fetch& fetch) {
  std::unique_lock lock(mutex_);
  while (true) {
    if (entry.value && (fresh(entry.fetched) || entry.fetching)) return *entry.value;
    if (!entry.fetching) break;
    fetched_.wait(lock);  // no value yet: wait for the read in flight
  }
  entry.fetching = true;
  const unsigned generation = entry.generation;
  lock.unlock();
  std::optional<T> value;
  try {
    value = fetch();
  } catch (...) {
    lock.lock();
    entry.fetching = false;
    fetched_.notify_all();  // a waiter takes over the read
    throw;
  }
  lock.lock();
  entry.fetching = false;
  if (entry.generation == generation) {
    entry.value = value;
    entry.fetched = Clock::now();
  }
  fetched_.notify_all();
  return value;
}

std::optional<contracts::InferenceAccount> AccountCache::account(const eth::Address& user) {
  Entry<contracts::InferenceAccount>* entry = nullptr;
  {
    std::lock_guard lock(mutex_);
    entry = &accounts_[user];
  }
  return read_through(*entry, [&] { return fetch_account_(user); });
}

std::optional<contracts::InferenceService> AccountCache::service() {
  return read_through(service_, [&] { return fetch_service_(); });
}

void AccountCache::invalidate(const eth::Address& user) {
  std::lock_guard lock(mutex_);
  auto& entry = accounts_[user];
  entry.value.reset();
  ++entry.generation;
}

}  // namespace zg::provider
