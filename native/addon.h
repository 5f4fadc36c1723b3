/* tsgun's optional native helper: what Node has no API for. Each part registers its functions. */
#ifndef TSGUN_ADDON_H
#define TSGUN_ADDON_H
#include <node_api.h>

/* Throws a JS Error with `code` set to the errno name (like Node's own system errors); returns NULL. */
napi_value tsgun_throw_errno(napi_env env, int err, const char *syscall);

void tsgun_register_accept(napi_env env, napi_value exports); /* accept.c */
void tsgun_register_notify(napi_env env, napi_value exports); /* notify.c */
#endif
