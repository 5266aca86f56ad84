// The mlxvideo OpenFX plugin: one OFX image effect per per-frame effect in Resources/effects.json. Each
// render sends the source frame to the local daemon and writes the result back (DESIGN.md "Hosts").
// Rules this file keeps (HOSTS.md §4.4): no C++ exception crosses mainEntry; NULL images are expected;
// message-suite V2 pointers may be NULL; the render polls abort() and ends at a timeout with an on-image
// error; render is declared InstanceSafe, so instances render concurrently and each owns its connection.
// Every suite call's status is checked; an unexpected failure is logged once, naming the call and property.
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>
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
  bool hostIsBackground = false;  // kOfxImageEffectHostPropIsBackground: a render-only host (farm, batch)
};
Suites g;

// The plugin's version (OfxPlugin and kOfxPropVersion say the same).
constexpr unsigned kVersionMajor = 0, kVersionMinor = 1;

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
  // Sequential effects: the time rendered last on this instance's daemon session, and the connection it was
  // rendered on. Anything but time-1 on the same connection means the session must be pre-rolled.
  double lastTime = std::nan("");
  uint64_t lastGeneration = 0;
};

void logError(const char *what) { std::fprintf(stderr, "mlxvideo.ofx: %s\n", what); }

/// Logs a failed suite call once per (call, name), so a host that refuses a property is visible in its log
/// without flooding it every frame. Returns whether the call succeeded.
bool checked(OfxStatus st, const char *call, const std::string &name) {
  if (st == kOfxStatOK) return true;
  static std::mutex mu;
  static std::set<std::string> seen;
  const std::string key = std::string(call) + "(" + name + ")";
  std::lock_guard<std::mutex> lock(mu);
  if (seen.insert(key).second)
    std::fprintf(stderr, "mlxvideo.ofx: host call %s returned status %d\n", key.c_str(), int(st));
  return false;
}

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
  if (!checked(g.effect->getPropertySet(h, &p), "getPropertySet", "effect")) return nullptr;
  return p;
}

bool setStr(OfxPropertySetHandle p, const char *name, const std::string &v, int i = 0) {
  return checked(g.prop->propSetString(p, name, i, v.c_str()), "propSetString", name);
}
bool setInt(OfxPropertySetHandle p, const char *name, int v, int i = 0) {
  return checked(g.prop->propSetInt(p, name, i, v), "propSetInt", name);
}
bool setDbl(OfxPropertySetHandle p, const char *name, double v, int i = 0) {
  return checked(g.prop->propSetDouble(p, name, i, v), "propSetDouble", name);
}

std::string getStr(OfxPropertySetHandle p, const char *name, int i = 0) {
  char *s = nullptr;
  if (!p || !checked(g.prop->propGetString(p, name, i, &s), "propGetString", name) || !s) return "";
  return s;
}
/// Optional in-args (a host may omit them): absent is not an error, so these do not log.
double optDouble(OfxPropertySetHandle p, const char *name, int i, double fallback) {
  double v = fallback;
  return p && g.prop->propGetDouble(p, name, i, &v) == kOfxStatOK ? v : fallback;
}
int optInt(OfxPropertySetHandle p, const char *name, int i, int fallback) {
  int v = fallback;
  return p && g.prop->propGetInt(p, name, i, &v) == kOfxStatOK ? v : fallback;
}

Instance *instanceOf(OfxImageEffectHandle h) {
  void *ptr = nullptr;
  OfxPropertySetHandle p = effectProps(h);
  if (!p || !checked(g.prop->propGetPointer(p, kOfxPropInstanceData, 0, &ptr), "propGetPointer", kOfxPropInstanceData))
    return nullptr;
  return static_cast<Instance *>(ptr);
}

// ---------- describe ----------

OfxStatus describe(const EffectInfo &fx, OfxImageEffectHandle h) {
  OfxPropertySetHandle p = effectProps(h);
  if (!p) return kOfxStatErrBadHandle;
  setStr(p, kOfxPropLabel, "mlxvideo " + fx.label);
  setStr(p, kOfxPropShortLabel, fx.label.substr(0, 32));
  setStr(p, kOfxPropPluginDescription, describeWithCards(fx));
  setInt(p, kOfxPropVersion, int(kVersionMajor), 0);
  setInt(p, kOfxPropVersion, int(kVersionMinor), 1);
  setStr(p, kOfxPropVersionLabel, std::to_string(kVersionMajor) + "." + std::to_string(kVersionMinor));
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
  // Sequential effects pre-roll their session themselves when frames come out of order (render()), so they
  // render correctly in any order; in order is only faster (OFX value 2).
  setInt(p, kOfxImageEffectInstancePropSequentialRender, fx.temporal == "sequential" ? 2 : 0);
  // The output's premultiplication follows a choice param: the host must ask the clip preferences again
  // whenever it changes.
  if (!fx.alphaState.param.empty()) setStr(p, kOfxImageEffectPropClipPreferencesSlaveParam, fx.alphaState.param);
  return kOfxStatOK;
}

void defineParam(OfxParamSetHandle set, const ParamInfo &pi) {
  OfxPropertySetHandle p = nullptr;
  const char *type = pi.type == "number"    ? (pi.integer ? kOfxParamTypeInteger : kOfxParamTypeDouble)
                     : pi.type == "choice"  ? kOfxParamTypeChoice
                     : pi.type == "boolean" ? kOfxParamTypeBoolean
                     : pi.type == "color"   ? kOfxParamTypeRGBA
                                            : kOfxParamTypeString;
  if (!checked(g.param->paramDefine(set, type, pi.name.c_str(), &p), "paramDefine", pi.name) || !p) return;
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

OfxStatus describeInContext(const EffectInfo &fx, OfxImageEffectHandle h, OfxPropertySetHandle in) {
  // Only the contexts describe() declared. The spec's answer for a context the plugin cannot work in is
  // kOfxStatErrMissingHostFeature ("the context will be ignored by the host").
  const std::string context = getStr(in, kOfxImageEffectPropContext);
  if (context != kOfxImageEffectContextFilter && context != kOfxImageEffectContextGeneral)
    return kOfxStatErrMissingHostFeature;
  OfxPropertySetHandle clip = nullptr;
  if (!checked(g.effect->clipDefine(h, kOfxImageEffectSimpleSourceClipName, &clip), "clipDefine",
               kOfxImageEffectSimpleSourceClipName) ||
      !clip)
    return kOfxStatFailed;
  setStr(clip, kOfxImageEffectPropSupportedComponents, kOfxImageComponentRGBA);
  setInt(clip, kOfxImageEffectPropSupportsTiles, 0);
  if (!checked(g.effect->clipDefine(h, kOfxImageEffectOutputClipName, &clip), "clipDefine",
               kOfxImageEffectOutputClipName) ||
      !clip)
    return kOfxStatFailed;
  setStr(clip, kOfxImageEffectPropSupportedComponents, kOfxImageComponentRGBA);
  setInt(clip, kOfxImageEffectPropSupportsTiles, 0);
  OfxParamSetHandle params = nullptr;
  if (!checked(g.effect->getParamSet(h, &params), "getParamSet", "describe") || !params) return kOfxStatFailed;
  for (const auto &pi : fx.params) defineParam(params, pi);
  return kOfxStatOK;
}

// ---------- parameter values ----------

const ParamInfo *paramInfo(const EffectInfo &fx, const std::string &name) {
  for (const auto &pi : fx.params)
    if (pi.name == name) return &pi;
  return nullptr;
}

/// One param's value at a time, typed as effects.json types it.
struct ParamValue {
  bool present = false;
  double number = 0;         // number (integer or not)
  std::string text;          // choice value or string
  bool boolean = false;
  double color[4] = {0, 0, 0, 1};
};

ParamValue readParam(const ParamInfo &pi, OfxImageEffectHandle h, OfxTime time) {
  ParamValue v;
  OfxParamSetHandle set = nullptr;
  OfxParamHandle ph = nullptr;
  if (!checked(g.effect->getParamSet(h, &set), "getParamSet", pi.name) || !set) return v;
  if (!checked(g.param->paramGetHandle(set, pi.name.c_str(), &ph, nullptr), "paramGetHandle", pi.name) || !ph) return v;
  OfxStatus st = kOfxStatOK;
  if (pi.type == "number" && pi.integer) {
    int x = int(std::lround(pi.def));
    st = g.param->paramGetValueAtTime(ph, time, &x);
    v.number = x;
  } else if (pi.type == "number") {
    v.number = pi.def;
    st = g.param->paramGetValueAtTime(ph, time, &v.number);
  } else if (pi.type == "choice") {
    int idx = 0;
    st = g.param->paramGetValueAtTime(ph, time, &idx);
    if (idx < 0 || size_t(idx) >= pi.options.size()) return v;  // the daemon uses its default
    v.text = pi.options[size_t(idx)].first;
  } else if (pi.type == "boolean") {
    int b = pi.defBool;
    st = g.param->paramGetValueAtTime(ph, time, &b);
    v.boolean = b != 0;
  } else if (pi.type == "color") {
    for (int i = 0; i < 4; ++i) v.color[i] = pi.defColor[i];
    st = g.param->paramGetValueAtTime(ph, time, &v.color[0], &v.color[1], &v.color[2], &v.color[3]);
  } else {
    char *s = nullptr;
    st = g.param->paramGetValueAtTime(ph, time, &s);
    v.text = s ? s : pi.defString;
  }
  v.present = checked(st, "paramGetValueAtTime", pi.name);
  return v;
}

/// A pixel-unit param (`unit: "px"`, e.g. matte choke/feather) at the host's render scale: a proxy render at
/// half resolution needs half the pixels for the same look (OFX: render scale applies to spatial params).
double scaledPixels(const ParamInfo &pi, double value, double renderScale) {
  double v = value * renderScale;
  if (pi.integer) v = double(std::lround(v));
  return std::min(pi.max, std::max(pi.min, v));
}

/// Value of every param at `time`, as the JSON object the daemon validates against the same descriptor.
std::string paramsJson(const EffectInfo &fx, OfxImageEffectHandle h, OfxTime time, double renderScale) {
  std::string out = "{";
  bool first = true;
  for (const auto &pi : fx.params) {
    const ParamValue pv = readParam(pi, h, time);
    if (!pv.present) continue;
    std::string value;
    if (pi.type == "number") {
      const double n = pi.pixelUnit ? scaledPixels(pi, pv.number, renderScale) : pv.number;
      if (pi.integer) value = std::to_string(std::lround(n));
      else json::appendNumber(value, n);
    } else if (pi.type == "boolean") {
      value = pv.boolean ? "true" : "false";
    } else if (pi.type == "color") {
      value = "[";
      for (int i = 0; i < 4; ++i) {
        if (i) value += ",";
        json::appendNumber(value, pv.color[i]);
      }
      value += "]";
    } else {
      json::appendQuoted(value, pv.text);
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
  const ParamInfo *pi = name.empty() ? nullptr : paramInfo(fx, name);
  if (!pi) return r.factor;
  const ParamValue v = readParam(*pi, h, time);
  if (!v.present) return r.factor;
  double f = 0;
  if (pi->type == "number") {
    f = v.number;
  } else if (pi->type == "choice") {
    auto it = r.choiceFactors.find(v.text);
    f = it != r.choiceFactors.end() ? it->second : leadingNumber(v.text);
  }
  return f > 0 && f <= 64 ? f : r.factor;
}

// ---------- actions ----------

OfxImageClipHandle clipNamed(OfxImageEffectHandle h, const char *name) {
  OfxImageClipHandle c = nullptr;
  if (!checked(g.effect->clipGetHandle(h, name, &c, nullptr), "clipGetHandle", name)) return nullptr;
  return c;
}

OfxStatus regionOfDefinition(const EffectInfo &fx, OfxImageEffectHandle h, OfxPropertySetHandle in,
                             OfxPropertySetHandle out) {
  if (!fx.outputSize.present) return kOfxStatReplyDefault;
  const OfxTime time = optDouble(in, kOfxPropTime, 0, 0);
  OfxImageClipHandle src = clipNamed(h, kOfxImageEffectSimpleSourceClipName);
  OfxRectD rod{0, 0, 0, 0};
  if (!src || !checked(g.effect->clipGetRegionOfDefinition(src, time, &rod), "clipGetRegionOfDefinition", "Source"))
    return kOfxStatReplyDefault;
  const double f = scaleFactor(fx, h, time);
  const double v[4] = {rod.x1 * f, rod.y1 * f, rod.x2 * f, rod.y2 * f};
  if (!checked(g.prop->propSetDoubleN(out, kOfxImageEffectPropRegionOfDefinition, 4, v), "propSetDoubleN",
               kOfxImageEffectPropRegionOfDefinition))
    return kOfxStatFailed;
  return kOfxStatOK;
}

OfxStatus regionsOfInterest(OfxImageEffectHandle h, OfxPropertySetHandle in, OfxPropertySetHandle out) {
  // Models see the whole frame, whatever part of the output is asked for.
  const OfxTime time = optDouble(in, kOfxPropTime, 0, 0);
  OfxImageClipHandle src = clipNamed(h, kOfxImageEffectSimpleSourceClipName);
  OfxRectD rod{0, 0, 0, 0};
  if (!src || !checked(g.effect->clipGetRegionOfDefinition(src, time, &rod), "clipGetRegionOfDefinition", "Source"))
    return kOfxStatReplyDefault;
  const double v[4] = {rod.x1, rod.y1, rod.x2, rod.y2};
  const std::string name = std::string(kOfxImageClipPropRoIPrefix) + kOfxImageEffectSimpleSourceClipName;
  if (!checked(g.prop->propSetDoubleN(out, name.c_str(), 4, v), "propSetDoubleN", name)) return kOfxStatFailed;
  return kOfxStatOK;
}

/// The descriptor's alpha state for the current value of its choice param, as an OFX premultiplication
/// value; nullptr when the output keeps the input's state (no alphaState, or a value it does not list).
const char *outputPremultiplication(const EffectInfo &fx, OfxImageEffectHandle h) {
  const ParamInfo *pi = fx.alphaState.param.empty() ? nullptr : paramInfo(fx, fx.alphaState.param);
  if (!pi) return nullptr;
  const ParamValue v = readParam(*pi, h, 0);  // choice params do not animate (defineParam)
  auto it = fx.alphaState.byValue.find(v.text);
  if (!v.present || it == fx.alphaState.byValue.end()) return nullptr;
  if (it->second == "premultiplied") return kOfxImagePreMultiplied;
  if (it->second == "opaque") return kOfxImageOpaque;
  if (it->second == "straight") return kOfxImageUnPreMultiplied;
  return nullptr;
}

OfxStatus clipPreferences(const EffectInfo &fx, OfxImageEffectHandle h, OfxPropertySetHandle out) {
  const std::string comp = kOfxImageClipPropComponentsPrefix;
  setStr(out, (comp + kOfxImageEffectSimpleSourceClipName).c_str(), kOfxImageComponentRGBA);
  setStr(out, (comp + kOfxImageEffectOutputClipName).c_str(), kOfxImageComponentRGBA);
  // Declared per output mode (matte: straight RGBA, premultiplied RGBA, an opaque grey matte); without it the
  // host labels the output with the input's state and composites straight alpha as premultiplied.
  if (const char *premult = outputPremultiplication(fx, h)) setStr(out, kOfxImageEffectPropPreMultiplication, premult);
  return kOfxStatOK;
}

/// IsIdentity from the descriptor's identityWhen: every listed param equals its value → the host copies the
/// source and never calls render (no daemon round trip).
OfxStatus isIdentity(const EffectInfo &fx, OfxImageEffectHandle h, OfxPropertySetHandle in, OfxPropertySetHandle out) {
  if (fx.identityWhen.empty() || fx.outputSize.present) return kOfxStatReplyDefault;
  const OfxTime time = optDouble(in, kOfxPropTime, 0, 0);
  for (const IdentityCondition &c : fx.identityWhen) {
    const ParamInfo *pi = paramInfo(fx, c.param);
    if (!pi) return kOfxStatReplyDefault;
    const ParamValue v = readParam(*pi, h, time);
    if (!v.present) return kOfxStatReplyDefault;
    const bool same = c.kind == IdentityCondition::Kind::Number    ? pi->type == "number" && v.number == c.number
                      : c.kind == IdentityCondition::Kind::Boolean ? pi->type == "boolean" && v.boolean == c.boolean
                                                                   : pi->type != "number" && v.text == c.text;
    if (!same) return kOfxStatReplyDefault;
  }
  if (!setStr(out, kOfxPropName, kOfxImageEffectSimpleSourceClipName) || !setDbl(out, kOfxPropTime, time))
    return kOfxStatReplyDefault;
  return kOfxStatOK;
}

/// Releases a host image on every path out of render.
struct ImageRef {
  OfxPropertySetHandle h = nullptr;
  ~ImageRef() {
    if (h) checked(g.effect->clipReleaseImage(h), "clipReleaseImage", "image");
  }
};

bool describeImage(OfxPropertySetHandle img, HostImage *out) {
  void *data = nullptr;
  int b[4] = {0, 0, 0, 0};
  int rowBytes = 0;
  if (!checked(g.prop->propGetPointer(img, kOfxImagePropData, 0, &data), "propGetPointer", kOfxImagePropData) || !data)
    return false;
  if (!checked(g.prop->propGetIntN(img, kOfxImagePropBounds, 4, b), "propGetIntN", kOfxImagePropBounds)) return false;
  if (!checked(g.prop->propGetInt(img, kOfxImagePropRowBytes, 0, &rowBytes), "propGetInt", kOfxImagePropRowBytes))
    return false;
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
    checked(g.message2->setPersistentMessage(h, kOfxMessageError, "org.mlxvideo.render", "%s", msg.c_str()),
            "setPersistentMessage", kOfxMessageError);
    inst.persistentMessage = true;
  } else if (msg != inst.lastPosted) {
    // A one-off message per distinct error, not per frame: hosts may show it as a dialog.
    auto fn = g.message2 ? g.message2->message : (g.message1 ? g.message1->message : nullptr);
    if (fn) checked(fn(h, kOfxMessageError, "org.mlxvideo.render", "%s", msg.c_str()), "message", kOfxMessageError);
  }
  inst.lastPosted = msg;
}

void clearError(Instance &inst, OfxImageEffectHandle h) {
  // Only a host whose setPersistentMessage works gets clearPersistentMessage called: Resolve 14 pairs a
  // NULL setPersistentMessage with a garbage clearPersistentMessage pointer.
  if (inst.persistentMessage && g.message2 && g.message2->setPersistentMessage && g.message2->clearPersistentMessage)
    checked(g.message2->clearPersistentMessage(h), "clearPersistentMessage", "render");
  inst.persistentMessage = false;
  inst.lastPosted.clear();
}

/// A render whose result goes to a file (render queue, farm) rather than a viewer: a failure there must fail
/// the frame (kOfxStatFailed), or the error picture ends up in a delivery. OFX says so through the host's
/// kOfxImageEffectHostPropIsBackground, or a strictly sequential render not driven by user interaction.
bool isBatchRender(OfxPropertySetHandle in) {
  if (g.hostIsBackground) return true;
  return optInt(in, kOfxImageEffectPropSequentialRenderStatus, 0, 0) == 1 &&
         optInt(in, kOfxImageEffectPropInteractiveRenderStatus, 0, 0) == 0;
}

/// First time a pre-roll may start at: the source clip's first frame (kOfxImageEffectPropFrameRange).
double clipFirstFrame(OfxImageClipHandle clip, double fallback) {
  OfxPropertySetHandle p = nullptr;
  if (!checked(g.effect->clipGetPropertySet(clip, &p), "clipGetPropertySet", "Source")) return fallback;
  return optDouble(p, kOfxImageEffectPropFrameRange, 0, fallback);
}

/// Feeds the instance's daemon session the source frames a sequential effect's frame `time` depends on
/// (the descriptor's preRoll; when it declares none, up to MLXV_OFX_MAX_PREROLL frames from the clip start),
/// so frame `time` comes out as it does in a render from the first frame in order. The daemon resets the
/// session at the first of them (its index does not follow the last one it saw); their results are dropped.
void preroll(Instance &inst, const EffectInfo &fx, OfxImageEffectHandle h, OfxImageClipHandle srcClip,
             const FrameJob &frame, OfxTime time, double renderScale, const CancelFn &aborted) {
  const int frames = fx.preRoll >= 0 ? fx.preRoll : loadSettings().maxPrerollFrames;
  const double first = std::max(time - frames, clipFirstFrame(srcClip, time - frames));
  for (double t = first; t < time - 0.5; t += 1) {
    ImageRef ref;
    // A missing frame (kOfxStatFailed: nothing at that time) leaves a gap; the daemon restarts after it.
    if (g.effect->clipGetImage(srcClip, t, nullptr, &ref.h) != kOfxStatOK || !ref.h) continue;
    HostImage img;
    if (!describeImage(ref.h, &img) || rectWidth(img.bounds) != frame.width || rectHeight(img.bounds) != frame.height)
      continue;
    FrameJob job = frame;
    job.frameIndex = std::llround(t);
    job.paramsJson = paramsJson(fx, h, t, renderScale);
    readPacked(img, img.bounds, inst.link.inputBuffer(job));
    int w = 0, hgt = 0;
    inst.link.render(job, &w, &hgt, aborted);
  }
}

OfxStatus render(OfxImageEffectHandle h, OfxPropertySetHandle in) {
  Instance *inst = instanceOf(h);
  if (!inst) return kOfxStatErrBadHandle;
  std::lock_guard<std::mutex> lock(inst->mu);
  const EffectInfo &fx = *inst->effect;
  OfxTime time = 0;
  int win[4] = {0, 0, 0, 0};
  checked(g.prop->propGetDouble(in, kOfxPropTime, 0, &time), "propGetDouble", kOfxPropTime);
  checked(g.prop->propGetIntN(in, kOfxImageEffectPropRenderWindow, 4, win), "propGetIntN",
          kOfxImageEffectPropRenderWindow);
  const OfxRectI window{win[0], win[1], win[2], win[3]};
  const double renderScale = optDouble(in, kOfxImageEffectPropRenderScale, 0, 1);
  const bool batch = isBatchRender(in);

  OfxImageClipHandle srcClip = clipNamed(h, kOfxImageEffectSimpleSourceClipName);
  OfxImageClipHandle dstClip = clipNamed(h, kOfxImageEffectOutputClipName);
  if (!dstClip) return kOfxStatFailed;
  ImageRef dstRef, srcRef;
  if (!checked(g.effect->clipGetImage(dstClip, time, nullptr, &dstRef.h), "clipGetImage", "Output") || !dstRef.h)
    return kOfxStatFailed;
  HostImage dst;
  if (!describeImage(dstRef.h, &dst)) return kOfxStatErrUnsupported;

  // Connected-but-empty clips (Resolve gaps) hand over NULL (kOfxStatFailed): the honest output is
  // transparent black.
  if (srcClip) g.effect->clipGetImage(srcClip, time, nullptr, &srcRef.h);
  HostImage src;
  if (!srcRef.h || !describeImage(srcRef.h, &src)) {
    static const float clear[4] = {0, 0, 0, 0};
    fillRect(dst, window, clear);
    inst->lastTime = std::nan("");
    return kOfxStatOK;
  }

  FrameJob job;
  job.instance = inst->id;
  job.effect = fx.id;
  job.paramsJson = paramsJson(fx, h, time, renderScale);
  job.frameIndex = std::llround(time);
  job.width = rectWidth(src.bounds);
  job.height = rectHeight(src.bounds);
  const double f = scaleFactor(fx, h, time);
  job.outWidth = int(std::lround(job.width * f));
  job.outHeight = int(std::lround(job.height * f));
  if (job.width <= 0 || job.height <= 0) return kOfxStatFailed;

  const CancelFn aborted = [h]() { return g.effect->abort(h) != 0; };
  auto fail = [&](const std::string &msg) {
    inst->lastTime = std::nan("");
    paintError(dst, window, msg);  // interactive: the picture says what is wrong
    postError(*inst, h, msg);
    return batch ? kOfxStatFailed : kOfxStatOK;  // batch: the host fails the frame with our message
  };
  try {
    if (fx.temporal == "sequential" &&
        !(inst->lastTime == time - 1 && inst->lastGeneration == inst->link.generation() && inst->link.generation()))
      preroll(*inst, fx, h, srcClip, job, time, renderScale, aborted);
    readPacked(src, src.bounds, inst->link.inputBuffer(job));
    int w = 0, hgt = 0;
    const float *result = inst->link.render(job, &w, &hgt, aborted);
    const int x1 = int(std::lround(src.bounds.x1 * f)), y1 = int(std::lround(src.bounds.y1 * f));
    writePacked(result, OfxRectI{x1, y1, x1 + w, y1 + hgt}, dst, window);
    clearError(*inst, h);
    inst->lastTime = time;
    inst->lastGeneration = inst->link.generation();
    if (verboseLog())
      std::fprintf(stderr, "mlxvideo.ofx: %s frame %lld %dx%d -> %dx%d via %s\n", fx.id.c_str(), job.frameIndex,
                   job.width, job.height, w, hgt, inst->link.lastTransport());
    return kOfxStatOK;
  } catch (const WsError &e) {
    if (e.kind() == WsError::Kind::Aborted) {
      inst->lastTime = std::nan("");
      return kOfxStatFailed;  // the host discards this frame anyway
    }
    return fail(describeFailure(e, loadSettings()));
  } catch (const std::exception &e) {
    // A daemon error reply leaves the connection usable; anything else (token, shm, bad reply) starts over.
    auto *daemonErr = dynamic_cast<const DaemonError *>(&e);
    if (!daemonErr || daemonErr->code() == "BAD_REPLY") inst->link.drop();
    return fail(describeFailure(e, loadSettings()));
  }
}

OfxStatus createInstance(const EffectInfo &fx, OfxImageEffectHandle h) {
  static std::atomic<unsigned> counter{0};
  auto inst = std::make_unique<Instance>();
  inst->effect = &fx;
  inst->id = "ofx-" + std::to_string(processId()) + "-" + std::to_string(++counter) + "-" + fx.id;
  OfxPropertySetHandle p = effectProps(h);
  if (!p || !checked(g.prop->propSetPointer(p, kOfxPropInstanceData, 0, inst.get()), "propSetPointer",
                     kOfxPropInstanceData))
    return kOfxStatFailed;
  inst.release();
  return kOfxStatOK;
}

OfxStatus destroyInstance(OfxImageEffectHandle h) {
  std::unique_ptr<Instance> inst(instanceOf(h));
  if (!inst) return kOfxStatOK;
  inst->link.closeInstance(inst->id);
  if (OfxPropertySetHandle p = effectProps(h))
    checked(g.prop->propSetPointer(p, kOfxPropInstanceData, 0, nullptr), "propSetPointer", kOfxPropInstanceData);
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
  int background = 0;
  g.hostIsBackground = g.prop->propGetInt(g.host->host, kOfxImageEffectHostPropIsBackground, 0, &background) ==
                           kOfxStatOK &&
                       background == 1;
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
  if (!std::strcmp(action, kOfxImageEffectActionDescribeInContext)) return describeInContext(fx, h, in);
  if (!std::strcmp(action, kOfxActionCreateInstance)) return createInstance(fx, h);
  if (!std::strcmp(action, kOfxActionDestroyInstance)) return destroyInstance(h);
  if (!std::strcmp(action, kOfxImageEffectActionRender)) return render(h, in);
  if (!std::strcmp(action, kOfxImageEffectActionGetRegionOfDefinition)) return regionOfDefinition(fx, h, in, out);
  if (!std::strcmp(action, kOfxImageEffectActionGetRegionsOfInterest)) return regionsOfInterest(h, in, out);
  if (!std::strcmp(action, kOfxImageEffectActionGetClipPreferences)) return clipPreferences(fx, h, out);
  if (!std::strcmp(action, kOfxImageEffectActionIsIdentity)) return isIdentity(fx, h, in, out);
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
                                    g_catalog[i].pluginIdentifier.c_str(), kVersionMajor, kVersionMinor, &setHost,
                                    kEntries[i]});
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
