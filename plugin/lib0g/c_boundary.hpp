#pragma once
// The edge between the C ABI and the C++ core: every exception is caught here and turned into a
// zg_status, an HTTP status and a one-line message in the caller's zg_error. Nothing that can throw
// may run outside `guarded`.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "zg/plugin.h"

namespace zg::lib0g {

// What a failed call reports.
struct CallFailure {
  zg_status status = ZG_E_INTERNAL;
  int http_status = 500;
  std::string message;
  nlohmann::json summary;  // GatewayError::summary() when the failure carried one
};

// Classifies the exception in flight. Call only inside a catch block. Never throws: when even the
// message cannot be built (out of memory), it answers ZG_E_NOMEM with a fixed text.
CallFailure classify_current_exception() noexcept;

// The HTTP status that fits a status code when nobody said better.
int default_http_status(zg_status status) noexcept;

// Resets a caller's zg_error to ZG_OK with an empty message (members it has room for only).
void clear_error(zg_error* error) noexcept;
// Fills a caller's zg_error, writing only the members its struct_size covers; the message is made
// one line and truncated at a UTF-8 character boundary to fit.
void fill_error(zg_error* error, zg_status status, int http_status, std::string_view message) noexcept;
zg_status fail(zg_error* error, const CallFailure& failure) noexcept;

// Thrown by lib0g for bad arguments at the boundary (NULL pointers, short tables): ZG_E_INVALID, 400.
class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Runs `body` and turns any exception into a status and the caller's zg_error.
template <class Body>
zg_status guarded(zg_error* error, Body&& body) noexcept {
  clear_error(error);
  try {
    body();
    return ZG_OK;
  } catch (...) {
    return fail(error, classify_current_exception());
  }
}

// A copy of `text` in memory the host releases with zg_plugin_api.free_string (malloc/free).
char* plugin_string(std::string_view text);
// JSON text for a host: never throws on strings that are not UTF-8 (they are replaced, U+FFFD).
std::string to_text(const nlohmann::json& value);

}  // namespace zg::lib0g
