#pragma once
// The lifecycle events zg raises itself (model.acknowledged, model.decrypted, model.imported) and the
// user's command hooks that receive them: global `--hooks FILE` or $ZG_HOOKS, a JSON file in the
// gateway config's "hooks" format. main() holds a CliHooksScope for the whole command; its
// destructor waits for the hooks the command set off (each within its timeout) before zg exits.
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "hooks/event_bus.hpp"
#include "hooks/standalone_hooks.hpp"

namespace zg::cli {

class CliHooksScope {
 public:
  // `file`: the --hooks value; without it $ZG_HOOKS; neither: no hooks. Throws UsageError for a
  // file that cannot be read or parsed.
  explicit CliHooksScope(const std::optional<std::string>& file);
  ~CliHooksScope();  // waits for the queued hooks
  CliHooksScope(const CliHooksScope&) = delete;
  CliHooksScope& operator=(const CliHooksScope&) = delete;

 private:
  std::unique_ptr<hooks::StandaloneHooks> hooks_;
};

// Raises one model event on the hooks of this process (none installed: nothing happens). Never
// throws: the step that raised it has already happened, so a hook problem is only a warning.
void raise_event(hooks::EventKind kind, const nlohmann::json& fields);

}  // namespace zg::cli
