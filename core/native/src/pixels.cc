// The hot pixel loops of a job's worker (core/src/native/pixels.ts wraps them): separable resampling for
// model inputs and masks (runtime/resample.ts), and matte's stabiliser (luma, motion map, window average).
//
// Each loop is the TypeScript version's arithmetic, step for step: JavaScript computes in double and rounds
// to float32 where it stores into a Float32Array, so this code accumulates in double, rounds at the same
// stores, keeps the same operation order, and is compiled with -ffp-contract=off (no fused multiply-add).
// Both give bit-identical results (test/engine/native-pixels.test.ts), so a machine without the addon
// renders the same pixels, only slower.
#include "native.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace mlxv {
namespace {

int64_t I(const Napi::Value& v) { return static_cast<int64_t>(v.As<Napi::Number>().DoubleValue()); }
double D(const Napi::Value& v) { return v.As<Napi::Number>().DoubleValue(); }

bool Fail(Napi::Env env, const std::string& message) {
  Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
  return false;
}

// Scratch memory reused between calls on the same thread (each worker has its own), so a 1080p frame does
// not allocate and zero tens of megabytes per call.
std::vector<float>& Scratch(int which, size_t n) {
  thread_local std::vector<float> buffers[3];
  std::vector<float>& b = buffers[which];
  if (b.size() < n) b.resize(n);
  return b;
}

struct Taps {
  const int32_t* index;
  const float* weight;
  const int32_t* count;
  int64_t maxTaps;
  int64_t length;  // outputs
};

bool ReadTaps(Napi::Env env, const Napi::CallbackInfo& info, size_t at, int64_t outputs, int64_t lo, int64_t hi,
              Taps& t) {
  if (!info[at].IsTypedArray() || !info[at + 1].IsTypedArray() || !info[at + 2].IsTypedArray()) {
    return Fail(env, "resampleRows: tap tables must be typed arrays");
  }
  auto index = info[at].As<Napi::Int32Array>();
  auto weight = info[at + 1].As<Napi::Float32Array>();
  auto count = info[at + 2].As<Napi::Int32Array>();
  t = {index.Data(), weight.Data(), count.Data(), I(info[at + 3]), outputs};
  if (t.maxTaps < 1 || static_cast<int64_t>(count.ElementLength()) < outputs ||
      static_cast<int64_t>(index.ElementLength()) < outputs * t.maxTaps ||
      static_cast<int64_t>(weight.ElementLength()) < outputs * t.maxTaps) {
    return Fail(env, "resampleRows: tap tables are shorter than the output");
  }
  for (int64_t i = 0; i < outputs; i++) {
    if (t.count[i] < 0 || t.count[i] > t.maxTaps) return Fail(env, "resampleRows: bad tap count");
    for (int64_t k = 0; k < t.count[i]; k++) {
      const int32_t j = t.index[i * t.maxTaps + k];
      if (j < lo || j >= hi) return Fail(env, "resampleRows: a tap lies outside the source region");
    }
  }
  return true;
}

// The horizontal pass with the channel count known at compile time, so the tap loop keeps its sums in
// registers (a runtime count measured about twice as slow on the 1080p -> 1024x1024 packing).
template <typename T, int NC>
void ResampleHorizontal(const T* data, int64_t rowStride, int64_t pixelStride, const int32_t* off,
                        int64_t regionY, int64_t regionH, const std::vector<uint8_t>& used, const Taps& h,
                        float* tmp) {
  const int64_t dstW = h.length;
  const int64_t rowLen = dstW * NC;
  int32_t o[NC];
  for (int c = 0; c < NC; c++) o[c] = off[c];
  for (int64_t ry = 0; ry < regionH; ry++) {
    if (!used[ry]) continue;
    const T* row = data + (regionY + ry) * rowStride;
    float* out = tmp + ry * rowLen;
    for (int64_t x = 0; x < dstW; x++) {
      double a[NC];
      for (int c = 0; c < NC; c++) a[c] = 0;
      const int64_t base = x * h.maxTaps;
      for (int64_t k = base, end = base + h.count[x]; k < end; k++) {
        const T* p = row + static_cast<int64_t>(h.index[k]) * pixelStride;
        const double w = h.weight[k];
        for (int c = 0; c < NC; c++) a[c] += static_cast<double>(p[o[c]]) * w;
      }
      for (int c = 0; c < NC; c++) out[x * NC + c] = static_cast<float>(a[c]);
    }
  }
}

// Where finished rows go when the caller wants a model tensor's planes (NCHW) instead of interleaved rows:
// tensor[c * plane + (y0 + y) * width + x0 + x] = value * scale[c] + bias[c], as runtime/tensor.ts does.
struct PlanarTarget {
  const float* scale;
  const float* bias;
  int64_t plane, width, x0, y0;
};

template <typename T>
void Resample(const T* data, int64_t rowStride, int64_t pixelStride, const int32_t* off, int nc, int64_t regionY,
              int64_t regionH, const Taps& h, const Taps& v, float* out, const PlanarTarget* planar) {
  const int64_t dstW = h.length;
  const int64_t rowLen = dstW * nc;
  std::vector<uint8_t> used(static_cast<size_t>(regionH), 0);
  for (int64_t i = 0; i < v.length; i++) {
    // Every counted tap, even one of weight 0, so the vertical pass never reads a row it did not fill.
    for (int64_t k = 0; k < v.count[i]; k++) used[v.index[i * v.maxTaps + k] - regionY] = 1;
  }
  float* tmp = Scratch(0, static_cast<size_t>(regionH * rowLen)).data();
  if (nc == 1) ResampleHorizontal<T, 1>(data, rowStride, pixelStride, off, regionY, regionH, used, h, tmp);
  if (nc == 3) ResampleHorizontal<T, 3>(data, rowStride, pixelStride, off, regionY, regionH, used, h, tmp);
  if (nc == 4) ResampleHorizontal<T, 4>(data, rowStride, pixelStride, off, regionY, regionH, used, h, tmp);
  float* planarRow = planar ? Scratch(2, static_cast<size_t>(rowLen)).data() : nullptr;
  for (int64_t y = 0; y < v.length; y++) {
    float* row = planar ? planarRow : out + y * rowLen;
    const int64_t base = y * v.maxTaps;
    const int64_t n = v.count[y];
    // The first tap starts from 0 exactly as the TypeScript's zero-filled row does (0 + t * w).
    for (int64_t k = base; k < base + n; k++) {
      const float* t = tmp + (v.index[k] - regionY) * rowLen;
      const double w = v.weight[k];
      if (k == base) {
        for (int64_t i = 0; i < rowLen; i++) row[i] = static_cast<float>(0.0 + static_cast<double>(t[i]) * w);
      } else {
        for (int64_t i = 0; i < rowLen; i++) {
          row[i] = static_cast<float>(static_cast<double>(row[i]) + static_cast<double>(t[i]) * w);
        }
      }
    }
    if (n == 0) {
      for (int64_t i = 0; i < rowLen; i++) row[i] = 0;
    }
    if (planar) {
      for (int c = 0; c < nc; c++) {
        float* dst = out + c * planar->plane + (planar->y0 + y) * planar->width + planar->x0;
        const double k = planar->scale[c], b = planar->bias[c];
        for (int64_t x = 0; x < dstW; x++) dst[x] = static_cast<float>(static_cast<double>(row[x * nc + c]) * k + b);
      }
    }
  }
}

// (src, rowStride, pixelStride, offsets: Int32Array, regionX, regionY, regionW, regionH,
//  hIndex, hWeight, hCount, hMaxTaps, vIndex, vWeight, vCount, vMaxTaps, dstW, dstH, out
//  [, scaleAndBias: Float32Array (nc scales, then nc biases), plane, width, x0, y0])
// Without the optional tail `out` gets interleaved rows; with it, `out` is a tensor's planes (PlanarTarget).
Napi::Value ResampleRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 19 || !info[0].IsTypedArray() || !info[3].IsTypedArray() || !info[18].IsTypedArray()) {
    Napi::TypeError::New(env, "resampleRows: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto src = info[0].As<Napi::TypedArray>();
  const int64_t rowStride = I(info[1]), pixelStride = I(info[2]);
  auto offsets = info[3].As<Napi::Int32Array>();
  const int64_t rx = I(info[4]), ry = I(info[5]), rw = I(info[6]), rh = I(info[7]);
  const int64_t dstW = I(info[16]), dstH = I(info[17]);
  auto out = info[18].As<Napi::Float32Array>();
  const int nc = static_cast<int>(offsets.ElementLength());
  if (nc != 1 && nc != 3 && nc != 4) return Fail(env, "resampleRows: 1, 3 or 4 channels"), env.Undefined();
  if (rowStride < 0 || pixelStride < 1 || rx < 0 || ry < 0 || rw < 1 || rh < 1 || dstW < 1 || dstH < 1) {
    return Fail(env, "resampleRows: bad geometry"), env.Undefined();
  }
  PlanarTarget target{};
  const bool planar = info.Length() >= 24 && info[19].IsTypedArray();
  if (planar) {
    auto affine = info[19].As<Napi::Float32Array>();
    target = {affine.Data(), affine.Data() + nc, I(info[20]), I(info[21]), I(info[22]), I(info[23])};
    if (static_cast<int64_t>(affine.ElementLength()) < 2 * nc || target.x0 < 0 || target.y0 < 0 ||
        target.x0 + dstW > target.width || (target.y0 + dstH) * target.width > target.plane ||
        static_cast<int64_t>(out.ElementLength()) < nc * target.plane) {
      return Fail(env, "resampleRows: the planes do not hold the output"), env.Undefined();
    }
  } else if (static_cast<int64_t>(out.ElementLength()) < dstW * dstH * nc) {
    return Fail(env, "resampleRows: out is too small"), env.Undefined();
  }
  const PlanarTarget* planes = planar ? &target : nullptr;
  int32_t maxOffset = 0;
  for (int c = 0; c < nc; c++) {
    if (offsets[c] < 0 || offsets[c] >= pixelStride) return Fail(env, "resampleRows: bad channel offset"), env.Undefined();
    if (offsets[c] > maxOffset) maxOffset = offsets[c];
  }
  const int64_t lastSample = (ry + rh - 1) * rowStride + (rx + rw - 1) * pixelStride + maxOffset;
  if (lastSample >= static_cast<int64_t>(src.ElementLength())) {
    return Fail(env, "resampleRows: the region lies outside the source"), env.Undefined();
  }
  Taps h, v;
  if (!ReadTaps(env, info, 8, dstW, rx, rx + rw, h) || !ReadTaps(env, info, 12, dstH, ry, ry + rh, v)) {
    return env.Undefined();
  }
  const int32_t* off = offsets.Data();
  switch (src.TypedArrayType()) {
    case napi_uint8_array:
      Resample(src.As<Napi::Uint8Array>().Data(), rowStride, pixelStride, off, nc, ry, rh, h, v, out.Data(), planes);
      break;
    case napi_uint16_array:
      Resample(src.As<Napi::Uint16Array>().Data(), rowStride, pixelStride, off, nc, ry, rh, h, v, out.Data(), planes);
      break;
    case napi_float32_array:
      Resample(src.As<Napi::Float32Array>().Data(), rowStride, pixelStride, off, nc, ry, rh, h, v, out.Data(), planes);
      break;
    default:
      Napi::TypeError::New(env, "resampleRows: samples must be Uint8, Uint16 or Float32").ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

template <typename T>
void Luma(const T* data, int64_t w, int64_t h, int64_t stride, double kr, double kg, double kb, float* out) {
  for (int64_t y = 0; y < h; y++) {
    const T* p = data + y * stride;
    float* o = out + y * w;
    for (int64_t x = 0; x < w; x++, p += 4) {
      o[x] = static_cast<float>(kr * p[0] + kg * p[1] + kb * p[2]);
    }
  }
}

// (samples: Uint8Array | Uint16Array, width, height, stride, kr, kg, kb, out)
Napi::Value LumaOfInteger(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 8 || !info[0].IsTypedArray() || !info[7].IsTypedArray()) {
    Napi::TypeError::New(env, "lumaOfInteger: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto src = info[0].As<Napi::TypedArray>();
  const int64_t w = I(info[1]), h = I(info[2]), stride = I(info[3]);
  auto out = info[7].As<Napi::Float32Array>();
  if (w < 1 || h < 1 || stride < w * 4 || static_cast<int64_t>(src.ElementLength()) < (h - 1) * stride + w * 4 ||
      static_cast<int64_t>(out.ElementLength()) < w * h) {
    return Fail(env, "lumaOfInteger: bad geometry"), env.Undefined();
  }
  const double kr = D(info[4]), kg = D(info[5]), kb = D(info[6]);
  if (src.TypedArrayType() == napi_uint8_array) {
    Luma(src.As<Napi::Uint8Array>().Data(), w, h, stride, kr, kg, kb, out.Data());
  } else if (src.TypedArrayType() == napi_uint16_array) {
    Luma(src.As<Napi::Uint16Array>().Data(), w, h, stride, kr, kg, kb, out.Data());
  } else {
    Napi::TypeError::New(env, "lumaOfInteger: samples must be Uint8 or Uint16").ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

// matte's compose, rgba-straight from display-referred integer samples (effects/matte/compose.ts'
// composeInteger): colour widened exactly to 16 bits, alpha (float, 0..1) rounded as Math.round does. For
// 0 < a < 1, a * 65535 < 65535 has at most 40 significant bits, so a + 0.5 is exact and floor(a + 0.5) is
// Math.round's result.
template <typename T>
void StraightRgba16(const T* src, int64_t w, int64_t h, int64_t stride, uint32_t widen, const float* alpha,
                    uint16_t* out) {
  for (int64_t y = 0; y < h; y++) {
    const T* p = src + y * stride;
    const float* a = alpha + y * w;
    uint16_t* o = out + y * w * 4;
    for (int64_t x = 0; x < w; x++, p += 4, o += 4) {
      o[0] = static_cast<uint16_t>(p[0] * widen);
      o[1] = static_cast<uint16_t>(p[1] * widen);
      o[2] = static_cast<uint16_t>(p[2] * widen);
      const double v = a[x];
      o[3] = v > 0 ? (v < 1 ? static_cast<uint16_t>(std::floor(v * 65535 + 0.5)) : 65535) : 0;
    }
  }
}

// (samples: Uint8Array | Uint16Array, width, height, stride, alpha: Float32Array, out: Uint16Array)
Napi::Value ComposeStraight16(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsTypedArray() || !info[4].IsTypedArray() || !info[5].IsTypedArray()) {
    Napi::TypeError::New(env, "composeStraight16: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto src = info[0].As<Napi::TypedArray>();
  const int64_t w = I(info[1]), h = I(info[2]), stride = I(info[3]);
  auto alpha = info[4].As<Napi::Float32Array>();
  auto out = info[5].As<Napi::Uint16Array>();
  if (w < 1 || h < 1 || stride < w * 4 || static_cast<int64_t>(src.ElementLength()) < (h - 1) * stride + w * 4 ||
      static_cast<int64_t>(alpha.ElementLength()) < w * h || static_cast<int64_t>(out.ElementLength()) < w * h * 4) {
    return Fail(env, "composeStraight16: bad geometry"), env.Undefined();
  }
  if (src.TypedArrayType() == napi_uint8_array) {
    StraightRgba16(src.As<Napi::Uint8Array>().Data(), w, h, stride, 257, alpha.Data(), out.Data());
  } else if (src.TypedArrayType() == napi_uint16_array) {
    StraightRgba16(src.As<Napi::Uint16Array>().Data(), w, h, stride, 1, alpha.Data(), out.Data());
  } else {
    Napi::TypeError::New(env, "composeStraight16: samples must be Uint8 or Uint16").ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

int64_t Clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

void BlurRows(const float* src, float* dst, int64_t w, int64_t h, int64_t r) {
  const double norm = 1.0 / static_cast<double>(2 * r + 1);
  for (int64_t y = 0; y < h; y++) {
    const float* s = src + y * w;
    float* d = dst + y * w;
    double sum = 0;
    for (int64_t i = -r; i <= r; i++) sum += s[Clamp(i, 0, w - 1)];
    for (int64_t i = 0; i < w; i++) {
      d[i] = static_cast<float>(sum * norm);
      sum += static_cast<double>(s[Clamp(i + r + 1, 0, w - 1)]) - static_cast<double>(s[Clamp(i - r, 0, w - 1)]);
    }
  }
}

void BlurColumns(const float* src, float* dst, int64_t w, int64_t h, int64_t r) {
  const double norm = 1.0 / static_cast<double>(2 * r + 1);
  std::vector<double> sums(static_cast<size_t>(w), 0.0);
  for (int64_t i = -r; i <= r; i++) {
    const float* row = src + Clamp(i, 0, h - 1) * w;
    for (int64_t x = 0; x < w; x++) sums[x] = sums[x] + row[x];
  }
  for (int64_t y = 0; y < h; y++) {
    float* d = dst + y * w;
    const float* add = src + Clamp(y + r + 1, 0, h - 1) * w;
    const float* sub = src + Clamp(y - r, 0, h - 1) * w;
    for (int64_t x = 0; x < w; x++) {
      d[x] = static_cast<float>(sums[x] * norm);
      sums[x] = sums[x] + (static_cast<double>(add[x]) - static_cast<double>(sub[x]));
    }
  }
}

// `s > m ? s : m` from -infinity is the TypeScript's comparison exactly (NaN never wins), and is the form
// the compiler turns into vector max instructions.
template <int R>
void MaxRowsFixed(const float* s, float* d, int64_t w) {
  for (int64_t x = R; x < w - R; x++) {
    float m = -INFINITY;
    for (int k = -R; k <= R; k++) m = s[x + k] > m ? s[x + k] : m;
    d[x] = m;
  }
}

void MaxRows(const float* src, float* dst, int64_t w, int64_t h, int64_t r) {
  for (int64_t y = 0; y < h; y++) {
    const float* s = src + y * w;
    float* d = dst + y * w;
    // Interior pixels with the common radius unrolled; the clipped edges (and other radii) one by one.
    const bool fixed = r == 3 && w > 2 * r;
    if (fixed) MaxRowsFixed<3>(s, d, w);
    for (int64_t x = 0; x < w; x++) {
      if (fixed && x >= r && x < w - r) continue;
      float m = -INFINITY;
      for (int64_t k = Clamp(x - r, 0, w - 1), end = Clamp(x + r, 0, w - 1); k <= end; k++) {
        m = s[k] > m ? s[k] : m;
      }
      d[x] = m;
    }
  }
}

void MaxColumns(const float* src, float* dst, int64_t w, int64_t h, int64_t r) {
  for (int64_t y = 0; y < h; y++) {
    float* d = dst + y * w;
    const int64_t first = Clamp(y - r, 0, h - 1);
    for (int64_t x = 0; x < w; x++) d[x] = src[first * w + x];
    for (int64_t yy = first + 1, end = Clamp(y + r, 0, h - 1); yy <= end; yy++) {
      const float* s = src + yy * w;
      for (int64_t x = 0; x < w; x++) d[x] = s[x] > d[x] ? s[x] : d[x];
    }
  }
}

// (prev, cur, width, height, blurRadius, growRadius, low, high, out)
Napi::Value MotionMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 9 || !info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[8].IsTypedArray()) {
    Napi::TypeError::New(env, "motionMap: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto prev = info[0].As<Napi::Float32Array>();
  auto cur = info[1].As<Napi::Float32Array>();
  auto out = info[8].As<Napi::Float32Array>();
  const int64_t w = I(info[2]), h = I(info[3]), blur = I(info[4]), grow = I(info[5]);
  const double low = D(info[6]), high = D(info[7]);
  const int64_t n = w * h;
  if (w < 1 || h < 1 || blur < 0 || grow < 0 || static_cast<int64_t>(prev.ElementLength()) < n ||
      static_cast<int64_t>(cur.ElementLength()) < n || static_cast<int64_t>(out.ElementLength()) < n) {
    return Fail(env, "motionMap: bad geometry"), env.Undefined();
  }
  float* a = out.Data();
  float* b = Scratch(1, static_cast<size_t>(n)).data();
  const float* p = prev.Data();
  const float* c = cur.Data();
  for (int64_t i = 0; i < n; i++) a[i] = static_cast<float>(std::fabs(static_cast<double>(c[i]) - p[i]));
  BlurRows(a, b, w, h, blur);
  BlurColumns(b, a, w, h, blur);
  MaxRows(a, b, w, h, grow);
  MaxColumns(b, a, w, h, grow);
  const double range = high - low;
  for (int64_t i = 0; i < n; i++) {
    const double v = (static_cast<double>(a[i]) - low) / range;
    a[i] = static_cast<float>(std::isnan(v) ? v : v < 0 ? 0.0 : v > 1 ? 1.0 : v);
  }
  return env.Undefined();
}

// (alphas: Float32Array[], motions: Float32Array[] (motions[i] belongs to alphas[i + 1]), kStatic, out)
Napi::Value StabiliseWindow(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsArray() || !info[1].IsArray() || !info[3].IsTypedArray()) {
    Napi::TypeError::New(env, "stabiliseWindow: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto alphas = info[0].As<Napi::Array>();
  auto motions = info[1].As<Napi::Array>();
  const double kStatic = D(info[2]);
  auto out = info[3].As<Napi::Float32Array>();
  const size_t n = out.ElementLength();
  if (alphas.Length() < 1 || motions.Length() + 1 != alphas.Length()) {
    return Fail(env, "stabiliseWindow: needs one motion map per alpha after the first"), env.Undefined();
  }
  auto plane = [&](Napi::Array list, uint32_t i, const float*& data) {
    Napi::Value v = list.Get(i);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
        v.As<Napi::Float32Array>().ElementLength() != n) {
      return Fail(env, "stabiliseWindow: every plane must be a Float32Array of the output's length");
    }
    data = v.As<Napi::Float32Array>().Data();
    return true;
  };
  const float* first = nullptr;
  if (!plane(alphas, 0, first)) return env.Undefined();
  std::vector<const float*> a(alphas.Length()), m(alphas.Length());
  a[0] = first;
  for (uint32_t f = 1; f < alphas.Length(); f++) {
    if (!plane(alphas, f, a[f]) || !plane(motions, f - 1, m[f])) return env.Undefined();
  }
  // Block by block (a block stays in the first-level cache), frame by frame inside a block: the same
  // operations per pixel in the same order as the TypeScript's whole-plane passes, vectorised across pixels.
  float* s = out.Data();
  const size_t frames = a.size();
  constexpr size_t kBlock = 2048;
  for (size_t start = 0; start < n; start += kBlock) {
    const size_t end = start + kBlock < n ? start + kBlock : n;
    for (size_t i = start; i < end; i++) s[i] = a[0][i];
    for (size_t f = 1; f < frames; f++) {
      const float* af = a[f];
      const float* mf = m[f];
      for (size_t i = start; i < end; i++) {
        const double k = kStatic + (1 - kStatic) * static_cast<double>(mf[i]);
        s[i] = static_cast<float>(static_cast<double>(s[i]) + k * (static_cast<double>(af[i]) - s[i]));
      }
    }
  }
  return env.Undefined();
}

}  // namespace

void InitPixels(Napi::Env env, Napi::Object exports) {
  exports.Set("resampleRows", Napi::Function::New(env, ResampleRows));
  exports.Set("lumaOfInteger", Napi::Function::New(env, LumaOfInteger));
  exports.Set("composeStraight16", Napi::Function::New(env, ComposeStraight16));
  exports.Set("motionMap", Napi::Function::New(env, MotionMap));
  exports.Set("stabiliseWindow", Napi::Function::New(env, StabiliseWindow));
}

}  // namespace mlxv
