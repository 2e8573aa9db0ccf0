#pragma once
// zg_backend: what create() hands a host. It owns the gateway and keeps count of the calls inside it,
// so that destroy() can cancel what is in flight and wait for those calls to leave before the
// gateway goes away (the host's threads are inside it, not ours).
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <atomic>
#include <unordered_map>

#include "gateway/gateway.hpp"
#include "zg/plugin.h"

struct zg_backend {
  zg_backend(const zg_host_api& host, std::unique_ptr<zg::gateway::Gateway> gateway);
  ~zg_backend();  // cancels and waits, see shut_down()
  zg_backend(const zg_backend&) = delete;
  zg_backend& operator=(const zg_backend&) = delete;

  // Marks one call as inside the backend for its lifetime. Throws InvalidArgument while the backend
  // is being destroyed, or for a request id already in flight.
  class Call {
   public:
    explicit Call(zg_backend& backend, std::uint64_t request_id = 0);
    ~Call();
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;
    // Set by cancel() for this call's request; the sink checks it, so a cancel that arrives before
    // the gateway has registered the request still stops it at the next callback.
    const std::shared_ptr<std::atomic<bool>>& cancelled() const noexcept { return cancelled_; }

   private:
    zg_backend& backend_;
    std::uint64_t request_id_;
    std::shared_ptr<std::atomic<bool>> cancelled_;
  };

  // zg_plugin_api.cancel: thread-safe, unknown ids ignored.
  void cancel(std::uint64_t request_id) noexcept;

  zg::gateway::Gateway& gateway() noexcept { return *gateway_; }
  const zg_host_api& host() const noexcept { return host_; }
  void log(int level, const std::string& line) const noexcept;

 private:
  // Refuses new calls, cancels every request in flight, waits until no call is inside.
  void shut_down() noexcept;

  zg_host_api host_;  // our copy, members the host did not provide are NULL
  std::unique_ptr<zg::gateway::Gateway> gateway_;
  std::mutex mutex_;
  std::condition_variable idle_;
  std::unordered_map<std::uint64_t, std::shared_ptr<std::atomic<bool>>> requests_in_flight_;
  unsigned calls_inside_ = 0;
  bool closing_ = false;
};
