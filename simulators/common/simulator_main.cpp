#include "simulator_main.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <charconv>
#include <iostream>
#include <thread>
#include <vector>

#include <httplib.h>

#include "common/bytes.hpp"
#include "crypto/keccak.hpp"
#include "gateway/http_server_bind.hpp"
#include "wallet/key_source.hpp"

namespace zg::sim {

namespace {

sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

}  // namespace

int simulator_main(std::string_view program, int argc, char** argv, const std::function<std::string()>& usage,
                   const std::function<int(std::span<const std::string_view> args)>& run) {
  // Every thread inherits this mask, so only serve_until_signal's waiter sees SIGTERM/SIGINT.
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << usage();
      return 0;
    }
    return run(args);
  } catch (const UsageError& error) {
    std::cerr << program << ": " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << program << ": " << error.what() << "\n";
    return 1;
  }
}

int bind_loopback(httplib::Server& server, int port) {
  return gateway::listen_or_throw(server, "127.0.0.1", port);
}

bool serve_until_signal(int port, const std::function<bool()>& listen, const std::function<void()>& stop) {
  std::atomic<bool> stopping{false};
  std::thread signal_waiter([&] {
    const sigset_t signals = stop_signals();
    int received = 0;
    sigwait(&signals, &received);
    // Either a real signal, or ours below after listen returned on its own: stop() is harmless then.
    stopping = true;
    stop();
  });
  std::cout << "listening on 127.0.0.1:" << port << std::endl;
  const bool served = listen();
  // The waiter is still in sigwait unless a signal got it out: wake it, so it can be joined.
  if (!stopping.exchange(true)) pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  return served;
}

void LogLine::operator()(const std::string& line) const {
  std::lock_guard lock(mutex_);
  std::cerr << program_ << ": " << line << std::endl;
}

crypto::PrivateKey load_key(const std::optional<std::filesystem::path>& file, const char* variable) {
  return wallet::load_private_key(wallet::KeySource{file, variable});
}

crypto::PrivateKey not_the_tee_key(std::string_view label) {
  const auto secret = crypto::keccak256(as_bytes(label));
  return crypto::PrivateKey(std::span<const std::uint8_t, 32>(secret));
}

std::uint64_t parse_count(std::string_view flag, std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
    throw UsageError(std::string(flag) + " expects a non-negative whole number, got \"" + std::string(text) + "\"");
  }
  return value;
}

}  // namespace zg::sim
