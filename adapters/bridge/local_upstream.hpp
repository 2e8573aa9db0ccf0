#pragma once
// --local-upstream: the OpenAI server (typically a llama-server router) that answers every model
// not named 0g/... The request body goes out unchanged and the response comes back unchanged:
// status, content type and body bytes, SSE events passed on as they arrive.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "stream_channel.hpp"
#include "gateway/http_connection.hpp"

namespace httplib {
class Client;
}

namespace zg::bridge {

struct UpstreamRequest {
  std::string method = "POST";
  std::string path;  // e.g. /v1/chat/completions (the base URL's own path is put in front)
  std::string body;
  std::string content_type = "application/json";
  std::string accept;
  std::string authorization;  // passed on only when the bridge has no key of its own
};

class LocalUpstream {
 public:
  explicit LocalUpstream(const std::string& base_url);  // throws UsageError for a bad URL
  ~LocalUpstream();

  // Sends the request and delivers the response into `out` (head, chunks, finish). Returns an error
  // text when the upstream could not be reached or failed before its head; out is finished either way.
  std::optional<std::string> forward(const UpstreamRequest& request, StreamChannel& out);

  // GET <base>/v1/models; std::nullopt when the upstream does not answer 200 with JSON.
  std::optional<std::string> models();

  const std::string& base_url() const noexcept { return base_url_; }

 private:
  // Connections are kept alive and reused; a connection serves one request at a time. Plain http
  // (the usual loopback upstream) goes through our own gateway::HttpConnection; https through httplib.
  std::unique_ptr<httplib::Client> acquire();
  void release(std::unique_ptr<httplib::Client> client);
  std::unique_ptr<gateway::HttpConnection> acquire_plain();
  void release_plain(std::unique_ptr<gateway::HttpConnection> connection);
  void parse_plain_origin(const std::string& authority);
  std::optional<std::string> forward_plain(const UpstreamRequest& request, StreamChannel& out);
  std::string request_head(std::string_view method, std::string_view path, const UpstreamRequest* request) const;

  std::string base_url_;
  std::string origin_;       // scheme://host:port
  std::string path_prefix_;  // the base URL's path, without a trailing slash
  bool plain_http_ = false;
  std::string host_;         // plain http: host (no brackets) and port
  std::uint16_t port_ = 80;
  std::string host_header_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<httplib::Client>> idle_;
  std::vector<std::unique_ptr<gateway::HttpConnection>> idle_plain_;
};

}  // namespace zg::bridge
