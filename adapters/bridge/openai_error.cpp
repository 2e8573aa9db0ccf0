#include "openai_error.hpp"

#include <nlohmann/json.hpp>

namespace zg::bridge {

std::string_view openai_error_type(int http_status) {
  switch (http_status) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 402: return "insufficient_quota";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 429: return "rate_limit_error";
    default: return http_status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string openai_error_body(int http_status, std::string_view message, std::string_view code) {
  // dump() with replace: a provider's message may hold invalid UTF-8; it must not throw here.
  return nlohmann::json{{"error", {{"message", std::string(message)},
                                   {"type", std::string(openai_error_type(http_status))},
                                   {"code", std::string(code)}}}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace zg::bridge
