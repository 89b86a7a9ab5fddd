/*
 * malloc_trim(0) for Node: hands the free pages inside glibc's main heap back to the kernel. free() only ever returns
 * the top of that heap, so after a burst of requests a quiet server keeps megabytes of freed but fragmented memory
 * (docs/live-status.md, "Memory after load"). No maintained npm package exposes this call; an FFI library to reach it
 * would cost more resident memory than it saves. Elsewhere than glibc this reports false and does nothing.
 */
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value Trim(napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#if defined(__GLIBC__)
  released = malloc_trim(0);
#endif
  napi_value result;
  napi_get_boolean(env, released != 0, &result);
  return result;
}

static napi_value Supported(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
#if defined(__GLIBC__)
  napi_get_boolean(env, true, &result);
#else
  napi_get_boolean(env, false, &result);
#endif
  return result;
}

NAPI_MODULE_INIT() {
  napi_value trim, supported;
  napi_create_function(env, "trim", NAPI_AUTO_LENGTH, Trim, NULL, &trim);
  napi_create_function(env, "supported", NAPI_AUTO_LENGTH, Supported, NULL, &supported);
  napi_set_named_property(env, exports, "trim", trim);
  napi_set_named_property(env, exports, "supported", supported);
  return exports;
}
