// Static test of ofx_abi.h: the struct layouts and suite sizes a host built against the official OpenFX
// headers expects on LP64 (x86-64 Linux/macOS) and LLP64 (Win64). A mismatch here would crash a real host.
#include <cstddef>
#include <cstdio>
#include <string_view>

#include "ofx_abi.h"

constexpr size_t P = sizeof(void *);

static_assert(sizeof(OfxStatus) == 4, "OfxStatus is int");
static_assert(sizeof(OfxTime) == 8, "OfxTime is double");
static_assert(sizeof(OfxHost) == 2 * P && offsetof(OfxHost, fetchSuite) == P, "OfxHost layout");
static_assert(offsetof(OfxPlugin, pluginApi) == 0, "OfxPlugin.pluginApi");
static_assert(offsetof(OfxPlugin, apiVersion) == P, "OfxPlugin.apiVersion");
static_assert(offsetof(OfxPlugin, pluginIdentifier) == 2 * P, "OfxPlugin.pluginIdentifier (after int + padding)");
static_assert(offsetof(OfxPlugin, pluginVersionMajor) == 3 * P, "OfxPlugin.pluginVersionMajor");
static_assert(offsetof(OfxPlugin, pluginVersionMinor) == 3 * P + 4, "OfxPlugin.pluginVersionMinor");
static_assert(offsetof(OfxPlugin, setHost) == 4 * P, "OfxPlugin.setHost");
static_assert(offsetof(OfxPlugin, mainEntry) == 5 * P, "OfxPlugin.mainEntry");
static_assert(sizeof(OfxPlugin) == 6 * P, "OfxPlugin size");

static_assert(sizeof(OfxRectI) == 16 && offsetof(OfxRectI, y2) == 12, "OfxRectI");
static_assert(sizeof(OfxRectD) == 32 && offsetof(OfxRectD, y2) == 24, "OfxRectD");
static_assert(sizeof(OfxPointD) == 16 && sizeof(OfxPointI) == 8, "OfxPoint*");
static_assert(sizeof(OfxRangeD) == 16 && sizeof(OfxRangeI) == 8, "OfxRange*");

// Suites are arrays of function pointers: the count and the position of the ones we call must match.
static_assert(sizeof(OfxPropertySuiteV1) == 18 * P, "property suite: 18 functions");
static_assert(offsetof(OfxPropertySuiteV1, propGetPointer) == 8 * P, "propGetPointer is the 9th");
static_assert(offsetof(OfxPropertySuiteV1, propGetDimension) == 17 * P, "propGetDimension is last");
static_assert(sizeof(OfxImageEffectSuiteV1) == 13 * P, "image effect suite: 13 functions");
static_assert(offsetof(OfxImageEffectSuiteV1, clipGetImage) == 5 * P, "clipGetImage is the 6th");
static_assert(offsetof(OfxImageEffectSuiteV1, abort) == 8 * P, "abort is the 9th");
static_assert(sizeof(OfxParameterSuiteV1) == 18 * P, "parameter suite: 18 functions");
static_assert(offsetof(OfxParameterSuiteV1, paramGetValueAtTime) == 5 * P, "paramGetValueAtTime is the 6th");
static_assert(offsetof(OfxParameterSuiteV1, paramEditEnd) == 17 * P, "paramEditEnd is last");
static_assert(sizeof(OfxMemorySuiteV1) == 2 * P, "memory suite");
static_assert(sizeof(OfxMultiThreadSuiteV1) == 9 * P, "multithread suite: 9 functions");
static_assert(offsetof(OfxMultiThreadSuiteV1, mutexCreate) == 4 * P, "mutexCreate is the 5th");
static_assert(sizeof(OfxMessageSuiteV1) == P, "message suite v1");
static_assert(sizeof(OfxMessageSuiteV2) == 3 * P && offsetof(OfxMessageSuiteV2, clearPersistentMessage) == 2 * P,
              "message suite v2");
static_assert(sizeof(OfxProgressSuiteV1) == 3 * P, "progress suite v1");

int main() {
  // The string values hosts match on (a typo here is invisible to the compiler).
  struct {
    const char *got, *want;
  } names[] = {
      {kOfxImageEffectPluginApi, "OfxImageEffectPluginAPI"},
      {kOfxActionLoad, "OfxActionLoad"},
      {kOfxImageEffectActionRender, "OfxImageEffectActionRender"},
      {kOfxImageEffectActionDescribeInContext, "OfxImageEffectActionDescribeInContext"},
      {kOfxImagePreMultiplied, "OfxImageAlphaPremultiplied"},
      {kOfxImageUnPreMultiplied, "OfxImageAlphaUnPremultiplied"},
      {kOfxImageEffectRenderInstanceSafe, "OfxImageEffectRenderInstanceSafe"},
      {kOfxImageFieldNone, "OfxFieldNone"},
      {kOfxImageClipPropRoIPrefix, "OfxImageClipPropRoI_"},
  };
  int bad = 0;
  for (auto &n : names)
    if (std::string_view(n.got) != n.want) std::fprintf(stderr, "%s != %s\n", n.got, n.want), ++bad;
  std::printf("ofx_abi.h layout OK (pointer size %zu), %d name mismatches\n", P, bad);
  return bad ? 1 : 0;
}
