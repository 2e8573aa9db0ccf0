#include "local_upstream.hpp"

#include <httplib.h>

#include "common/error.hpp"

namespace zg::bridge {
namespace {

constexpr std::size_t kMaxIdleClients = 256;
constexpr std::size_t kMaxModelsBytes = 16u << 20;

// Header values come from the client's request: one line each, or they are left out.
bool header_value_ok(std::string_view value) { return value.find_first_of("\r\n") == std::string_view::npos; }

void add_header(std::string& head, std::string_view name, std::string_view value) {
  if (value.empty() || !header_value_ok(value)) return;
  head.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

LocalUpstream::LocalUpstream(const std::string& base_url) : base_url_(base_url) {
  const auto scheme_end = base_url.find("://");
  if (scheme_end == std::string::npos) throw UsageError("--local-upstream " + base_url + ": not a URL");
  const auto path_start = base_url.find('/', scheme_end + 3);
  origin_ = base_url.substr(0, path_start);
  if (path_start != std::string::npos) path_prefix_ = base_url.substr(path_start);
  while (!path_prefix_.empty() && path_prefix_.back() == '/') path_prefix_.pop_back();
  if (origin_.size() <= scheme_end + 3) throw UsageError("--local-upstream " + base_url + ": no host");
  if (base_url.compare(0, scheme_end, "http") == 0) parse_plain_origin(origin_.substr(scheme_end + 3));
}

void LocalUpstream::parse_plain_origin(const std::string& authority) {
  std::string host = authority;
  std::string port_text;
  if (!host.empty() && host.front() == '[') {  // [v6]:port
    const auto close = host.find(']');
    if (close == std::string::npos) throw UsageError("--local-upstream " + base_url_ + ": bad IPv6 address");
    if (close + 1 < host.size() && host[close + 1] == ':') port_text = host.substr(close + 2);
    host = host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string::npos) {
    port_text = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  unsigned long port = 80;
  if (!port_text.empty()) {
    std::size_t used = 0;
    try {
      port = std::stoul(port_text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != port_text.size() || port == 0 || port > 65535) throw UsageError("--local-upstream " + base_url_ + ": bad port");
  }
  host_ = host;
  port_ = static_cast<std::uint16_t>(port);
  host_header_ = authority;
  plain_http_ = true;
}

LocalUpstream::~LocalUpstream() = default;

std::unique_ptr<httplib::Client> LocalUpstream::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  auto client = std::make_unique<httplib::Client>(origin_);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->set_connection_timeout(std::chrono::seconds(5));
  // A local model may think for minutes before its first token, and between tokens.
  client->set_read_timeout(std::chrono::minutes(10));
  client->set_write_timeout(std::chrono::seconds(30));
  return client;
}

void LocalUpstream::release(std::unique_ptr<httplib::Client> client) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdleClients) idle_.push_back(std::move(client));
}

std::unique_ptr<gateway::HttpConnection> LocalUpstream::acquire_plain() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_plain_.empty()) {
      auto connection = std::move(idle_plain_.back());
      idle_plain_.pop_back();
      return connection;
    }
  }
  return std::make_unique<gateway::HttpConnection>(host_, port_, gateway::HttpTimeouts{});
}

void LocalUpstream::release_plain(std::unique_ptr<gateway::HttpConnection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_plain_.size() < kMaxIdleClients) idle_plain_.push_back(std::move(connection));
}

std::string LocalUpstream::request_head(std::string_view method, std::string_view path, const UpstreamRequest* request) const {
  std::string head;
  head.reserve(256 + (request != nullptr ? request->authorization.size() : 0));
  head.append(method).append(" ").append(path_prefix_).append(path).append(" HTTP/1.1\r\nHost: ");
  head.append(host_header_).append("\r\n");
  if (request != nullptr) {
    if (!request->body.empty()) {
      add_header(head, "Content-Type", request->content_type);
      head.append("Content-Length: ").append(std::to_string(request->body.size())).append("\r\n");
    }
    add_header(head, "Accept", request->accept);
    add_header(head, "Authorization", request->authorization);
  }
  head.append("\r\n");
  return head;
}

std::optional<std::string> LocalUpstream::forward_plain(const UpstreamRequest& request, StreamChannel& out) {
  auto connection = acquire_plain();
  std::string bytes = request_head(request.method, request.path, &request);
  bytes.append(request.body);
  const auto outcome = connection->exchange(
      bytes,
      [&out](const gateway::HttpResponseHead& response) {
        ResponseHead head;
        head.status = response.status;
        head.content_type = response.content_type;
        return out.set_head(std::move(head));
      },
      [&out](std::string_view data) { return out.push(std::string(data)); });
  out.finish();
  if (outcome.reusable) release_plain(std::move(connection));
  if (!outcome.head_seen) {
    return "the local upstream " + base_url_ + " did not answer (" + outcome.error.value_or("no response") + ")";
  }
  return std::nullopt;
}

std::optional<std::string> LocalUpstream::forward(const UpstreamRequest& request, StreamChannel& out) {
  if (plain_http_) return forward_plain(request, out);
  auto client = acquire();
  httplib::Request req;
  req.method = request.method;
  req.path = path_prefix_ + request.path;
  req.body = request.body;
  if (!request.body.empty()) req.set_header("Content-Type", request.content_type);
  if (!request.accept.empty()) req.set_header("Accept", request.accept);
  if (!request.authorization.empty()) req.set_header("Authorization", request.authorization);
  bool head_sent = false;
  req.response_handler = [&](const httplib::Response& response) {
    ResponseHead head;
    head.status = response.status;
    head.content_type = response.get_header_value("Content-Type");
    head_sent = true;
    return out.set_head(std::move(head));
  };
  req.content_receiver = [&](const char* data, std::size_t length, std::uint64_t, std::uint64_t) {
    return out.push(std::string(data, length));
  };
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  const bool ok = client->send(req, response, error);
  out.finish();
  // A client whose exchange failed midway may hold a half-read connection: do not reuse it.
  if (ok) release(std::move(client));
  if (!head_sent) return "the local upstream " + base_url_ + " did not answer (" + httplib::to_string(error) + ")";
  return std::nullopt;
}

std::optional<std::string> LocalUpstream::models() {
  if (plain_http_) {
    auto connection = acquire_plain();
    int status = 0;
    std::string body;
    const auto outcome = connection->exchange(
        request_head("GET", "/v1/models", nullptr),
        [&status](const gateway::HttpResponseHead& head) {
          status = head.status;
          return true;
        },
        [&body](std::string_view data) {
          if (body.size() + data.size() > kMaxModelsBytes) return false;
          body.append(data);
          return true;
        });
    if (outcome.reusable) release_plain(std::move(connection));
    if (!outcome.reusable || outcome.error || status != 200) return std::nullopt;
    return body;
  }
  auto client = acquire();
  auto result = client->Get(path_prefix_ + "/v1/models");
  if (!result || result->status != 200) return std::nullopt;
  std::string body = std::move(result->body);
  release(std::move(client));
  return body;
}

}  // namespace zg::bridge
