#pragma once
// One keep-alive HTTP/1.1 connection to the plain-http local upstream, with one read buffer for its
// whole life. It replaces cpp-httplib's client on the forwarding path, where that client cost about
// half of the bridge's CPU per forwarded request (bench/README.md, zg-bridge): a poll() before every
// read and write, a fresh 4 KiB buffer and a header map per request. Timeouts are socket options.
// Not thread-safe: one request at a time (LocalUpstream pools them).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/http_response_parser.hpp"

namespace zg::bridge {

struct UpstreamTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds read{600000};  // a local model may think for minutes between tokens
  std::chrono::milliseconds write{30000};
};

class UpstreamConnection {
 public:
  UpstreamConnection(std::string host, std::uint16_t port, UpstreamTimeouts timeouts)
      : host_(std::move(host)), port_(port), timeouts_(timeouts) {}
  ~UpstreamConnection();
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  struct Outcome {
    bool head_seen = false;
    bool reusable = false;  // the response ended cleanly and the connection may carry another one
    std::optional<std::string> error;  // why it failed (connect, send, read or parse)
  };

  // Sends `request` (a complete HTTP/1.1 request: head and body) and parses the answer into the
  // callbacks (either may return false to stop; the connection is then not reusable). A connection
  // that the upstream closed while idle is reopened once, before any response byte arrived.
  Outcome exchange(std::string_view request, const gateway::HttpResponseParser::HeadCallback& on_head,
                   const gateway::HttpResponseParser::BodyCallback& on_body, bool head_request = false);

 private:
  std::optional<std::string> open();
  void close_socket() noexcept;
  bool idle_connection_closed() const;
  bool send_all(std::string_view bytes);

  std::string host_;
  std::uint16_t port_;
  UpstreamTimeouts timeouts_;
  int fd_ = -1;
  std::string buffer_;  // read buffer, reused across requests
};

}  // namespace zg::bridge
