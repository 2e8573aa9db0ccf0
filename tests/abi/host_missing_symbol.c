/*
 * A host meets a library that is not a complete zg plugin (it exports zg_plugin_negotiate only) and a
 * path that is no library at all: it reports what is wrong and carries on, nothing crashes.
 * usage: abi_host_missing_symbol PATH/libzg_abi_only_negotiate.so PATH/lib0g.so
 */
#include "abi_host.h"

int main(int argc, char **argv) {
  abi_plugin plugin;
  char message[512];
  if (argc != 3) {
    fprintf(stderr, "usage: %s PATH/libzg_abi_only_negotiate.so PATH/lib0g.so\n", argv[0]);
    return 2;
  }

  message[0] = '\0';
  CHECK(abi_load(argv[1], &plugin, message, sizeof message) != 0, "a library without zg_plugin_get_api loaded");
  CHECK(strstr(message, "does not export zg_plugin_get_api") != NULL, "message: %s", message);
  CHECK(plugin.handle == NULL, "the incomplete library was left loaded");
  printf("host said: %s\n", message);

  message[0] = '\0';
  CHECK(abi_load("/nonexistent/lib0g.so", &plugin, message, sizeof message) != 0, "a missing file loaded");
  CHECK(strstr(message, "cannot load plugin /nonexistent/lib0g.so") != NULL, "message: %s", message);
  printf("host said: %s\n", message);

  /* The host still works afterwards: the real plugin loads and negotiates. */
  CHECK(abi_open(argv[2], &plugin) != NULL, "the real plugin after the failures");
  abi_unload(&plugin);
  return abi_report("abi_host_missing_symbol");
}
