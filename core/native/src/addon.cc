// mlxv_native: shared memory regions and the hot pixel loops for the mlxvideo core.
// JS side: core/src/daemon/native.ts (typed wrapper, TypeScript fallbacks for the pixel loops).
#include "native.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  mlxv::InitShm(env, exports);
  mlxv::InitPixels(env, exports);
  return exports;
}

NODE_API_MODULE(mlxv_native, Init)
