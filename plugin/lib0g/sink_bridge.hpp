#pragma once
// The host's C sink seen as the gateway's ResponseSink. It keeps the sink promises of plugin.h
// whatever the gateway does with its threads: callbacks are serialized, none runs after close(), and
// a nonzero answer from the host (or a cancel()) is remembered so that request() reports
// ZG_E_CANCELLED.
#include <atomic>
#include <memory>
#include <mutex>

#include "gateway/gateway.hpp"
#include "zg/plugin.h"

namespace zg::lib0g {

class SinkBridge {
 public:
  // `sink` is a copy read by struct_size (on_data not NULL); `cancelled` is the backend's flag for
  // this request.
  SinkBridge(const zg_response_sink& sink, std::shared_ptr<std::atomic<bool>> cancelled);

  // The callbacks for Gateway::handle. They share this bridge's state, so a copy the gateway keeps
  // stays harmless after close().
  gateway::ResponseSink response_sink() const;
  // No callback reaches the host after this returns.
  void close() noexcept;
  // The host's sink said stop, or cancel() was called for the request.
  bool cancelled() const noexcept;
  // Hands the summary to the sink's on_done (when it has one): the last callback of a request, made
  // on the thread of request() after close(); "null" when the summary cannot be written out.
  static void done(const zg_response_sink& sink, zg_status status, const nlohmann::json& summary) noexcept;

 private:
  struct State {
    std::mutex mutex;
    zg_response_sink sink{};
    std::shared_ptr<std::atomic<bool>> cancelled;
    bool open = true;
    bool host_said_stop = false;
  };
  static bool deliver_head(State& state, const gateway::ResponseHead& head);
  static bool deliver_data(State& state, std::string_view bytes);

  std::shared_ptr<State> state_;
};

}  // namespace zg::lib0g
