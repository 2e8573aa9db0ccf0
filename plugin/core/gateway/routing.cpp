#include "gateway/routing.hpp"

#include <algorithm>

namespace zg::gateway {
namespace {

constexpr std::string_view kChat = "/v1/chat/completions";
constexpr std::string_view kCompletions = "/v1/completions";
constexpr std::string_view kEmbeddings = "/v1/embeddings";

bool one_of(std::string_view value, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), value) != options.end();
}

}  // namespace

bool is_known_path(std::string_view client_path) {
  return client_path == kChat || client_path == kCompletions || client_path == kEmbeddings;
}

std::optional<std::string_view> proxy_path_for(std::string_view client_path, std::string_view service_type) {
  if (client_path == kChat && service_type == "chatbot") return "/v1/proxy/chat/completions";
  if (client_path == kEmbeddings && one_of(service_type, {"embedding", "embeddings"})) return "/v1/proxy/embeddings";
  // /v1/completions: no 0G broker route serves it (TargetRoute in the broker's api/inference/const/const.go).
  return std::nullopt;
}

void LatencyEwma::observe(double milliseconds) noexcept {
  const double old = value_.load(std::memory_order_relaxed);
  value_.store(old < 0 ? milliseconds : old + kWeight * (milliseconds - old), std::memory_order_relaxed);
}

std::optional<double> LatencyEwma::value() const noexcept {
  const double v = value_.load(std::memory_order_relaxed);
  if (v < 0) return std::nullopt;
  return v;
}

void order_candidates(std::vector<RouteCandidate>& candidates, RoutingPolicy policy) {
  const auto by_price = [](const RouteCandidate& a, const RouteCandidate& b) {
    if (a.price != b.price) return a.price < b.price;
    return a.provider < b.provider;
  };
  if (policy == RoutingPolicy::price) {
    std::sort(candidates.begin(), candidates.end(), by_price);
    return;
  }
  std::sort(candidates.begin(), candidates.end(), [&](const RouteCandidate& a, const RouteCandidate& b) {
    if (a.latency_ms.has_value() != b.latency_ms.has_value()) return !a.latency_ms.has_value();
    if (a.latency_ms && *a.latency_ms != *b.latency_ms) return *a.latency_ms < *b.latency_ms;
    return by_price(a, b);
  });
}

}  // namespace zg::gateway
