#pragma once
// The gateway's configuration: the JSON object documented at zg_plugin_api.create in plugin.h,
// checked strictly (an unknown member is an error, so a typo never silently falls back to a
// default). Network selection and the wallet key resolve exactly as the zg CLI resolves them.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/network.hpp"
#include "eth/address.hpp"
#include "hooks/builtin_hooks.hpp"
#include "hooks/command_hook.hpp"
#include "wallet/key_source.hpp"

namespace zg::gateway {

enum class RoutingPolicy { price, latency };

struct GatewayConfig {
  config::NetworkSelection network;  // with the ZG_* environment applied
  wallet::KeySource key;
  std::vector<eth::Address> providers;  // allow-list; empty: every usable provider
  RoutingPolicy routing = RoutingPolicy::price;
  hooks::VerifyMode verify = hooks::VerifyMode::sync;
  bool auto_fund = true;
  std::vector<hooks::CommandHook> hooks;
};

// Throws UsageError naming the member at fault.
GatewayConfig parse_gateway_config(const nlohmann::json& config);

}  // namespace zg::gateway
