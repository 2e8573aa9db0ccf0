#pragma once
// One keep-alive plain-http HTTP/1.1 client connection, with one read buffer for its whole life.
// It replaces cpp-httplib's client on the hot paths (zg-bridge forwarding to --local-upstream, the
// gateway forwarding to an http:// provider), where that client cost about half of the bridge's CPU
// per request (bench/README.md, zg-bridge): a poll() before every read and write, a fresh 4 KiB
// buffer and a header map per request. Timeouts are socket options. One request at a time; only
// shutdown() may be called from another thread. It depends on the standard library and POSIX only,
// so zg-bridge compiles it as source (the bridge links no part of the core).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <mutex>

#include "gateway/http_response_parser.hpp"

namespace zg::gateway {

struct HttpTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds read{600000};  // longest silence between two reads (a model may think)
  std::chrono::milliseconds write{30000};
};

class HttpConnection {
 public:
  // `abort_flag` (optional): when set, a socket opened from then on is shut down at once, so an
  // abort that comes before the connection exists still ends the exchange.
  HttpConnection(std::string host, std::uint16_t port, HttpTimeouts timeouts, const std::atomic<bool>* abort_flag = nullptr)
      : host_(std::move(host)), port_(port), timeouts_(timeouts), abort_flag_(abort_flag) {}
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  struct Outcome {
    bool head_seen = false;
    bool reusable = false;  // the response ended cleanly and the connection may carry another one
    bool timed_out = false;
    std::optional<std::string> error;  // why it failed (connect, send, read or parse)
  };

  // Sends `request` (a complete HTTP/1.1 request: head and body) and parses the answer into the
  // callbacks (either may return false to stop; the connection is then not reusable). A connection
  // that the upstream closed while idle is reopened once, before any response byte arrived.
  Outcome exchange(std::string_view request, const HttpResponseParser::HeadCallback& on_head,
                   const HttpResponseParser::BodyCallback& on_body, bool head_request = false);
  // From any thread: ends the exchange in progress (its reads and writes fail at once).
  void shutdown() noexcept;

 private:
  std::optional<std::string> open();
  void close_socket() noexcept;
  bool idle_connection_closed() const;
  bool send_all(std::string_view bytes);

  std::string host_;
  std::uint16_t port_;
  HttpTimeouts timeouts_;
  const std::atomic<bool>* abort_flag_;
  std::mutex fd_mutex_;  // shutdown() against open/close: never touch a closed (reused) descriptor
  int fd_ = -1;
  std::string buffer_;  // read buffer, reused across requests
};

}  // namespace zg::gateway
