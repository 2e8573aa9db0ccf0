#include "gateway/gateway_config.hpp"

#include <cstdlib>

#include "common/error.hpp"

namespace zg::gateway {
namespace {

const std::string& string_member(const std::string& key, const nlohmann::json& value) {
  if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
    throw UsageError("config \"" + key + "\" must be a non-empty string");
  }
  return value.get_ref<const std::string&>();
}

RoutingPolicy parse_routing(const nlohmann::json& value) {
  const auto& text = string_member("routing", value);
  if (text == "price") return RoutingPolicy::price;
  if (text == "latency") return RoutingPolicy::latency;
  throw UsageError("config \"routing\" must be \"price\" or \"latency\", not \"" + text + "\"");
}

hooks::VerifyMode parse_verify(const nlohmann::json& value) {
  const auto& text = string_member("verify", value);
  if (text == "sync") return hooks::VerifyMode::sync;
  if (text == "async") return hooks::VerifyMode::async;
  if (text == "off") return hooks::VerifyMode::off;
  throw UsageError("config \"verify\" must be \"sync\", \"async\" or \"off\", not \"" + text + "\"");
}

std::vector<eth::Address> parse_providers(const nlohmann::json& value) {
  if (!value.is_array()) throw UsageError("config \"providers\" must be an array of provider addresses");
  std::vector<eth::Address> providers;
  for (const auto& entry : value) {
    if (!entry.is_string()) throw UsageError("config \"providers\" must be an array of provider addresses");
    try {
      providers.push_back(eth::Address::from_hex(entry.get<std::string>()));
    } catch (const Error&) {
      throw UsageError("config \"providers\": \"" + entry.get<std::string>() + "\" is not a 0x address");
    }
  }
  return providers;
}

void parse_key_env(GatewayConfig& config, const nlohmann::json& value) {
  const auto& name = string_member("key_env", value);
  if (name.find('=') != std::string::npos) throw UsageError("config \"key_env\" is the NAME of a variable, not NAME=value");
  config.key.environment_variable = name;
}

}  // namespace

GatewayConfig parse_gateway_config(const nlohmann::json& json) {
  if (!json.is_object()) throw UsageError("the gateway config must be a JSON object");
  GatewayConfig config;
  auto& net = config.network;
  for (const auto& [key, value] : json.items()) {
    if (key == "network") {
      net.network = string_member(key, value);
    } else if (key == "rpc") {
      net.rpc = string_member(key, value);
    } else if (key == "ledger_contract") {
      net.ledger_contract = string_member(key, value);
    } else if (key == "inference_contract") {
      net.inference_contract = string_member(key, value);
    } else if (key == "finetune_contract") {
      net.finetune_contract = string_member(key, value);
    } else if (key == "devnet_state") {
      net.devnet_file = string_member(key, value);
    } else if (key == "key_file") {
      config.key.key_file = string_member(key, value);
    } else if (key == "key_env") {
      parse_key_env(config, value);
    } else if (key == "providers") {
      config.providers = parse_providers(value);
    } else if (key == "routing") {
      config.routing = parse_routing(value);
    } else if (key == "verify") {
      config.verify = parse_verify(value);
    } else if (key == "auto_fund") {
      if (!value.is_boolean()) throw UsageError("config \"auto_fund\" must be true or false");
      config.auto_fund = value.get<bool>();
    } else if (key == "hooks") {
      config.hooks = hooks::parse_command_hooks(value);
    } else {
      throw UsageError("config has an unknown member \"" + key +
                       "\" (known: network, rpc, ledger_contract, inference_contract, finetune_contract, "
                       "devnet_state, key_file, key_env, providers, routing, verify, auto_fund, hooks)");
    }
  }
  // As the CLI: config (its flags) first, then ZG_* variables; ZG_KEY_FILE when the config names
  // neither a key file nor a key variable.
  net.apply_environment();
  if (!config.key.key_file && !json.contains("key_env")) {
    if (const char* file = std::getenv("ZG_KEY_FILE"); file != nullptr && *file != '\0') config.key.key_file = file;
  }
  return config;
}

}  // namespace zg::gateway
