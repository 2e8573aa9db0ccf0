/*
 * Version negotiation as hosts of other ABI generations see it: a host that only speaks major 0 (too
 * old) or major 2 (too new) gets ZG_E_VERSION and no table; a host whose range reaches past the
 * plugin gets the plugin's newest; get_api hands out only what negotiate agreed to.
 * usage: abi_host_versions PATH/lib0g.so
 */
#include "abi_host.h"

static zg_version v(uint32_t major, uint32_t minor) {
  zg_version version;
  version.major = major;
  version.minor = minor;
  return version;
}

static void refused(abi_plugin *plugin, zg_version min, zg_version max, const char *what) {
  zg_version agreed = {77, 77};
  CHECK(plugin->negotiate(min, max, &agreed) == ZG_E_VERSION, "%s: not ZG_E_VERSION", what);
  CHECK(agreed.major == 77 && agreed.minor == 77, "%s: agreed was written (%u.%u)", what, agreed.major, agreed.minor);
  CHECK(plugin->get_api(min) == NULL && plugin->get_api(max) == NULL, "%s: a table was handed out", what);
}

int main(int argc, char **argv) {
  abi_plugin plugin;
  char message[512];
  zg_version agreed = {0, 0};
  const uint32_t newest_minor = ZG_PLUGIN_ABI_VERSION_MINOR;
  if (argc != 2) {
    fprintf(stderr, "usage: %s PATH/lib0g.so\n", argv[0]);
    return 2;
  }
  if (abi_load(argv[1], &plugin, message, sizeof message) != 0) {
    fprintf(stderr, "%s\n", message);
    return 1;
  }

  /* Nothing was agreed yet: no table for any version, not even the plugin's own. */
  CHECK(plugin.get_api(v(1, 0)) == NULL, "get_api(1.0) before any negotiation");

  refused(&plugin, v(0, 0), v(0, 9), "a host of major 0 only");
  refused(&plugin, v(2, 0), v(2, 3), "a host of major 2 only");
  refused(&plugin, v(1, newest_minor + 1), v(1, newest_minor + 5), "a host needing a newer 1.x minor");
  refused(&plugin, v(1, newest_minor), v(0, 5), "an inverted range");
  CHECK(plugin.negotiate(v(1, 0), v(1, 0), NULL) == ZG_E_INVALID, "NULL agreed");
  CHECK(plugin.get_api(v(1, 0)) == NULL, "get_api(1.0) after refused negotiations only");

  /* A host from the future that still speaks 1.x: the plugin's newest 1.x. */
  CHECK(plugin.negotiate(v(1, 0), v(3, 1), &agreed) == ZG_OK, "1.0..3.1 refused");
  CHECK(agreed.major == 1 && agreed.minor == newest_minor, "1.0..3.1 agreed %u.%u", agreed.major, agreed.minor);
  {
    const zg_plugin_api *api = plugin.get_api(agreed);
    CHECK(api != NULL, "no table for the agreed %u.%u", agreed.major, agreed.minor);
    if (api != NULL) {
      CHECK(api->struct_size == sizeof(zg_plugin_api), "struct_size %u", api->struct_size);
      CHECK(api->version.major == 1 && api->version.minor == newest_minor, "table version %u.%u", api->version.major,
            api->version.minor);
      CHECK(strcmp(api->name, "0g") == 0 && api->plugin_version != NULL && api->plugin_version[0] != '\0', "identity");
      CHECK(api->get_proc_address("no_such_extension") == NULL, "unknown extension");
      CHECK(api->get_proc_address(NULL) == NULL, "NULL extension name");
    }
  }
  CHECK(plugin.get_api(v(1, newest_minor + 1)) == NULL, "a minor the plugin does not implement");
  CHECK(plugin.get_api(v(2, 0)) == NULL, "major 2");

  /* A host of exactly 1.0 gets 1.0. */
  CHECK(plugin.negotiate(v(1, 0), v(1, 0), &agreed) == ZG_OK && agreed.major == 1 && agreed.minor == 0, "1.0..1.0");
  CHECK(plugin.get_api(v(1, 0)) != NULL, "no table for the agreed 1.0");

  abi_unload(&plugin);
  return abi_report("abi_host_versions");
}
