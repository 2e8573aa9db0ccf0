#pragma once
// Binding a cpp-httplib server with a listen backlog that fits a busy loopback server.
//
// cpp-httplib 0.11 listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled into Debian's
// libcpp-httplib.so, so a definition of ours cannot change it). When a client opens more
// connections at once than the server accepts in that moment (an OpenAI client with 32 requests in
// parallel, a load balancer warming its pool), the kernel drops the extra SYNs and each of those
// connections waits for the client's SYN retransmission: one full second. That was the ~1 s p99 of
// every open-loop cell in bench/README.md (TcpExtListenDrops counted them). On Linux, listen() on a
// socket that already listens only sets its backlog, so the socket is widened right after binding.
//
// The socket gets SO_REUSEADDR (a restarted server binds while old connections sit in TIME_WAIT),
// not httplib's default SO_REUSEPORT, with which a second server on the same port binds too and
// the kernel silently splits the connections between them: `zg-bridge --port 8080` started twice
// must fail the second time.
//
// Header-only: zg-bridge (which links no part of the core) and the simulators both use it.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/error.hpp"

namespace zg::gateway {

// The backlog our servers listen with (the kernel caps it at net.core.somaxconn).
inline constexpr int kListenBacklog = 4096;

// Binds `server` to host:port (port 0: any free port) and widens its backlog. Returns the port, or
// -1 when the address cannot be bound (in use, or not an address of this machine).
inline int bind_http_server(httplib::Server& server, const std::string& host, int port) {
  int listening = -1;  // the socket httplib binds (the last one it creates)
  server.set_socket_options([&listening](socket_t sock) {
    int yes = 1;
    (void)::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listening = sock;
  });
  const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  server.set_socket_options([](socket_t) {});  // the lambda's capture ends here; nothing else binds
  if (bound <= 0) return -1;
  if (listening >= 0) (void)::listen(listening, kListenBacklog);  // at worst the backlog stays 5
  return bound;
}

// Why host:port cannot be bound, for the error a user sees ("Address already in use"): httplib only
// says that it failed, so the bind is tried once more on a plain socket with the same options.
inline std::string bind_failure_reason(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int failed = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); failed != 0) {
    return ::gai_strerror(failed);
  }
  std::string reason = "no usable address";
  for (const addrinfo* candidate = found; candidate != nullptr; candidate = candidate->ai_next) {
    const int sock = ::socket(candidate->ai_family, candidate->ai_socktype | SOCK_CLOEXEC, candidate->ai_protocol);
    if (sock < 0) {
      reason = std::strerror(errno);
      continue;
    }
    int yes = 1;
    (void)::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    const bool bound = ::bind(sock, candidate->ai_addr, candidate->ai_addrlen) == 0;
    reason = bound ? "it was free again a moment later" : std::strerror(errno);
    ::close(sock);
    if (bound) break;
  }
  ::freeaddrinfo(found);
  return reason;
}

// bind_http_server, or an IoError that names the address and the reason:
// "cannot listen on 127.0.0.1:8080: Address already in use".
inline int listen_or_throw(httplib::Server& server, const std::string& host, int port) {
  const int bound = bind_http_server(server, host, port);
  if (bound <= 0) {
    throw IoError("cannot listen on " + host + ":" + std::to_string(port) + ": " + bind_failure_reason(host, port));
  }
  return bound;
}

}  // namespace zg::gateway
