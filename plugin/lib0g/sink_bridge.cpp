#include "sink_bridge.hpp"

#include <utility>

#include "c_boundary.hpp"

namespace zg::lib0g {

SinkBridge::SinkBridge(const zg_response_sink& sink, std::shared_ptr<std::atomic<bool>> cancelled)
    : state_(std::make_shared<State>()) {
  state_->sink = sink;
  state_->cancelled = std::move(cancelled);
}

gateway::ResponseSink SinkBridge::response_sink() const {
  gateway::ResponseSink sink;
  sink.on_head = [state = state_](const gateway::ResponseHead& head) { return deliver_head(*state, head); };
  sink.on_data = [state = state_](std::string_view bytes) { return deliver_data(*state, bytes); };
  return sink;
}

bool SinkBridge::deliver_head(State& state, const gateway::ResponseHead& head) {
  const std::string meta = head.meta.is_null() ? std::string("{}") : to_text(head.meta);
  std::lock_guard lock(state.mutex);
  if (!state.open || state.cancelled->load()) return false;
  if (state.sink.on_head == nullptr) return true;
  if (state.sink.on_head(state.sink.user, head.http_status, meta.c_str(), meta.size()) != 0) {
    state.host_said_stop = true;
    return false;
  }
  return true;
}

bool SinkBridge::deliver_data(State& state, std::string_view bytes) {
  std::lock_guard lock(state.mutex);
  if (!state.open || state.cancelled->load()) return false;
  if (state.sink.on_data(state.sink.user, bytes.data(), bytes.size()) != 0) {
    state.host_said_stop = true;
    return false;
  }
  return true;
}

void SinkBridge::close() noexcept {
  std::lock_guard lock(state_->mutex);
  state_->open = false;
}

bool SinkBridge::cancelled() const noexcept {
  std::lock_guard lock(state_->mutex);
  return state_->host_said_stop || state_->cancelled->load();
}

void SinkBridge::done(const zg_response_sink& sink, zg_status status, const nlohmann::json& summary) noexcept {
  if (sink.on_done == nullptr) return;
  try {
    const auto text = to_text(summary);
    sink.on_done(sink.user, status, text.c_str(), text.size());
  } catch (...) {
    static constexpr char kFallback[] = "null";
    sink.on_done(sink.user, status, kFallback, sizeof kFallback - 1);
  }
}

}  // namespace zg::lib0g
