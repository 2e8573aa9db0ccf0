#include "bridge_options.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "args.hpp"
#include "common/error.hpp"

namespace zg::bridge {
namespace {

using cli::OptionSpec;

const std::vector<OptionSpec>& option_specs() {
  static const std::vector<OptionSpec> specs = {
      {"host", "ADDR", "address to listen on (default 127.0.0.1; keep it on loopback)"},
      {"port", "N", "port to listen on (default 8080); 0 picks a free one and prints it"},
      {"config", "FILE", "JSON config file (keys as the long options with _ for -); flags override it"},
      {"plugin", "PATH", "lib0g.so to load (default: beside zg-bridge, ../lib/, or the build tree)"},
      {"no-plugin", "", "load no plugin: serve only --local-upstream models"},
      {"network", "NAME", "testnet, mainnet or local (the devnet; default) [ZG_NETWORK]"},
      {"rpc", "URL", "EVM JSON-RPC endpoint, overrides the network's [ZG_RPC]"},
      {"ledger-contract", "ADDR", "LedgerManager address override [ZG_LEDGER_CONTRACT]"},
      {"inference-contract", "ADDR", "InferenceServing address override [ZG_INFERENCE_CONTRACT]"},
      {"finetune-contract", "ADDR", "FineTuningServing address override [ZG_FINETUNE_CONTRACT]"},
      {"devnet-file", "PATH", "devnet state file [ZG_DEVNET_FILE]"},
      {"key-file", "PATH", "wallet key file, hex, mode 0600 [ZG_KEY_FILE]; or set ZG_PRIVATE_KEY"},
      {"local-upstream", "URL", "OpenAI server for every model not named 0g/... (e.g. a llama-server router)"},
      {"api-key-file", "FILE", "bearer key (mode 0600) clients must send; without it the bridge is open"},
      {"verify", "MODE", "sync (default): verify before answering; async: verify after; off"},
      {"provider", "ADDR", "pin 0G requests to this provider (a list: \"provider\":[..] in the config)"},
      {"threads", "N", "HTTP worker threads (default 64); each open connection holds one"},
      {"log-requests", "", "log one line per request (method, path, status, time; never headers)"},
      {"help", "", "show this help"},
  };
  return specs;
}

// Config file keys are the long option names with '_' for '-'; these have no file form.
bool is_flag_only(const std::string& name) { return name == "config" || name == "help"; }

std::string to_key(std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

nlohmann::json read_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("--config " + path + ": cannot read the file");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto config = nlohmann::json::parse(text, nullptr, false);
  if (config.is_discarded() || !config.is_object()) {
    throw UsageError("--config " + path + ": not a JSON object");
  }
  for (const auto& [key, value] : config.items()) {
    if (key == "private_key" || key == "mnemonic" || key == "key" || key == "secret_key") {
      throw UsageError("--config " + path + ": \"" + key +
                       "\": private keys are never read from a config file; use key_file (mode 0600) or "
                       "ZG_PRIVATE_KEY");
    }
    if (key == "plugin_config") {
      if (!value.is_object()) throw UsageError("--config " + path + ": \"plugin_config\" must be an object");
      continue;
    }
    std::string option = key;
    std::replace(option.begin(), option.end(), '_', '-');
    const auto& specs = option_specs();
    const bool known = std::any_of(specs.begin(), specs.end(), [&](const OptionSpec& s) {
      return s.name == option && !is_flag_only(option);
    });
    if (!known) throw UsageError("--config " + path + ": unknown key \"" + key + "\" (see --help)");
  }
  return config;
}

// A setting from the highest source that has it: flag, then config file, then environment.
class Sources {
 public:
  Sources(const cli::Args& args, nlohmann::json file, const EnvLookup& env)
      : args_(args), file_(std::move(file)), env_(env) {}

  std::optional<std::string> text(const std::string& option, const char* env_name = nullptr) const {
    if (auto v = args_.value(option)) return v;
    if (const auto it = file_.find(to_key(option)); it != file_.end()) {
      if (it->is_string()) return it->get<std::string>();
      if (it->is_number_integer() || it->is_boolean()) return it->dump();
      throw UsageError("config: \"" + to_key(option) + "\" must be a string");
    }
    if (env_name != nullptr) {
      if (auto v = env_(env_name); v && !v->empty()) return v;
    }
    return std::nullopt;
  }
  bool flag(const std::string& option) const {
    if (args_.flag(option)) return true;
    const auto it = file_.find(to_key(option));
    return it != file_.end() && it->is_boolean() && it->get<bool>();
  }
  std::vector<std::string> list(const std::string& option) const {
    if (auto v = args_.value(option)) return {*v};  // the last --provider wins (Args keeps one)
    const auto it = file_.find(to_key(option));
    if (it == file_.end()) return {};
    if (it->is_string()) return {it->get<std::string>()};
    if (it->is_array() && std::all_of(it->begin(), it->end(), [](const auto& e) { return e.is_string(); })) {
      return it->get<std::vector<std::string>>();
    }
    throw UsageError("config: \"" + to_key(option) + "\" must be a string or an array of strings");
  }
  const nlohmann::json& file() const { return file_; }

 private:
  const cli::Args& args_;
  nlohmann::json file_;
  const EnvLookup& env_;
};

int parse_int(const std::string& option, const std::string& text, int lowest, int highest) {
  int value = 0;
  std::size_t used = 0;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || value < lowest || value > highest) {
    throw UsageError("--" + option + " " + text + ": expected a number from " + std::to_string(lowest) + " to " +
                     std::to_string(highest));
  }
  return value;
}

bool is_address(const std::string& text) {
  return text.size() == 42 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') &&
         std::all_of(text.begin() + 2, text.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

void fill_server_settings(BridgeOptions& options, const Sources& s) {
  if (auto v = s.text("host")) options.host = *v;
  if (auto v = s.text("port")) options.port = parse_int("port", *v, 0, 65535);
  if (auto v = s.text("threads")) options.threads = parse_int("threads", *v, 1, 4096);
  if (auto v = s.text("plugin")) options.plugin_path = *v;
  options.no_plugin = s.flag("no-plugin");
  options.log_requests = s.flag("log-requests");
  if (auto v = s.text("api-key-file")) options.api_key_file = *v;
  if (auto v = s.text("local-upstream")) {
    if (v->rfind("http://", 0) != 0 && v->rfind("https://", 0) != 0) {
      throw UsageError("--local-upstream " + *v + ": expected an http:// or https:// base URL");
    }
    while (!v->empty() && v->back() == '/') v->pop_back();
    options.local_upstream = *v;
  }
}

void fill_plugin_config(BridgeOptions& options, const Sources& s, const EnvLookup& env) {
  auto& config = options.plugin_config;
  config = nlohmann::json::object();
  const std::pair<const char*, const char*> network_options[] = {
      {"network", "ZG_NETWORK"},
      {"rpc", "ZG_RPC"},
      {"ledger-contract", "ZG_LEDGER_CONTRACT"},
      {"inference-contract", "ZG_INFERENCE_CONTRACT"},
      {"finetune-contract", "ZG_FINETUNE_CONTRACT"},
  };
  for (const auto& [option, env_name] : network_options) {
    if (auto v = s.text(option, env_name)) config[to_key(option)] = *v;
  }
  if (auto v = s.text("devnet-file", "ZG_DEVNET_FILE")) config["devnet_state"] = *v;
  if (auto v = s.text("key-file", "ZG_KEY_FILE")) {
    config["key_file"] = *v;
  } else if (env("ZG_PRIVATE_KEY")) {
    config["key_env"] = "ZG_PRIVATE_KEY";  // the name only: the plugin reads the variable itself
  }
  if (auto v = s.text("verify")) {
    if (*v != "sync" && *v != "async" && *v != "off") throw UsageError("--verify " + *v + ": expected sync, async or off");
    options.verify = *v;
  }
  config["verify"] = options.verify;
  options.providers = s.list("provider");
  for (const auto& p : options.providers) {
    if (!is_address(p)) throw UsageError("--provider " + p + ": expected a 0x address of 40 hex digits");
  }
  if (!options.providers.empty()) config["providers"] = options.providers;
  // Anything else the plugin understands (hooks, routing, auto_fund) comes from the file's
  // "plugin_config" object; explicit settings above win over it.
  if (const auto it = s.file().find("plugin_config"); it != s.file().end()) {
    auto merged = *it;
    merged.update(config);
    config = std::move(merged);
  }
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::optional<BridgeOptions> parse_bridge_options(const std::vector<std::string>& tokens, const EnvLookup& env) {
  cli::refuse_secret_options(tokens);
  const auto args = cli::Args::parse(tokens, option_specs());
  if (args.flag("help")) return std::nullopt;
  if (!args.positionals().empty()) throw UsageError("unexpected argument " + args.positionals().front() + " (see --help)");
  nlohmann::json file = nlohmann::json::object();
  if (auto path = args.value("config")) file = read_config_file(*path);
  const Sources sources(args, std::move(file), env);
  BridgeOptions options;
  fill_server_settings(options, sources);
  fill_plugin_config(options, sources, env);
  return options;
}

std::string help_text() {
  return "zg-bridge: an OpenAI-compatible loopback server for the 0G Compute Network and your local models.\n\n"
         "usage: zg-bridge [options]\n\n"
         "Requests whose \"model\" starts with 0g/ (0g/<model> or 0g/<provider>/<model>) go to a 0G provider\n"
         "through lib0g.so, signed and verified; every other model is forwarded byte for byte to\n"
         "--local-upstream. Endpoints: POST /v1/chat/completions, /v1/completions, /v1/embeddings;\n"
         "GET /v1/models, /health, /metrics (Prometheus), /v1/zg/verifications/<chat_id>.\n\n"
         "options:\n" +
         cli::describe_options(option_specs()) +
         "\nSettings come from flags, then the --config file, then ZG_* environment variables. Private keys\n"
         "are never taken from the command line or the config file: use --key-file or ZG_PRIVATE_KEY.\n"
         "See docs/bridge.md.\n";
}

std::string read_api_key_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw UsageError("--api-key-file " + path + ": no such file");
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    throw UsageError("--api-key-file " + path + ": readable by others; run `chmod 600 " + path + "`");
  }
  std::ifstream in(path, std::ios::binary);
  std::string key;
  std::getline(in, key);
  while (!key.empty() && (key.back() == '\r' || key.back() == ' ' || key.back() == '\t')) key.pop_back();
  if (key.empty()) throw UsageError("--api-key-file " + path + ": the first line is empty");
  return key;
}

}  // namespace zg::bridge
