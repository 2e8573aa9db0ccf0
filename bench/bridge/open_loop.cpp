// An open-loop HTTP load generator for side_by_side.sh: requests leave on a fixed schedule (RATE per
// second in all, spread over CONNECTIONS keep-alive connections), whatever the server's speed, and
// each latency is counted from the request's scheduled time to the last byte of its answer. So a
// server that falls behind shows its queueing in the numbers (wrk, closed-loop, waits for each answer
// before the next request and measures a saturated system instead). Answers are framed with the
// project's own HttpResponseParser. Built by side_by_side.sh:
//   c++ -O2 -std=c++20 -pthread -I plugin/core bench/bridge/open_loop.cpp plugin/core/gateway/http_response_parser.cpp
// usage: open_loop PORT PATH BODY_FILE RATE SECONDS CONNECTIONS [AUTHORIZATION]
// prints: RESULT rate=.. achieved=.. p50_us=.. p90_us=.. p99_us=.. p999_us=.. max_us=.. requests=.. errors=.. late=..
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gateway/http_response_parser.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Settings {
  int port = 0;
  std::string request;  // the whole HTTP request, sent as is each time
  double rate = 0;
  double seconds = 0;
  int connections = 0;
};

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// One request and its whole answer on `fd`; false on any failure (the connection is then closed).
bool exchange(int fd, const std::string& request, bool& ok_status, std::string& buffer) {
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  zg::gateway::HttpResponseParser parser(
      [&ok_status](const zg::gateway::HttpResponseHead& head) {
        ok_status = head.status == 200;
        return true;
      },
      [](std::string_view) { return true; });
  buffer.resize(64 * 1024);
  while (!parser.done() && !parser.failed()) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n <= 0) return false;
    parser.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  }
  return parser.done() && parser.reusable();
}

struct Totals {
  std::mutex mutex;
  std::vector<std::int64_t> latencies_us;
  std::int64_t errors = 0;
  std::int64_t late = 0;  // requests that left more than 1 ms after their scheduled time
};

void run_connection(const Settings& settings, int index, Clock::time_point start, Totals& totals) {
  const auto interval = std::chrono::duration<double>(settings.connections / settings.rate);
  const auto offset = interval * (static_cast<double>(index) / settings.connections);
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(settings.seconds));
  std::vector<std::int64_t> latencies;
  std::int64_t errors = 0;
  std::int64_t late = 0;
  std::string buffer;
  int fd = connect_loopback(settings.port);
  for (std::int64_t i = 0;; ++i) {
    const auto scheduled = start + std::chrono::duration_cast<Clock::duration>(offset + interval * static_cast<double>(i));
    if (scheduled >= end) break;
    std::this_thread::sleep_until(scheduled);
    if (Clock::now() - scheduled > std::chrono::milliseconds(1)) ++late;
    if (fd < 0) fd = connect_loopback(settings.port);
    bool ok_status = false;
    const bool ok = fd >= 0 && exchange(fd, settings.request, ok_status, buffer);
    latencies.push_back(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - scheduled).count());
    if (!ok) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
    if (!ok || !ok_status) ++errors;
  }
  if (fd >= 0) ::close(fd);
  std::lock_guard lock(totals.mutex);
  totals.latencies_us.insert(totals.latencies_us.end(), latencies.begin(), latencies.end());
  totals.errors += errors;
  totals.late += late;
}

std::int64_t percentile(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: open_loop PORT PATH BODY_FILE RATE SECONDS CONNECTIONS [AUTHORIZATION]\n");
    return 2;
  }
  Settings settings;
  settings.port = std::atoi(argv[1]);
  std::ifstream file(argv[3], std::ios::binary);
  const std::string body((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::ostringstream request;
  request << "POST " << argv[2] << " HTTP/1.1\r\nHost: 127.0.0.1:" << settings.port
          << "\r\nContent-Type: application/json\r\nContent-Length: " << body.size() << "\r\n";
  if (argc > 7 && argv[7][0] != '\0') request << "Authorization: " << argv[7] << "\r\n";
  request << "\r\n" << body;
  settings.request = request.str();
  settings.rate = std::atof(argv[4]);
  settings.seconds = std::atof(argv[5]);
  settings.connections = std::atoi(argv[6]);
  if (settings.port <= 0 || settings.rate <= 0 || settings.seconds <= 0 || settings.connections <= 0) {
    std::fprintf(stderr, "open_loop: PORT, RATE, SECONDS and CONNECTIONS must be positive\n");
    return 2;
  }
  Totals totals;
  const auto start = Clock::now() + std::chrono::milliseconds(50);
  std::vector<std::thread> threads;
  for (int i = 0; i < settings.connections; ++i) {
    threads.emplace_back(run_connection, std::cref(settings), i, start, std::ref(totals));
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  auto& all = totals.latencies_us;
  std::sort(all.begin(), all.end());
  std::printf("RESULT rate=%.0f achieved=%.0f p50_us=%lld p90_us=%lld p99_us=%lld p999_us=%lld max_us=%lld requests=%zu errors=%lld late=%lld\n",
              settings.rate, static_cast<double>(all.size()) / elapsed, static_cast<long long>(percentile(all, 50)),
              static_cast<long long>(percentile(all, 90)), static_cast<long long>(percentile(all, 99)),
              static_cast<long long>(percentile(all, 99.9)), static_cast<long long>(all.empty() ? 0 : all.back()), all.size(),
              static_cast<long long>(totals.errors), static_cast<long long>(totals.late));
  return 0;
}
