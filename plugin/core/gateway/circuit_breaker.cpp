#include "gateway/circuit_breaker.hpp"

namespace zg::gateway {

std::string_view to_string(CircuitState state) noexcept {
  switch (state) {
    case CircuitState::closed: return "closed";
    case CircuitState::open: return "open";
    case CircuitState::half_open: return "half-open";
  }
  return "closed";
}

bool CircuitBreaker::allow(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (state_ == CircuitState::closed) return true;
  if (state_ == CircuitState::open) {
    if (now < open_until_) return false;
    state_ = CircuitState::half_open;
    probe_in_flight_ = false;
  }
  if (probe_in_flight_) return false;
  probe_in_flight_ = true;
  return true;
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mutex_);
  state_ = CircuitState::closed;
  failures_ = 0;
  probe_in_flight_ = false;
}

void CircuitBreaker::record_failure(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  ++failures_;
  if (state_ == CircuitState::half_open || failures_ >= options_.failure_threshold) {
    state_ = CircuitState::open;
    open_until_ = now + options_.cooldown;
    probe_in_flight_ = false;
  }
}

CircuitState CircuitBreaker::state(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  if (state_ == CircuitState::open && now >= open_until_) return CircuitState::half_open;
  return state_;
}

unsigned CircuitBreaker::consecutive_failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

}  // namespace zg::gateway
