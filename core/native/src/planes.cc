// Interleaved RGBA 16-bit -> the planes ffmpeg's gbrap16le reads (G, B, R, A), as an async worker on libuv's
// thread pool (sharp's model): the job's main thread only schedules it and hands the planes to the encoder's
// pipe. Why: ffmpeg's RGB -> YUVA 4:4:4 10-bit conversion for ProRes 4444 costs about 2.5x the CPU from
// packed rgba64le as from planar gbrap16le (generic packed-input path vs planar input), with identical
// output (docs/engine.md); this shuffle costs a few milliseconds.
#include "native.h"

#include <cstdint>

namespace mlxv {
namespace {

class PlanarWorker : public Napi::AsyncWorker {
 public:
  PlanarWorker(Napi::Env env, Napi::Uint16Array src, Napi::Uint16Array dst, int64_t width, int64_t height,
               int64_t stride)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        src_(Napi::Persistent(src)),
        dst_(Napi::Persistent(dst)),
        s_(src.Data()),
        d_(dst.Data()),
        width_(width),
        height_(height),
        stride_(stride) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    const int64_t plane = width_ * height_;
    uint16_t* g = d_;
    uint16_t* b = d_ + plane;
    uint16_t* r = d_ + 2 * plane;
    uint16_t* a = d_ + 3 * plane;
    for (int64_t y = 0; y < height_; y++) {
      const uint16_t* p = s_ + y * stride_;
      const int64_t o = y * width_;
      for (int64_t x = 0; x < width_; x++, p += 4) {
        r[o + x] = p[0];
        g[o + x] = p[1];
        b[o + x] = p[2];
        a[o + x] = p[3];
      }
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  // The references keep both arrays alive until the work is done; the caller must not detach them meanwhile.
  Napi::Reference<Napi::Uint16Array> src_;
  Napi::Reference<Napi::Uint16Array> dst_;
  const uint16_t* s_;
  uint16_t* d_;
  int64_t width_, height_, stride_;
};

// (src: Uint16Array RGBA, width, height, stride (samples per row), dst: Uint16Array of 4 * width * height)
Napi::Value RgbaToGbrapPlanes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsTypedArray() || !info[4].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array ||
      info[4].As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array) {
    Napi::TypeError::New(env, "rgbaToGbrapPlanes: (Uint16Array, width, height, stride, Uint16Array)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto src = info[0].As<Napi::Uint16Array>();
  auto dst = info[4].As<Napi::Uint16Array>();
  const int64_t w = static_cast<int64_t>(info[1].As<Napi::Number>().DoubleValue());
  const int64_t h = static_cast<int64_t>(info[2].As<Napi::Number>().DoubleValue());
  const int64_t stride = static_cast<int64_t>(info[3].As<Napi::Number>().DoubleValue());
  if (w < 1 || h < 1 || stride < w * 4 || static_cast<int64_t>(src.ElementLength()) < (h - 1) * stride + w * 4 ||
      static_cast<int64_t>(dst.ElementLength()) < 4 * w * h) {
    Napi::RangeError::New(env, "rgbaToGbrapPlanes: bad geometry").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* worker = new PlanarWorker(env, src, dst, w, h, stride);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void InitPlanes(Napi::Env env, Napi::Object exports) {
  exports.Set("rgbaToGbrapPlanes", Napi::Function::New(env, RgbaToGbrapPlanes));
}

}  // namespace mlxv
