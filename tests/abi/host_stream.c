/*
 * The whole path a plain C host takes, on a devnet with the provider simulator: dlopen, negotiate,
 * get_api, create from a JSON config, list_models, then one streamed chat whose SSE chunks arrive
 * through the sink, end with "data: [DONE]", and whose on_done summary says the answer verified.
 * usage: abi_host_stream PATH/lib0g.so DEVNET_FILE    (wallet key in $ZG_PRIVATE_KEY)
 */
#include "abi_host.h"

typedef struct stream_state {
  int heads;
  int32_t head_status;
  abi_buffer head;
  int chunks;
  int data_before_head;
  abi_buffer body;
  int dones;
  zg_status done_status;
  abi_buffer summary;
} stream_state;

static int32_t on_head(void *user, int32_t http_status, const char *head_json, size_t head_len) {
  stream_state *state = user;
  ++state->heads;
  state->head_status = http_status;
  abi_buffer_append(&state->head, head_json, head_len);
  return 0;
}

static int32_t on_data(void *user, const char *data, size_t len) {
  stream_state *state = user;
  if (state->heads == 0) ++state->data_before_head;
  ++state->chunks;
  abi_buffer_append(&state->body, data, len);
  return 0;
}

static void on_done(void *user, zg_status status, const char *summary_json, size_t summary_len) {
  stream_state *state = user;
  ++state->dones;
  state->done_status = status;
  abi_buffer_append(&state->summary, summary_json, summary_len);
}

static const char *kChat =
    "{\"model\":\"0g/zg-sim-1\",\"stream\":true,"
    "\"messages\":[{\"role\":\"user\",\"content\":\"hello from a plain C host over the 0G ABI\"}]}";

static void streamed_chat(const zg_plugin_api *api, zg_backend *backend) {
  stream_state state;
  zg_response_sink sink;
  zg_request request;
  zg_error error = abi_new_error();
  zg_status status;
  const char *done;
  memset(&state, 0, sizeof state);
  memset(&sink, 0, sizeof sink);
  sink.struct_size = sizeof sink;
  sink.user = &state;
  sink.on_head = on_head;
  sink.on_data = on_data;
  sink.on_done = on_done;
  memset(&request, 0, sizeof request);
  request.struct_size = sizeof request;
  request.request_id = 1;
  request.path = "/v1/chat/completions";
  request.body = kChat;
  request.body_len = strlen(kChat);

  status = api->request(backend, &request, &sink, &error);
  CHECK(status == ZG_OK, "request: status %d (%d) %s", status, error.http_status, error.message);
  CHECK(state.heads == 1, "on_head called %d times", state.heads);
  CHECK(state.head_status == 200, "head status %d", state.head_status);
  CHECK(state.head.data != NULL && strstr(state.head.data, "text/event-stream") != NULL, "head %s", state.head.data);
  CHECK(state.data_before_head == 0, "%d chunks before on_head", state.data_before_head);
  CHECK(state.chunks >= 2, "only %d chunk(s): not streamed", state.chunks);
  CHECK(state.body.data != NULL && strstr(state.body.data, "data: {") == state.body.data, "body starts: %.80s",
        state.body.data);
  CHECK(state.body.data != NULL && strstr(state.body.data, "hello") != NULL, "the echo is missing: %s", state.body.data);
  done = state.body.data != NULL ? strstr(state.body.data, "data: [DONE]") : NULL;
  CHECK(done != NULL && strspn(done + strlen("data: [DONE]"), "\r\n") == strlen(done + strlen("data: [DONE]")),
        "the stream does not end with data: [DONE]: ...%s", state.body.size > 60 ? state.body.data + state.body.size - 60 : "");
  CHECK(state.dones == 1, "on_done called %d times", state.dones);
  CHECK(state.done_status == ZG_OK, "on_done status %d", state.done_status);
  CHECK(state.summary.data != NULL && strstr(state.summary.data, "\"status\":\"ok\"") != NULL, "summary %s",
        state.summary.data);
  CHECK(state.summary.data != NULL && strstr(state.summary.data, "\"outcome\":\"verified\"") != NULL, "summary %s",
        state.summary.data);
  printf("streamed %d chunks, %zu bytes; summary %s\n", state.chunks, state.body.size, state.summary.data);
  abi_buffer_free(&state.head);
  abi_buffer_free(&state.body);
  abi_buffer_free(&state.summary);
}

int main(int argc, char **argv) {
  abi_plugin plugin;
  const zg_plugin_api *api;
  zg_backend *backend = NULL;
  zg_error error = abi_new_error();
  char config[1024];
  char *models = NULL;
  zg_status status;
  if (argc != 3) {
    fprintf(stderr, "usage: %s PATH/lib0g.so DEVNET_FILE\n", argv[0]);
    return 2;
  }
  api = abi_open(argv[1], &plugin);
  if (api == NULL) return abi_report("abi_host_stream");

  abi_devnet_config(config, sizeof config, argv[2]);
  status = api->create(NULL, config, strlen(config), &backend, &error);
  CHECK(status == ZG_OK && backend != NULL, "create: status %d %s", status, error.message);
  if (backend != NULL) {
    status = api->list_models(backend, &models, &error);
    CHECK(status == ZG_OK && models != NULL, "list_models: status %d %s", status, error.message);
    CHECK(models != NULL && strstr(models, "\"object\":\"list\"") != NULL, "models %s", models);
    CHECK(models != NULL && strstr(models, "\"id\":\"0g/zg-sim-1\"") != NULL, "models %s", models);
    printf("models: %s\n", models);
    api->free_string(models);
    streamed_chat(api, backend);
    api->destroy(backend);
  }
  abi_unload(&plugin);
  return abi_report("abi_host_stream");
}
