// Hot pixel loops: float RGBA rows with any row stride (negative = bottom-up, as OFX rowBytes may be)
// <-> planar NCHW tensors with per-channel normalisation. Arithmetic is done in double exactly like the
// TypeScript fallback in core/src/daemon/native.ts, so both give bit-identical floats.
#include "native.h"

#include <cmath>
#include <cstdint>

namespace mlxv {
namespace {

struct Norm {
  double k[3];   // multiply
  double b[3];   // then add
  bool bgr;
};

bool CheckRows(Napi::Env env, const char* fn, size_t length, int64_t offset, int64_t width, int64_t height, int64_t stride) {
  if (width <= 0 || height <= 0 || std::llabs(stride) < width * 4) {
    Napi::RangeError::New(env, std::string(fn) + ": bad width/height/stride").ThrowAsJavaScriptException();
    return false;
  }
  int64_t last = offset + (height - 1) * stride;
  int64_t lo = offset < last ? offset : last;
  int64_t hi = (offset > last ? offset : last) + width * 4;
  if (lo < 0 || hi > static_cast<int64_t>(length)) {
    Napi::RangeError::New(env, std::string(fn) + ": rows lie outside the buffer").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

int64_t I(const Napi::Value& v) { return static_cast<int64_t>(v.As<Napi::Number>().DoubleValue()); }

// (src, offset, width, height, stride, dst, channels, mean, std, scale, bgr)
Napi::Value PackRgbaToNchw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 11 || !info[0].IsTypedArray() || !info[5].IsTypedArray()) {
    Napi::TypeError::New(env, "packRgbaToNchw: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto src = info[0].As<Napi::Float32Array>();
  int64_t offset = I(info[1]), width = I(info[2]), height = I(info[3]), stride = I(info[4]);
  auto dst = info[5].As<Napi::Float32Array>();
  int64_t channels = I(info[6]);
  auto mean = info[7].As<Napi::Float32Array>();
  auto sd = info[8].As<Napi::Float32Array>();
  double scale = info[9].As<Napi::Number>().DoubleValue();
  bool bgr = info[10].As<Napi::Boolean>().Value();
  if (!CheckRows(env, "packRgbaToNchw", src.ElementLength(), offset, width, height, stride)) return env.Undefined();
  if ((channels != 3 && channels != 4) || static_cast<int64_t>(dst.ElementLength()) < channels * width * height ||
      mean.ElementLength() < 3 || sd.ElementLength() < 3) {
    Napi::RangeError::New(env, "packRgbaToNchw: bad channels or dst too small").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const float* s = src.Data();
  float* d = dst.Data();
  const int64_t plane = width * height;
  double k[3], mk[3];
  for (int c = 0; c < 3; c++) {
    k[c] = scale / static_cast<double>(sd[c]);
    mk[c] = static_cast<double>(mean[c]) / static_cast<double>(sd[c]);
  }
  for (int64_t y = 0; y < height; y++) {
    const float* row = s + offset + y * stride;
    for (int c = 0; c < 3; c++) {
      const int sc = bgr ? 2 - c : c;
      float* out = d + c * plane + y * width;
      const double kc = k[c], mc = mk[c];
      for (int64_t x = 0; x < width; x++) out[x] = static_cast<float>(static_cast<double>(row[x * 4 + sc]) * kc - mc);
    }
    if (channels == 4) {
      float* out = d + 3 * plane + y * width;
      for (int64_t x = 0; x < width; x++) out[x] = row[x * 4 + 3];
    }
  }
  return env.Undefined();
}

// (src, channels, dst, offset, width, height, stride, mean, std, scale, bgr)
Napi::Value UnpackNchwToRgba(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 11 || !info[0].IsTypedArray() || !info[2].IsTypedArray()) {
    Napi::TypeError::New(env, "unpackNchwToRgba: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto src = info[0].As<Napi::Float32Array>();
  int64_t channels = I(info[1]);
  auto dst = info[2].As<Napi::Float32Array>();
  int64_t offset = I(info[3]), width = I(info[4]), height = I(info[5]), stride = I(info[6]);
  auto mean = info[7].As<Napi::Float32Array>();
  auto sd = info[8].As<Napi::Float32Array>();
  double scale = info[9].As<Napi::Number>().DoubleValue();
  bool bgr = info[10].As<Napi::Boolean>().Value();
  if (!CheckRows(env, "unpackNchwToRgba", dst.ElementLength(), offset, width, height, stride)) return env.Undefined();
  if ((channels != 3 && channels != 4) || static_cast<int64_t>(src.ElementLength()) < channels * width * height ||
      mean.ElementLength() < 3 || sd.ElementLength() < 3) {
    Napi::RangeError::New(env, "unpackNchwToRgba: bad channels or src too small").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const float* s = src.Data();
  float* d = dst.Data();
  const int64_t plane = width * height;
  double k[3], m[3];
  for (int c = 0; c < 3; c++) {
    k[c] = static_cast<double>(sd[c]) / scale;
    m[c] = static_cast<double>(mean[c]) / scale;
  }
  for (int64_t y = 0; y < height; y++) {
    float* row = d + offset + y * stride;
    for (int c = 0; c < 3; c++) {
      const int dc = bgr ? 2 - c : c;
      const float* in = s + c * plane + y * width;
      const double kc = k[c], mc = m[c];
      for (int64_t x = 0; x < width; x++) row[x * 4 + dc] = static_cast<float>(static_cast<double>(in[x]) * kc + mc);
    }
    if (channels == 4) {
      const float* in = s + 3 * plane + y * width;
      for (int64_t x = 0; x < width; x++) row[x * 4 + 3] = in[x];
    }
  }
  return env.Undefined();
}

}  // namespace

void InitPixels(Napi::Env env, Napi::Object exports) {
  exports.Set("packRgbaToNchw", Napi::Function::New(env, PackRgbaToNchw));
  exports.Set("unpackNchwToRgba", Napi::Function::New(env, UnpackNchwToRgba));
}

}  // namespace mlxv
