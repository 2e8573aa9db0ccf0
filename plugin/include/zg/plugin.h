/*
 * zg/plugin.h: the C ABI of lib0g.so, the "0g" backend plugin.
 *
 * This header is pure C. The function tables, version negotiation and host services are added by
 * the plugin issue; until then it only names the ABI version this build implements.
 */
#ifndef ZG_PLUGIN_H
#define ZG_PLUGIN_H

#define ZG_PLUGIN_ABI_VERSION_MAJOR 0
#define ZG_PLUGIN_ABI_VERSION_MINOR 1

#endif /* ZG_PLUGIN_H */
