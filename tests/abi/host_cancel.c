/*
 * Requests stopped mid-stream, on a devnet with the provider simulator:
 *   1. the sink answers nonzero to the first chunk: ZG_E_CANCELLED, no second chunk;
 *   2. another thread calls cancel() while the first chunk is being delivered: ZG_E_CANCELLED, and
 *      no chunk reaches the sink once cancel() has returned.
 * In both, on_done comes once with the cancelled status, and nothing at all arrives after request()
 * returned. 3. destroy() while a request streams on another thread cancels it and waits for it.
 * usage: abi_host_cancel PATH/lib0g.so DEVNET_FILE    (wallet key in $ZG_PRIVATE_KEY)
 */
#include <pthread.h>
#include <time.h>

#include "abi_host.h"

typedef struct cancel_state {
  pthread_mutex_t mutex;
  pthread_cond_t changed;
  int stop_in_sink;       /* case 1: answer nonzero to the first chunk */
  int first_chunk_seen;   /* case 2: the canceller waits for this */
  int cancel_returned;    /* case 2: the sink waits for this before it returns */
  int chunks;
  int chunks_after_cancel;
  int dones;
  zg_status done_status;
  abi_buffer summary;
  int callbacks;  /* every callback, to see that none comes after request() returned */
} cancel_state;

typedef struct canceller {
  const zg_plugin_api *api;
  zg_backend *backend;
  uint64_t request_id;
  cancel_state *state;
} canceller;

static int32_t on_data(void *user, const char *data, size_t len) {
  cancel_state *state = user;
  (void)data;
  (void)len;
  pthread_mutex_lock(&state->mutex);
  ++state->callbacks;
  ++state->chunks;
  if (state->cancel_returned) ++state->chunks_after_cancel;
  if (state->chunks == 1 && !state->stop_in_sink) {
    /* Hold the stream at its first chunk until the other thread's cancel() has returned. */
    state->first_chunk_seen = 1;
    pthread_cond_broadcast(&state->changed);
    while (!state->cancel_returned) pthread_cond_wait(&state->changed, &state->mutex);
  }
  pthread_mutex_unlock(&state->mutex);
  return state->stop_in_sink ? 1 : 0;
}

static void on_done(void *user, zg_status status, const char *summary_json, size_t summary_len) {
  cancel_state *state = user;
  pthread_mutex_lock(&state->mutex);
  ++state->callbacks;
  ++state->dones;
  state->done_status = status;
  abi_buffer_append(&state->summary, summary_json, summary_len);
  pthread_mutex_unlock(&state->mutex);
}

static void *cancel_when_streaming(void *arg) {
  canceller *c = arg;
  pthread_mutex_lock(&c->state->mutex);
  while (!c->state->first_chunk_seen) pthread_cond_wait(&c->state->changed, &c->state->mutex);
  pthread_mutex_unlock(&c->state->mutex);
  c->api->cancel(c->backend, c->request_id);
  pthread_mutex_lock(&c->state->mutex);
  c->state->cancel_returned = 1;
  pthread_cond_broadcast(&c->state->changed);
  pthread_mutex_unlock(&c->state->mutex);
  return NULL;
}

static const char *kChat =
    "{\"model\":\"0g/zg-sim-1\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
    "\"one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen\"}]}";

static zg_status run(const zg_plugin_api *api, zg_backend *backend, uint64_t id, cancel_state *state, zg_error *error) {
  zg_response_sink sink;
  zg_request request;
  memset(&sink, 0, sizeof sink);
  sink.struct_size = sizeof sink;
  sink.user = state;
  sink.on_data = on_data;
  sink.on_done = on_done;
  memset(&request, 0, sizeof request);
  request.struct_size = sizeof request;
  request.request_id = id;
  request.path = "/v1/chat/completions";
  request.body = kChat;
  request.body_len = strlen(kChat);
  return api->request(backend, &request, &sink, error);
}

/* Nothing may reach the sink once request() returned: look again after a pause. */
static void expect_quiet_after_return(cancel_state *state, int callbacks_at_return, const char *what) {
  struct timespec pause = {0, 300 * 1000 * 1000};
  nanosleep(&pause, NULL);
  pthread_mutex_lock(&state->mutex);
  CHECK(state->callbacks == callbacks_at_return, "%s: %d callback(s) after request() returned", what,
        state->callbacks - callbacks_at_return);
  pthread_mutex_unlock(&state->mutex);
}

static void init_state(cancel_state *state, int stop_in_sink) {
  memset(state, 0, sizeof *state);
  pthread_mutex_init(&state->mutex, NULL);
  pthread_cond_init(&state->changed, NULL);
  state->stop_in_sink = stop_in_sink;
}

static void free_state(cancel_state *state) {
  abi_buffer_free(&state->summary);
  pthread_cond_destroy(&state->changed);
  pthread_mutex_destroy(&state->mutex);
}

static void sink_stops_after_first_chunk(const zg_plugin_api *api, zg_backend *backend) {
  cancel_state state;
  zg_error error = abi_new_error();
  zg_status status;
  int callbacks;
  init_state(&state, 1);
  status = run(api, backend, 11, &state, &error);
  pthread_mutex_lock(&state.mutex);
  callbacks = state.callbacks;
  pthread_mutex_unlock(&state.mutex);
  CHECK(status == ZG_E_CANCELLED, "sink stop: status %d %s", status, error.message);
  CHECK(error.code == ZG_E_CANCELLED && error.message[0] != '\0', "sink stop: error %d '%s'", error.code, error.message);
  CHECK(state.chunks == 1, "sink stop: %d chunks after the sink said stop at the first", state.chunks);
  CHECK(state.dones == 1 && state.done_status == ZG_E_CANCELLED, "sink stop: on_done %d times, status %d", state.dones,
        state.done_status);
  CHECK(state.summary.data != NULL && strstr(state.summary.data, "\"status\":\"cancelled\"") != NULL, "summary %s",
        state.summary.data);
  expect_quiet_after_return(&state, callbacks, "sink stop");
  printf("sink stop: %s (%s)\n", error.message, state.summary.data);
  free_state(&state);
}

static void cancel_from_another_thread(const zg_plugin_api *api, zg_backend *backend) {
  cancel_state state;
  canceller c;
  pthread_t thread;
  zg_error error = abi_new_error();
  zg_status status;
  int callbacks;
  init_state(&state, 0);
  c.api = api;
  c.backend = backend;
  c.request_id = 12;
  c.state = &state;
  CHECK(pthread_create(&thread, NULL, cancel_when_streaming, &c) == 0, "pthread_create");
  status = run(api, backend, 12, &state, &error);
  pthread_mutex_lock(&state.mutex);
  callbacks = state.callbacks;
  if (!state.first_chunk_seen) { /* the request failed before streaming: free the canceller */
    state.first_chunk_seen = 1;
    pthread_cond_broadcast(&state.changed);
  }
  pthread_mutex_unlock(&state.mutex);
  pthread_join(thread, NULL);
  CHECK(status == ZG_E_CANCELLED, "cancel(): status %d %s", status, error.message);
  CHECK(state.chunks == 1, "cancel(): %d chunks", state.chunks);
  CHECK(state.chunks_after_cancel == 0, "cancel(): %d chunks after cancel() returned", state.chunks_after_cancel);
  CHECK(state.dones == 1 && state.done_status == ZG_E_CANCELLED, "cancel(): on_done %d times, status %d", state.dones,
        state.done_status);
  expect_quiet_after_return(&state, callbacks, "cancel()");
  printf("cancel(): %s (%s)\n", error.message, state.summary.data);
  free_state(&state);
}

/* destroy() while a request streams on another thread: the request is cancelled and has returned
 * before destroy() returns. */
typedef struct destroy_race {
  const zg_plugin_api *api;
  zg_backend *backend;
  cancel_state *state;
  zg_status status;
  int returned;
} destroy_race;

static int32_t slow_data(void *user, const char *data, size_t len) {
  cancel_state *state = user;
  struct timespec pause = {0, 50 * 1000 * 1000};
  (void)data;
  (void)len;
  pthread_mutex_lock(&state->mutex);
  ++state->chunks;
  state->first_chunk_seen = 1;
  pthread_cond_broadcast(&state->changed);
  pthread_mutex_unlock(&state->mutex);
  nanosleep(&pause, NULL); /* a slow client: the stream is still going when destroy() comes */
  return 0;
}

static void *request_in_background(void *arg) {
  destroy_race *race = arg;
  zg_response_sink sink;
  zg_request request;
  zg_error error = abi_new_error();
  memset(&sink, 0, sizeof sink);
  sink.struct_size = sizeof sink;
  sink.user = race->state;
  sink.on_data = slow_data;
  memset(&request, 0, sizeof request);
  request.struct_size = sizeof request;
  request.request_id = 31;
  request.path = "/v1/chat/completions";
  request.body = kChat;
  request.body_len = strlen(kChat);
  race->status = race->api->request(race->backend, &request, &sink, &error);
  pthread_mutex_lock(&race->state->mutex);
  race->returned = 1;
  race->state->first_chunk_seen = 1; /* frees main() even when the request failed early */
  pthread_cond_broadcast(&race->state->changed);
  pthread_mutex_unlock(&race->state->mutex);
  return NULL;
}

static void destroy_while_streaming(const zg_plugin_api *api, const char *config) {
  cancel_state state;
  destroy_race race;
  pthread_t thread;
  zg_error error = abi_new_error();
  int returned_before_destroy_ended;
  memset(&race, 0, sizeof race);
  init_state(&state, 0);
  race.api = api;
  race.state = &state;
  CHECK(api->create(NULL, config, strlen(config), &race.backend, &error) == ZG_OK, "create: %s", error.message);
  if (race.backend == NULL) return;
  CHECK(pthread_create(&thread, NULL, request_in_background, &race) == 0, "pthread_create");
  pthread_mutex_lock(&state.mutex);
  while (!state.first_chunk_seen) pthread_cond_wait(&state.changed, &state.mutex);
  pthread_mutex_unlock(&state.mutex);
  api->destroy(race.backend);
  pthread_mutex_lock(&state.mutex);
  returned_before_destroy_ended = race.returned;
  pthread_mutex_unlock(&state.mutex);
  pthread_join(thread, NULL);
  CHECK(returned_before_destroy_ended, "destroy() returned while request() was still inside the plugin");
  CHECK(race.status == ZG_E_CANCELLED, "destroy(): the streaming request ended with %d", race.status);
  CHECK(state.chunks >= 1 && state.chunks < 10, "destroy(): %d chunks (not cut short)", state.chunks);
  printf("destroy(): request cancelled after %d chunk(s)\n", state.chunks);
  free_state(&state);
}

int main(int argc, char **argv) {
  abi_plugin plugin;
  const zg_plugin_api *api;
  zg_backend *backend = NULL;
  zg_error error = abi_new_error();
  char config[1024];
  zg_status status;
  if (argc != 3) {
    fprintf(stderr, "usage: %s PATH/lib0g.so DEVNET_FILE\n", argv[0]);
    return 2;
  }
  api = abi_open(argv[1], &plugin);
  if (api == NULL) return abi_report("abi_host_cancel");
  abi_devnet_config(config, sizeof config, argv[2]);
  status = api->create(NULL, config, strlen(config), &backend, &error);
  CHECK(status == ZG_OK && backend != NULL, "create: status %d %s", status, error.message);
  if (backend != NULL) {
    sink_stops_after_first_chunk(api, backend);
    cancel_from_another_thread(api, backend);
    api->cancel(backend, 999); /* unknown id: ignored */
    api->destroy(backend);
  }
  destroy_while_streaming(api, config);
  abi_unload(&plugin);
  return abi_report("abi_host_cancel");
}
