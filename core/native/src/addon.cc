// mlxv_native: shared memory regions and the hot pixel loops for the mlxvideo core.
// JS side: core/src/native/addon.ts (loader and types); daemon/native.ts wraps shared memory.
#include "native.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  mlxv::InitShm(env, exports);
  mlxv::InitPixels(env, exports);
  mlxv::InitPlanes(env, exports);
  return exports;
}

NODE_API_MODULE(mlxv_native, Init)
