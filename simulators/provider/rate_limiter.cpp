#include "rate_limiter.hpp"

namespace zg::provider {

bool RateLimiter::admit(const eth::Address& user, Clock::time_point now) {
  if (limit_ == 0) return true;
  std::lock_guard lock(mutex_);
  auto& window = windows_[user];
  while (!window.empty() && now - window.front() >= std::chrono::minutes(1)) window.pop_front();
  if (window.size() >= limit_) return false;
  window.push_back(now);
  return true;
}

}  // namespace zg::provider
