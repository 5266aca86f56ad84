// Declarations shared by the addon's source files (core/native/src).
#pragma once
#include <napi.h>

namespace mlxv {
void InitShm(Napi::Env env, Napi::Object exports);
void InitPixels(Napi::Env env, Napi::Object exports);
void InitPlanes(Napi::Env env, Napi::Object exports);
}  // namespace mlxv
