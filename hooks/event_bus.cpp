#include "hooks/event_bus.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>

namespace zg::hooks {
namespace {

constexpr std::array<std::string_view, kEventKinds> kNames = {
    "request.sending", "response.received", "response.verified", "usage.accounted",
    "balance.low",     "model.acknowledged", "model.decrypted",  "model.imported",
};

std::size_t index_of(EventKind kind) noexcept { return static_cast<std::size_t>(kind); }

}  // namespace

std::string_view event_name(EventKind kind) noexcept { return kNames[index_of(kind)]; }

std::optional<EventKind> event_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<EventKind>(i);
  }
  return std::nullopt;
}

std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms % 1000));
  return text;
}

nlohmann::json Event::to_json() const {
  nlohmann::json j = {{"event", event_name(kind)}, {"time", rfc3339_now()}};
  if (request_id != 0) j["request_id"] = request_id;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) j[key] = value;
  }
  return j;
}

void EventBus::add_stage(EventKind kind, std::string name, Stage stage) {
  stages_[index_of(kind)].push_back({std::move(name), std::move(stage), {}});
}

void EventBus::add_observer(EventKind kind, std::string name, Observer observer) {
  observers_[index_of(kind)].push_back({std::move(name), {}, std::move(observer)});
}

void EventBus::add_observer_of_all(std::string name, const Observer& observer) {
  for (std::size_t i = 0; i < kEventKinds; ++i) add_observer(static_cast<EventKind>(i), name, observer);
}

bool EventBus::wanted(EventKind kind) const noexcept {
  return !stages_[index_of(kind)].empty() || !observers_[index_of(kind)].empty();
}

bool EventBus::observed(EventKind kind) const noexcept { return !observers_[index_of(kind)].empty(); }

void EventBus::publish(Event& event) const {
  for (const auto& stage : stages_[index_of(event.kind)]) stage.stage(event);
  const auto& observers = observers_[index_of(event.kind)];
  if (observers.empty()) return;
  const nlohmann::json json = event.to_json();
  for (const auto& observer : observers) {
    try {
      observer.observer(json);
    } catch (const std::exception& error) {
      if (log_error_) log_error_("hook '" + observer.name + "' on " + std::string(event_name(event.kind)) + " failed: " + error.what());
    } catch (...) {
      if (log_error_) log_error_("hook '" + observer.name + "' on " + std::string(event_name(event.kind)) + " failed");
    }
  }
}

}  // namespace zg::hooks
