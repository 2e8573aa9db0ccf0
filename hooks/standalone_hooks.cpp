#include "hooks/standalone_hooks.hpp"

#include <fstream>
#include <iterator>

#include "common/error.hpp"

namespace zg::hooks {

std::vector<CommandHook> load_command_hooks_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UsageError("cannot read the hooks file " + file.string());
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError("the hooks file " + file.string() + " is not valid JSON: " + e.what());
  }
  if (parsed.is_object()) {
    const auto hooks = parsed.find("hooks");
    if (hooks == parsed.end()) {
      throw UsageError("the hooks file " + file.string() +
                       " must be a JSON array of {\"event\",\"command\"} hooks or an object with a \"hooks\" array");
    }
    parsed = *hooks;
  }
  try {
    return parse_command_hooks(parsed);
  } catch (const UsageError& e) {
    throw UsageError("the hooks file " + file.string() + ": " + e.what());
  }
}

StandaloneHooks::StandaloneHooks(const std::vector<CommandHook>& hooks, CommandHookRunner::Log log)
    : bus_([log](const std::string& line) {
        if (log) log(1, line);  // ZG_LOG_WARN
      }),
      runner_(std::move(log)) {
  runner_.attach(bus_, hooks);
}

void StandaloneHooks::publish(EventKind kind, const nlohmann::json& fields) {
  if (kind != EventKind::model_acknowledged && kind != EventKind::model_decrypted && kind != EventKind::model_imported) {
    throw UsageError("cannot publish '" + std::string(event_name(kind)) +
                     "': only model.acknowledged, model.decrypted and model.imported come from outside a request");
  }
  if (!fields.is_object()) throw UsageError("event fields must be a JSON object");
  Event event{kind, 0, fields, nullptr};
  bus_.publish(event);
}

}  // namespace zg::hooks
