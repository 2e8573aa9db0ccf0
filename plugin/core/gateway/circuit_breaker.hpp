#pragma once
// A per-provider circuit breaker: after `failure_threshold` consecutive failures the circuit opens
// and the provider is skipped for `cooldown`; then exactly one request may probe it (half-open).
// The probe's success closes the circuit, its failure opens it for another cooldown.
#include <chrono>
#include <mutex>
#include <string_view>

namespace zg::gateway {

struct CircuitOptions {
  unsigned failure_threshold = 3;
  std::chrono::milliseconds cooldown{30000};
};

enum class CircuitState { closed, open, half_open };
std::string_view to_string(CircuitState state) noexcept;  // "closed", "open", "half-open"

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  explicit CircuitBreaker(CircuitOptions options = {}) : options_(options) {}

  // May a request go to this provider now? In half-open state only the first caller gets true (it
  // is the probe) until that probe reports back.
  bool allow(Clock::time_point now = Clock::now());
  void record_success();
  void record_failure(Clock::time_point now = Clock::now());

  CircuitState state(Clock::time_point now = Clock::now()) const;  // open turns half-open when the cooldown is over
  unsigned consecutive_failures() const;

 private:
  CircuitOptions options_;
  mutable std::mutex mutex_;
  CircuitState state_ = CircuitState::closed;
  unsigned failures_ = 0;
  Clock::time_point open_until_{};
  bool probe_in_flight_ = false;
};

}  // namespace zg::gateway
