#pragma once
// The llama-server router importer (host-runtime.md §6.1 item 2): puts a model where a llama-server
// started with --models-dir finds it, then asks the router to rescan (GET /models?reload=1). The
// router lists a top-level `<name>.gguf` as model `<name>` and a sub-directory `<name>/` as model
// `<name>` (main GGUF plus sidecars). Nothing appears under its final name until it is complete:
// the copy is written under a hidden temporary name, synced, then renamed into place, so a reload
// that races with the import never sees half a file.
#include <chrono>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace zg::importer {

struct ImportSpec {
  std::filesystem::path source;      // a GGUF file, or a directory holding the model's files
  std::string name;                  // the model name the router will list
  std::filesystem::path models_dir;  // llama-server's --models-dir (must exist)
  std::string router_url;            // "http://127.0.0.1:PORT"; empty: no reload
  bool replace = false;              // replace an existing model of that name
};

struct ImportOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{60000};  // a reload rescans the models dir
};

struct ImportResult {
  std::filesystem::path path;  // the final file or directory
  std::string name;
  bool reloaded = false;       // the router answered the reload with 2xx
};

// Reads {"source","name","models_dir","router_url","replace"} (plugin.h import_model). Throws
// gateway::GatewayError(Failure::invalid) naming the member that is missing or wrong.
ImportSpec parse_import_spec(const nlohmann::json& spec);

// A model name is one path component the router can list: 1..128 of [A-Za-z0-9._+@-], not starting
// with '.', no "..". Throws GatewayError(Failure::invalid) otherwise.
void check_model_name(const std::string& name);

// Copies, syncs, renames into place (mode 0600, directories 0700), then reloads the router when
// router_url is set. Throws gateway::GatewayError: invalid (bad spec, not a GGUF, name taken without
// `replace`), not_found (source or models_dir missing), internal (copy failed; nothing left behind),
// network (router unreachable or answered an error; the model is in place then, the message says so).
ImportResult import_model(const ImportSpec& spec, const ImportOptions& options = {});

nlohmann::json to_json(const ImportResult& result);  // {"path","name","reloaded"}

}  // namespace zg::importer
