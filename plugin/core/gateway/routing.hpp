#pragma once
// Which provider a request goes to: the paths each service type offers, the observed latency of
// each provider, and the order in which the candidates for a model are tried.
#include <atomic>
#include <optional>
#include <string_view>
#include <vector>

#include "eth/address.hpp"
#include "eth/uint256.hpp"
#include "gateway/gateway_config.hpp"

namespace zg::gateway {

// The provider route for a client path, or nullopt when the service type does not offer it:
// /v1/chat/completions for "chatbot" services, /v1/embeddings for "embedding" ones; /v1/completions
// never (the 0G broker has no such route).
std::optional<std::string_view> proxy_path_for(std::string_view client_path, std::string_view service_type);
// True when the gateway knows the path at all (else the request is invalid, not unsupported).
bool is_known_path(std::string_view client_path);

// Exponentially weighted moving average of the time to first byte, in milliseconds. Lock-free;
// a lost update between two racing requests does not matter for a routing hint.
class LatencyEwma {
 public:
  void observe(double milliseconds) noexcept;
  std::optional<double> value() const noexcept;  // nullopt before the first observation

 private:
  static constexpr double kWeight = 0.2;  // of the newest sample
  std::atomic<double> value_{-1.0};
};

struct RouteCandidate {
  eth::Address provider;
  eth::Uint256 price;                     // input + output price per token, neuron
  std::optional<double> latency_ms;       // EWMA time to first byte
  std::size_t index = 0;                  // the caller's handle
};

// Sorts in place, best first. price: cheapest input+output. latency: lowest EWMA, with providers
// never measured first (so each gets measured), then by price. Ties go to the lower address, so
// the order is deterministic.
void order_candidates(std::vector<RouteCandidate>& candidates, RoutingPolicy policy);

}  // namespace zg::gateway
