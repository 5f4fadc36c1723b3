/* Accept-path helpers for the sync worker class (see src/worker/ and docs/architecture.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include "addon.h"

/* dupCloexec(fd): a second descriptor for the same socket, close-on-exec. */
static napi_value dup_cloexec(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "dupCloexec(fd: number)");
    return NULL;
  }
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return tsgun_throw_errno(env, errno, "fcntl");
  napi_value result;
  napi_create_int32(env, copy, &result);
  return result;
}

void tsgun_register_accept(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "dupCloexec", NAPI_AUTO_LENGTH, dup_cloexec, NULL, &fn);
  napi_set_named_property(env, exports, "dupCloexec", fn);
}
