#include "gateway/gateway.hpp"

#include <utility>

namespace zg::gateway {

GatewayError::GatewayError(Failure kind, int http_status, const std::string& message,
                           nlohmann::json summary)
    : zg::Error(message), kind_(kind), http_status_(http_status), summary_(std::move(summary)) {}

Failure GatewayError::kind() const noexcept { return kind_; }
int GatewayError::http_status() const noexcept { return http_status_; }
const nlohmann::json& GatewayError::summary() const noexcept { return summary_; }

class Gateway::Impl {};

Gateway::Gateway(const nlohmann::json& /*config*/, HostServices /*host*/) {
  throw GatewayError(Failure::unsupported, 501, "the 0G gateway is not implemented yet");
}

Gateway::~Gateway() = default;

nlohmann::json Gateway::list_models() {
  throw GatewayError(Failure::unsupported, 501, "the 0G gateway is not implemented yet");
}

nlohmann::json Gateway::handle(std::uint64_t, std::string_view, std::string_view, const ResponseSink&) {
  throw GatewayError(Failure::unsupported, 501, "the 0G gateway is not implemented yet");
}

void Gateway::cancel(std::uint64_t) {}

nlohmann::json Gateway::health() {
  throw GatewayError(Failure::unsupported, 501, "the 0G gateway is not implemented yet");
}

}  // namespace zg::gateway
