// Unit tests of the plugin's pieces that need no host and no daemon (run by ctest as ofx.unit).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "effect_catalog.h"
#include "error_overlay.h"
#include "json.h"
#include "pixels.h"
#include "ws_client.h"

using namespace mlxv;

static int failures = 0;
#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                           \
    }                                                                       \
  } while (0)

static void testJson() {
  json::Value v = json::parse(R"({"a":[1,2.5,-3e2],"s":"x\"y\u00e9\n","t":true,"n":null,"o":{"k":"v"}})");
  CHECK(v["a"].items().size() == 3 && v["a"].items()[2].asNumber() == -300);
  CHECK(v["s"].asString() == "x\"y\xC3\xA9\n");
  CHECK(v["t"].asBool() && v["n"].isNull() && v["o"]["k"].asString() == "v");
  CHECK(v["missing"].isNull());
  bool threw = false;
  try {
    json::parse("{\"a\":}");
  } catch (const json::ParseError &) {
    threw = true;
  }
  CHECK(threw);
  threw = false;
  try {
    json::parse(std::string(200, '['));  // nesting bound
  } catch (const json::ParseError &) {
    threw = true;
  }
  CHECK(threw);
  std::string out;
  json::appendQuoted(out, "a\"b\\c\x01");
  CHECK(out == "\"a\\\"b\\\\c\\u0001\"");
  CHECK(json::parse(out).asString() == "a\"b\\c\x01");
  std::string n;
  json::appendNumber(n, NAN);
  CHECK(n == "null");
}

static void testHalf() {
  CHECK(floatToHalf(1.0f) == 0x3C00 && floatToHalf(-2.0f) == 0xC000 && floatToHalf(0.0f) == 0);
  CHECK(floatToHalf(65504.0f) == 0x7BFF && floatToHalf(1e6f) == 0x7C00);
  CHECK(halfToFloat(0x3555) > 0.333f && halfToFloat(0x3555) < 0.3334f);
  CHECK(halfToFloat(0x0001) == std::ldexp(1.0f, -24));  // smallest subnormal
  CHECK(floatToHalf(std::ldexp(1.0f, -24)) == 0x0001);
  for (float f : {0.1f, 0.5f, 0.75f, 3.14159f, 1000.f, 6.1e-5f}) CHECK(std::fabs(halfToFloat(floatToHalf(f)) - f) <= f * 1e-3f);
}

// A 3x2 float RGBA image with negative row bytes (top-down memory) and a row pad, read and written back.
static void testPixelsNegativeStride() {
  const int w = 3, h = 2;
  const long stride = w * 16 + 8;
  std::vector<uint8_t> mem(size_t(stride) * h, 0);
  // Memory row 0 is the top row (y = 1), memory row 1 the bottom (y = 0); data points at y = 0.
  for (int row = 0; row < h; ++row)
    for (int x = 0; x < w; ++x) {
      float px[4] = {float(row), float(x), 0.5f, 1.f};
      std::memcpy(mem.data() + row * stride + x * 16, px, 16);
    }
  HostImage img{mem.data() + stride, OfxRectI{0, 0, w, h}, -stride, PixelDepth::Float, 4};
  std::vector<float> packed(size_t(w * h * 4));
  readPacked(img, img.bounds, packed.data());
  CHECK(packed[0] == 0 && packed[4 * 3] == 1);  // wire row 0 = top = memory row 0
  CHECK(packed[4 * 2 + 1] == 2);
  for (auto &v : packed) v += 1;
  writePacked(packed.data(), img.bounds, img, img.bounds);
  float back[4];
  std::memcpy(back, mem.data() + 1 * stride + 2 * 16, 16);  // bottom row, x = 2
  CHECK(back[0] == 2 && back[1] == 3 && back[3] == 2);
}

static void testPixelsByteAndWindow() {
  const int w = 4, h = 4;
  std::vector<uint8_t> mem(w * h * 4, 7);
  HostImage img{mem.data(), OfxRectI{10, 20, 10 + w, 20 + h}, w * 4, PixelDepth::Byte, 4};
  std::vector<float> src(2 * 2 * 4, 1.0f);
  // Source covers only x 10..11, y 20..21; window is the whole image: the rest must become transparent black.
  writePacked(src.data(), OfxRectI{10, 20, 12, 22}, img, img.bounds);
  CHECK(mem[0] == 255 && mem[3] == 255);           // (10,20) covered
  CHECK(mem[(3 * w + 3) * 4 + 3] == 0);            // (13,23) cleared
  std::vector<float> back(w * h * 4);
  readPacked(img, img.bounds, back.data());
  CHECK(back[((h - 1) * w) * 4] == 1.0f);          // wire bottom-left = (10,20)
}

static void testOverlay() {
  const int w = 400, h = 60;
  std::vector<float> mem(size_t(w * h * 4), 0);
  HostImage img{mem.data(), OfxRectI{0, 0, w, h}, long(w) * 16, PixelDepth::Float, 4};
  paintError(img, img.bounds, "daemon down");
  size_t white = 0, red = 0;
  for (size_t i = 0; i < mem.size(); i += 4) {
    if (mem[i] == 1 && mem[i + 1] == 1) ++white;
    if (std::fabs(mem[i] - 0.35f) < 1e-6) ++red;
  }
  CHECK(white > 50 && red > white);
  CHECK(glyphFor('a') == glyphFor('A') && glyphFor('\x7f') == glyphFor('?'));
}

static void testWsAccept() { CHECK(wsAcceptFor("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="); }

static void testCatalog() {
  auto fx = parseCatalog(R"({"effects":[{"id":"up","label":"Up","params":[
      {"name":"scale","type":"choice","default":"x2","options":[{"value":"x2","label":"2x"},{"value":"x4","label":"4x"}]},
      {"name":"n","type":"number","default":1,"min":0,"max":4,"displayMin":0,"displayMax":2,"integer":true}],
      "outputSize":{"factor":2,"scaleParam":"scale"}}]})",
                         "test.json");
  CHECK(fx.size() == 1 && fx[0].pluginIdentifier == "org.mlxvideo.up");
  CHECK(fx[0].outputSize.present && fx[0].outputSize.scaleParam == "scale" && fx[0].outputSize.factor == 2);
  CHECK(fx[0].params[1].integer && fx[0].params[1].displayMax == 2 && fx[0].params[0].options.size() == 2);
  bool threw = false;
  try {
    parseCatalog("{}", "x.json");
  } catch (const std::runtime_error &) {
    threw = true;
  }
  CHECK(threw);
}

int main() {
  testJson();
  testHalf();
  testPixelsNegativeStride();
  testPixelsByteAndWindow();
  testOverlay();
  testWsAccept();
  testCatalog();
  if (failures) std::fprintf(stderr, "%d check(s) failed\n", failures);
  else std::printf("ofx unit tests OK\n");
  return failures ? 1 : 0;
}
