#pragma once
// Per-user requests-per-minute limit (the broker answers 429 past it): a sliding 60 s window of
// admission times per user. A limit of 0 admits everything.
#include <chrono>
#include <deque>
#include <map>
#include <mutex>

#include "eth/address.hpp"

namespace zg::provider {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(unsigned requests_per_minute) : limit_(requests_per_minute) {}
  // True and counted when the user is under the limit at `now`.
  bool admit(const eth::Address& user, Clock::time_point now = Clock::now());
  unsigned limit() const noexcept { return limit_; }

 private:
  unsigned limit_;
  std::mutex mutex_;
  std::map<eth::Address, std::deque<Clock::time_point>> windows_;
};

}  // namespace zg::provider
