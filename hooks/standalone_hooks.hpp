#pragma once
// Command hooks for a process that raises lifecycle events without a gateway: the zg CLI raises
// model.acknowledged, model.decrypted and model.imported itself. The hooks come from a JSON file in
// the gateway's "hooks" format (parse_command_hooks), they run on a CommandHookRunner exactly as the
// gateway's do, and the destructor waits for every queued run (each within its timeout), so a
// short-lived process does not exit before its hooks have seen the events it raised.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hooks/command_hook.hpp"
#include "hooks/event_bus.hpp"

namespace zg::hooks {

// Reads the hooks of `file`: either the "hooks" array itself, or a JSON object whose "hooks" member
// is that array (so a zg-bridge/lib0g config file can be named as it is; its other members are not
// read here). Throws UsageError naming the file and what is wrong with it.
std::vector<CommandHook> load_command_hooks_file(const std::filesystem::path& file);

class StandaloneHooks {
 public:
  StandaloneHooks(const std::vector<CommandHook>& hooks, CommandHookRunner::Log log);
  ~StandaloneHooks() = default;  // runner_ first: it runs what is queued, then joins
  StandaloneHooks(const StandaloneHooks&) = delete;
  StandaloneHooks& operator=(const StandaloneHooks&) = delete;

  // Raises one event (`fields` as plugin.h "Events" lists them); returns at once, the programs run
  // on the runner's thread. Only the model events happen outside a request: any other kind throws
  // UsageError, as Gateway::publish refuses it.
  void publish(EventKind kind, const nlohmann::json& fields);
  // True when some hook listens to `kind` (so callers can skip building the fields).
  bool wanted(EventKind kind) const noexcept { return bus_.wanted(kind); }
  void wait_idle() { runner_.wait_idle(); }

 private:
  EventBus bus_;
  CommandHookRunner runner_;  // declared after bus_: destroyed (drained) first
};

}  // namespace zg::hooks
