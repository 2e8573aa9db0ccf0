#include "plugin_host.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <array>

namespace zg::bridge {
namespace {

zg_error empty_error() {
  zg_error error{};
  error.struct_size = sizeof(zg_error);
  return error;
}

std::filesystem::path executable_dir() {
  std::array<char, 4096> buffer{};
  const auto n = ::readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
  if (n <= 0) return {};
  return std::filesystem::path(std::string(buffer.data(), static_cast<std::size_t>(n))).parent_path();
}

[[noreturn]] void fail(zg_status code, std::string message) {
  throw PluginFailure(PluginError{code, 500, std::move(message)});
}

}  // namespace

const char* status_name(zg_status status) {
  switch (status) {
    case ZG_OK: return "ok";
    case ZG_E_INVALID: return "invalid_request";
    case ZG_E_VERSION: return "version";
    case ZG_E_AUTH: return "auth";
    case ZG_E_NETWORK: return "network";
    case ZG_E_PROVIDER: return "provider";
    case ZG_E_VERIFY: return "verify";
    case ZG_E_INTEGRITY: return "integrity";
    case ZG_E_DECRYPT: return "decrypt";
    case ZG_E_CANCELLED: return "cancelled";
    case ZG_E_NOT_FOUND: return "not_found";
    case ZG_E_UNSUPPORTED: return "unsupported";
    case ZG_E_FUNDS: return "insufficient_funds";
    case ZG_E_CHAIN: return "chain";
    case ZG_E_NOMEM: return "nomem";
    default: return "internal";
  }
}

PluginError to_plugin_error(zg_status status, const zg_error& error) {
  PluginError out;
  out.code = error.code != ZG_OK ? error.code : status;
  out.http_status = error.http_status >= 400 && error.http_status <= 599 ? error.http_status : 500;
  // The message is NUL-terminated by contract; bound it anyway: it comes from another library.
  std::size_t n = 0;
  while (n < sizeof(error.message) && error.message[n] != '\0') ++n;
  out.message = n > 0 ? std::string(error.message, n) : std::string("lib0g: ") + status_name(out.code);
  return out;
}

std::vector<std::filesystem::path> default_plugin_candidates() {
  std::vector<std::filesystem::path> candidates;
  if (const auto dir = executable_dir(); !dir.empty()) {
    candidates.push_back(dir / "lib0g.so");
    candidates.push_back(dir.parent_path() / "lib" / "lib0g.so");
  }
#ifdef ZG_BUILD_LIB0G_PATH
  candidates.emplace_back(ZG_BUILD_LIB0G_PATH);
#endif
  return candidates;
}

std::unique_ptr<PluginHost> PluginHost::load(const std::filesystem::path& library) {
  // RTLD_LOCAL: the plugin's symbols (and the core inside it) stay out of our namespace.
  void* handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    fail(ZG_E_NOT_FOUND, "cannot load " + library.string() + ": " + (why != nullptr ? why : "dlopen failed"));
  }
  auto close_on_error = std::unique_ptr<void, int (*)(void*)>(handle, ::dlclose);
  auto negotiate = reinterpret_cast<zg_plugin_negotiate_fn>(::dlsym(handle, "zg_plugin_negotiate"));
  auto get_api = reinterpret_cast<zg_plugin_get_api_fn>(::dlsym(handle, "zg_plugin_get_api"));
  if (negotiate == nullptr || get_api == nullptr) {
    fail(ZG_E_VERSION, library.string() + " is not a zg plugin (zg_plugin_negotiate/zg_plugin_get_api missing)");
  }
  const zg_version lowest{1, 0};
  const zg_version highest{ZG_PLUGIN_ABI_VERSION_MAJOR, ZG_PLUGIN_ABI_VERSION_MINOR};
  zg_version agreed{};
  if (negotiate(lowest, highest, &agreed) != ZG_OK) {
    fail(ZG_E_VERSION, library.string() + " implements no ABI version in 1.0.." + std::to_string(highest.major) + "." +
                           std::to_string(highest.minor));
  }
  const zg_plugin_api* api = get_api(agreed);
  if (api == nullptr) fail(ZG_E_VERSION, library.string() + " offered no function table for the version it agreed");
  // The members the bridge cannot do without; a table too short to hold them is unusable.
  const bool complete = ZG_API_HAS(api, zg_plugin_api, create) && ZG_API_HAS(api, zg_plugin_api, destroy) &&
                        ZG_API_HAS(api, zg_plugin_api, list_models) && ZG_API_HAS(api, zg_plugin_api, request) &&
                        ZG_API_HAS(api, zg_plugin_api, cancel) && ZG_API_HAS(api, zg_plugin_api, free_string) &&
                        api->create != nullptr && api->request != nullptr && api->destroy != nullptr &&
                        api->list_models != nullptr && api->free_string != nullptr;
  if (!complete) fail(ZG_E_VERSION, library.string() + ": the function table lacks create/request/list_models");
  close_on_error.release();
  return std::make_unique<PluginHost>(LoadedTag{}, api);
}

PluginHost::~PluginHost() {
  destroy();
  // The library stays loaded: a plugin thread may still be on its way out of plugin code, and the
  // process is ending anyway when the bridge drops its host.
}

void PluginHost::create(const std::string& config_json, const zg_host_api* host) {
  zg_error error = empty_error();
  zg_backend* backend = nullptr;
  const zg_status status = api_->create(host, config_json.data(), config_json.size(), &backend, &error);
  if (status != ZG_OK || backend == nullptr) throw PluginFailure(to_plugin_error(status, error));
  backend_ = backend;
}

std::string PluginHost::take_string(char* text) {
  if (text == nullptr) return {};
  std::string copy(text);
  api_->free_string(text);
  return copy;
}

std::string PluginHost::list_models() {
  zg_error error = empty_error();
  char* json = nullptr;
  const zg_status status = api_->list_models(backend_, &json, &error);
  if (status != ZG_OK) {
    take_string(json);
    throw PluginFailure(to_plugin_error(status, error));
  }
  return take_string(json);
}

std::string PluginHost::health() {
  if (!ZG_API_HAS(api_, zg_plugin_api, health) || api_->health == nullptr) return {};
  zg_error error = empty_error();
  char* json = nullptr;
  const zg_status status = api_->health(backend_, &json, &error);
  if (status != ZG_OK) {
    take_string(json);
    throw PluginFailure(to_plugin_error(status, error));
  }
  return take_string(json);
}

zg_status PluginHost::request(const zg_request& request, const zg_response_sink& sink, zg_error& error) {
  error = empty_error();
  return api_->request(backend_, &request, &sink, &error);
}

void PluginHost::cancel(std::uint64_t request_id) {
  if (api_->cancel != nullptr && backend_ != nullptr) api_->cancel(backend_, request_id);
}

void PluginHost::destroy() {
  if (backend_ != nullptr) {
    api_->destroy(backend_);
    backend_ = nullptr;
  }
}

}  // namespace zg::bridge
