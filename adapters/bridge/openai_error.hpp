#pragma once
// Errors as OpenAI clients expect them: {"error":{"message","type","code"}} with a fitting status.
#include <string>
#include <string_view>

namespace zg::bridge {

// The OpenAI error "type" for an HTTP status (invalid_request_error, authentication_error, ...).
std::string_view openai_error_type(int http_status);

// The JSON body; `code` is a short machine-readable reason ("model_not_found", "provider", ...).
std::string openai_error_body(int http_status, std::string_view message, std::string_view code);

}  // namespace zg::bridge
