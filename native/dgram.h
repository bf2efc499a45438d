/* Unix datagram sockets (dgram.c): define its functions on the addon's exports. Linux only. */
#ifndef EFFSUP_DGRAM_H
#define EFFSUP_DGRAM_H
#include <node_api.h>
napi_status dgram_define(napi_env env, napi_value exports);
#endif
