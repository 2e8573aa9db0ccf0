#pragma once
// zg-bridge's settings: command-line flags over a JSON config file over ZG_* environment variables
// over defaults. The result is what the server needs plus the plugin config JSON handed to
// zg_plugin_api.create (plugin/include/zg/plugin.h). No private key is ever read here: the plugin
// gets a key *reference* (a key file path or the name of an environment variable).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zg::bridge {

struct BridgeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                         // 0: pick a free port
  std::string plugin_path;                 // empty: search beside the executable, ../lib, the build tree
  bool no_plugin = false;                  // --no-plugin: only forward to --local-upstream
  std::string local_upstream;              // base URL, e.g. http://127.0.0.1:8081 (empty: none)
  std::string api_key_file;                // bearer key protecting the bridge (empty: open)
  std::string verify = "sync";             // sync | async | off
  std::vector<std::string> providers;      // --provider pins (0x addresses)
  int threads = 64;                        // HTTP worker threads (one per open connection)
  bool log_requests = false;               // one line per request (never headers or bodies)

  // What the plugin gets: network, contracts, devnet state, key reference, providers, verify, and
  // the config file's "plugin" object merged in (hooks, routing, auto_fund...).
  nlohmann::json plugin_config;
};

// Looks up an environment variable; injectable so tests do not depend on the real environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_environment();

// Parses argv (without argv[0]). Throws UsageError for unknown options, options that would carry a
// private key (--private-key, ...), bad values, or an unreadable/invalid config file.
// Returns std::nullopt when --help was asked for (the caller prints help_text()).
std::optional<BridgeOptions> parse_bridge_options(const std::vector<std::string>& tokens, const EnvLookup& env);

std::string help_text();

// Reads the bridge's bearer key: the file must exist, hold one non-empty line, and be readable by its
// owner only (like a wallet key file). Throws UsageError otherwise.
std::string read_api_key_file(const std::string& path);

}  // namespace zg::bridge
