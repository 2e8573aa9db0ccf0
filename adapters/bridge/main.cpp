// zg-bridge: an OpenAI-compatible loopback server in front of the 0G Compute Network (through
// lib0g.so, loaded with dlopen like any third-party host) and, optionally, a local OpenAI server.
//
// Start-up: parse options, listen (printing "listening on http://HOST:PORT"), then load and create
// the plugin while /health answers 503; /health answers 200 once it is ready. SIGTERM/SIGINT stop
// the server, then destroy the backend (which cancels and waits for in-flight requests).
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include "bridge_options.hpp"
#include "bridge_server.hpp"
#include "common/error.hpp"
#include "plugin_host.hpp"

namespace {

using namespace zg::bridge;

std::mutex log_mutex;

void log_line(int level, const std::string& line) {
  static const char* const kLevels[] = {"error", "warn", "info", "debug"};
  const char* name = level >= 0 && level <= 3 ? kLevels[level] : "info";
  std::lock_guard lock(log_mutex);
  std::cerr << "zg-bridge: " << name << ": " << line << std::endl;
}

// The host services the plugin gets: its log lines and events come back to us.
struct HostServices {
  BridgeServer* server = nullptr;
  zg_host_api table{};
};

void host_log(void*, int32_t level, const char* message) { log_line(level, message != nullptr ? message : ""); }

void host_event(void* host_ctx, const char* event_json, size_t event_len) {
  auto* services = static_cast<HostServices*>(host_ctx);
  try {
    services->server->on_plugin_event(std::string_view(event_json, event_len));
  } catch (...) {
    // Nothing unwinds into the plugin.
  }
}

std::filesystem::path find_plugin(const BridgeOptions& options) {
  if (!options.plugin_path.empty()) return options.plugin_path;
  for (const auto& candidate : default_plugin_candidates()) {
    std::error_code ignored;
    if (std::filesystem::exists(candidate, ignored)) return candidate;
  }
  throw zg::UsageError("lib0g.so not found beside zg-bridge, in ../lib or in the build tree; pass --plugin PATH");
}

// Loads and creates the plugin; on failure stops the server so main() exits with an error.
void start_plugin(const BridgeOptions& options, BridgeServer& server, HostServices& services,
                  std::unique_ptr<PluginHost>& plugin, bool& failed) {
  try {
    const auto path = find_plugin(options);
    plugin = PluginHost::load(path);
    const auto version = plugin->version();
    plugin->create(options.plugin_config.dump(), &services.table);
    log_line(ZG_LOG_INFO, "loaded " + path.string() + " (ABI " + std::to_string(version.major) + "." +
                              std::to_string(version.minor) + ")");
    server.attach_plugin(plugin.get());
  } catch (const std::exception& e) {
    log_line(ZG_LOG_ERROR, std::string("the 0G plugin did not start: ") + e.what());
    failed = true;
    server.stop();
  }
}

int run(const BridgeOptions& options) {
  const std::string api_key = options.api_key_file.empty() ? "" : read_api_key_file(options.api_key_file);

  // Signals go to one waiting thread, not to whichever thread happens to run.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  BridgeServer server(options, api_key, log_line);
  const int port = server.bind();
  std::printf("listening on http://%s:%d\n", options.host.c_str(), port);
  std::fflush(stdout);

  HostServices services;
  services.server = &server;
  services.table.struct_size = sizeof(zg_host_api);
  services.table.host_ctx = &services;
  services.table.log = host_log;
  services.table.get_config = nullptr;
  // The bridge listens to events only for --verify async outcomes (response.verified). Offering
  // on_event otherwise made lib0g build, print and pass every event of every request for the
  // bridge to parse and drop (measured: about a tenth of the bridge's CPU per 0G request).
  services.table.on_event = options.verify == "async" ? host_event : nullptr;

  std::unique_ptr<PluginHost> plugin;
  bool plugin_failed = false;
  std::thread loader;
  if (options.no_plugin) {
    server.mark_ready_without_plugin();
  } else {
    loader = std::thread([&] { start_plugin(options, server, services, plugin, plugin_failed); });
  }
  std::thread signal_waiter([&] {
    int received = 0;
    sigwait(&signals, &received);
    log_line(ZG_LOG_INFO, "stopping");
    server.stop();
  });

  server.listen();
  if (loader.joinable()) loader.join();
  if (plugin_failed) {
    pthread_kill(signal_waiter.native_handle(), SIGTERM);  // wake the waiter so it can be joined
  }
  signal_waiter.join();
  server.attach_plugin(nullptr);
  if (plugin) plugin->destroy();  // cancels and waits for every in-flight request
  return plugin_failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Measured (bench/README.md, zg-bridge): with glibc's fast bins on, every connection's 4 KiB read
  // buffer (cpp-httplib allocates one per request) triggered malloc_consolidate, about 5% of the
  // bridge's CPU under load. Small blocks still come from the per-thread cache.
  mallopt(M_MXFAST, 0);
  try {
    const std::vector<std::string> tokens(argv + 1, argv + argc);
    const auto options = parse_bridge_options(tokens, process_environment());
    if (!options) {
      std::cout << help_text();
      return 0;
    }
    return run(*options);
  } catch (const zg::UsageError& e) {
    std::cerr << "zg-bridge: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "zg-bridge: " << e.what() << "\n";
    return 1;
  }
}
