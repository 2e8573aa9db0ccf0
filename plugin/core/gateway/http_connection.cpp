#include "gateway/http_connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace zg::gateway {
namespace {

constexpr std::size_t kReadBytes = 16 * 1024;

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

// Connects with a deadline: non-blocking connect, poll for writability, then back to blocking.
bool connect_with_timeout(int fd, const sockaddr* address, socklen_t length, std::chrono::milliseconds timeout) {
  const int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return false;
  if (::connect(fd, address, length) != 0) {
    if (errno != EINPROGRESS) return false;
    pollfd p{fd, POLLOUT, 0};
    int ready = 0;
    do {
      ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0) return false;
    int error = 0;
    socklen_t size = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0 || error != 0) return false;
  }
  return fcntl(fd, F_SETFL, flags) == 0;
}

}  // namespace

HttpConnection::~HttpConnection() { close_socket(); }

void HttpConnection::close_socket() noexcept {
  std::lock_guard lock(fd_mutex_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void HttpConnection::shutdown() noexcept {
  std::lock_guard lock(fd_mutex_);
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

std::optional<std::string> HttpConnection::open() {
  close_socket();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(port_);
  if (const int rc = getaddrinfo(host_.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return std::string("cannot resolve ") + host_ + ": " + gai_strerror(rc);
  }
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, freeaddrinfo);
  std::string why = "connection refused";
  for (const addrinfo* a = addresses.get(); a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (!connect_with_timeout(fd, a->ai_addr, a->ai_addrlen, timeouts_.connect)) {
      why = std::strerror(errno);
      ::close(fd);
      continue;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const timeval read_timeout = to_timeval(timeouts_.read);
    const timeval write_timeout = to_timeval(timeouts_.write);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &read_timeout, sizeof read_timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &write_timeout, sizeof write_timeout);
    std::lock_guard lock(fd_mutex_);
    fd_ = fd;
    if (abort_flag_ != nullptr && abort_flag_->load()) ::shutdown(fd_, SHUT_RDWR);
    return std::nullopt;
  }
  return "cannot connect to " + host_ + ":" + port + " (" + why + ")";
}

// An idle keep-alive connection the upstream has closed reads as end-of-file (or has stray bytes,
// which make it unusable too): checked without blocking before a request goes out on it.
bool HttpConnection::idle_connection_closed() const {
  char byte = 0;
  const ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

bool HttpConnection::send_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

HttpConnection::Outcome HttpConnection::exchange(std::string_view request,
                                                         const HttpResponseParser::HeadCallback& on_head,
                                                         const HttpResponseParser::BodyCallback& on_body,
                                                         bool head_request) {
  Outcome outcome;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = fd_ >= 0;
    if (reused && idle_connection_closed()) close_socket();
    if (fd_ < 0) {
      if (auto failure = open()) {
        outcome.error = std::move(failure);
        return outcome;
      }
    }
    const bool fresh = !reused || attempt > 0;
    if (!send_all(request)) {
      const int error = errno;
      close_socket();
      if (!fresh) continue;  // the idle connection died between the check and the send
      outcome.error = std::string("cannot send the request: ") + std::strerror(error);
      return outcome;
    }
    HttpResponseParser parser(on_head, on_body, head_request);
    bool any_byte = false;
    bool closed_at_once = false;  // reset or end-of-file before any byte of an answer
    buffer_.resize(kReadBytes);
    while (!parser.done() && !parser.failed() && !parser.stopped()) {
      const ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if ((n == 0 || (n < 0 && errno == ECONNRESET)) && !any_byte) closed_at_once = true;
      if (n < 0) {
        outcome.timed_out = errno == EAGAIN || errno == EWOULDBLOCK;
        outcome.error = outcome.timed_out ? std::string("timed out waiting for the answer")
                                          : std::string("read failed: ") + std::strerror(errno);
        break;
      }
      if (n == 0) {
        parser.end_of_input();
        break;
      }
      any_byte = true;
      const std::size_t used = parser.feed(std::string_view(buffer_.data(), static_cast<std::size_t>(n)));
      // Bytes after the end of the response: the upstream sent something unasked; do not reuse.
      if (parser.done() && used != static_cast<std::size_t>(n)) {
        close_socket();
        outcome.head_seen = true;
        return outcome;
      }
    }
    if (closed_at_once && !fresh) {  // the upstream had closed the idle connection: once more, on a new one
      close_socket();
      outcome.error.reset();
      continue;
    }
    outcome.head_seen = parser.head_seen();
    if (parser.failed() && !outcome.error) outcome.error = "bad answer: " + parser.error();
    outcome.reusable = parser.reusable() && !outcome.error;
    if (!outcome.reusable) close_socket();
    return outcome;
  }
  outcome.error = "the connection closed before an answer";
  return outcome;
}

}  // namespace zg::gateway
