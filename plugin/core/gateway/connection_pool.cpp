#include "gateway/connection_pool.hpp"

namespace zg::gateway {

ConnectionPool::Lease ConnectionPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      client->rearm();
      return Lease(*this, std::move(client));
    }
  }
  return Lease(*this, std::make_unique<broker::ProviderClient>(url_, options_));
}

void ConnectionPool::give_back(std::unique_ptr<broker::ProviderClient> client) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(client));
}

std::size_t ConnectionPool::idle() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

}  // namespace zg::gateway
