// The mlxvideo OpenFX plugin: one OFX image effect per per-frame effect in Resources/effects.json. Each
// render sends the source frame to the local daemon and writes the result back (DESIGN.md "Hosts").
// Rules this file keeps (HOSTS.md §4.4): no C++ exception crosses mainEntry; NULL images are expected;
// message-suite V2 pointers may be NULL; the render polls abort() and ends at a timeout with an on-image
// error; render is declared InstanceSafe, so instances render concurrently and each owns its connection.
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

#include "daemon_link.h"
#include "effect_catalog.h"
#include "error_overlay.h"
#include "json.h"
#include "ofx_abi.h"
#include "pixels.h"

using namespace mlxv;

namespace {

struct Suites {
  OfxHost *host = nullptr;
  const OfxPropertySuiteV1 *prop = nullptr;
  const OfxImageEffectSuiteV1 *effect = nullptr;
  const OfxParameterSuiteV1 *param = nullptr;
  const OfxMessageSuiteV2 *message2 = nullptr;  // may have NULL members (Resolve 14)
  const OfxMessageSuiteV1 *message1 = nullptr;
};
Suites g;

std::vector<EffectInfo> g_catalog;
std::vector<OfxPlugin> g_plugins;
std::once_flag g_catalogOnce;

struct Instance {
  const EffectInfo *effect = nullptr;
  std::string id;
  std::mutex mu;  // InstanceSafe means one render at a time per instance; the lock makes that explicit
  DaemonLink link;
  bool persistentMessage = false;
  std::string lastPosted;
};

void logError(const char *what) { std::fprintf(stderr, "mlxvideo.ofx: %s\n", what); }

void loadCatalogOnce() {
  std::call_once(g_catalogOnce, [] {
    try {
      g_catalog = loadCatalog(catalogPath());
    } catch (const std::exception &e) {
      logError(e.what());
    }
  });
}

// ---------- small property helpers (every call checks the status so a bad host cannot crash us) ----------

OfxPropertySetHandle effectProps(OfxImageEffectHandle h) {
  OfxPropertySetHandle p = nullptr;
  if (g.effect->getPropertySet(h, &p) != kOfxStatOK) return nullptr;
  return p;
}

void setStr(OfxPropertySetHandle p, const char *name, const std::string &v, int i = 0) {
  g.prop->propSetString(p, name, i, v.c_str());
}
void setInt(OfxPropertySetHandle p, const char *name, int v, int i = 0) { g.prop->propSetInt(p, name, i, v); }
void setDbl(OfxPropertySetHandle p, const char *name, double v, int i = 0) { g.prop->propSetDouble(p, name, i, v); }

std::string getStr(OfxPropertySetHandle p, const char *name, int i = 0) {
  char *s = nullptr;
  if (!p || g.prop->propGetString(p, name, i, &s) != kOfxStatOK || !s) return "";
  return s;
}

Instance *instanceOf(OfxImageEffectHandle h) {
  void *ptr = nullptr;
  OfxPropertySetHandle p = effectProps(h);
  if (!p || g.prop->propGetPointer(p, kOfxPropInstanceData, 0, &ptr) != kOfxStatOK) return nullptr;
  return static_cast<Instance *>(ptr);
}

// ---------- describe ----------

OfxStatus describe(const EffectInfo &fx, OfxImageEffectHandle h) {
  OfxPropertySetHandle p = effectProps(h);
  if (!p) return kOfxStatErrBadHandle;
  setStr(p, kOfxPropLabel, "mlxvideo " + fx.label);
  setStr(p, kOfxPropShortLabel, fx.label.substr(0, 32));
  setStr(p, kOfxPropPluginDescription, fx.description);
  setStr(p, kOfxImageEffectPluginPropGrouping, "mlxvideo");
  setStr(p, kOfxImageEffectPropSupportedContexts, kOfxImageEffectContextFilter, 0);
  setStr(p, kOfxImageEffectPropSupportedContexts, kOfxImageEffectContextGeneral, 1);
  const char *depths[] = {kOfxBitDepthFloat, kOfxBitDepthHalf, kOfxBitDepthShort, kOfxBitDepthByte};
  for (int i = 0; i < 4; ++i) setStr(p, kOfxImageEffectPropSupportedPixelDepths, depths[i], i);
  setInt(p, kOfxImageEffectPluginPropSingleInstance, 0);
  setInt(p, kOfxImageEffectPluginPropHostFrameThreading, 0);
  setStr(p, kOfxImageEffectPluginRenderThreadSafety, kOfxImageEffectRenderInstanceSafe);
  setInt(p, kOfxImageEffectPropSupportsTiles, 0);  // models need the whole frame
  setInt(p, kOfxImageEffectPropSupportsMultiResolution, 1);  // output may be larger than the source
  setInt(p, kOfxImageEffectPropTemporalClipAccess, 0);
  setInt(p, kOfxImageEffectPropSupportsMultipleClipDepths, 0);
  return kOfxStatOK;
}

void defineParam(OfxParamSetHandle set, const ParamInfo &pi) {
  OfxPropertySetHandle p = nullptr;
  const char *type = pi.type == "number"    ? (pi.integer ? kOfxParamTypeInteger : kOfxParamTypeDouble)
                     : pi.type == "choice"  ? kOfxParamTypeChoice
                     : pi.type == "boolean" ? kOfxParamTypeBoolean
                     : pi.type == "color"   ? kOfxParamTypeRGBA
                                            : kOfxParamTypeString;
  if (g.param->paramDefine(set, type, pi.name.c_str(), &p) != kOfxStatOK || !p) return;
  setStr(p, kOfxPropLabel, pi.label);
  setStr(p, kOfxParamPropScriptName, pi.name);
  if (!pi.help.empty()) setStr(p, kOfxParamPropHint, pi.help);
  if (pi.type == "number" && pi.integer) {
    // Resolve defaults an unset range to (-1,1) or (0,0): always set both ranges.
    setInt(p, kOfxParamPropDefault, int(std::lround(pi.def)));
    setInt(p, kOfxParamPropMin, int(std::lround(pi.min)));
    setInt(p, kOfxParamPropMax, int(std::lround(pi.max)));
    setInt(p, kOfxParamPropDisplayMin, int(std::lround(pi.displayMin)));
    setInt(p, kOfxParamPropDisplayMax, int(std::lround(pi.displayMax)));
  } else if (pi.type == "number") {
    setStr(p, kOfxParamPropDoubleType, kOfxParamDoubleTypePlain);
    setDbl(p, kOfxParamPropDefault, pi.def);
    setDbl(p, kOfxParamPropMin, pi.min);
    setDbl(p, kOfxParamPropMax, pi.max);
    setDbl(p, kOfxParamPropDisplayMin, pi.displayMin);
    setDbl(p, kOfxParamPropDisplayMax, pi.displayMax);
    if (pi.step > 0) setDbl(p, kOfxParamPropIncrement, pi.step);
  } else if (pi.type == "choice") {
    int def = 0;
    for (size_t i = 0; i < pi.options.size(); ++i) {
      setStr(p, kOfxParamPropChoiceOption, pi.options[i].second, int(i));
      if (pi.options[i].first == pi.defString) def = int(i);
    }
    setInt(p, kOfxParamPropDefault, def);
    setInt(p, kOfxParamPropAnimates, 0);
  } else if (pi.type == "boolean") {
    setInt(p, kOfxParamPropDefault, pi.defBool ? 1 : 0);
    setInt(p, kOfxParamPropAnimates, 0);  // Resolve animates booleans by default
  } else if (pi.type == "color") {
    for (int i = 0; i < 4; ++i) setDbl(p, kOfxParamPropDefault, pi.defColor[i], i);
  } else {
    setStr(p, kOfxParamPropDefault, pi.defString);
    setStr(p, kOfxParamPropStringMode, pi.isPath ? kOfxParamStringIsFilePath : kOfxParamStringIsSingleLine);
    setInt(p, kOfxParamPropAnimates, 0);
  }
}

OfxStatus describeInContext(const EffectInfo &fx, OfxImageEffectHandle h) {
  OfxPropertySetHandle clip = nullptr;
  if (g.effect->clipDefine(h, kOfxImageEffectSimpleSourceClipName, &clip) != kOfxStatOK || !clip)
    return kOfxStatFailed;
  setStr(clip, kOfxImageEffectPropSupportedComponents, kOfxImageComponentRGBA);
  setInt(clip, kOfxImageEffectPropSupportsTiles, 0);
  if (g.effect->clipDefine(h, kOfxImageEffectOutputClipName, &clip) != kOfxStatOK || !clip) return kOfxStatFailed;
  setStr(clip, kOfxImageEffectPropSupportedComponents, kOfxImageComponentRGBA);
  setInt(clip, kOfxImageEffectPropSupportsTiles, 0);
  OfxParamSetHandle params = nullptr;
  if (g.effect->getParamSet(h, &params) != kOfxStatOK || !params) return kOfxStatFailed;
  for (const auto &pi : fx.params) defineParam(params, pi);
  return kOfxStatOK;
}

// ---------- parameter values ----------

/// Value of every param at `time`, as the JSON object the daemon validates against the same descriptor.
std::string paramsJson(const EffectInfo &fx, OfxImageEffectHandle h, OfxTime time) {
  OfxParamSetHandle set = nullptr;
  g.effect->getParamSet(h, &set);
  std::string out = "{";
  bool first = true;
  for (const auto &pi : fx.params) {
    OfxParamHandle ph = nullptr;
    if (!set || g.param->paramGetHandle(set, pi.name.c_str(), &ph, nullptr) != kOfxStatOK || !ph) continue;
    std::string value;
    if (pi.type == "number" && pi.integer) {
      int v = int(std::lround(pi.def));
      g.param->paramGetValueAtTime(ph, time, &v);
      value = std::to_string(v);
    } else if (pi.type == "number") {
      double v = pi.def;
      g.param->paramGetValueAtTime(ph, time, &v);
      json::appendNumber(value, v);
    } else if (pi.type == "choice") {
      int idx = 0;
      g.param->paramGetValueAtTime(ph, time, &idx);
      if (idx < 0 || size_t(idx) >= pi.options.size()) continue;  // let the daemon use its default
      json::appendQuoted(value, pi.options[size_t(idx)].first);
    } else if (pi.type == "boolean") {
      int b = pi.defBool;
      g.param->paramGetValueAtTime(ph, time, &b);
      value = b ? "true" : "false";
    } else if (pi.type == "color") {
      double c[4] = {pi.defColor[0], pi.defColor[1], pi.defColor[2], pi.defColor[3]};
      g.param->paramGetValueAtTime(ph, time, &c[0], &c[1], &c[2], &c[3]);
      value = "[";
      for (int i = 0; i < 4; ++i) {
        if (i) value += ",";
        json::appendNumber(value, c[i]);
      }
      value += "]";
    } else {
      char *s = nullptr;
      g.param->paramGetValueAtTime(ph, time, &s);
      json::appendQuoted(value, s ? s : pi.defString);
    }
    if (!first) out += ",";
    first = false;
    json::appendQuoted(out, pi.name);
    out += ":" + value;
  }
  return out + "}";
}

/// "x4", "4x", "4" → 4; 0 when the text holds no number.
double leadingNumber(const std::string &s) {
  size_t i = s.find_first_of("0123456789.");
  return i == std::string::npos ? 0 : std::atof(s.c_str() + i);
}

double scaleFactor(const EffectInfo &fx, OfxImageEffectHandle h, OfxTime time) {
  const OutputSizeRule &r = fx.outputSize;
  if (!r.present) return 1;
  const std::string &name = !r.scaleParam.empty() ? r.scaleParam : r.choiceParam;
  if (name.empty()) return r.factor;
  for (const auto &pi : fx.params) {
    if (pi.name != name) continue;
    OfxParamSetHandle set = nullptr;
    OfxParamHandle ph = nullptr;
    if (g.effect->getParamSet(h, &set) != kOfxStatOK ||
        g.param->paramGetHandle(set, name.c_str(), &ph, nullptr) != kOfxStatOK)
      return r.factor;
    double f = 0;
    if (pi.type == "number" && pi.integer) {
      int v = 1;
      g.param->paramGetValueAtTime(ph, time, &v);
      f = v;
    } else if (pi.type == "number") {
      g.param->paramGetValueAtTime(ph, time, &f);
    } else if (pi.type == "choice") {
      int idx = 0;
      g.param->paramGetValueAtTime(ph, time, &idx);
      if (idx >= 0 && size_t(idx) < pi.options.size()) {
        const std::string &v = pi.options[size_t(idx)].first;
        auto it = r.choiceFactors.find(v);
        f = it != r.choiceFactors.end() ? it->second : leadingNumber(v);
      }
    }
    return f > 0 && f <= 64 ? f : r.factor;
  }
  return r.factor;
}

// ---------- actions ----------

OfxImageClipHandle clipNamed(OfxImageEffectHandle h, const char *name) {
  OfxImageClipHandle c = nullptr;
  if (g.effect->clipGetHandle(h, name, &c, nullptr) != kOfxStatOK) return nullptr;
  return c;
}

OfxStatus regionOfDefinition(const EffectInfo &fx, OfxImageEffectHandle h, OfxPropertySetHandle in,
                             OfxPropertySetHandle out) {
  if (!fx.outputSize.present) return kOfxStatReplyDefault;
  OfxTime time = 0;
  g.prop->propGetDouble(in, kOfxPropTime, 0, &time);
  OfxImageClipHandle src = clipNamed(h, kOfxImageEffectSimpleSourceClipName);
  OfxRectD rod{0, 0, 0, 0};
  if (!src || g.effect->clipGetRegionOfDefinition(src, time, &rod) != kOfxStatOK) return kOfxStatReplyDefault;
  const double f = scaleFactor(fx, h, time);
  const double v[4] = {rod.x1 * f, rod.y1 * f, rod.x2 * f, rod.y2 * f};
  g.prop->propSetDoubleN(out, kOfxImageEffectPropRegionOfDefinition, 4, v);
  return kOfxStatOK;
}

OfxStatus regionsOfInterest(OfxImageEffectHandle h, OfxPropertySetHandle in, OfxPropertySetHandle out) {
  // Models see the whole frame, whatever part of the output is asked for.
  OfxTime time = 0;
  g.prop->propGetDouble(in, kOfxPropTime, 0, &time);
  OfxImageClipHandle src = clipNamed(h, kOfxImageEffectSimpleSourceClipName);
  OfxRectD rod{0, 0, 0, 0};
  if (!src || g.effect->clipGetRegionOfDefinition(src, time, &rod) != kOfxStatOK) return kOfxStatReplyDefault;
  const double v[4] = {rod.x1, rod.y1, rod.x2, rod.y2};
  g.prop->propSetDoubleN(out, (std::string(kOfxImageClipPropRoIPrefix) + kOfxImageEffectSimpleSourceClipName).c_str(),
                         4, v);
  return kOfxStatOK;
}

OfxStatus clipPreferences(OfxPropertySetHandle out) {
  const std::string comp = kOfxImageClipPropComponentsPrefix;
  setStr(out, (comp + kOfxImageEffectSimpleSourceClipName).c_str(), kOfxImageComponentRGBA);
  setStr(out, (comp + kOfxImageEffectOutputClipName).c_str(), kOfxImageComponentRGBA);
  return kOfxStatOK;
}

/// Releases a host image on every path out of render.
struct ImageRef {
  OfxPropertySetHandle h = nullptr;
  ~ImageRef() {
    if (h) g.effect->clipReleaseImage(h);
  }
};

bool describeImage(OfxPropertySetHandle img, HostImage *out) {
  void *data = nullptr;
  int b[4] = {0, 0, 0, 0};
  int rowBytes = 0;
  if (g.prop->propGetPointer(img, kOfxImagePropData, 0, &data) != kOfxStatOK || !data) return false;
  if (g.prop->propGetIntN(img, kOfxImagePropBounds, 4, b) != kOfxStatOK) return false;
  if (g.prop->propGetInt(img, kOfxImagePropRowBytes, 0, &rowBytes) != kOfxStatOK) return false;
  PixelDepth depth;
  if (!parsePixelDepth(getStr(img, kOfxImageEffectPropPixelDepth).c_str(), &depth)) return false;
  int comps = parseComponents(getStr(img, kOfxImageEffectPropComponents).c_str());
  if (!comps) return false;
  *out = HostImage{data, OfxRectI{b[0], b[1], b[2], b[3]}, long(rowBytes), depth, comps};
  return true;
}

void postError(Instance &inst, OfxImageEffectHandle h, const std::string &msg) {
  logError(msg.c_str());
  if (g.message2 && g.message2->setPersistentMessage) {
    g.message2->setPersistentMessage(h, kOfxMessageError, "org.mlxvideo.render", "%s", msg.c_str());
    inst.persistentMessage = true;
  } else if (msg != inst.lastPosted) {
    // A one-off message per distinct error, not per frame: hosts may show it as a dialog.
    auto fn = g.message2 ? g.message2->message : (g.message1 ? g.message1->message : nullptr);
    if (fn) fn(h, kOfxMessageError, "org.mlxvideo.render", "%s", msg.c_str());
  }
  inst.lastPosted = msg;
}

void clearError(Instance &inst, OfxImageEffectHandle h) {
  // Only a host whose setPersistentMessage works gets clearPersistentMessage called: Resolve 14 pairs a
  // NULL setPersistentMessage with a garbage clearPersistentMessage pointer.
  if (inst.persistentMessage && g.message2 && g.message2->setPersistentMessage && g.message2->clearPersistentMessage)
    g.message2->clearPersistentMessage(h);
  inst.persistentMessage = false;
  inst.lastPosted.clear();
}

OfxStatus render(OfxImageEffectHandle h, OfxPropertySetHandle in) {
  Instance *inst = instanceOf(h);
  if (!inst) return kOfxStatErrBadHandle;
  std::lock_guard<std::mutex> lock(inst->mu);
  const EffectInfo &fx = *inst->effect;
  OfxTime time = 0;
  int win[4] = {0, 0, 0, 0};
  g.prop->propGetDouble(in, kOfxPropTime, 0, &time);
  g.prop->propGetIntN(in, kOfxImageEffectPropRenderWindow, 4, win);
  const OfxRectI window{win[0], win[1], win[2], win[3]};

  OfxImageClipHandle srcClip = clipNamed(h, kOfxImageEffectSimpleSourceClipName);
  OfxImageClipHandle dstClip = clipNamed(h, kOfxImageEffectOutputClipName);
  if (!dstClip) return kOfxStatFailed;
  ImageRef dstRef, srcRef;
  if (g.effect->clipGetImage(dstClip, time, nullptr, &dstRef.h) != kOfxStatOK || !dstRef.h) return kOfxStatFailed;
  HostImage dst;
  if (!describeImage(dstRef.h, &dst)) return kOfxStatErrUnsupported;

  // Connected-but-empty clips (Resolve gaps) hand over NULL: the honest output is transparent black.
  if (srcClip) g.effect->clipGetImage(srcClip, time, nullptr, &srcRef.h);
  HostImage src;
  if (!srcRef.h || !describeImage(srcRef.h, &src)) {
    static const float clear[4] = {0, 0, 0, 0};
    fillRect(dst, window, clear);
    return kOfxStatOK;
  }

  FrameJob job;
  job.instance = inst->id;
  job.effect = fx.id;
  job.paramsJson = paramsJson(fx, h, time);
  job.frameIndex = std::llround(time);
  job.width = rectWidth(src.bounds);
  job.height = rectHeight(src.bounds);
  const double f = scaleFactor(fx, h, time);
  job.outWidth = int(std::lround(job.width * f));
  job.outHeight = int(std::lround(job.height * f));
  if (job.width <= 0 || job.height <= 0) return kOfxStatFailed;

  const CancelFn aborted = [h]() { return g.effect->abort(h) != 0; };
  try {
    readPacked(src, src.bounds, inst->link.inputBuffer(job));
    int w = 0, hgt = 0;
    const float *result = inst->link.render(job, &w, &hgt, aborted);
    const int x1 = int(std::lround(src.bounds.x1 * f)), y1 = int(std::lround(src.bounds.y1 * f));
    writePacked(result, OfxRectI{x1, y1, x1 + w, y1 + hgt}, dst, window);
    clearError(*inst, h);
    if (verboseLog())
      std::fprintf(stderr, "mlxvideo.ofx: %s frame %lld %dx%d -> %dx%d via %s\n", fx.id.c_str(), job.frameIndex,
                   job.width, job.height, w, hgt, inst->link.lastTransport());
    return kOfxStatOK;
  } catch (const WsError &e) {
    if (e.kind() == WsError::Kind::Aborted) return kOfxStatFailed;  // the host discards this frame anyway
    const std::string msg = describeFailure(e, loadSettings());
    paintError(dst, window, msg);
    postError(*inst, h, msg);
    return kOfxStatOK;
  } catch (const std::exception &e) {
    // A daemon error reply leaves the connection usable; anything else (token, shm, bad reply) starts over.
    auto *daemonErr = dynamic_cast<const DaemonError *>(&e);
    if (!daemonErr || daemonErr->code() == "BAD_REPLY") inst->link.drop();
    const std::string msg = describeFailure(e, loadSettings());
    paintError(dst, window, msg);
    postError(*inst, h, msg);
    return kOfxStatOK;
  }
}

OfxStatus createInstance(const EffectInfo &fx, OfxImageEffectHandle h) {
  static std::atomic<unsigned> counter{0};
  auto inst = std::make_unique<Instance>();
  inst->effect = &fx;
  inst->id = "ofx-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" + fx.id;
  OfxPropertySetHandle p = effectProps(h);
  if (!p || g.prop->propSetPointer(p, kOfxPropInstanceData, 0, inst.get()) != kOfxStatOK) return kOfxStatFailed;
  inst.release();
  return kOfxStatOK;
}

OfxStatus destroyInstance(OfxImageEffectHandle h) {
  std::unique_ptr<Instance> inst(instanceOf(h));
  if (!inst) return kOfxStatOK;
  inst->link.closeInstance(inst->id);
  if (OfxPropertySetHandle p = effectProps(h)) g.prop->propSetPointer(p, kOfxPropInstanceData, 0, nullptr);
  return kOfxStatOK;
}

OfxStatus load() {
  if (!g.host || !g.host->fetchSuite) return kOfxStatErrMissingHostFeature;
  g.prop = static_cast<const OfxPropertySuiteV1 *>(g.host->fetchSuite(g.host->host, kOfxPropertySuite, 1));
  g.effect = static_cast<const OfxImageEffectSuiteV1 *>(g.host->fetchSuite(g.host->host, kOfxImageEffectSuite, 1));
  g.param = static_cast<const OfxParameterSuiteV1 *>(g.host->fetchSuite(g.host->host, kOfxParameterSuite, 1));
  g.message2 = static_cast<const OfxMessageSuiteV2 *>(g.host->fetchSuite(g.host->host, kOfxMessageSuite, 2));
  g.message1 = g.message2 ? nullptr
                          : static_cast<const OfxMessageSuiteV1 *>(g.host->fetchSuite(g.host->host, kOfxMessageSuite, 1));
  if (!g.prop || !g.effect || !g.param) return kOfxStatErrMissingHostFeature;
  return kOfxStatOK;
}

OfxStatus dispatch(int index, const char *action, const void *handle, OfxPropertySetHandle in,
                   OfxPropertySetHandle out) {
  if (!action) return kOfxStatErrBadHandle;
  if (!std::strcmp(action, kOfxActionLoad)) return load();
  if (!std::strcmp(action, kOfxActionUnload)) return kOfxStatOK;
  if (!g.prop || !g.effect || !g.param || index < 0 || size_t(index) >= g_catalog.size()) return kOfxStatFailed;
  const EffectInfo &fx = g_catalog[size_t(index)];
  auto h = static_cast<OfxImageEffectHandle>(const_cast<void *>(handle));
  if (!std::strcmp(action, kOfxActionDescribe)) return describe(fx, h);
  if (!std::strcmp(action, kOfxImageEffectActionDescribeInContext)) return describeInContext(fx, h);
  if (!std::strcmp(action, kOfxActionCreateInstance)) return createInstance(fx, h);
  if (!std::strcmp(action, kOfxActionDestroyInstance)) return destroyInstance(h);
  if (!std::strcmp(action, kOfxImageEffectActionRender)) return render(h, in);
  if (!std::strcmp(action, kOfxImageEffectActionGetRegionOfDefinition)) return regionOfDefinition(fx, h, in, out);
  if (!std::strcmp(action, kOfxImageEffectActionGetRegionsOfInterest)) return regionsOfInterest(h, in, out);
  if (!std::strcmp(action, kOfxImageEffectActionGetClipPreferences)) return clipPreferences(out);
  return kOfxStatReplyDefault;
}

OfxStatus mainEntry(int index, const char *action, const void *handle, OfxPropertySetHandle in,
                    OfxPropertySetHandle out) noexcept {
  try {
    return dispatch(index, action, handle, in, out);
  } catch (const std::exception &e) {
    logError(e.what());
  } catch (...) {
    logError("unknown exception in mainEntry");
  }
  return kOfxStatFailed;
}

// mainEntry carries no plugin index, so each plugin in the bundle gets its own trampoline.
constexpr int kMaxPlugins = 64;
template <int N>
OfxStatus entryFor(const char *action, const void *handle, OfxPropertySetHandle in, OfxPropertySetHandle out) {
  return mainEntry(N, action, handle, in, out);
}
template <size_t... I>
constexpr std::array<OfxPluginEntryPoint *, sizeof...(I)> makeEntries(std::index_sequence<I...>) {
  return {&entryFor<int(I)>...};
}
constexpr auto kEntries = makeEntries(std::make_index_sequence<kMaxPlugins>{});

void setHost(OfxHost *host) { g.host = host; }  // the spec allows only storing the pointer here

void buildPlugins() {
  loadCatalogOnce();
  static std::once_flag once;
  std::call_once(once, [] {
    if (g_catalog.size() > size_t(kMaxPlugins)) g_catalog.resize(size_t(kMaxPlugins));
    for (size_t i = 0; i < g_catalog.size(); ++i)
      g_plugins.push_back(OfxPlugin{kOfxImageEffectPluginApi, kOfxImageEffectPluginApiVersion,
                                    g_catalog[i].pluginIdentifier.c_str(), 0, 1, &setHost, kEntries[i]});
  });
}

}  // namespace

extern "C" {

MLXV_OFX_EXPORT int OfxGetNumberOfPlugins(void) {
  try {
    buildPlugins();
    return int(g_plugins.size());
  } catch (...) {
    return 0;
  }
}

MLXV_OFX_EXPORT OfxPlugin *OfxGetPlugin(int nth) {
  try {
    buildPlugins();
    if (nth < 0 || size_t(nth) >= g_plugins.size()) return nullptr;
    return &g_plugins[size_t(nth)];
  } catch (...) {
    return nullptr;
  }
}

MLXV_OFX_EXPORT OfxStatus OfxSetHost(const OfxHost *host) {
  g.host = const_cast<OfxHost *>(host);
  return kOfxStatOK;
}

}  // extern "C"
