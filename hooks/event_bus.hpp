#pragma once
// The lifecycle events of the plugin (plugin.h "Events") and the bus that delivers them.
//
// Two kinds of subscriber:
//   stages     in-process code on the request path (the built-in hooks: signing, verification,
//              accounting, funding). They run in registration order and may fail the request by
//              throwing; they can read and fill the request's RequestContext.
//   observers  code that only watches (the host's on_event, user command hooks). They get the event
//              as JSON; whatever they throw is logged and never reaches the request.
// Everything is subscribed before the first publish (the gateway wires it in its constructor), so
// publishing takes no lock.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace zg::hooks {

struct RequestContext;  // hooks/request_context.hpp

enum class EventKind : unsigned {
  request_sending,
  response_received,
  response_verified,
  usage_accounted,
  balance_low,
  model_acknowledged,
  model_decrypted,
  model_imported,
};
inline constexpr std::size_t kEventKinds = 8;

std::string_view event_name(EventKind kind) noexcept;  // "request.sending", ...
std::optional<EventKind> event_from_name(std::string_view name) noexcept;

// The current UTC time as RFC 3339 with milliseconds: "2026-11-25T01:02:03.456Z".
std::string rfc3339_now();

struct Event {
  EventKind kind = EventKind::request_sending;
  std::uint64_t request_id = 0;          // 0: not tied to a request
  nlohmann::json fields = nlohmann::json::object();  // the members plugin.h lists for this event
  RequestContext* request = nullptr;     // stages only: the request this event belongs to

  // {"event", "time", ["request_id"], ...fields}: what observers and command hooks receive.
  nlohmann::json to_json() const;
};

class EventBus {
 public:
  using Stage = std::function<void(Event&)>;
  using Observer = std::function<void(const nlohmann::json& event)>;
  using ErrorLog = std::function<void(const std::string& line)>;

  explicit EventBus(ErrorLog log_error = {}) : log_error_(std::move(log_error)) {}

  void add_stage(EventKind kind, std::string name, Stage stage);
  void add_observer(EventKind kind, std::string name, Observer observer);
  void add_observer_of_all(std::string name, const Observer& observer);

  // True when publishing `kind` would reach anyone (so callers can skip building the event).
  bool wanted(EventKind kind) const noexcept;
  // True when an observer would get `kind` as JSON (so callers can skip building its fields).
  bool observed(EventKind kind) const noexcept;
  // Stages first, in order (their exceptions propagate), then observers with the JSON form.
  void publish(Event& event) const;

 private:
  struct Named {
    std::string name;
    Stage stage;
    Observer observer;
  };
  std::array<std::vector<Named>, kEventKinds> stages_;
  std::array<std::vector<Named>, kEventKinds> observers_;
  ErrorLog log_error_;
};

}  // namespace zg::hooks
