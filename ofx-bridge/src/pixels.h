// Moving pixels between host images (any depth the host offers, any row stride, OFX bottom-up rows) and the
// daemon's wire layout (float32 RGBA, tightly packed, top row first; docs/protocol.md "frame.render").
#pragma once
#include <cstddef>
#include <cstdint>

#include "ofx_abi.h"

namespace mlxv {

enum class PixelDepth { Byte, Short, Half, Float };

struct HostImage {
  void *data = nullptr;   // address of pixel (bounds.x1, bounds.y1), the bottom-left one
  OfxRectI bounds{};      // pixel coordinates, x1 <= x < x2
  long rowBytes = 0;      // may be negative (rows run downwards in memory)
  PixelDepth depth = PixelDepth::Float;
  int components = 4;     // 4 = RGBA, 3 = RGB, 1 = Alpha
};

/// Depth from a kOfxBitDepth* string; returns false for unknown/None.
bool parsePixelDepth(const char *s, PixelDepth *out);
/// Components from a kOfxImageComponent* string; returns 0 when unsupported.
int parseComponents(const char *s);

int rectWidth(const OfxRectI &r);
int rectHeight(const OfxRectI &r);
OfxRectI intersect(const OfxRectI &a, const OfxRectI &b);

/// Reads `rect` (pixel coords, must lie inside img.bounds) into `out` as packed float RGBA, top row first.
/// Missing channels become 1 for alpha and copies of alpha for RGB of an alpha-only image.
void readPacked(const HostImage &img, const OfxRectI &rect, float *out);

/// Writes the packed top-down float RGBA buffer `src` that covers `srcRect` into img, only inside `window`
/// (clipped to img.bounds). Pixels of `window` that `srcRect` does not cover become transparent black.
void writePacked(const float *src, const OfxRectI &srcRect, HostImage &img, const OfxRectI &window);

/// Fills `window` (clipped to bounds) with one colour.
void fillRect(HostImage &img, const OfxRectI &window, const float rgba[4]);

float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);

}  // namespace mlxv
