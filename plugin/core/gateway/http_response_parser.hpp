#pragma once
// An incremental HTTP/1.1 response parser for a keep-alive client: bytes go in as they arrive from
// the socket (any split), the head comes out once, then the body's bytes with the transfer coding
// removed (Content-Length, chunked, or until the connection closes). It knows where one response
// ends, so the connection can carry the next one. What the server sends is untrusted: the head and
// every line are bounded, numbers are checked, and bad input ends in failed() with a reason instead
// of a crash. It depends on nothing but the standard library, so zg-bridge compiles it as source
// (the bridge links no part of the core).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace zg::gateway {

struct HttpResponseHead {
  int status = 0;
  std::string content_type;                   // empty when absent
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool close = false;                         // Connection: close, or HTTP/1.0 without keep-alive
  std::string response_key;                   // ZG-Res-Key (providers), empty when absent
};

class HttpResponseParser {
 public:
  static constexpr std::size_t kMaxHeadBytes = 64 * 1024;
  static constexpr std::size_t kMaxLineBytes = 4096;  // a chunk-size or trailer line

  // on_head runs once per response (1xx interim answers are skipped); on_body with each piece of the
  // decoded body. Either may return false: the parser then stops (stopped() is true).
  using HeadCallback = std::function<bool(const HttpResponseHead&)>;
  using BodyCallback = std::function<bool(std::string_view)>;

  // `no_body`: the request was HEAD (the response has a head only).
  HttpResponseParser(HeadCallback on_head, BodyCallback on_body, bool no_body = false)
      : on_head_(std::move(on_head)), on_body_(std::move(on_body)), no_body_(no_body) {}

  // Consumes bytes; returns how many belong to this response (the rest, if any, came after its end).
  std::size_t feed(std::string_view bytes);
  // The server closed the connection: completes a body that runs until close, fails any other.
  void end_of_input();

  bool done() const noexcept { return state_ == State::done; }
  bool failed() const noexcept { return state_ == State::failed; }
  bool stopped() const noexcept { return state_ == State::stopped; }
  bool head_seen() const noexcept { return head_seen_; }
  const std::string& error() const noexcept { return error_; }
  const HttpResponseHead& head() const noexcept { return head_; }
  // The connection may carry another request once this response is done.
  bool reusable() const noexcept { return done() && !head_.close; }

 private:
  enum class State { head, body_length, chunk_size, chunk_data, chunk_data_end, trailers, until_close, done, failed, stopped };

  std::size_t feed_head(std::string_view bytes);
  bool parse_head(std::string_view head);
  std::size_t feed_line(std::string_view bytes, std::string& line, bool& complete);
  bool deliver(std::string_view bytes);
  void fail(std::string reason);
  void body_starts();

  HeadCallback on_head_;
  BodyCallback on_body_;
  bool no_body_ = false;
  State state_ = State::head;
  bool head_seen_ = false;
  bool until_close_ = false;    // a transfer coding other than chunked: the body ends at close
  HttpResponseHead head_;
  std::string buffer_;          // the head or a line, while incomplete
  std::uint64_t remaining_ = 0; // body or chunk bytes still expected
  std::string error_;
};

}  // namespace zg::gateway
