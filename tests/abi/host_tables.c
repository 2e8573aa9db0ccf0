/*
 * Host service tables of other minors, on a devnet:
 *   - a host built for a newer 1.x passes a larger zg_host_api (members appended, struct_size
 *     larger): create works, the plugin takes the devnet file from its get_config and calls its log
 *     and on_event (import_model raises model.imported);
 *   - an older host passes a table whose struct_size covers only struct_size, host_ctx and log: the
 *     plugin calls log and never touches get_config or on_event, which lie beyond struct_size.
 * usage: abi_host_tables PATH/lib0g.so DEVNET_FILE    (wallet key in $ZG_PRIVATE_KEY)
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi_host.h"

/* zg_host_api as a host of a later minor would declare it: the 1.0 members, then new ones. */
typedef struct future_host_api {
  uint32_t struct_size;
  void *host_ctx;
  void (*log)(void *host_ctx, int32_t level, const char *message);
  const char *(*get_config)(void *host_ctx, const char *key);
  void (*on_event)(void *host_ctx, const char *event_json, size_t event_len);
  void (*on_metric)(void *host_ctx, const char *name, double value); /* appended in "1.7" */
  uint64_t capabilities;                                              /* appended in "1.7" */
} future_host_api;

typedef struct host_state {
  const char *devnet_file;
  int logs;
  int config_lookups;
  int devnet_lookups;
  int events;
  int imported_events;
  abi_buffer last_event;
} host_state;

static void host_log(void *ctx, int32_t level, const char *message) {
  host_state *state = ctx;
  ++state->logs;
  CHECK(level >= ZG_LOG_ERROR && level <= ZG_LOG_DEBUG, "log level %d", level);
  CHECK(message != NULL && strchr(message, '\n') == NULL, "log line with a newline: %s", message);
}

static const char *host_get_config(void *ctx, const char *key) {
  host_state *state = ctx;
  ++state->config_lookups;
  if (strcmp(key, "devnet_state") == 0) {
    ++state->devnet_lookups;
    return state->devnet_file;
  }
  if (strcmp(key, "key_env") == 0) return "ZG_PRIVATE_KEY";
  return NULL;
}

static void host_on_event(void *ctx, const char *event_json, size_t event_len) {
  host_state *state = ctx;
  ++state->events;
  state->last_event.size = 0;
  abi_buffer_append(&state->last_event, event_json, event_len);
  if (strstr(state->last_event.data, "\"event\":\"model.imported\"") != NULL) ++state->imported_events;
}

static void future_on_metric(void *ctx, const char *name, double value) {
  (void)ctx;
  (void)name;
  (void)value;
  CHECK(0, "the plugin called a member it cannot know (on_metric)");
}

/* Imports a tiny GGUF-looking file into a fresh models dir; returns the status. */
static zg_status import_one(const zg_plugin_api *api, zg_backend *backend, const char *name, char *models_dir,
                            size_t models_dir_size) {
  char source[256];
  char spec[1024];
  char target[512];
  char *result = NULL;
  zg_error error = abi_new_error();
  zg_status status;
  struct stat st;
  FILE *file;
  snprintf(models_dir, models_dir_size, "/tmp/zg-abi-models-XXXXXX");
  CHECK(mkdtemp(models_dir) != NULL, "mkdtemp");
  snprintf(source, sizeof source, "%s/source.bin", models_dir);
  file = fopen(source, "wb");
  CHECK(file != NULL, "fopen %s", source);
  if (file == NULL) return ZG_E_INTERNAL;
  fputs("GGUF\003\000\000\000 a tiny stand-in for a model", file);
  fclose(file);
  snprintf(spec, sizeof spec, "{\"source\":\"%s\",\"name\":\"%s\",\"models_dir\":\"%s\"}", source, name, models_dir);
  status = api->import_model(backend, spec, strlen(spec), &result, &error);
  CHECK(status == ZG_OK, "import_model: %d %s", status, error.message);
  snprintf(target, sizeof target, "%s/%s.gguf", models_dir, name);
  CHECK(result != NULL && strstr(result, "\"reloaded\":false") != NULL, "result %s", result);
  CHECK(result != NULL && strstr(result, target) != NULL, "result %s", result);
  CHECK(stat(target, &st) == 0 && (st.st_mode & 0777) == 0600, "%s missing or not mode 0600", target);
  api->free_string(result);
  unlink(target);
  unlink(source);
  rmdir(models_dir);
  return status;
}

static void newer_minor_host(const zg_plugin_api *api, const char *devnet_file) {
  future_host_api host;
  host_state state;
  zg_backend *backend = NULL;
  zg_error error = abi_new_error();
  char models_dir[64];
  const char *config = "{\"network\":\"local\"}"; /* devnet_state and key_env come from get_config */
  zg_status status;
  memset(&state, 0, sizeof state);
  state.devnet_file = devnet_file;
  memset(&host, 0, sizeof host);
  host.struct_size = sizeof host;
  host.host_ctx = &state;
  host.log = host_log;
  host.get_config = host_get_config;
  host.on_event = host_on_event;
  host.on_metric = future_on_metric;
  host.capabilities = ~(uint64_t)0;
  CHECK(sizeof host > sizeof(zg_host_api), "the future table is not larger");

  status = api->create((const zg_host_api *)&host, config, strlen(config), &backend, &error);
  CHECK(status == ZG_OK && backend != NULL, "newer host: create %d %s", status, error.message);
  CHECK(state.devnet_lookups == 1, "newer host: devnet_state asked %d times", state.devnet_lookups);
  if (backend == NULL) return;
  import_one(api, backend, "newer-host-model", models_dir, sizeof models_dir);
  api->destroy(backend);
  CHECK(state.imported_events == 1, "newer host: %d model.imported events (last %s)", state.imported_events,
        state.last_event.data);
  CHECK(state.logs >= 1, "newer host: never logged to");
  printf("newer host: %d log lines, %d events, last %s\n", state.logs, state.events, state.last_event.data);
  abi_buffer_free(&state.last_event);
}

static void older_host(const zg_plugin_api *api, const char *devnet_file) {
  zg_host_api host;
  host_state state;
  zg_backend *backend = NULL;
  zg_error error = abi_new_error();
  char models_dir[64];
  char config[1024];
  zg_status status;
  memset(&state, 0, sizeof state);
  memset(&host, 0, sizeof host);
  /* Only struct_size, host_ctx and log exist for this host; what follows is not its to give. */
  host.struct_size = (uint32_t)(offsetof(zg_host_api, log) + sizeof host.log);
  host.host_ctx = &state;
  host.log = host_log;
  host.get_config = host_get_config;
  host.on_event = host_on_event;
  abi_devnet_config(config, sizeof config, devnet_file);

  status = api->create(&host, config, strlen(config), &backend, &error);
  CHECK(status == ZG_OK && backend != NULL, "older host: create %d %s", status, error.message);
  if (backend == NULL) return;
  import_one(api, backend, "older-host-model", models_dir, sizeof models_dir);
  api->destroy(backend);
  CHECK(state.logs >= 1, "older host: never logged to");
  CHECK(state.config_lookups == 0, "older host: get_config beyond struct_size was called %d times", state.config_lookups);
  CHECK(state.events == 0, "older host: on_event beyond struct_size was called %d times", state.events);
  printf("older host: %d log lines, no get_config, no events\n", state.logs);
  abi_buffer_free(&state.last_event);
}

int main(int argc, char **argv) {
  abi_plugin plugin;
  const zg_plugin_api *api;
  if (argc != 3) {
    fprintf(stderr, "usage: %s PATH/lib0g.so DEVNET_FILE\n", argv[0]);
    return 2;
  }
  api = abi_open(argv[1], &plugin);
  if (api == NULL) return abi_report("abi_host_tables");
  newer_minor_host(api, argv[2]);
  older_host(api, argv[2]);
  abi_unload(&plugin);
  return abi_report("abi_host_tables");
}
