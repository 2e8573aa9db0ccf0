#include "local_upstream.hpp"

#include <httplib.h>

#include "common/error.hpp"

namespace zg::bridge {
namespace {

constexpr std::size_t kMaxIdleClients = 256;

}  // namespace

LocalUpstream::LocalUpstream(const std::string& base_url) : base_url_(base_url) {
  const auto scheme_end = base_url.find("://");
  if (scheme_end == std::string::npos) throw UsageError("--local-upstream " + base_url + ": not a URL");
  const auto path_start = base_url.find('/', scheme_end + 3);
  origin_ = base_url.substr(0, path_start);
  if (path_start != std::string::npos) path_prefix_ = base_url.substr(path_start);
  while (!path_prefix_.empty() && path_prefix_.back() == '/') path_prefix_.pop_back();
  if (origin_.size() <= scheme_end + 3) throw UsageError("--local-upstream " + base_url + ": no host");
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

std::optional<std::string> LocalUpstream::forward(const UpstreamRequest& request, StreamChannel& out) {
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
  auto client = acquire();
  auto result = client->Get(path_prefix_ + "/v1/models");
  if (!result || result->status != 200) return std::nullopt;
  std::string body = std::move(result->body);
  release(std::move(client));
  return body;
}

}  // namespace zg::bridge
