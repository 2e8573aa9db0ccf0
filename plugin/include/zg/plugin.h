/*
 * zg/plugin.h: the C ABI of lib0g.so, the "0g" backend plugin.
 *
 * This header is the whole contract between a host (zg-bridge, a llama.cpp-style server, any C or C++
 * program) and the plugin. It is pure C99, includes only <stddef.h> and <stdint.h>, and no C++ type,
 * exception, abort or private key ever crosses it.
 *
 * How a host uses it
 *   1. Optionally read lib0g.json beside the library (name, ABI version, library path) to list the
 *      plugin without loading it.
 *   2. dlopen("lib0g.so") and resolve the two exported symbols, zg_plugin_negotiate and
 *      zg_plugin_get_api. Nothing else is exported.
 *   3. Negotiate: offer the range of ABI versions the host understands; the plugin answers the newest
 *      version both sides understand, or ZG_E_VERSION when the ranges do not meet.
 *   4. Get the function table for the agreed version. Read a member only when struct_size says it is
 *      there (ZG_API_HAS); members are only ever appended, never moved or removed.
 *   5. create() a backend from a JSON config and the host's service table, call it from any number of
 *      threads, destroy() it.
 *
 * Versioning
 *   A major version changes the meaning of something that exists; hosts and plugins must agree on it.
 *   A minor version only appends members to the tables (and appends event kinds or JSON fields), so a
 *   host built for 1.0 works with a 1.3 plugin and the other way round. Every table starts with
 *   struct_size, set by whoever fills it: the reader ignores members beyond what it knows, and treats
 *   members beyond struct_size as absent (NULL).
 *
 * Ownership, in one rule per kind of pointer
 *   - `const char *` and buffer arguments passed into a function are borrowed for the duration of that
 *     call only; the callee copies what it keeps.
 *   - Buffers passed to a callback (sink, host services) are borrowed for the duration of the callback.
 *   - `char **` out-strings are allocated by the plugin, NUL-terminated, and released with
 *     api->free_string(). They stay valid until then, even after destroy().
 *   - The zg_plugin_api table is static: valid until the library is unloaded.
 *   - zg_host_api and zg_response_sink tables are borrowed: the host keeps them alive for as long as it
 *     said (the host table until destroy() returns, a sink until its request() returns).
 *   - zg_error is caller-owned; the plugin fills it when a function fails.
 *
 * Threads
 *   Every function but destroy() may be called concurrently on one backend. Callbacks (sink and host
 *   services) may run on any thread, including a plugin thread; a sink is never called concurrently
 *   with itself, and never after its request() returned. destroy() cancels what is in flight, waits for
 *   it, and must not race with other calls on the same backend.
 *
 * Errors
 *   Every function returns a zg_status. On failure it also fills the caller's zg_error (when not NULL)
 *   with the same code, the HTTP status that fits the failure (for a host that answers over HTTP), and
 *   a one-line message for a user; on success it resets code to ZG_OK and the message to "". Only the
 *   members the zg_error's struct_size covers are written. Messages never contain keys, tokens or
 *   Authorization headers.
 */
#ifndef ZG_PLUGIN_H
#define ZG_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. */
#define ZG_PLUGIN_ABI_VERSION_MAJOR 1
#define ZG_PLUGIN_ABI_VERSION_MINOR 0

#if defined(__GNUC__) || defined(__clang__)
#define ZG_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define ZG_PLUGIN_EXPORT
#endif

/* True when `table` (a pointer to any zg_* table) is large enough to hold `member`. */
#define ZG_API_HAS(table, type, member) \
  ((table)->struct_size >= offsetof(type, member) + sizeof(((type *)0)->member))

/* ---- status codes ------------------------------------------------------------------------------- */

typedef int32_t zg_status;
#define ZG_OK 0
#define ZG_E_INVALID 1       /* a bad argument, config or request body */
#define ZG_E_VERSION 2       /* no common ABI version */
#define ZG_E_AUTH 3          /* no usable key, or the provider refused the signed header */
#define ZG_E_NETWORK 4       /* a provider, RPC node or storage node could not be reached */
#define ZG_E_PROVIDER 5      /* a provider answered with an error (http_status says which) */
#define ZG_E_VERIFY 6        /* a response signature or a TEE quote did not verify */
#define ZG_E_INTEGRITY 7     /* a downloaded file does not match its root hash */
#define ZG_E_DECRYPT 8       /* a model could not be decrypted */
#define ZG_E_CANCELLED 9     /* cancelled by cancel() or by a sink callback */
#define ZG_E_NOT_FOUND 10    /* no such model, provider or request */
#define ZG_E_UNSUPPORTED 11  /* the provider or plugin does not offer this */
#define ZG_E_FUNDS 12        /* not enough balance in the ledger or the provider sub-account */
#define ZG_E_CHAIN 13        /* a transaction reverted (message has the decoded revert) */
#define ZG_E_NOMEM 14
#define ZG_E_INTERNAL 15

typedef struct zg_error {
  uint32_t struct_size;  /* set by the caller: sizeof(zg_error) */
  zg_status code;
  int32_t http_status;   /* 400, 401, 402, 404, 502, 503, 504... or 500 */
  char message[512];     /* NUL-terminated, truncated to fit */
} zg_error;

/* ---- versions ----------------------------------------------------------------------------------- */

typedef struct zg_version {
  uint32_t major;
  uint32_t minor;
} zg_version;

/* ---- host services (filled by the host, read by the plugin) ------------------------------------ */

#define ZG_LOG_ERROR 0
#define ZG_LOG_WARN 1
#define ZG_LOG_INFO 2
#define ZG_LOG_DEBUG 3

typedef struct zg_host_api {
  uint32_t struct_size; /* sizeof(zg_host_api) as the host was compiled */
  void *host_ctx;       /* passed back to every service below; the plugin never dereferences it */

  /* Optional. One log line, without a trailing newline. Any thread. */
  void (*log)(void *host_ctx, int32_t level, const char *message);

  /* Optional. A config value the JSON config did not give (for example "key_file"). Returns NULL when
   * unset. The returned string is borrowed until the next get_config call from the same thread. */
  const char *(*get_config)(void *host_ctx, const char *key);

  /* Optional. A lifecycle event as one JSON object (see "Events" below). Any thread; keep it short,
   * the event's request waits for it. */
  void (*on_event)(void *host_ctx, const char *event_json, size_t event_len);
} zg_host_api;

/* ---- requests ----------------------------------------------------------------------------------- */

/* Where a response goes. Every callback is optional except on_data. Returning nonzero from on_head or
 * on_data cancels the request (ZG_E_CANCELLED). */
typedef struct zg_response_sink {
  uint32_t struct_size;
  void *user;

  /* Called once, before the first on_data, when a provider accepted the request: the HTTP status to
   * answer with and a JSON object describing the response, e.g.
   *   {"content_type":"text/event-stream","provider":"0x...","model":"...","chat_id":"..."}
   * Failover between providers happens before this call, never after it. */
  int32_t (*on_head)(void *user, int32_t http_status, const char *head_json, size_t head_len);

  /* Response body bytes exactly as the client should see them: one JSON document, or SSE events as the
   * provider sent them (the final chunk untouched). */
  int32_t (*on_data)(void *user, const char *data, size_t len);

  /* Called once when the request ends, successfully or not, before request() returns: a JSON summary
   *   {"status":"ok","provider":"0x...","model":"...","chat_id":"...",
   *    "verification":{"outcome":"verified|signature-only|failed|not-verifiable|skipped","reason":"..."},
   *    "usage":{"prompt_tokens":N,"completion_tokens":N},"fee_neuron":"N","latency_ms":F,"attempts":N}
   * Fields that do not apply are absent. */
  void (*on_done)(void *user, zg_status status, const char *summary_json, size_t summary_len);
} zg_response_sink;

typedef struct zg_request {
  uint32_t struct_size;
  uint64_t request_id;  /* chosen by the host, nonzero, unique among this backend's in-flight requests */
  const char *path;     /* "/v1/chat/completions", "/v1/completions" or "/v1/embeddings" */
  const char *body;     /* the OpenAI JSON request; "model" is "0g/<model>" or "0g/<provider>/<model>" */
  size_t body_len;
} zg_request;

/* ---- the plugin ---------------------------------------------------------------------------------- */

typedef struct zg_backend zg_backend; /* opaque */

typedef struct zg_plugin_api {
  uint32_t struct_size;  /* sizeof(zg_plugin_api) as the plugin was compiled */
  zg_version version;    /* the agreed version this table implements */
  const char *name;      /* "0g" */
  const char *plugin_version; /* the plugin's own release, e.g. "0.4.0" */

  /* Creates a backend. `config_json` (borrowed) is a JSON object:
   *   {"network":"local|testnet|mainnet", "rpc":"URL", "ledger_contract":"0x..",
   *    "inference_contract":"0x..", "finetune_contract":"0x..", "devnet_state":"PATH",
   *    "key_file":"PATH (mode 0600)", "key_env":"NAME of an environment variable",
   *    "providers":["0x.."], "routing":"price|latency", "verify":"sync|async|off",
   *    "auto_fund":true, "hooks":[{"event":"response.verified","command":["/bin/prog","arg"]}]}
   * Every member is optional; see docs/plugin.md for defaults. The key is referenced, never passed.
   * `host` (borrowed until destroy returns) may be NULL. On success *out is a new backend. */
  zg_status (*create)(const zg_host_api *host, const char *config_json, size_t config_len,
                      zg_backend **out, zg_error *error);

  /* Cancels every in-flight request, waits for them, and frees the backend. NULL is a no-op. */
  void (*destroy)(zg_backend *backend);

  /* The 0G models this backend can route to, as an OpenAI model list:
   *   {"object":"list","data":[{"id":"0g/<model>","object":"model","owned_by":"0g",
   *     "providers":[{"address":"0x..","input_price":"..","output_price":"..","verifiability":".."}]}]}
   * *json_out is freed with free_string. */
  zg_status (*list_models)(zg_backend *backend, char **json_out, zg_error *error);

  /* Runs one request to completion on the calling thread, delivering the response through `sink`
   * (borrowed until this returns). Returns ZG_OK when the response was delivered completely. */
  zg_status (*request)(zg_backend *backend, const zg_request *request, const zg_response_sink *sink,
                       zg_error *error);

  /* Cancels the in-flight request with this id, from any thread; its request() returns
   * ZG_E_CANCELLED soon after. Unknown ids are ignored. */
  void (*cancel)(zg_backend *backend, uint64_t request_id);

  /* Imports a model file into a host's model store. `spec_json`:
   *   {"source":"PATH","name":"NAME","models_dir":"DIR","router_url":"http://127.0.0.1:PORT"}
   * (router_url optional; optional "replace":true replaces a model of that name, which is refused
   * otherwise). The file is copied under a temporary name, renamed into place (mode 0600), and the
   * router is asked to reload its model list. *result_json ({"path":"..","name":"..","reloaded":true})
   * is freed with free_string. `backend` may be NULL: the import needs no chain, but then no host
   * hears the model.imported event. */
  zg_status (*import_model)(zg_backend *backend, const char *spec_json, size_t spec_len,
                            char **result_json, zg_error *error);

  /* The backend's state as JSON: providers known, their health and circuit state, wallet address.
   * *json_out is freed with free_string. */
  zg_status (*health)(zg_backend *backend, char **json_out, zg_error *error);

  /* Frees a string returned by this plugin. NULL is a no-op. */
  void (*free_string)(char *text);

  /* Optional extensions by name, or NULL when the plugin has none by that name. */
  void *(*get_proc_address)(const char *name);
} zg_plugin_api;

/* ---- events (delivered to zg_host_api.on_event and to command hooks) ----------------------------
 * Each event is one JSON object with "event" set to one of the names below, "time" (RFC 3339) and
 * the request_id when it belongs to a request. Event names are only ever added.
 *   request.sending     {"provider","model","path"}
 *   response.received   {"provider","chat_id","http_status","bytes"}
 *   response.verified   {"provider","chat_id","outcome","reason"}
 *   usage.accounted     {"provider","prompt_tokens","completion_tokens","fee_neuron"}
 *   balance.low         {"provider","balance_neuron","threshold_neuron"}
 *   model.acknowledged  {"provider","task_id","root_hash"}
 *   model.decrypted     {"task_id","path"}
 *   model.imported      {"name","path"}
 */

/* ---- the two exported symbols ------------------------------------------------------------------- */

/* Picks the newest ABI version inside [host_min, host_max] that this plugin implements, writes it to
 * *agreed and returns ZG_OK, or returns ZG_E_VERSION when there is none (*agreed untouched).
 * Fails otherwise only for a NULL `agreed` (ZG_E_INVALID). */
ZG_PLUGIN_EXPORT zg_status zg_plugin_negotiate(zg_version host_min, zg_version host_max,
                                               zg_version *agreed);

/* The function table for a version zg_plugin_negotiate agreed to, or NULL for any other version. */
ZG_PLUGIN_EXPORT const zg_plugin_api *zg_plugin_get_api(zg_version agreed);

typedef zg_status (*zg_plugin_negotiate_fn)(zg_version, zg_version, zg_version *);
typedef const zg_plugin_api *(*zg_plugin_get_api_fn)(zg_version);

#ifdef __cplusplus
}
#endif

#endif /* ZG_PLUGIN_H */
