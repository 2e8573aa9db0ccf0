// zg-bridge's producer threads for streamed responses: a stream never waits behind another one that
// blocks, a finished producer takes the next stream instead of a new thread starting, idle ones end.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "producer_pool.hpp"

namespace {

using namespace std::chrono_literals;
using zg::bridge::ProducerPool;

TEST(ProducerPool, ABlockedProducerDoesNotHoldUpTheNextStream) {
  ProducerPool pool;
  std::promise<void> release_first;
  auto first_may_end = release_first.get_future().share();
  std::promise<void> second_ran;
  pool.run([first_may_end] { first_may_end.wait(); });
  pool.run([&second_ran] { second_ran.set_value(); });
  EXPECT_EQ(second_ran.get_future().wait_for(5s), std::future_status::ready);
  release_first.set_value();
}

TEST(ProducerPool, AFinishedProducerTakesTheNextTask) {
  ProducerPool pool;
  // Counts tasks per thread (thread ids may be reused by new threads, a thread_local is not).
  thread_local int tasks_on_this_thread = 0;
  int most_on_one_thread = 0;
  for (int i = 0; i < 20; ++i) {
    std::promise<int> ran;
    pool.run([&ran] { ran.set_value(++tasks_on_this_thread); });
    most_on_one_thread = std::max(most_on_one_thread, ran.get_future().get());
    std::this_thread::sleep_for(10ms);  // the producer is back waiting before the next task comes
  }
  // A thread per task would give 1; some slack for a loaded machine where a producer is slow to
  // get back to waiting.
  EXPECT_GE(most_on_one_thread, 10);
}

TEST(ProducerPool, ATaskThatThrowsDoesNotEndThePool) {
  ProducerPool pool;
  pool.run([] { throw std::runtime_error("producer failed"); });
  std::promise<void> ran;
  pool.run([&ran] { ran.set_value(); });
  EXPECT_EQ(ran.get_future().wait_for(5s), std::future_status::ready);
}

TEST(ProducerPool, IdleProducersEndAndNewOnesStartWhenNeeded) {
  ProducerPool pool(20ms);
  std::atomic<int> done{0};
  pool.run([&done] { ++done; });
  std::this_thread::sleep_for(200ms);  // the thread has idled out by now
  std::promise<void> ran;
  pool.run([&ran, &done] {
    ++done;
    ran.set_value();
  });
  EXPECT_EQ(ran.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(done.load(), 2);
}

}  // namespace
