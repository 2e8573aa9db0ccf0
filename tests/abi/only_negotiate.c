/*
 * A broken plugin for the missing-symbol test: it exports zg_plugin_negotiate and nothing else, the
 * way a half-built or foreign library would look to a host.
 */
#include "zg/plugin.h"

zg_status zg_plugin_negotiate(zg_version host_min, zg_version host_max, zg_version *agreed) {
  (void)host_min;
  if (agreed == NULL) return ZG_E_INVALID;
  *agreed = host_max;
  return ZG_OK;
}
