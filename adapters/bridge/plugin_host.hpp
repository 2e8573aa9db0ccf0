#pragma once
// zg-bridge as a host of the C ABI: dlopen lib0g.so, negotiate a version, take the function table,
// create one backend. Exactly what a third-party host does with plugin/include/zg/plugin.h; the
// bridge links nothing of the core, so the ABI is the only way it reaches the plugin.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zg/plugin.h"

namespace zg::bridge {

// A failure from the plugin: its status, HTTP status and message.
struct PluginError {
  zg_status code = ZG_E_INTERNAL;
  int http_status = 500;
  std::string message;
};

class PluginFailure : public std::runtime_error {
 public:
  explicit PluginFailure(PluginError error) : std::runtime_error(error.message), error_(std::move(error)) {}
  const PluginError& error() const noexcept { return error_; }

 private:
  PluginError error_;
};

PluginError to_plugin_error(zg_status status, const zg_error& error);
const char* status_name(zg_status status);  // "invalid", "auth", "network", ...

// Where lib0g.so is looked for when --plugin is not given: beside the executable, ../lib/ from it,
// then the build tree this binary was built in.
std::vector<std::filesystem::path> default_plugin_candidates();

class PluginHost {
 public:
  // dlopen + negotiate + get the table. Throws PluginFailure with a message naming what is missing.
  static std::unique_ptr<PluginHost> load(const std::filesystem::path& library);
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // create() with the config JSON and the host services; throws PluginFailure.
  void create(const std::string& config_json, const zg_host_api* host);
  bool created() const noexcept { return backend_ != nullptr; }

  std::string list_models();  // throws PluginFailure
  std::string health();       // throws PluginFailure; "" when the plugin has no health()
  // Runs one request on this thread; returns the status, fills `error` on failure.
  zg_status request(const zg_request& request, const zg_response_sink& sink, zg_error& error);
  void cancel(std::uint64_t request_id);
  void destroy();

  const zg_plugin_api& api() const noexcept { return *api_; }

  // Only load() makes one (the tag keeps the constructor out of other hands but lets make_unique in).
  struct LoadedTag {};
  // The library handle is not kept: the bridge never dlcloses it (see ~PluginHost).
  PluginHost(LoadedTag, const zg_plugin_api* api) : api_(api) {}
  zg_version version() const noexcept { return api_->version; }

 private:
  std::string take_string(char* text);
  const zg_plugin_api* api_ = nullptr;
  zg_backend* backend_ = nullptr;
};

}  // namespace zg::bridge
