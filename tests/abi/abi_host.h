/*
 * What every plain-C test host shares: loading a plugin with dlopen exactly as a third-party host
 * would (nothing linked but libdl and pthread), negotiating, a growable byte buffer for sinks, and
 * CHECK, which reports a failed expectation with its line and keeps going.
 */
#ifndef ZG_TESTS_ABI_HOST_H
#define ZG_TESTS_ABI_HOST_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zg/plugin.h"

static int abi_failures = 0;

#define CHECK(cond, ...)                                            \
  do {                                                              \
    if (!(cond)) {                                                  \
      ++abi_failures;                                               \
      fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                 \
      fputc('\n', stderr);                                          \
    }                                                               \
  } while (0)

/* The error struct a 1.0 host passes. */
static inline zg_error abi_new_error(void) {
  zg_error error;
  memset(&error, 0, sizeof error);
  error.struct_size = sizeof error;
  return error;
}

typedef struct abi_plugin {
  void *handle;
  zg_plugin_negotiate_fn negotiate;
  zg_plugin_get_api_fn get_api;
} abi_plugin;

/* ISO C has no conversion from void * to a function pointer; POSIX guarantees the bytes fit. */
static inline int abi_symbol(void *handle, const char *name, void *fn_out, size_t fn_size) {
  void *symbol;
  dlerror();
  symbol = dlsym(handle, name);
  if (symbol == NULL || fn_size != sizeof symbol) return -1;
  memcpy(fn_out, &symbol, fn_size);
  return 0;
}

/* Loads a plugin and resolves its two entry points. On failure returns -1 with a message for the
 * user in `message` (and unloads what it loaded). */
static inline int abi_load(const char *path, abi_plugin *plugin, char *message, size_t message_size) {
  memset(plugin, 0, sizeof *plugin);
  plugin->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (plugin->handle == NULL) {
    snprintf(message, message_size, "cannot load plugin %s: %s", path, dlerror());
    return -1;
  }
  if (abi_symbol(plugin->handle, "zg_plugin_negotiate", &plugin->negotiate, sizeof plugin->negotiate) != 0) {
    snprintf(message, message_size, "%s is not a zg plugin: it does not export zg_plugin_negotiate", path);
  } else if (abi_symbol(plugin->handle, "zg_plugin_get_api", &plugin->get_api, sizeof plugin->get_api) != 0) {
    snprintf(message, message_size, "%s is not a usable zg plugin: it does not export zg_plugin_get_api", path);
  } else {
    return 0;
  }
  dlclose(plugin->handle);
  plugin->handle = NULL;
  return -1;
}

static inline void abi_unload(abi_plugin *plugin) {
  if (plugin->handle != NULL) dlclose(plugin->handle);
  plugin->handle = NULL;
}

/* Loads, negotiates the range this header describes (1.0 .. 1.MINOR), and returns the table, or NULL
 * after a CHECK failure. */
static inline const zg_plugin_api *abi_open(const char *path, abi_plugin *plugin) {
  char message[512];
  zg_version min = {1, 0};
  zg_version max = {ZG_PLUGIN_ABI_VERSION_MAJOR, ZG_PLUGIN_ABI_VERSION_MINOR};
  zg_version agreed = {0, 0};
  const zg_plugin_api *api;
  if (abi_load(path, plugin, message, sizeof message) != 0) {
    CHECK(0, "%s", message);
    return NULL;
  }
  CHECK(plugin->negotiate(min, max, &agreed) == ZG_OK, "negotiate 1.0..1.%d", ZG_PLUGIN_ABI_VERSION_MINOR);
  api = plugin->get_api(agreed);
  CHECK(api != NULL, "get_api(%u.%u) gave no table", agreed.major, agreed.minor);
  if (api == NULL) return NULL;
  CHECK(api->version.major == agreed.major && api->version.minor == agreed.minor, "table version %u.%u",
        api->version.major, api->version.minor);
  CHECK(ZG_API_HAS(api, zg_plugin_api, get_proc_address), "table too small: %u", api->struct_size);
  CHECK(strcmp(api->name, "0g") == 0, "name %s", api->name);
  return api;
}

/* A growable byte buffer, NUL-terminated. */
typedef struct abi_buffer {
  char *data;
  size_t size;
} abi_buffer;

static inline void abi_buffer_append(abi_buffer *buffer, const char *data, size_t len) {
  char *grown = realloc(buffer->data, buffer->size + len + 1);
  if (grown == NULL) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  memcpy(grown + buffer->size, data, len);
  buffer->data = grown;
  buffer->size += len;
  buffer->data[buffer->size] = '\0';
}

static inline void abi_buffer_free(abi_buffer *buffer) {
  free(buffer->data);
  buffer->data = NULL;
  buffer->size = 0;
}

/* The plugin config for the devnet recorded in `devnet_file`, the wallet key in $ZG_PRIVATE_KEY. */
static inline void abi_devnet_config(char *out, size_t out_size, const char *devnet_file) {
  snprintf(out, out_size, "{\"network\":\"local\",\"devnet_state\":\"%s\",\"key_env\":\"ZG_PRIVATE_KEY\"}", devnet_file);
}

static inline int abi_report(const char *name) {
  if (abi_failures == 0) {
    printf("%s: all checks passed\n", name);
    return 0;
  }
  fprintf(stderr, "%s: %d check(s) failed\n", name, abi_failures);
  return 1;
}

#endif /* ZG_TESTS_ABI_HOST_H */
