// lib0g.so: the C ABI over the core. It exports no symbol yet: the ABI entry points arrive with the
// plugin issue. The library is built and installed now so that packaging and hidden visibility are
// in place and checked from the start.
#include "zg/plugin.h"

static_assert(ZG_PLUGIN_ABI_VERSION_MAJOR == 1, "lib0g implements ABI 1.x");
