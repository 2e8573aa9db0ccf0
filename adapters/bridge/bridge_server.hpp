#pragma once
// The HTTP side of zg-bridge: OpenAI routes, 0g/ models to the plugin through the C ABI, every other
// model forwarded to --local-upstream, /v1/models merged, /health, /metrics, the bearer key.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "bridge_options.hpp"
#include "local_upstream.hpp"
#include "metrics.hpp"
#include "plugin_host.hpp"
#include "producer_pool.hpp"
#include "verification_store.hpp"

namespace httplib {
class Server;
class Request;
class Response;
}  // namespace httplib

namespace zg::bridge {

struct Exchange;

using LogSink = std::function<void(int level, const std::string& line)>;  // ZG_LOG_* levels

class BridgeServer {
 public:
  // `api_key` empty: the bridge is open (loopback only).
  BridgeServer(BridgeOptions options, std::string api_key, LogSink log);
  ~BridgeServer();
  BridgeServer(const BridgeServer&) = delete;
  BridgeServer& operator=(const BridgeServer&) = delete;

  int bind();     // binds options.host:options.port (0: any free port); returns the port; throws IoError
  void listen();  // serves until stop(); blocks
  void stop();  // from any thread, also before listen() began (it then waits for it)

  // The plugin is ready (its backend created): 0g/ requests are served and /health says ok.
  void attach_plugin(PluginHost* plugin) noexcept { plugin_.store(plugin); }
  // Nothing to load (--no-plugin): /health says ok at once.
  void mark_ready_without_plugin() noexcept { ready_without_plugin_.store(true); }
  // A lifecycle event from the plugin (zg_host_api.on_event): async verification outcomes.
  void on_plugin_event(std::string_view event_json);

  Metrics& metrics() noexcept { return metrics_; }

 private:
  void install_routes();
  bool authorized(const httplib::Request& req) const;
  void serve_inference(std::string_view route, const httplib::Request& req, httplib::Response& res);
  void serve_zero_g(std::shared_ptr<Exchange> exchange, const std::string& path, bool stream,
                    const httplib::Request& req, httplib::Response& res);
  void serve_local(std::shared_ptr<Exchange> exchange, const std::string& path, bool stream,
                   const httplib::Request& req, httplib::Response& res);
  void respond(std::shared_ptr<Exchange> exchange, bool stream, httplib::Response& res);
  void serve_models(httplib::Response& res);
  void record_summary(Exchange& exchange, const std::string& summary_json);
  void finish_exchange(const Exchange& exchange, int status);

  BridgeOptions options_;
  std::string api_key_;
  LogSink log_;
  std::unique_ptr<httplib::Server> server_;
  std::shared_ptr<LocalUpstream> upstream_;
  std::atomic<PluginHost*> plugin_{nullptr};
  std::atomic<bool> ready_without_plugin_{false};
  std::atomic<bool> listen_done_{false};
  std::atomic<std::uint64_t> next_request_id_{1};
  Metrics metrics_;
  VerificationStore verifications_;
  ProducerPool producers_;  // streamed responses' producer threads
};

}  // namespace zg::bridge
