#pragma once
// zg::gateway::Gateway: the request engine behind the plugin's C ABI (plugin/include/zg/plugin.h).
// It turns an OpenAI request whose "model" is "0g/<model>" or "0g/<0xprovider>/<model>" into a signed
// request to a 0G inference provider, streams the provider's bytes to a sink, verifies the answer,
// accounts usage and fee, and keeps the provider sub-account funded. lib0g is a thin noexcept layer
// over this class; the interface is agreed with it (see docs), so change it only together.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace zg::gateway {

// Why a request or call failed; maps 1:1 onto zg_status in plugin.h.
enum class Failure { invalid, auth, network, provider, verify, integrity, decrypt, cancelled,
                     not_found, unsupported, funds, chain, internal };

class GatewayError : public zg::Error {
 public:
  GatewayError(Failure kind, int http_status, const std::string& message,
               nlohmann::json summary = nullptr);
  Failure kind() const noexcept;
  int http_status() const noexcept;
  const nlohmann::json& summary() const noexcept;  // the request summary so far (may be null)

 private:
  Failure kind_;
  int http_status_;
  nlohmann::json summary_;
};

struct HostServices {  // any member may be empty
  std::function<void(int level, std::string_view line)> log;  // ZG_LOG_* levels
  std::function<void(const nlohmann::json& event)> on_event;  // plugin.h "Events"
};

struct ResponseHead {
  int http_status = 200;
  nlohmann::json meta;  // {"content_type","provider","model","chat_id"} as in plugin.h on_head
};

struct ResponseSink {  // return false from a callback to cancel the request
  std::function<bool(const ResponseHead&)> on_head;     // once, before any data, after failover is over
  std::function<bool(std::string_view bytes)> on_data;  // body bytes exactly as the client should see them
};

class Gateway {
 public:
  // `config` is the JSON object documented at zg_plugin_api.create in plugin.h. Throws GatewayError
  // (Failure::invalid / auth / network ...) with a clear message when it cannot start.
  Gateway(const nlohmann::json& config, HostServices host);
  ~Gateway();  // cancels in-flight requests and joins background threads
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  nlohmann::json list_models();  // the OpenAI model list documented at list_models in plugin.h
  // Runs one request on the calling thread. Returns the summary documented at on_done in plugin.h.
  // Throws GatewayError (with summary()) when it fails; Failure::cancelled after cancel()/sink false.
  nlohmann::json handle(std::uint64_t request_id, std::string_view path, std::string_view body,
                        const ResponseSink& sink);
  void cancel(std::uint64_t request_id);  // thread-safe; unknown ids ignored
  nlohmann::json health();                // documented at health in plugin.h
  // Raises a lifecycle event that happens outside a request ("model.acknowledged", "model.decrypted",
  // "model.imported") on the gateway's hook bus: the user's command hooks and the host's on_event both
  // get it. Throws GatewayError(Failure::invalid) for an unknown name or a request event.
  void publish(std::string_view event_name, const nlohmann::json& fields);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zg::gateway
