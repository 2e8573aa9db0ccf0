#include "cli_events.hpp"

#include <cstdlib>
#include <iostream>

namespace zg::cli {
namespace {

// One zg process runs one command: the hooks of that command, owned by main()'s CliHooksScope.
hooks::StandaloneHooks* g_hooks = nullptr;

void log_hook_line(int level, const std::string& line) {
  if (level <= 1) std::cerr << "zg: " << line << "\n";  // warnings and errors; debug lines are dropped
}

}  // namespace

CliHooksScope::CliHooksScope(const std::optional<std::string>& file) {
  std::string path = file.value_or("");
  if (path.empty()) {
    if (const char* env = std::getenv("ZG_HOOKS"); env != nullptr) path = env;
  }
  if (path.empty()) return;
  hooks_ = std::make_unique<hooks::StandaloneHooks>(hooks::load_command_hooks_file(path), log_hook_line);
  g_hooks = hooks_.get();
}

CliHooksScope::~CliHooksScope() {
  if (g_hooks == hooks_.get()) g_hooks = nullptr;
  hooks_.reset();  // runs what is queued (each hook within its timeout), then joins
}

void raise_event(hooks::EventKind kind, const nlohmann::json& fields) {
  if (g_hooks == nullptr || !g_hooks->wanted(kind)) return;
  try {
    g_hooks->publish(kind, fields);
  } catch (const std::exception& e) {
    std::cerr << "zg: warning: event " << hooks::event_name(kind) << " was not delivered to the hooks: " << e.what() << "\n";
  }
}

}  // namespace zg::cli
