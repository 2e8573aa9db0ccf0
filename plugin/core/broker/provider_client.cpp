#include "broker/provider_client.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <charconv>
#include <exception>

#include "broker/sse.hpp"
#include "common/text.hpp"
#include "gateway/http_connection.hpp"

namespace zg::broker {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxQuotedBytes = 300;

std::string printable(std::string_view text) { return printable_excerpt(text, kMaxQuotedBytes, ' '); }

std::string lower(std::string_view text) { return ascii_lower(text); }

std::pair<time_t, time_t> seconds_and_micros(std::chrono::milliseconds duration) {
  return {static_cast<time_t>(duration.count() / 1000), static_cast<time_t>((duration.count() % 1000) * 1000)};
}

struct ServiceUrl {
  std::string scheme_host_port;
  std::string base_path;
  std::string display;
};

ServiceUrl parse_service_url(std::string_view text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) throw UsageError("provider URL must start with http:// or https://");
  const std::string scheme = lower(text.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") throw UsageError("provider URL scheme '" + printable(scheme) + "' is not http or https");
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
  if (scheme == "https") throw UsageError("this build has no HTTPS support for provider URLs");
#endif
  const std::string_view rest = text.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    throw UsageError("provider URL has no host, or carries credentials: " + printable(text));
  }
  ServiceUrl url;
  url.scheme_host_port = scheme + "://" + std::string(authority);
  std::string path = authority_end == std::string_view::npos ? "" : std::string(rest.substr(authority_end));
  if (const auto cut = path.find_first_of("?#"); cut != std::string::npos) path.erase(cut);
  while (!path.empty() && path.back() == '/') path.pop_back();
  url.base_path = path;
  url.display = url.scheme_host_port + path;
  return url;
}

std::optional<std::string> header_value(const httplib::Headers& headers, const std::string& name) {
  // httplib's header map compares names case-insensitively.
  const auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

const std::string& string_field(const json& object, const char* name, const char* what) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) throw ParseError(std::string(what) + ": `" + name + "` is missing or not a string");
  return it->get_ref<const std::string&>();
}

std::string optional_string_field(const json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json parse_object(std::string_view body, const std::string& what) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) throw ParseError(what + " is not a JSON object: " + printable(body));
  return parsed;
}

std::string message_content(const json& completion) {
  const auto choices = completion.find("choices");
  if (choices == completion.end() || choices->is_null()) return {};
  if (!choices->is_array()) throw ParseError("chat completion: `choices` is not an array");
  if (choices->empty() || !choices->front().is_object()) return {};
  const auto message = choices->front().find("message");
  if (message == choices->front().end() || !message->is_object()) return {};
  const auto content = message->find("content");
  if (content == message->end() || content->is_null()) return {};
  if (!content->is_string()) throw ParseError("chat completion: `message.content` is not a string");
  return content->get<std::string>();
}

}  // namespace

ProviderError::ProviderError(int status, std::string provider_message, const std::string& context)
    : IoError(context + " failed: HTTP " + std::to_string(status) + ": " + provider_message),
      status_(status),
      provider_message_(std::move(provider_message)) {}

std::string provider_error_text(std::string_view body) {
  const json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_object()) {
    if (const auto error = parsed.find("error"); error != parsed.end()) return describe_error_member(*error);
    if (const auto message = parsed.find("message"); message != parsed.end() && message->is_string()) {
      return printable(message->get<std::string>());
    }
  }
  if (body.empty()) return "(empty body)";
  return printable(body);
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

ChatResponse parse_chat_completion(std::string body) {
  const json completion = parse_object(body, "chat completion");
  ChatResponse response;
  response.completion_id = parse_completion_id(completion);
  response.usage = parse_usage(completion);
  response.content = message_content(completion);
  response.body = std::move(body);
  return response;
}

// One HTTP exchange. The body goes to `on_body` as it arrives when set, else into `body`.
struct ProviderClient::Exchange {
  std::string method;
  std::string path;
  std::string what;  // "chat completion", ... for messages
  std::string request_body;
  const std::string* authorization = nullptr;
  std::function<void(std::string_view)> on_body;  // called only for 2xx answers

  int status = 0;
  httplib::Headers headers;
  std::string body;  // 2xx: unless on_body; otherwise the error body (bounded)
};

ProviderClient::ProviderClient(std::string_view service_url, ProviderClientOptions options) : options_(options) {
  ServiceUrl url = parse_service_url(service_url);
  base_path_ = std::move(url.base_path);
  display_url_ = std::move(url.display);
  try {
    client_ = std::make_unique<httplib::Client>(url.scheme_host_port);
  } catch (const std::exception&) {
    throw UsageError("provider URL " + display_url_ + " is not valid");
  }
  if (!client_->is_valid()) throw UsageError("provider URL " + display_url_ + " is not valid");
  client_->set_keep_alive(true);
  client_->set_tcp_nodelay(true);
  const auto [connect_s, connect_us] = seconds_and_micros(options_.connect_timeout);
  client_->set_connection_timeout(connect_s, connect_us);
  const auto [read_s, read_us] = seconds_and_micros(options_.read_timeout);
  client_->set_read_timeout(read_s, read_us);
  client_->set_write_timeout(read_s, read_us);
  // A connection opened after abort() is shut down at once (this runs on the calling thread, before
  // connect). This replaces httplib's default socket options, so SO_REUSEADDR is set as it would.
  client_->set_socket_options([this](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (abort_requested_.load()) ::shutdown(sock, SHUT_RDWR);  // aborted before the connection existed
  });
  if (url.scheme_host_port.rfind("http://", 0) == 0) {
    host_header_ = url.scheme_host_port.substr(7);
    std::string host = host_header_;
    unsigned port = 80;
    const auto colon = host.rfind(':');
    if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
      const auto [end, ec] = std::from_chars(host.data() + colon + 1, host.data() + host.size(), port);
      if (ec != std::errc() || end != host.data() + host.size() || port == 0 || port > 65535) {
        throw UsageError("provider URL " + display_url_ + " has a bad port");
      }
      host.erase(colon);
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    gateway::HttpTimeouts timeouts;
    timeouts.connect = options_.connect_timeout;
    timeouts.read = options_.read_timeout;
    timeouts.write = options_.read_timeout;
    plain_ = std::make_unique<gateway::HttpConnection>(host, static_cast<std::uint16_t>(port), timeouts, &abort_requested_);
  }
}

ProviderClient::~ProviderClient() = default;

void ProviderClient::send(Exchange& exchange) {
  httplib::Request request;
  request.method = exchange.method;
  request.path = base_path_ + exchange.path;
  request.body = exchange.request_body;
  if (!exchange.request_body.empty()) request.set_header("Content-Type", "application/json");
  if (exchange.authorization) request.set_header("Authorization", exchange.authorization->c_str());

  std::exception_ptr failure;  // exceptions must not unwind through httplib
  std::size_t received = 0;
  bool too_large = false;
  request.response_handler = [&](const httplib::Response& response) {
    exchange.status = response.status;
    exchange.headers = response.headers;
    return true;
  };
  request.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
    received += size;
    if (received > options_.max_body_bytes) {
      too_large = true;
      return false;
    }
    const std::string_view bytes(data, size);
    const bool ok_status = exchange.status >= 200 && exchange.status < 300;
    if (!ok_status || !exchange.on_body) {
      exchange.body.append(bytes);
      return true;
    }
    try {
      exchange.on_body(bytes);
      return true;
    } catch (...) {
      failure = std::current_exception();
      return false;
    }
  };

  const std::string context = exchange.what + " from " + display_url_;
  std::lock_guard lock(mutex_);
  const httplib::Result result = client_->send(request);
  if (failure) std::rethrow_exception(failure);
  if (too_large) throw IoError(context + ": answer larger than " + std::to_string(options_.max_body_bytes) + " bytes");
  if (!result) {
    const bool timeout = result.error() == httplib::Error::Read || result.error() == httplib::Error::ConnectionTimeout;
    throw IoError(context + " failed: " + httplib::to_string(result.error()) +
                  (timeout ? " (no answer within the timeout)" : ""));
  }
  if (exchange.status < 200 || exchange.status >= 300) {
    throw ProviderError(exchange.status, provider_error_text(exchange.body), context);
  }
}

ChatResponse ProviderClient::chat(const std::string& request_json, const std::string& authorization) {
  Exchange exchange{"POST", "/v1/proxy/chat/completions", "chat completion", request_json, &authorization, {}, 0, {}, {}};
  send(exchange);
  auto response = parse_chat_completion(std::move(exchange.body));
  response.response_key = header_value(exchange.headers, "ZG-Res-Key");
  return response;
}

ChatResponse ProviderClient::chat_stream(const std::string& request_json, const std::string& authorization,
                                         const std::function<void(std::string_view)>& on_delta) {
  ChatStreamParser parser;
  std::string raw;
  bool is_event_stream = true;
  bool content_type_checked = false;
  Exchange exchange{"POST", "/v1/proxy/chat/completions", "chat completion stream", request_json, &authorization, {}, 0, {}, {}};
  exchange.on_body = [&](std::string_view bytes) {
    if (!content_type_checked) {
      content_type_checked = true;
      const auto type = header_value(exchange.headers, "Content-Type");
      // A provider may ignore "stream": a JSON answer is then taken as a whole at the end.
      is_event_stream = !type || lower(*type).find("application/json") == std::string::npos;
    }
    raw.append(bytes);
    if (!is_event_stream) return;
    parser.feed(bytes, [&](const ChatChunk& chunk) {
      if (!chunk.content.empty() && on_delta) on_delta(chunk.content);
    });
  };
  send(exchange);

  ChatResponse response;
  if (content_type_checked && !is_event_stream) {
    response = parse_chat_completion(std::move(raw));
    if (on_delta && !response.content.empty()) on_delta(response.content);
  } else {
    parser.finish([&](const ChatChunk& chunk) {
      if (!chunk.content.empty() && on_delta) on_delta(chunk.content);
    });
    response.body = std::move(raw);
    response.streamed = true;
    response.completion_id = parser.completion_id();
    response.usage = parser.usage();
    response.content = parser.content();
  }
  response.response_key = header_value(exchange.headers, "ZG-Res-Key");
  return response;
}

std::string ProviderClient::get(const std::string& path, const std::string& what, const std::string* authorization) {
  if (plain_) return get_plain(path, what, authorization);
  Exchange exchange{"GET", path, what, {}, authorization, {}, 0, {}, {}};
  send(exchange);
  return std::move(exchange.body);
}

// GET over the keep-alive connection of an http:// provider. The signature fetch of sync
// verification runs once per answer on the gateway's hot path, right after forward() used the same
// connection; through httplib it cost a fresh socket buffer, a header map and a poll per read.
std::string ProviderClient::get_plain(const std::string& path, const std::string& what, const std::string* authorization) {
  std::string request;
  request.reserve(96 + base_path_.size() + path.size() + (authorization ? authorization->size() : 0));
  request.append("GET ").append(base_path_).append(path).append(" HTTP/1.1\r\nHost: ").append(host_header_);
  if (authorization) {
    if (authorization->find_first_of("\r\n") != std::string::npos) throw UsageError("the session token is not one line");
    request.append("\r\nAuthorization: ").append(*authorization);
  }
  request.append("\r\n\r\n");

  int status = 0;
  bool too_large = false;
  std::string body;
  const auto head_handler = [&](const gateway::HttpResponseHead& response) {
    status = response.status;
    return true;
  };
  const auto body_handler = [&](std::string_view bytes) {
    if (body.size() + bytes.size() > options_.max_body_bytes) return !(too_large = true);
    body.append(bytes);
    return true;
  };

  const std::string context = what + " from " + display_url_;
  std::lock_guard lock(mutex_);
  const auto outcome = plain_->exchange(request, head_handler, body_handler);
  if (too_large) throw IoError(context + ": answer larger than " + std::to_string(options_.max_body_bytes) + " bytes");
  if (outcome.error) {
    throw IoError(context + " failed: " + *outcome.error + (outcome.timed_out ? " (no answer within the timeout)" : ""));
  }
  if (status < 200 || status >= 300) throw ProviderError(status, provider_error_text(body), context);
  return body;
}

void ProviderClient::abort() noexcept {
  abort_requested_.store(true);
  // httplib's stop() is its one call that is safe while another thread is inside send(): it shuts
  // the socket down (recv returns at once) and lets that thread close it. An abort that comes
  // before the connection exists is caught by the socket-options hook above.
  client_->stop();
  if (plain_) plain_->shutdown();
}

void ProviderClient::rearm() noexcept { abort_requested_.store(false); }

bool ProviderClient::aborted() const noexcept { return abort_requested_.load(); }

ForwardEnd ProviderClient::forward_plain(std::string_view proxy_path, std::string body, const std::string& authorization,
                                         const std::function<bool(const ForwardHead&)>& on_head,
                                         const std::function<bool(std::string_view)>& on_data) {
  std::string request;
  request.reserve(160 + base_path_.size() + proxy_path.size() + authorization.size() + body.size());
  request.append("POST ").append(base_path_).append(proxy_path).append(" HTTP/1.1\r\nHost: ").append(host_header_);
  request.append("\r\nContent-Type: application/json\r\nContent-Length: ").append(std::to_string(body.size()));
  // The token is ours (never the client's), but a header must stay one line whatever it holds.
  if (authorization.find_first_of("\r\n") != std::string::npos) throw UsageError("the session token is not one line");
  request.append("\r\nAuthorization: ").append(authorization).append("\r\n\r\n").append(body);

  int status = 0;
  bool stopped = false;
  bool too_large = false;
  std::size_t received = 0;
  std::string error_body;
  std::exception_ptr failure;  // exceptions end the exchange and are rethrown after it
  const auto head_handler = [&](const gateway::HttpResponseHead& response) {
    status = response.status;
    if (status < 200 || status >= 300) return true;  // the error body is read below
    if (aborted()) return !(stopped = true);
    ForwardHead head;
    head.status = status;
    head.content_type = response.content_type;
    if (!response.response_key.empty()) head.response_key = response.response_key;
    try {
      if (!on_head(head)) stopped = true;
    } catch (...) {
      failure = std::current_exception();
    }
    return !stopped && !failure;
  };
  const auto body_handler = [&](std::string_view bytes) {
    received += bytes.size();
    if (received > options_.max_body_bytes) return !(too_large = true);
    if (status < 200 || status >= 300) {
      error_body.append(bytes);
      return true;
    }
    if (aborted()) return !(stopped = true);
    try {
      if (!on_data(bytes)) stopped = true;
    } catch (...) {
      failure = std::current_exception();
    }
    return !stopped && !failure;
  };

  std::lock_guard lock(mutex_);
  if (aborted()) return ForwardEnd::stopped;
  const auto outcome = plain_->exchange(request, head_handler, body_handler);
  if (failure) std::rethrow_exception(failure);
  if (stopped || (aborted() && (outcome.error || status == 0))) return ForwardEnd::stopped;
  const std::string context = "forwarded request to " + display_url_;
  if (too_large) throw IoError(context + ": answer larger than " + std::to_string(options_.max_body_bytes) + " bytes");
  if (outcome.error) {
    throw IoError(context + " failed: " + *outcome.error + (outcome.timed_out ? " (no answer within the timeout)" : ""));
  }
  if (status < 200 || status >= 300) throw ProviderError(status, provider_error_text(error_body), context);
  return ForwardEnd::completed;
}

ForwardEnd ProviderClient::forward(std::string_view proxy_path, std::string body, const std::string& authorization,
                                   const std::function<bool(const ForwardHead&)>& on_head,
                                   const std::function<bool(std::string_view)>& on_data) {
  if (plain_) return forward_plain(proxy_path, std::move(body), authorization, on_head, on_data);
  httplib::Request request;
  request.method = "POST";
  request.path.reserve(base_path_.size() + proxy_path.size());
  request.path.append(base_path_).append(proxy_path);
  request.body = std::move(body);
  request.set_header("Content-Type", "application/json");
  request.set_header("Authorization", authorization);

  int status = 0;
  bool stopped = false;
  bool too_large = false;
  std::size_t received = 0;
  std::string error_body;
  std::exception_ptr failure;  // exceptions must not unwind through httplib
  request.response_handler = [&](const httplib::Response& response) {
    status = response.status;
    if (status < 200 || status >= 300) return true;  // the error body is read below
    if (aborted()) return !(stopped = true);
    ForwardHead head;
    head.status = status;
    if (auto type = header_value(response.headers, "Content-Type")) head.content_type = std::move(*type);
    head.response_key = header_value(response.headers, "ZG-Res-Key");
    try {
      if (!on_head(head)) stopped = true;
    } catch (...) {
      failure = std::current_exception();
    }
    return !stopped && !failure;
  };
  request.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
    received += size;
    if (received > options_.max_body_bytes) return !(too_large = true);
    if (status < 200 || status >= 300) {
      error_body.append(data, size);
      return true;
    }
    if (aborted()) return !(stopped = true);
    try {
      if (!on_data(std::string_view(data, size))) stopped = true;
    } catch (...) {
      failure = std::current_exception();
    }
    return !stopped && !failure;
  };

  const std::string_view what = "forwarded request";
  std::lock_guard lock(mutex_);
  const httplib::Result result = client_->send(request);
  if (failure) std::rethrow_exception(failure);
  if (stopped || (aborted() && (!result || status == 0))) return ForwardEnd::stopped;
  const std::string context = std::string(what) + " to " + display_url_;
  if (too_large) throw IoError(context + ": answer larger than " + std::to_string(options_.max_body_bytes) + " bytes");
  if (!result) {
    const bool timeout = result.error() == httplib::Error::Read || result.error() == httplib::Error::ConnectionTimeout;
    throw IoError(context + " failed: " + httplib::to_string(result.error()) +
                  (timeout ? " (no answer within the timeout)" : ""));
  }
  if (status < 200 || status >= 300) throw ProviderError(status, provider_error_text(error_body), context);
  return ForwardEnd::completed;
}

SignatureRecord ProviderClient::signature(std::string_view chat_id, std::string_view model) {
  if (chat_id.empty()) throw UsageError("a chat id is needed to fetch its signature");
  std::string path = "/v1/proxy/signature/" + percent_encode(chat_id);
  if (!model.empty()) path += "?model=" + percent_encode(model);
  const auto body = get(path, "signature of chat " + printable(chat_id), nullptr);
  const json record = parse_object(body, "signature record");
  return SignatureRecord{string_field(record, "text", "signature record"),
                         string_field(record, "signature", "signature record"),
                         optional_string_field(record, "signing_address"), optional_string_field(record, "signing_algo")};
}

std::string ProviderClient::quote() { return get("/v1/quote", "TEE quote", nullptr); }

UnsettledFee ProviderClient::unsettled_fee(const eth::Address& user, const std::string& authorization) {
  const auto body = get("/v1/user/" + user.checksummed() + "/unsettledfee", "unsettled fee", &authorization);
  const json record = parse_object(body, "unsettled fee");
  const auto it = record.find("unsettledFee");
  UnsettledFee fee{optional_string_field(record, "userAddress"), {}};
  if (it != record.end() && it->is_string()) {
    fee.fee = eth::Uint256::from_dec(it->get<std::string>());
  } else if (it != record.end() && it->is_number_unsigned()) {
    fee.fee = eth::Uint256(it->get<std::uint64_t>());
  } else {
    throw ParseError("unsettled fee: `unsettledFee` is missing or not a decimal amount: " + printable(body));
  }
  return fee;
}

json ProviderClient::models() { return parse_object(get("/v1/models", "model list", nullptr), "model list"); }

}  // namespace zg::broker
