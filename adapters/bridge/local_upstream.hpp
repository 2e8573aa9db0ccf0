#pragma once
// --local-upstream: the OpenAI server (typically a llama-server router) that answers every model
// not named 0g/... The request body goes out unchanged and the response comes back unchanged:
// status, content type and body bytes, SSE events passed on as they arrive.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "stream_channel.hpp"

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
  // Connections are kept alive and reused; a client serves one request at a time.
  std::unique_ptr<httplib::Client> acquire();
  void release(std::unique_ptr<httplib::Client> client);

  std::string base_url_;
  std::string origin_;       // scheme://host:port
  std::string path_prefix_;  // the base URL's path, without a trailing slash
  std::mutex mutex_;
  std::vector<std::unique_ptr<httplib::Client>> idle_;
};

}  // namespace zg::bridge
