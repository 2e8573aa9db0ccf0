#include "gateway/http_response_parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace zg::gateway {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// "chunked" as the last transfer coding (RFC 9112 §6.1: anything else is read until close).
bool ends_with_chunked(std::string_view value) {
  const auto comma = value.rfind(',');
  return iequals(trim(comma == std::string_view::npos ? value : value.substr(comma + 1)), "chunked");
}

bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

template <typename T>
bool parse_number(std::string_view text, T& out, int base = 10) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::size_t HttpResponseParser::feed(std::string_view bytes) {
  std::size_t used = 0;
  while (used < bytes.size()) {
    const std::string_view rest = bytes.substr(used);
    switch (state_) {
      case State::head:
        used += feed_head(rest);
        break;
      case State::body_length:
      case State::chunk_data: {
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
        used += take;
        remaining_ -= take;
        if (!deliver(rest.substr(0, take))) return used;
        if (remaining_ == 0) state_ = state_ == State::body_length ? State::done : State::chunk_data_end;
        break;
      }
      case State::chunk_data_end: {
        bool complete = false;
        used += feed_line(rest, buffer_, complete);
        if (!complete) break;
        if (!buffer_.empty()) return fail("chunk data longer than its size"), used;
        state_ = State::chunk_size;
        break;
      }
      case State::chunk_size: {
        bool complete = false;
        used += feed_line(rest, buffer_, complete);
        if (!complete) break;
        std::string_view size_text = buffer_;
        size_text = trim(size_text.substr(0, size_text.find(';')));  // chunk extensions are ignored
        std::uint64_t size = 0;
        if (size_text.size() > 15 || !parse_number(size_text, size, 16)) return fail("bad chunk size"), used;
        buffer_.clear();
        if (size == 0) {
          state_ = State::trailers;
        } else {
          remaining_ = size;
          state_ = State::chunk_data;
        }
        break;
      }
      case State::trailers: {
        bool complete = false;
        used += feed_line(rest, buffer_, complete);
        if (!complete) break;
        if (buffer_.empty()) state_ = State::done;  // the empty line after the (ignored) trailers
        buffer_.clear();
        break;
      }
      case State::until_close:
        used = bytes.size();
        if (!deliver(rest)) return used;
        break;
      case State::done:
      case State::failed:
      case State::stopped:
        return used;
    }
    if (state_ == State::failed || state_ == State::stopped) break;
  }
  return used;
}

void HttpResponseParser::end_of_input() {
  if (state_ == State::until_close) {
    state_ = State::done;
    head_.close = true;
  } else if (state_ != State::done && state_ != State::failed && state_ != State::stopped) {
    fail(head_seen_ ? "the connection closed before the end of the body" : "the connection closed before a response");
  }
}

std::size_t HttpResponseParser::feed_head(std::string_view bytes) {
  // Look for the blank line, including one that straddles the previous piece.
  const std::size_t before = buffer_.size();
  const std::size_t take = std::min(bytes.size(), kMaxHeadBytes + 4 - std::min(before, kMaxHeadBytes + 4));
  buffer_.append(bytes.substr(0, take));
  const std::size_t search_from = before >= 3 ? before - 3 : 0;
  const auto end = buffer_.find("\r\n\r\n", search_from);
  if (end == std::string::npos) {
    if (buffer_.size() > kMaxHeadBytes) fail("response head larger than 64 KiB");
    return take;
  }
  const std::size_t head_bytes = end + 4;
  const std::size_t used = head_bytes - before;  // bytes of this piece that belong to the head
  const std::string head_text = buffer_.substr(0, end);
  buffer_.clear();
  if (head_bytes > kMaxHeadBytes) return fail("response head larger than 64 KiB"), used;
  if (!parse_head(head_text)) return used;
  if (head_.status >= 100 && head_.status < 200) {  // interim answer: the real one follows
    head_ = HttpResponseHead{};
    until_close_ = false;
    return used;
  }
  head_seen_ = true;
  if (on_head_ && !on_head_(head_)) {
    state_ = State::stopped;
    return used;
  }
  body_starts();
  return used;
}

bool HttpResponseParser::parse_head(std::string_view head) {
  auto line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ' ||
      (status_line.size() > 12 && status_line[12] != ' ') || !parse_number(status_line.substr(9, 3), head_.status) ||
      head_.status < 100) {
    fail("bad status line");
    return false;
  }
  const bool http10 = status_line[7] == '0';
  bool keep_alive = false;
  head.remove_prefix(line_end == std::string_view::npos ? head.size() : line_end + 2);
  while (!head.empty()) {
    line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    head.remove_prefix(line_end == std::string_view::npos ? head.size() : line_end + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      fail("bad header line");
      return false;
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::uint64_t length = 0;
      if (!parse_number(value, length) || (head_.content_length && *head_.content_length != length)) {
        fail("bad Content-Length");
        return false;
      }
      head_.content_length = length;
    } else if (iequals(name, "transfer-encoding")) {
      head_.chunked = ends_with_chunked(value);
      until_close_ = !head_.chunked;  // some other coding: the body runs until close
    } else if (iequals(name, "connection")) {
      if (has_token(value, "close")) head_.close = true;
      if (has_token(value, "keep-alive")) keep_alive = true;
    } else if (iequals(name, "content-type")) {
      head_.content_type = std::string(value);
    } else if (iequals(name, "zg-res-key")) {
      head_.response_key = std::string(value);
    }
  }
  if (http10 && !keep_alive) head_.close = true;
  return true;
}

void HttpResponseParser::body_starts() {
  const bool bodiless = no_body_ || head_.status == 204 || head_.status == 304;
  if (bodiless) {
    state_ = State::done;
  } else if (head_.chunked) {
    state_ = State::chunk_size;
  } else if (head_.content_length && !until_close_) {
    remaining_ = *head_.content_length;
    state_ = remaining_ == 0 ? State::done : State::body_length;
  } else {
    head_.close = true;
    state_ = State::until_close;
  }
}

// Appends up to the end of a CRLF (or bare LF) line to `line`; `complete` once it ended. The line
// terminator is not kept.
std::size_t HttpResponseParser::feed_line(std::string_view bytes, std::string& line, bool& complete) {
  const auto newline = bytes.find('\n');
  const std::size_t take = newline == std::string_view::npos ? bytes.size() : newline + 1;
  if (line.size() + take > kMaxLineBytes) {
    fail("chunk or trailer line too long");
    return take;
  }
  line.append(bytes.substr(0, newline == std::string_view::npos ? take : newline));
  if (newline != std::string_view::npos) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    complete = true;
  }
  return take;
}

bool HttpResponseParser::deliver(std::string_view bytes) {
  if (bytes.empty() || !on_body_ || on_body_(bytes)) return true;
  state_ = State::stopped;
  return false;
}

void HttpResponseParser::fail(std::string reason) {
  state_ = State::failed;
  error_ = std::move(reason);
}

}  // namespace zg::gateway
