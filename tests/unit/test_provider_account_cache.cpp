// The provider simulator's chain cache: fresh entries never read the chain, an expired entry is read
// once however many requests want it (the others go on with the value it replaces), a missing or
// invalidated entry makes its requests wait for that one read, and a failed read is retried.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "account_cache.hpp"

namespace {

using namespace zg;
using namespace std::chrono_literals;
using provider::AccountCache;

const auto kUser = eth::Address::from_hex("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

// A chain whose next read after hold() blocks until release(), so a test can keep one read in
// flight; other reads answer at once.
class SlowChain {
 public:
  std::optional<contracts::InferenceAccount> read(const eth::Address& user) {
    std::unique_lock lock(mutex_);
    ++reads_;
    changed_.notify_all();
    if (hold_) {
      hold_ = false;
      changed_.wait(lock, [&] { return released_; });
    }
    if (fail_next_) {
      fail_next_ = false;
      throw IoError("eth_call failed");
    }
    contracts::InferenceAccount account;
    account.user = user;
    account.balance = eth::Uint256(balance_);
    return account;
  }
  void hold() {
    std::lock_guard lock(mutex_);
    hold_ = true;
    released_ = false;
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  void wait_for_reads(int count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return reads_ >= count; });
  }
  int reads() {
    std::lock_guard lock(mutex_);
    return reads_;
  }
  void set_balance(std::uint64_t balance) {
    std::lock_guard lock(mutex_);
    balance_ = balance;
  }
  void fail_next() {
    std::lock_guard lock(mutex_);
    fail_next_ = true;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int reads_ = 0;
  bool hold_ = false;
  bool released_ = false;
  bool fail_next_ = false;
  std::uint64_t balance_ = 100;
};

AccountCache cache_over(SlowChain& chain, std::chrono::milliseconds max_age) {
  return AccountCache([&](const eth::Address& user) { return chain.read(user); },
                      [] { return std::optional<contracts::InferenceService>(); }, max_age);
}

std::uint64_t balance_of(AccountCache& cache) { return cache.account(kUser)->balance.low_u64(); }

TEST(ProviderAccountCache, FreshEntriesDoNotReadTheChain) {
  SlowChain chain;
  auto cache = cache_over(chain, 10s);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(balance_of(cache), 100u);
  EXPECT_EQ(chain.reads(), 1);
}

TEST(ProviderAccountCache, AnExpiredEntryIsReadOnceWhileTheOthersUseTheOldValue) {
  SlowChain chain;
  auto cache = cache_over(chain, 20ms);
  EXPECT_EQ(balance_of(cache), 100u);
  std::this_thread::sleep_for(40ms);  // expired
  chain.set_balance(70);
  chain.hold();
  std::thread refresher([&] { EXPECT_EQ(balance_of(cache), 70u); });  // reads the chain, held there
  chain.wait_for_reads(2);
  // While that read is in flight, 32 more requests neither wait nor read: they get the old value.
  std::vector<std::thread> others;
  std::atomic<int> old_values{0};
  for (int i = 0; i < 32; ++i) {
    others.emplace_back([&] {
      if (balance_of(cache) == 100u) ++old_values;
    });
  }
  for (auto& thread : others) thread.join();
  EXPECT_EQ(old_values.load(), 32);
  EXPECT_EQ(chain.reads(), 2);
  chain.release();
  refresher.join();
  EXPECT_EQ(balance_of(cache), 70u);
  EXPECT_EQ(chain.reads(), 2);
}

TEST(ProviderAccountCache, WithoutAValueRequestsWaitForTheOneReadInFlight) {
  SlowChain chain;
  auto cache = cache_over(chain, 10s);
  chain.hold();
  std::vector<std::thread> requests;
  std::atomic<int> answered{0};
  for (int i = 0; i < 16; ++i) {
    requests.emplace_back([&] {
      if (balance_of(cache) == 100u) ++answered;
    });
  }
  chain.wait_for_reads(1);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(answered.load(), 0);  // nobody answered from nothing
  chain.release();
  for (auto& thread : requests) thread.join();
  EXPECT_EQ(answered.load(), 16);
  EXPECT_EQ(chain.reads(), 1);
}

TEST(ProviderAccountCache, InvalidateMakesTheNextRequestWaitForTheNewBalance) {
  SlowChain chain;
  auto cache = cache_over(chain, 10s);
  EXPECT_EQ(balance_of(cache), 100u);
  chain.set_balance(40);  // a settlement moved it
  cache.invalidate(kUser);
  EXPECT_EQ(balance_of(cache), 40u);  // not the stale 100
  EXPECT_EQ(chain.reads(), 2);
}

TEST(ProviderAccountCache, AReadStartedBeforeAnInvalidationIsNotKept) {
  SlowChain chain;
  auto cache = cache_over(chain, 10s);
  chain.hold();
  std::thread early([&] { (void)balance_of(cache); });  // reads the old balance, held
  chain.wait_for_reads(1);
  cache.invalidate(kUser);
  chain.set_balance(40);
  chain.release();
  early.join();
  EXPECT_EQ(balance_of(cache), 40u);  // read again, not the value the early read brought back
  EXPECT_EQ(chain.reads(), 2);
}

TEST(ProviderAccountCache, AFailedReadIsReportedAndTheNextRequestReadsAgain) {
  SlowChain chain;
  auto cache = cache_over(chain, 10s);
  chain.fail_next();
  EXPECT_THROW(cache.account(kUser), IoError);
  EXPECT_EQ(balance_of(cache), 100u);
  EXPECT_EQ(chain.reads(), 2);
}

}  // namespace
