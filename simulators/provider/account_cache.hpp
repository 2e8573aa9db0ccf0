#pragma once
// The provider's view of the chain: the user sub-accounts and its own Service, read through a cache
// so a request only waits for the chain when an entry is missing or older than `max_age` (the
// broker also works from a cache, so a revocation or a deposit takes effect after a delay).
//
// One chain read per entry at a time: when an entry expires under load, the first request reads
// the chain and the others go on with the value it replaces, instead of every worker thread
// queueing its own read on the one RPC connection (up to one eth_call per worker thread, one after
// the other, every `max_age`). A missing or invalidated entry
// has no value to go on with: those requests wait for the one read in flight.
//
// The fetchers are injected, so the cache can be tested without a chain.
#include <chrono>
#include <condition_variable>
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
  // Forces the next read of this user to go to the chain (after a settlement moved the balance);
  // requests for this user wait for that read.
  void invalidate(const eth::Address& user);

 private:
  using Clock = std::chrono::steady_clock;
  template <typename T>
  struct Entry {
    std::optional<std::optional<T>> value;  // outer: read at least once (and not invalidated since)
    Clock::time_point fetched;
    bool fetching = false;  // a thread is reading the chain for this entry
    unsigned generation = 0;  // bumped by invalidate(): a read that started before it is not kept
  };
  template <typename T, typename Fetch>
  std::optional<T> read_through(Entry<T>& entry, const Fetch& fetch);
  bool fresh(Clock::time_point fetched) const { return Clock::now() - fetched < max_age_; }

  AccountFetcher fetch_account_;
  ServiceFetcher fetch_service_;
  std::chrono::milliseconds max_age_;
  std::mutex mutex_;  // guards the entries; never held while the chain is read
  std::condition_variable fetched_;  // a read finished (or failed)
  std::map<eth::Address, Entry<contracts::InferenceAccount>> accounts_;
  Entry<contracts::InferenceService> service_;
};

}  // namespace zg::provider
