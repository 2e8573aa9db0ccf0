#pragma once
// Keep-alive connections to one provider. An httplib client is one connection and not safe to share,
// so each request leases a whole ProviderClient and gives it back afterwards; steady traffic reuses
// warm TCP connections instead of opening one per request.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "broker/provider_client.hpp"

namespace zg::gateway {

class ConnectionPool {
 public:
  explicit ConnectionPool(std::string service_url, broker::ProviderClientOptions options = {}, std::size_t max_idle = 64)
      : url_(std::move(service_url)), options_(options), max_idle_(max_idle) {}

  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<broker::ProviderClient> client) : pool_(&pool), client_(std::move(client)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (client_) pool_->give_back(std::move(client_));
    }
    broker::ProviderClient& operator*() const noexcept { return *client_; }
    broker::ProviderClient* operator->() const noexcept { return client_.get(); }
    // The connection is in an unknown state (aborted mid-answer): close it instead of reusing it.
    void discard() noexcept { client_.reset(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<broker::ProviderClient> client_;
  };

  Lease acquire();
  const std::string& url() const noexcept { return url_; }
  std::size_t idle() const;

 private:
  void give_back(std::unique_ptr<broker::ProviderClient> client);

  std::string url_;
  broker::ProviderClientOptions options_;
  std::size_t max_idle_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<broker::ProviderClient>> idle_;
};

}  // namespace zg::gateway
