/*
 * Bad input through every door of the ABI: invalid or hostile config JSON, NULL pointers, short
 * tables, bad import specs, and (with a devnet) malformed requests and an unknown model. Each must
 * come back as a clear status, HTTP status and message, and never crash the host.
 * usage: abi_host_bad_inputs PATH/lib0g.so [DEVNET_FILE]    (with a devnet: key in $ZG_PRIVATE_KEY)
 */
#include "abi_host.h"

/* Expects `status` with `code` and a message containing `needle`. */
#define EXPECT_FAILURE(status, error, code_, http_, needle)                                                      \
  do {                                                                                                          \
    CHECK((status) == (code_), "status %d, wanted %d (%s)", (int)(status), (int)(code_), (error).message);      \
    CHECK((error).code == (code_), "error.code %d", (int)(error).code);                                        \
    CHECK((error).http_status == (http_), "http_status %d, wanted %d", (int)(error).http_status, (int)(http_)); \
    CHECK(strstr((error).message, (needle)) != NULL, "message '%s' lacks '%s'", (error).message, (needle));    \
  } while (0)

static void bad_configs(const zg_plugin_api *api) {
  zg_backend *backend = (zg_backend *)&backend; /* must be reset to NULL on failure */
  zg_error error = abi_new_error();
  zg_status status;
  size_t i;
  char *deep;

  status = api->create(NULL, "{\"network\": loc", 15, &backend, &error);
  EXPECT_FAILURE(status, error, ZG_E_INVALID, 400, "config is not valid JSON");
  CHECK(backend == NULL, "out not reset to NULL on failure");
  printf("bad JSON: %s\n", error.message);

  error = abi_new_error();
  status = api->create(NULL, "[1,2]", 5, &backend, &error);
  EXPECT_FAILURE(status, error, ZG_E_INVALID, 400, "config must be a JSON object");

  error = abi_new_error();
  status = api->create(NULL, "{\"a\":1}\0garbage", 15, &backend, &error);
  EXPECT_FAILURE(status, error, ZG_E_INVALID, 400, "config is not valid JSON");

  /* 100000 nested arrays: refused, not a stack overflow. */
  deep = malloc(200001);
  CHECK(deep != NULL, "malloc");
  if (deep != NULL) {
    for (i = 0; i < 100000; ++i) deep[i] = '[';
    for (i = 100000; i < 200000; ++i) deep[i] = ']';
    deep[200000] = '\0';
    error = abi_new_error();
    status = api->create(NULL, deep, 200000, &backend, &error);
    EXPECT_FAILURE(status, error, ZG_E_INVALID, 400, "nested more than");
    free(deep);
  }

  error = abi_new_error();
  status = api->create(NULL, NULL, 7, &backend, &error);
  EXPECT_FAILURE(status, error, ZG_E_INVALID, 400, "config is NULL");

  error = abi_new_error();
  status = api->create(NULL, "{}", 2, NULL, &error);
  EXPECT_FAILURE(status, error, ZG_E_INVALID, 400, "out is NULL");

  error = abi_new_error();
  status = api->create(NULL, "{\"network\":\"atlantis\"}", 22, &backend, &error);
  CHECK(status != ZG_OK && backend == NULL, "an unknown network was accepted");
  CHECK(error.message[0] != '\0', "no message for an unknown network");
  printf("unknown network: %d %s\n", status, error.message);

  /* Without a zg_error at all the status still says what happened. */
  CHECK(api->create(NULL, "nope", 4, &backend, NULL) == ZG_E_INVALID, "no error struct");
}

static void null_pointers(const zg_plugin_api *api) {
  zg_error error = abi_new_error();
  char *out = (char *)&out;
  zg_request request;
  zg_response_sink sink;
  memset(&request, 0, sizeof request);
  memset(&sink, 0, sizeof sink);

  EXPECT_FAILURE(api->list_models(NULL, &out, &error), error, ZG_E_INVALID, 400, "backend is NULL");
  CHECK(out == NULL, "json_out not reset on failure");
  error = abi_new_error();
  EXPECT_FAILURE(api->health(NULL, &out, &error), error, ZG_E_INVALID, 400, "backend is NULL");
  error = abi_new_error();
  EXPECT_FAILURE(api->request(NULL, &request, &sink, &error), error, ZG_E_INVALID, 400, "backend is NULL");
  CHECK(api->list_models(NULL, NULL, NULL) == ZG_E_INVALID, "all NULL");
  CHECK(api->request(NULL, NULL, NULL, NULL) == ZG_E_INVALID, "all NULL");
  error = abi_new_error();
  EXPECT_FAILURE(api->import_model(NULL, "{}", 2, NULL, &error), error, ZG_E_INVALID, 400, "result_json is NULL");
  api->cancel(NULL, 1);
  api->destroy(NULL);
  api->free_string(NULL);
}

/* The plugin writes only what the caller's zg_error.struct_size covers. */
static void short_error_structs(const zg_plugin_api *api) {
  zg_error error;
  char *out = NULL;
  memset(&error, 'X', sizeof error);
  error.struct_size = (uint32_t)(offsetof(zg_error, message) + 8);
  CHECK(api->list_models(NULL, &out, &error) == ZG_E_INVALID, "status");
  CHECK(error.code == ZG_E_INVALID && error.http_status == 400, "code %d http %d", error.code, error.http_status);
  CHECK(strlen(error.message) == 7 && error.message[8] == 'X', "message not cut to the 8 bytes it has");

  memset(&error, 'X', sizeof error);
  error.struct_size = (uint32_t)(offsetof(zg_error, http_status) + sizeof error.http_status);
  CHECK(api->list_models(NULL, &out, &error) == ZG_E_INVALID, "status");
  CHECK(error.code == ZG_E_INVALID && error.http_status == 400 && error.message[0] == 'X', "short error overwritten");

  memset(&error, 'X', sizeof error);
  error.struct_size = 0;
  CHECK(api->list_models(NULL, &out, &error) == ZG_E_INVALID, "status");
  CHECK(error.message[0] == 'X' && error.code != ZG_E_INVALID, "an error with struct_size 0 was written");
}

/* True when `text` is well-formed UTF-8 (no sequence cut short). */
static int valid_utf8(const unsigned char *text) {
  while (*text != 0) {
    int extra = *text < 0x80 ? 0 : (*text & 0xE0) == 0xC0 ? 1 : (*text & 0xF0) == 0xE0 ? 2 : (*text & 0xF8) == 0xF0 ? 3 : -1;
    if (extra < 0) return 0;
    for (++text; extra > 0; --extra, ++text) {
      if ((*text & 0xC0) != 0x80) return 0;
    }
  }
  return 1;
}

/* A message longer than zg_error.message is cut to fit, at a character boundary. */
static void long_messages(const zg_plugin_api *api) {
  char spec[2048];
  char path[1400];
  char *result = NULL;
  zg_error error = abi_new_error();
  size_t i;
  strcpy(path, "/nonexistent/");
  for (i = 0; i < 600; ++i) strcat(path, "\xc3\xa9"); /* 600 x U+00E9: 1200 bytes */
  snprintf(spec, sizeof spec, "{\"source\":\"%s\",\"name\":\"m\",\"models_dir\":\"/tmp\"}", path);
  CHECK(api->import_model(NULL, spec, strlen(spec), &result, &error) == ZG_E_NOT_FOUND, "status %d", error.code);
  CHECK(strlen(error.message) <= sizeof error.message - 1 && strlen(error.message) >= sizeof error.message - 4,
        "message of %zu bytes", strlen(error.message));
  CHECK(valid_utf8((const unsigned char *)error.message), "the message was cut inside a UTF-8 character");
}

static void bad_import_specs(const zg_plugin_api *api) {
  char *result = (char *)&result;
  zg_error error = abi_new_error();
  const char *spec;

  spec = "{\"source\":\"/etc/hostname\",\"name\":\"../escape\",\"models_dir\":\"/tmp\"}";
  EXPECT_FAILURE(api->import_model(NULL, spec, strlen(spec), &result, &error), error, ZG_E_INVALID, 400, "is not allowed");
  CHECK(result == NULL, "result not reset on failure");
  printf("bad name: %s\n", error.message);
  error = abi_new_error();
  spec = "{\"source\":\"/etc/hostname\",\"name\":\"a/b\",\"models_dir\":\"/tmp\"}";
  EXPECT_FAILURE(api->import_model(NULL, spec, strlen(spec), &result, &error), error, ZG_E_INVALID, 400, "is not allowed");
  error = abi_new_error();
  spec = "{\"source\":\"/nonexistent/model.gguf\",\"name\":\"m\",\"models_dir\":\"/tmp\"}";
  EXPECT_FAILURE(api->import_model(NULL, spec, strlen(spec), &result, &error), error, ZG_E_NOT_FOUND, 404, "does not exist");
  error = abi_new_error();
  spec = "{\"name\":\"m\",\"models_dir\":\"/tmp\"}";
  EXPECT_FAILURE(api->import_model(NULL, spec, strlen(spec), &result, &error), error, ZG_E_INVALID, 400, "\"source\" is missing");
  error = abi_new_error();
  EXPECT_FAILURE(api->import_model(NULL, "{", 1, &result, &error), error, ZG_E_INVALID, 400, "import spec is not valid JSON");
}

typedef struct done_counter {
  int dones;
  int chunks;
  zg_status status;
} done_counter;

static int32_t count_data(void *user, const char *data, size_t len) {
  (void)data;
  (void)len;
  ++((done_counter *)user)->chunks;
  return 0;
}

static void count_done(void *user, zg_status status, const char *summary, size_t len) {
  done_counter *counter = user;
  (void)summary;
  (void)len;
  ++counter->dones;
  counter->status = status;
}

static zg_status send_request(const zg_plugin_api *api, zg_backend *backend, zg_request *request, zg_response_sink *sink,
                      zg_error *error, done_counter *counter) {
  memset(counter, 0, sizeof *counter);
  *error = abi_new_error();
  return api->request(backend, request, sink, error);
}

static void bad_requests(const zg_plugin_api *api, const char *devnet_file) {
  zg_backend *backend = NULL;
  zg_error error = abi_new_error();
  char config[1024];
  zg_request request;
  zg_response_sink sink;
  done_counter counter;
  const char *unknown = "{\"model\":\"0g/no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  const char *not_json = "{\"model\":\"0g/zg-sim-1\",";
  char *out = NULL;

  abi_devnet_config(config, sizeof config, devnet_file);
  CHECK(api->create(NULL, config, strlen(config), &backend, &error) == ZG_OK, "create: %s", error.message);
  if (backend == NULL) return;
  memset(&sink, 0, sizeof sink);
  sink.struct_size = sizeof sink;
  sink.user = &counter;
  sink.on_data = count_data;
  sink.on_done = count_done;
  memset(&request, 0, sizeof request);
  request.struct_size = sizeof request;
  request.request_id = 21;
  request.path = "/v1/chat/completions";
  request.body = unknown;
  request.body_len = strlen(unknown);

  EXPECT_FAILURE(send_request(api, backend, &request, &sink, &error, &counter), error, ZG_E_NOT_FOUND, 404, "no-such-model");
  CHECK(counter.dones == 1 && counter.status == ZG_E_NOT_FOUND && counter.chunks == 0, "unknown model: done %d/%d chunks %d",
        counter.dones, counter.status, counter.chunks);
  printf("unknown model: %s\n", error.message);

  request.body = not_json;
  request.body_len = strlen(not_json);
  send_request(api, backend, &request, &sink, &error, &counter);
  CHECK(error.code == ZG_E_INVALID && error.http_status == 400 && error.message[0] != '\0', "body not JSON: %d %d %s",
        error.code, error.http_status, error.message);
  printf("body not JSON: %s\n", error.message);

  EXPECT_FAILURE(send_request(api, backend, NULL, &sink, &error, &counter), error, ZG_E_INVALID, 400, "request is NULL");
  CHECK(counter.dones == 1 && counter.status == ZG_E_INVALID, "on_done for a NULL request");
  EXPECT_FAILURE(send_request(api, backend, &request, NULL, &error, &counter), error, ZG_E_INVALID, 400, "sink is NULL");
  sink.on_data = NULL;
  EXPECT_FAILURE(send_request(api, backend, &request, &sink, &error, &counter), error, ZG_E_INVALID, 400, "on_data is NULL");
  sink.on_data = count_data;
  sink.struct_size = (uint32_t)offsetof(zg_response_sink, on_data); /* a sink too short to hold on_data */
  EXPECT_FAILURE(send_request(api, backend, &request, &sink, &error, &counter), error, ZG_E_INVALID, 400, "on_data is NULL");
  sink.struct_size = sizeof sink;
  request.request_id = 0;
  EXPECT_FAILURE(send_request(api, backend, &request, &sink, &error, &counter), error, ZG_E_INVALID, 400, "request_id must be nonzero");
  request.request_id = 22;
  request.path = NULL;
  EXPECT_FAILURE(send_request(api, backend, &request, &sink, &error, &counter), error, ZG_E_INVALID, 400, "request.path is NULL");
  request.path = "/v1/chat/completions";
  request.body = NULL;
  request.body_len = 3;
  EXPECT_FAILURE(send_request(api, backend, &request, &sink, &error, &counter), error, ZG_E_INVALID, 400, "request.body is NULL");
  request.struct_size = (uint32_t)offsetof(zg_request, body);
  EXPECT_FAILURE(send_request(api, backend, &request, &sink, &error, &counter), error, ZG_E_INVALID, 400, "request.struct_size");

  error = abi_new_error();
  EXPECT_FAILURE(api->list_models(backend, NULL, &error), error, ZG_E_INVALID, 400, "json_out is NULL");
  error = abi_new_error();
  CHECK(api->health(backend, &out, &error) == ZG_OK && out != NULL, "health: %s", error.message);
  printf("health: %s\n", out);
  api->free_string(out);
  api->destroy(backend);
}

int main(int argc, char **argv) {
  abi_plugin plugin;
  const zg_plugin_api *api;
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: %s PATH/lib0g.so [DEVNET_FILE]\n", argv[0]);
    return 2;
  }
  api = abi_open(argv[1], &plugin);
  if (api == NULL) return abi_report("abi_host_bad_inputs");
  bad_configs(api);
  null_pointers(api);
  short_error_structs(api);
  bad_import_specs(api);
  long_messages(api);
  if (argc == 3) bad_requests(api, argv[2]);
  abi_unload(&plugin);
  return abi_report("abi_host_bad_inputs");
}
