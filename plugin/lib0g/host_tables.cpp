#include "host_tables.hpp"

#include <array>
#include <string>

#include "c_boundary.hpp"

namespace zg::lib0g {
namespace {

using nlohmann::json;

constexpr int kMaxJsonDepth = 64;  // deeper host JSON is refused before it can exhaust the stack

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// json::parse with a bound on nesting; throws json::parse_error or InvalidArgument.
json parse_bounded(std::string_view input) {
  return json::parse(input, [](int depth, json::parse_event_t, json&) {
    if (depth > kMaxJsonDepth) throw InvalidArgument("nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
    return true;
  });
}

bool parse_flag(const std::string& key, const std::string& value) {
  if (value == "true" || value == "1" || value == "yes" || value == "on") return true;
  if (value == "false" || value == "0" || value == "no" || value == "off") return false;
  throw InvalidArgument("config \"" + key + "\" from the host's get_config must be true or false, not \"" + value + "\"");
}

json parse_list(const std::string& key, const std::string& value) {
  if (!value.empty() && value.front() == '[') {
    try {
      return parse_bounded(value);
    } catch (const std::exception&) {
      throw InvalidArgument("config \"" + key + "\" from the host's get_config is not a valid JSON array");
    }
  }
  json list = json::array();
  std::size_t start = 0;
  while (start <= value.size()) {
    const auto comma = value.find(',', start);
    const auto item = trim(std::string_view(value).substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!item.empty()) list.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return list;
}

}  // namespace

zg_host_api read_host_api(const zg_host_api* host) noexcept {
  zg_host_api copy{};
  copy.struct_size = sizeof copy;
  if (host == nullptr) return copy;
  if (ZG_API_HAS(host, zg_host_api, host_ctx)) copy.host_ctx = host->host_ctx;
  if (ZG_API_HAS(host, zg_host_api, log)) copy.log = host->log;
  if (ZG_API_HAS(host, zg_host_api, get_config)) copy.get_config = host->get_config;
  if (ZG_API_HAS(host, zg_host_api, on_event)) copy.on_event = host->on_event;
  return copy;
}

zg_response_sink read_sink(const zg_response_sink* sink) noexcept {
  zg_response_sink copy{};
  copy.struct_size = sizeof copy;
  if (sink == nullptr) return copy;
  if (ZG_API_HAS(sink, zg_response_sink, user)) copy.user = sink->user;
  if (ZG_API_HAS(sink, zg_response_sink, on_head)) copy.on_head = sink->on_head;
  if (ZG_API_HAS(sink, zg_response_sink, on_data)) copy.on_data = sink->on_data;
  if (ZG_API_HAS(sink, zg_response_sink, on_done)) copy.on_done = sink->on_done;
  return copy;
}

RequestView read_request(const zg_request* request) {
  if (request == nullptr) throw InvalidArgument("request is NULL");
  if (!ZG_API_HAS(request, zg_request, body_len)) {
    throw InvalidArgument("request.struct_size is " + std::to_string(request->struct_size) + ", smaller than a 1.0 zg_request (" +
                          std::to_string(sizeof(zg_request)) + ")");
  }
  if (request->request_id == 0) throw InvalidArgument("request.request_id must be nonzero");
  if (request->path == nullptr) throw InvalidArgument("request.path is NULL");
  if (request->body == nullptr && request->body_len > 0) throw InvalidArgument("request.body is NULL but body_len is not 0");
  RequestView view;
  view.id = request->request_id;
  view.path = request->path;
  if (request->body != nullptr) view.body = std::string_view(request->body, request->body_len);
  return view;
}

gateway::HostServices host_services(const zg_host_api& host) {
  gateway::HostServices services;
  if (host.log != nullptr) {
    services.log = [log = host.log, ctx = host.host_ctx](int level, std::string_view line) {
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
      const std::string text(line);  // NUL-terminated for C
      log(ctx, level, text.c_str());
    };
  }
  if (host.on_event != nullptr) {
    services.on_event = [on_event = host.on_event, ctx = host.host_ctx](const json& event) {
      const auto text = to_text(event);
      on_event(ctx, text.c_str(), text.size());
    };
  }
  return services;
}

json parse_host_object(const char* text, std::size_t length, std::string_view what) {
  if (text == nullptr) {
    if (length != 0) throw InvalidArgument(std::string(what) + " is NULL but its length is " + std::to_string(length));
    return json::object();
  }
  const std::string_view input(text, length);
  // JSON never holds a raw NUL, but nlohmann's lexer takes one as the end of input and would ignore
  // whatever follows it.
  if (const auto nul = input.find('\0'); nul != std::string_view::npos) {
    throw InvalidArgument(std::string(what) + " is not valid JSON: a NUL byte at offset " + std::to_string(nul));
  }
  json value;
  try {
    value = parse_bounded(input);
  } catch (const json::parse_error& e) {
    // e.what() names the byte and what was expected; it never echoes the input.
    throw InvalidArgument(std::string(what) + " is not valid JSON: " + e.what());
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(what) + " is " + e.what());
  }
  if (!value.is_object()) throw InvalidArgument(std::string(what) + " must be a JSON object, not " + value.type_name());
  return value;
}

void merge_host_config(json& config, const zg_host_api& host) {
  if (host.get_config == nullptr) return;
  static constexpr std::array<const char*, 13> kKeys = {
      "network", "rpc", "ledger_contract", "inference_contract", "finetune_contract", "devnet_state", "key_file",
      "key_env", "providers", "routing", "verify", "auto_fund", "hooks"};
  for (const char* key : kKeys) {
    if (config.contains(key)) continue;  // the JSON config wins
    const char* raw = host.get_config(host.host_ctx, key);
    if (raw == nullptr) continue;
    const std::string value = trim(raw);  // copied at once: the host's string is borrowed
    const std::string name = key;
    if (name == "auto_fund") {
      config[name] = parse_flag(name, value);
    } else if (name == "providers") {
      config[name] = parse_list(name, value);
    } else if (name == "hooks") {
      auto hooks = parse_list(name, value);
      if (!hooks.is_array() || (!hooks.empty() && !hooks.front().is_object())) {
        throw InvalidArgument("config \"hooks\" from the host's get_config must be a JSON array of objects");
      }
      config[name] = std::move(hooks);
    } else {
      config[name] = value;
    }
  }
}

}  // namespace zg::lib0g
