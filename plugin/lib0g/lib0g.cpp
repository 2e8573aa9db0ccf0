// lib0g.so: the C ABI of plugin/include/zg/plugin.h over zg::gateway::Gateway and the model importer.
// Only zg_plugin_negotiate and zg_plugin_get_api are exported; everything else is reached through the
// function table. Every entry point is noexcept: exceptions end at the boundary (c_boundary.hpp).
#include <array>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <optional>

#include "backend.hpp"
#include "c_boundary.hpp"
#include "host_tables.hpp"
#include "importer/model_importer.hpp"
#include "sink_bridge.hpp"
#include "zg/plugin.h"

#ifndef ZG_PLUGIN_RELEASE
#error "ZG_PLUGIN_RELEASE (the plugin's release, from the CMake project version) must be defined"
#endif

static_assert(ZG_PLUGIN_ABI_VERSION_MAJOR == 1, "lib0g implements ABI 1.x");
static_assert(ZG_PLUGIN_ABI_VERSION_MINOR < 32, "agreed minors are kept as bits of a 32-bit mask");

namespace {

using namespace zg::lib0g;
using nlohmann::json;

constexpr std::uint32_t kMajor = ZG_PLUGIN_ABI_VERSION_MAJOR;
constexpr std::uint32_t kNewestMinor = ZG_PLUGIN_ABI_VERSION_MINOR;

// Bit m is set once zg_plugin_negotiate agreed to {kMajor, m}: get_api hands out only those tables.
std::atomic<std::uint32_t> g_agreed_minors{0};

zg_backend& require_backend(zg_backend* backend) {
  if (backend == nullptr) throw InvalidArgument("backend is NULL");
  return *backend;
}

template <class Out>
Out& require_out(Out* out, const char* name) {
  if (out == nullptr) throw InvalidArgument(std::string(name) + " is NULL");
  return *out;
}

// ---- the table's functions ------------------------------------------------------------------------

zg_status api_create(const zg_host_api* host, const char* config_json, size_t config_len, zg_backend** out,
                     zg_error* error) noexcept {
  if (out != nullptr) *out = nullptr;
  return guarded(error, [&] {
    auto& result = require_out(out, "create: out");
    const auto host_api = read_host_api(host);
    auto config = parse_host_object(config_json, config_len, "config");
    merge_host_config(config, host_api);
    auto gateway = std::make_unique<zg::gateway::Gateway>(config, host_services(host_api));
    result = std::make_unique<zg_backend>(host_api, std::move(gateway)).release();
  });
}

void api_destroy(zg_backend* backend) noexcept {
  std::unique_ptr<zg_backend> owned(backend);  // its destructor cancels, waits and never throws
}

zg_status api_list_models(zg_backend* backend, char** json_out, zg_error* error) noexcept {
  if (json_out != nullptr) *json_out = nullptr;
  return guarded(error, [&] {
    auto& self = require_backend(backend);
    auto& result = require_out(json_out, "list_models: json_out");
    const zg_backend::Call call(self);
    result = plugin_string(to_text(self.gateway().list_models()));
  });
}

json failure_summary(const CallFailure& failure) {
  json summary = failure.summary.is_object() ? failure.summary : json::object();
  if (!summary.contains("status") || summary["status"] == "ok") {
    summary["status"] = failure.status == ZG_E_CANCELLED ? "cancelled" : "error";
  }
  if (!summary.contains("error")) summary["error"] = failure.message;
  return summary;
}

// Runs the request through the gateway; returns its summary, throws what it throws. A request the
// host stopped (sink answer or cancel()) is reported as cancelled whatever the gateway made of it.
json run_request(zg_backend& self, const RequestView& request, const zg_response_sink& sink) {
  const zg_backend::Call call(self, request.id);
  SinkBridge bridge(sink, call.cancelled());
  json summary;
  try {
    summary = self.gateway().handle(request.id, request.path, request.body, bridge.response_sink());
  } catch (const zg::gateway::GatewayError& e) {
    bridge.close();
    if (!bridge.cancelled() || e.kind() == zg::gateway::Failure::cancelled) throw;
    throw zg::gateway::GatewayError(zg::gateway::Failure::cancelled, 499, "request cancelled", e.summary());
  } catch (...) {
    bridge.close();
    if (!bridge.cancelled()) throw;
    throw zg::gateway::GatewayError(zg::gateway::Failure::cancelled, 499, "request cancelled");
  }
  bridge.close();
  if (bridge.cancelled()) throw zg::gateway::GatewayError(zg::gateway::Failure::cancelled, 499, "request cancelled", summary);
  if (!summary.is_object()) summary = json::object();
  if (!summary.contains("status")) summary["status"] = "ok";
  return summary;
}

zg_status api_request(zg_backend* backend, const zg_request* request, const zg_response_sink* sink,
                      zg_error* error) noexcept {
  clear_error(error);
  const auto host_sink = read_sink(sink);
  try {
    auto& self = require_backend(backend);
    if (sink == nullptr) throw InvalidArgument("sink is NULL");
    if (host_sink.on_data == nullptr) throw InvalidArgument("sink.on_data is NULL (or sink.struct_size does not cover it)");
    const auto summary = run_request(self, read_request(request), host_sink);
    SinkBridge::done(host_sink, ZG_OK, summary);
    return ZG_OK;
  } catch (...) {
    const auto failure = classify_current_exception();
    fail(error, failure);
    try {
      SinkBridge::done(host_sink, failure.status, failure_summary(failure));
    } catch (...) {
      SinkBridge::done(host_sink, failure.status, json());  // no memory for the summary: "null" ends it
    }
    return failure.status;
  }
}

void api_cancel(zg_backend* backend, std::uint64_t request_id) noexcept {
  if (backend != nullptr) backend->cancel(request_id);
}

zg_status api_import_model(zg_backend* backend, const char* spec_json, size_t spec_len, char** result_json,
                           zg_error* error) noexcept {
  if (result_json != nullptr) *result_json = nullptr;
  return guarded(error, [&] {
    auto& result = require_out(result_json, "import_model: result_json");
    // The importer needs no chain: a NULL backend imports too, it only has no host to tell.
    std::optional<zg_backend::Call> call;
    if (backend != nullptr) call.emplace(*backend);
    const auto spec = zg::importer::parse_import_spec(parse_host_object(spec_json, spec_len, "import spec"));
    const auto imported = zg::importer::import_model(spec);
    if (backend != nullptr) {
      // Through the gateway's hook bus, so the user's command hooks see it as well as the host.
      backend->gateway().publish("model.imported", {{"name", imported.name}, {"path", imported.path.string()}});
      backend->log(ZG_LOG_INFO, "0g: imported model " + imported.name + " to " + imported.path.string() +
                                    (imported.reloaded ? " (router reloaded)" : ""));
    }
    result = plugin_string(to_text(zg::importer::to_json(imported)));
  });
}

zg_status api_health(zg_backend* backend, char** json_out, zg_error* error) noexcept {
  if (json_out != nullptr) *json_out = nullptr;
  return guarded(error, [&] {
    auto& self = require_backend(backend);
    auto& result = require_out(json_out, "health: json_out");
    const zg_backend::Call call(self);
    result = plugin_string(to_text(self.gateway().health()));
  });
}

void api_free_string(char* text) noexcept { std::free(text); }

void* api_get_proc_address(const char* /*name*/) noexcept { return nullptr; }  // no extensions yet

// One table per minor this plugin implements. A later minor appends members: its table is the full
// struct, and older minors' tables then say, by a smaller struct_size, that they lack them.
constexpr zg_plugin_api table_for_minor(std::uint32_t minor) {
  return zg_plugin_api{sizeof(zg_plugin_api), zg_version{kMajor, minor}, "0g", ZG_PLUGIN_RELEASE,
                       api_create, api_destroy, api_list_models, api_request, api_cancel, api_import_model,
                       api_health, api_free_string, api_get_proc_address};
}

constexpr auto make_tables() {
  std::array<zg_plugin_api, kNewestMinor + 1> tables{};
  for (std::uint32_t minor = 0; minor <= kNewestMinor; ++minor) tables[minor] = table_for_minor(minor);
  return tables;
}

constexpr auto kTables = make_tables();

constexpr bool older(zg_version a, zg_version b) { return a.major != b.major ? a.major < b.major : a.minor < b.minor; }

}  // namespace

extern "C" {

zg_status zg_plugin_negotiate(zg_version host_min, zg_version host_max, zg_version* agreed) {
  if (agreed == nullptr) return ZG_E_INVALID;
  // The newest version this plugin implements that is not newer than the host's max...
  zg_version best{kMajor, kNewestMinor};
  if (older(host_max, best)) {
    if (host_max.major != kMajor) return ZG_E_VERSION;  // the host's newest is an older major
    best.minor = host_max.minor;
  }
  // ...and not older than the host's min.
  if (older(best, host_min)) return ZG_E_VERSION;
  g_agreed_minors.fetch_or(1u << best.minor);
  *agreed = best;
  return ZG_OK;
}

const zg_plugin_api* zg_plugin_get_api(zg_version agreed) {
  if (agreed.major != kMajor || agreed.minor > kNewestMinor) return nullptr;
  if ((g_agreed_minors.load() & (1u << agreed.minor)) == 0) return nullptr;
  return &kTables[agreed.minor];
}

}  // extern "C"
