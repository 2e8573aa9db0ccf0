#include "c_boundary.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

#include "common/error.hpp"
#include "gateway/gateway.hpp"

namespace zg::lib0g {
namespace {

using gateway::Failure;

zg_status status_of(Failure kind) noexcept {
  switch (kind) {
    case Failure::invalid: return ZG_E_INVALID;
    case Failure::auth: return ZG_E_AUTH;
    case Failure::network: return ZG_E_NETWORK;
    case Failure::provider: return ZG_E_PROVIDER;
    case Failure::verify: return ZG_E_VERIFY;
    case Failure::integrity: return ZG_E_INTEGRITY;
    case Failure::decrypt: return ZG_E_DECRYPT;
    case Failure::cancelled: return ZG_E_CANCELLED;
    case Failure::not_found: return ZG_E_NOT_FOUND;
    case Failure::unsupported: return ZG_E_UNSUPPORTED;
    case Failure::funds: return ZG_E_FUNDS;
    case Failure::chain: return ZG_E_CHAIN;
    case Failure::internal: return ZG_E_INTERNAL;
  }
  return ZG_E_INTERNAL;
}

CallFailure make(zg_status status, std::string message, int http_status = 0) {
  CallFailure failure;
  failure.status = status;
  failure.http_status = http_status > 0 ? http_status : default_http_status(status);
  failure.message = std::move(message);
  return failure;
}

CallFailure classify(std::exception_ptr current) {
  try {
    std::rethrow_exception(current);
  } catch (const gateway::GatewayError& e) {
    auto failure = make(status_of(e.kind()), e.what(), e.http_status());
    failure.summary = e.summary();
    return failure;
  } catch (const InvalidArgument& e) {
    return make(ZG_E_INVALID, e.what());
  } catch (const UsageError& e) {
    return make(ZG_E_INVALID, e.what());
  } catch (const ParseError& e) {
    return make(ZG_E_INVALID, e.what());
  } catch (const IoError& e) {
    return make(ZG_E_NETWORK, e.what());
  } catch (const std::bad_alloc&) {
    return make(ZG_E_NOMEM, "out of memory");
  } catch (const std::exception& e) {
    return make(ZG_E_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return make(ZG_E_INTERNAL, "internal error (unknown exception)");
  }
}

// Bytes of `text` that fit in `room` bytes and end on a UTF-8 character boundary.
std::size_t utf8_prefix(std::string_view text, std::size_t room) noexcept {
  if (text.size() <= room) return text.size();
  std::size_t end = room;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return end;
}

}  // namespace

CallFailure classify_current_exception() noexcept {
  try {
    return classify(std::current_exception());
  } catch (...) {
    // Building the message itself failed (almost surely out of memory): a fixed text, no allocation
    // beyond what std::string's small buffer holds.
    CallFailure failure;
    failure.status = ZG_E_NOMEM;
    failure.http_status = 500;
    return failure;
  }
}

int default_http_status(zg_status status) noexcept {
  switch (status) {
    case ZG_OK: return 200;
    case ZG_E_INVALID: return 400;
    case ZG_E_AUTH: return 401;
    case ZG_E_FUNDS: return 402;
    case ZG_E_NOT_FOUND: return 404;
    case ZG_E_CANCELLED: return 499;  // the client went away (nginx's convention)
    case ZG_E_UNSUPPORTED: return 501;
    case ZG_E_NETWORK:
    case ZG_E_PROVIDER:
    case ZG_E_VERIFY:
    case ZG_E_INTEGRITY:
    case ZG_E_CHAIN: return 502;
    default: return 500;
  }
}

void clear_error(zg_error* error) noexcept { fill_error(error, ZG_OK, 0, {}); }

void fill_error(zg_error* error, zg_status status, int http_status, std::string_view message) noexcept {
  if (error == nullptr) return;
  const std::size_t size = error->struct_size;
  if (size >= offsetof(zg_error, code) + sizeof error->code) error->code = status;
  if (size >= offsetof(zg_error, http_status) + sizeof error->http_status) error->http_status = http_status;
  if (size <= offsetof(zg_error, message)) return;
  const std::size_t room = std::min(size - offsetof(zg_error, message), sizeof error->message);
  const std::size_t n = utf8_prefix(message, room - 1);
  for (std::size_t i = 0; i < n; ++i) {
    const char c = message[i];
    error->message[i] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;  // one line for a user
  }
  error->message[n] = '\0';
}

zg_status fail(zg_error* error, const CallFailure& failure) noexcept {
  fill_error(error, failure.status,  failure.http_status,
             failure.message.empty() && failure.status == ZG_E_NOMEM ? std::string_view("out of memory")
                                                                    : std::string_view(failure.message));
  return failure.status;
}

char* plugin_string(std::string_view text) {
  auto* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) throw std::bad_alloc();
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

std::string to_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace zg::lib0g
