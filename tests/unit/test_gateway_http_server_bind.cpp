// bind_http_server: the listen backlog of zg-bridge and the simulators. Many clients connecting at
// the same moment must all be taken into the kernel's accept queue (no SYN dropped, so no 1 s SYN
// retransmission), even before the server's accept loop runs; httplib's own backlog of 5 is not.
#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "gateway/http_server_bind.hpp"

namespace {

using namespace std::chrono_literals;

class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Starts `count` connections to 127.0.0.1:port at once; returns how many completed the handshake
// within `wait` (a dropped SYN is only retried by the kernel after one second).
int connections_established(int port, int count, std::chrono::milliseconds wait) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<Socket> sockets(static_cast<std::size_t>(count));
  for (auto& socket : sockets) {
    (void)::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  int established = 0;
  for (auto& socket : sockets) {
    pollfd entry{socket.get(), POLLOUT, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    int error = 0;
    socklen_t length = sizeof(error);
    if (::poll(&entry, 1, static_cast<int>(std::max<std::int64_t>(0, left.count()))) == 1 &&
        ::getsockopt(socket.get(), SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0) {
      ++established;
    }
  }
  return established;
}

TEST(GatewayHttpServerBind, ManySimultaneousConnectionsAllReachTheAcceptQueue) {
  httplib::Server server;
  const int port = zg::gateway::bind_http_server(server, "127.0.0.1", 0);
  ASSERT_GT(port, 0);
  // Nobody accepts yet: everything rests on the backlog.
  EXPECT_EQ(connections_established(port, 64, 500ms), 64);
}

TEST(GatewayHttpServerBind, HttplibsOwnBacklogDropsConnections) {
  // What the helper fixes, so this test notices if a newer httplib (or kernel) no longer needs it.
  httplib::Server server;
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  EXPECT_LT(connections_established(port, 64, 500ms), 64);
}

TEST(GatewayHttpServerBind, TheBoundServerServesAndAFixedPortInUseIsRefused) {
  httplib::Server server;
  server.Get("/health", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  const int port = zg::gateway::bind_http_server(server, "127.0.0.1", 0);
  ASSERT_GT(port, 0);
  std::thread listener([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(1ms);
  httplib::Client client("127.0.0.1", port);
  const auto reply = client.Get("/health");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "ok");

  httplib::Server second;
  EXPECT_EQ(zg::gateway::bind_http_server(second, "127.0.0.1", port), -1);
  EXPECT_EQ(zg::gateway::bind_failure_reason("127.0.0.1", port), std::strerror(EADDRINUSE));
  EXPECT_EQ(zg::gateway::bind_failure_reason("192.0.2.1", port), std::strerror(EADDRNOTAVAIL));  // not ours
  server.stop();
  listener.join();
}

}  // namespace
