// `zg model import`: brings a model home into a llama-server router's --models-dir, through the same
// importer lib0g's import_model uses (plugin/core/importer), and raises model.imported for the user's
// command hooks (--hooks / ZG_HOOKS).
#include <filesystem>

#include "cli_events.hpp"
#include "command.hpp"
#include "common/error.hpp"
#include "gateway/gateway.hpp"
#include "importer/model_importer.hpp"

namespace zg::cli {
namespace {

namespace fs = std::filesystem;

// The importer speaks GatewayError (its callers are ABI calls); on the command line a bad spec is a
// usage error (exit 2) and everything else an error (exit 1), with the importer's own message.
[[noreturn]] void rethrow_for_cli(const gateway::GatewayError& e) {
  if (e.kind() == gateway::Failure::invalid) throw UsageError(e.what());
  throw Error(e.what());
}

int model_import(Context& ctx, const Args& args) {
  importer::ImportSpec spec;
  spec.source = args.required("source");
  spec.name = args.required("name");
  spec.models_dir = fs::absolute(args.required("models-dir"));
  spec.router_url = args.value("router-url").value_or("");
  spec.replace = args.flag("replace");
  importer::ImportResult imported;
  try {
    imported = importer::import_model(spec);
  } catch (const gateway::GatewayError& e) {
    rethrow_for_cli(e);
  }
  raise_event(hooks::EventKind::model_imported, {{"name", imported.name}, {"path", imported.path.string()},
                                                {"reloaded", imported.reloaded}});
  ctx.emit(importer::to_json(imported),
           "imported " + imported.name + " to " + imported.path.string() +
               (imported.reloaded ? "; the router reloaded its model list" : ""));
  return 0;
}

}  // namespace

void add_model_commands(std::vector<Command>& commands) {
  commands.push_back(
      {"model import", "copy a GGUF model (or a model directory) into a llama-server --models-dir",
       "The router lists DIR/NAME.gguf, or a directory DIR/NAME/ (regular files, at least one .gguf), as\n"
       "model NAME. The copy is written under DIR/.zg-import/, synced, then renamed into place (files\n"
       "0600, directories 0700), so a rescan never sees half a model; an existing model of that name is\n"
       "refused unless --replace. With --router-url, GET <url>/models?reload=1 follows (if that fails,\n"
       "the model stays in place and zg says so, exit 1). Raises model.imported for --hooks.\n\n"
       "example: zg model import --source tiny.gguf --name tiny --models-dir ~/models --router-url http://127.0.0.1:8080",
       {{"source", "PATH", "a GGUF file, or a directory holding the model's files"},
        {"name", "NAME", "the model name the router lists: 1-128 of A-Z a-z 0-9 . _ + @ -"},
        {"models-dir", "DIR", "llama-server's --models-dir (must exist)"},
        {"router-url", "URL", "the llama-server router to reload, e.g. http://127.0.0.1:8080"},
        {"replace", "", "replace an existing model of that name"}},
       model_import});
}

}  // namespace zg::cli
