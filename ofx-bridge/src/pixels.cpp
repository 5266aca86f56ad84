#include "pixels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mlxv {

bool parsePixelDepth(const char *s, PixelDepth *out) {
  if (!s) return false;
  if (!std::strcmp(s, kOfxBitDepthFloat)) *out = PixelDepth::Float;
  else if (!std::strcmp(s, kOfxBitDepthHalf)) *out = PixelDepth::Half;
  else if (!std::strcmp(s, kOfxBitDepthShort)) *out = PixelDepth::Short;
  else if (!std::strcmp(s, kOfxBitDepthByte)) *out = PixelDepth::Byte;
  else return false;
  return true;
}

int parseComponents(const char *s) {
  if (!s) return 0;
  if (!std::strcmp(s, kOfxImageComponentRGBA)) return 4;
  if (!std::strcmp(s, kOfxImageComponentRGB)) return 3;
  if (!std::strcmp(s, kOfxImageComponentAlpha)) return 1;
  return 0;
}

int rectWidth(const OfxRectI &r) { return std::max(0, r.x2 - r.x1); }
int rectHeight(const OfxRectI &r) { return std::max(0, r.y2 - r.y1); }

OfxRectI intersect(const OfxRectI &a, const OfxRectI &b) {
  OfxRectI r{std::max(a.x1, b.x1), std::max(a.y1, b.y1), std::min(a.x2, b.x2), std::min(a.y2, b.y2)};
  if (r.x2 < r.x1) r.x2 = r.x1;
  if (r.y2 < r.y1) r.y2 = r.y1;
  return r;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F;
  uint32_t man = h & 0x3FF;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        man <<= 1;
      } while (!(man & 0x400));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (man & 0x3FF) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000 | (man << 13);
  } else {
    bits = sign | (exp + 127 - 15) << 23 | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = uint16_t((x >> 16) & 0x8000);
  uint32_t absx = x & 0x7FFFFFFF;
  if (absx >= 0x7F800000) return sign | 0x7C00 | (absx > 0x7F800000 ? 0x200 : 0);  // inf / nan
  if (absx >= 0x477FF000) return sign | 0x7C00;                                     // overflow → inf
  if (absx < 0x38800000) {                                                          // subnormal / zero
    if (absx < 0x33000000) return sign;
    uint32_t e = absx >> 23;
    uint32_t m = (absx & 0x7FFFFF) | 0x800000;
    uint32_t shift = 126 - e;  // value / 2^-24, the half subnormal step
    uint32_t half = m >> shift;
    uint32_t rem = m & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (half & 1))) ++half;
    return uint16_t(sign | half);
  }
  uint32_t half = ((absx >> 13) - ((127 - 15) << 10));
  uint32_t rem = absx & 0x1FFF;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) ++half;  // round to nearest even
  return uint16_t(sign | half);
}

namespace {

inline uint8_t *rowPtr(const HostImage &img, int y) {
  return static_cast<uint8_t *>(img.data) + long(y - img.bounds.y1) * img.rowBytes;
}

inline int bytesPerSample(PixelDepth d) {
  switch (d) {
    case PixelDepth::Byte: return 1;
    case PixelDepth::Short:
    case PixelDepth::Half: return 2;
    default: return 4;
  }
}

inline float loadSample(const uint8_t *p, PixelDepth d) {
  switch (d) {
    case PixelDepth::Byte: return *p / 255.0f;
    case PixelDepth::Short: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return v / 65535.0f;
    }
    case PixelDepth::Half: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return halfToFloat(v);
    }
    default: {
      float v;
      std::memcpy(&v, p, 4);
      return v;
    }
  }
}

inline void storeSample(uint8_t *p, PixelDepth d, float v) {
  switch (d) {
    case PixelDepth::Byte: {
      float c = std::isfinite(v) ? std::min(1.0f, std::max(0.0f, v)) : 0.0f;
      *p = uint8_t(std::lround(c * 255.0f));
      break;
    }
    case PixelDepth::Short: {
      float c = std::isfinite(v) ? std::min(1.0f, std::max(0.0f, v)) : 0.0f;
      uint16_t s = uint16_t(std::lround(c * 65535.0f));
      std::memcpy(p, &s, 2);
      break;
    }
    case PixelDepth::Half: {
      uint16_t h = floatToHalf(v);
      std::memcpy(p, &h, 2);
      break;
    }
    default: std::memcpy(p, &v, 4);
  }
}

}  // namespace

void readPacked(const HostImage &img, const OfxRectI &rect, float *out) {
  const int w = rectWidth(rect), h = rectHeight(rect);
  const int bps = bytesPerSample(img.depth), px = bps * img.components;
  for (int row = 0; row < h; ++row) {
    const int y = rect.y2 - 1 - row;  // top row first on the wire, OFX rows count upwards
    const uint8_t *src = rowPtr(img, y) + long(rect.x1 - img.bounds.x1) * px;
    float *dst = out + size_t(row) * size_t(w) * 4;
    if (img.depth == PixelDepth::Float && img.components == 4) {
      std::memcpy(dst, src, size_t(w) * 16);
      continue;
    }
    for (int x = 0; x < w; ++x, src += px, dst += 4) {
      if (img.components == 4) {
        for (int c = 0; c < 4; ++c) dst[c] = loadSample(src + c * bps, img.depth);
      } else if (img.components == 3) {
        for (int c = 0; c < 3; ++c) dst[c] = loadSample(src + c * bps, img.depth);
        dst[3] = 1.0f;
      } else {
        float a = loadSample(src, img.depth);
        dst[0] = dst[1] = dst[2] = dst[3] = a;
      }
    }
  }
}

void writePacked(const float *src, const OfxRectI &srcRect, HostImage &img, const OfxRectI &window) {
  const OfxRectI win = intersect(window, img.bounds);
  const int bps = bytesPerSample(img.depth), px = bps * img.components;
  const int srcW = rectWidth(srcRect);
  static const float clear[4] = {0, 0, 0, 0};
  for (int y = win.y1; y < win.y2; ++y) {
    uint8_t *row = rowPtr(img, y);
    const bool rowInSrc = y >= srcRect.y1 && y < srcRect.y2;
    const float *srow = rowInSrc ? src + size_t(srcRect.y2 - 1 - y) * size_t(srcW) * 4 : nullptr;
    if (srow && img.depth == PixelDepth::Float && img.components == 4 && win.x1 >= srcRect.x1 &&
        win.x2 <= srcRect.x2) {  // the common case (Resolve): one copy per row
      std::memcpy(row + long(win.x1 - img.bounds.x1) * 16, srow + size_t(win.x1 - srcRect.x1) * 4,
                  size_t(win.x2 - win.x1) * 16);
      continue;
    }
    for (int x = win.x1; x < win.x2; ++x) {
      const float *s = (srow && x >= srcRect.x1 && x < srcRect.x2) ? srow + size_t(x - srcRect.x1) * 4 : clear;
      uint8_t *d = row + long(x - img.bounds.x1) * px;
      if (img.components == 4) {
        if (img.depth == PixelDepth::Float) {
          std::memcpy(d, s, 16);
        } else {
          for (int c = 0; c < 4; ++c) storeSample(d + c * bps, img.depth, s[c]);
        }
      } else if (img.components == 3) {
        for (int c = 0; c < 3; ++c) storeSample(d + c * bps, img.depth, s[c]);
      } else {
        storeSample(d, img.depth, s[3]);
      }
    }
  }
}

void fillRect(HostImage &img, const OfxRectI &window, const float rgba[4]) {
  const OfxRectI win = intersect(window, img.bounds);
  const int bps = bytesPerSample(img.depth), px = bps * img.components;
  for (int y = win.y1; y < win.y2; ++y) {
    uint8_t *row = rowPtr(img, y);
    for (int x = win.x1; x < win.x2; ++x) {
      uint8_t *d = row + long(x - img.bounds.x1) * px;
      if (img.components == 1) {
        storeSample(d, img.depth, rgba[3]);
      } else {
        for (int c = 0; c < img.components; ++c) storeSample(d + c * bps, img.depth, rgba[c]);
      }
    }
  }
}

}  // namespace mlxv
