#include "backend.hpp"

#include <vector>

#include "c_boundary.hpp"

zg_backend::zg_backend(const zg_host_api& host, std::unique_ptr<zg::gateway::Gateway> gateway)
    : host_(host), gateway_(std::move(gateway)) {}

zg_backend::~zg_backend() {
  shut_down();
  try {
    gateway_.reset();  // the gateway's own threads are joined here
  } catch (...) {
    log(ZG_LOG_ERROR, "0g: the gateway failed while shutting down");
  }
}

void zg_backend::shut_down() noexcept {
  std::vector<std::uint64_t> to_cancel;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    try {
      for (const auto& [id, cancelled] : requests_in_flight_) {
        cancelled->store(true);
        to_cancel.push_back(id);
      }
    } catch (...) {
      // Out of memory: what is marked stops at its next callback; the rest runs to its end.
    }
  }
  // Outside the lock: a request leaving the gateway takes it to unregister itself.
  for (const auto id : to_cancel) {
    try {
      gateway_->cancel(id);
    } catch (...) {
    }
  }
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return calls_inside_ == 0; });
}

zg_backend::Call::Call(zg_backend& backend, std::uint64_t request_id)
    : backend_(backend), request_id_(request_id), cancelled_(std::make_shared<std::atomic<bool>>(false)) {
  std::lock_guard lock(backend_.mutex_);
  if (backend_.closing_) throw zg::lib0g::InvalidArgument("the backend is being destroyed");
  if (request_id_ != 0 && !backend_.requests_in_flight_.emplace(request_id_, cancelled_).second) {
    throw zg::lib0g::InvalidArgument("request id " + std::to_string(request_id_) + " is already in flight on this backend");
  }
  ++backend_.calls_inside_;
}

zg_backend::Call::~Call() {
  std::lock_guard lock(backend_.mutex_);
  if (request_id_ != 0) backend_.requests_in_flight_.erase(request_id_);
  if (--backend_.calls_inside_ == 0) backend_.idle_.notify_all();
}

void zg_backend::cancel(std::uint64_t request_id) noexcept {
  {
    std::lock_guard lock(mutex_);
    const auto it = requests_in_flight_.find(request_id);
    if (it == requests_in_flight_.end()) return;
    it->second->store(true);
  }
  try {
    gateway_->cancel(request_id);
  } catch (...) {
    log(ZG_LOG_WARN, "0g: the gateway failed to cancel a request");
  }
}

void zg_backend::log(int level, const std::string& line) const noexcept {
  if (host_.log != nullptr) host_.log(host_.host_ctx, level, line.c_str());
}
