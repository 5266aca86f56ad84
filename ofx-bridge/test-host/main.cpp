// mlxv-ofx-host: loads an OFX bundle (dlopen / LoadLibrary) and drives it through the real action sequence
// (load, describe, describe-in-context, create instance, clip preferences, RoD/RoI, render, destroy,
// unload), optionally behaving like DaVinci Resolve. Prints one JSON report on stdout; the exit status says
// whether the --expect'ed behaviour happened (0), did not (1), the host could not run (2), or the plugin
// broke a host rule (3: wrong property types, leaked images, ...).
//
//   mlxv-ofx-host --bundle build/ofx-bridge/mlxvideo.ofx.bundle --list
//   mlxv-ofx-host --bundle ... --plugin org.mlxvideo.identity --input in.rgbaf --width 64 --height 36
//                 --output out.rgbaf [--resolve] [--instances 4] [--frames 3] [--param gain=0.5] ...
//   Clips: --input may hold several frames back to back (frame t shows frame t); --order forward|backward|shuffle
//   renders the --frames in that order; --output-frames PREFIX writes every frame's result to PREFIX.<t>.
//   Render context: --render-mode playback (default: a viewer; not sequential, not interactive) | interactive
//   (the user is editing) | sequential (a render queue in a foreground host) | background (a render-only host:
//   kOfxImageEffectHostPropIsBackground); --render-scale 0.5 (proxy: images at half size).
#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "host.h"
#include "image_io.h"
#include "json.h"
#include "ofx_abi.h"

using namespace host;
using Clock = std::chrono::steady_clock;

namespace {

// The plugin binary: dlopen on POSIX, LoadLibrary on Windows (a .ofx is a DLL there).
#ifdef _WIN32
void *loadBinary(const std::string &path, std::string *err) {
  HMODULE m = LoadLibraryA(path.c_str());
  if (!m) *err = "LoadLibrary error " + std::to_string(GetLastError());
  return reinterpret_cast<void *>(m);
}
void *symbol(void *lib, const char *name) {
  return reinterpret_cast<void *>(GetProcAddress(reinterpret_cast<HMODULE>(lib), name));
}
void unloadBinary(void *lib) { FreeLibrary(reinterpret_cast<HMODULE>(lib)); }
#else
void *loadBinary(const std::string &path, std::string *err) {
  void *dl = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!dl) *err = dlerror();
  return dl;
}
void *symbol(void *lib, const char *name) { return dlsym(lib, name); }
void unloadBinary(void *lib) { dlclose(lib); }
#endif

struct Options {
  std::string bundle, plugin, input, output, expect, context = kOfxImageEffectContextFilter;
  int width = 0, height = 0, instances = 1, frames = 1, abortAfterMs = -1, maxMs = -1, frameDelayMs = 0;
  bool list = false;
  bool stopWhenOk = false;  // end the frame loop at the first frame without the error overlay
  std::string order = "forward", outputFrames, renderMode = "playback";
  std::vector<std::pair<std::string, std::string>> params;
  Config config;
};

[[noreturn]] void usage(const std::string &why) {
  std::fprintf(stderr, "mlxv-ofx-host: %s\n(see the comment at the top of ofx-bridge/test-host/main.cpp)\n", why.c_str());
  std::exit(2);
}

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value after " + a);
      return argv[++i];
    };
    if (a == "--bundle") o.bundle = next();
    else if (a == "--list") o.list = true;
    else if (a == "--plugin") o.plugin = next();
    else if (a == "--input") o.input = next();
    else if (a == "--width") o.width = std::atoi(next().c_str());
    else if (a == "--height") o.height = std::atoi(next().c_str());
    else if (a == "--synthetic") {
      std::string s = next();
      if (std::sscanf(s.c_str(), "%dx%d", &o.width, &o.height) != 2) usage("--synthetic WxH");
    } else if (a == "--output") o.output = next();
    else if (a == "--param") {
      std::string kv = next();
      size_t eq = kv.find('=');
      if (eq == std::string::npos) usage("--param name=value");
      o.params.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else if (a == "--resolve") o.config.resolve = true;
    else if (a == "--message-v1") o.config.messageV1Only = true;
    else if (a == "--depth") {
      std::string d = next();
      o.config.depth = d == "half" ? kOfxBitDepthHalf : d == "byte" ? kOfxBitDepthByte : d == "short" ? kOfxBitDepthShort : kOfxBitDepthFloat;
    } else if (a == "--negative-rowbytes") o.config.negativeRowBytes = true;
    else if (a == "--row-padding") o.config.rowPadding = std::atoi(next().c_str());
    else if (a == "--null-source") o.config.nullSource = true;
    else if (a == "--bench") o.config.bench = true;
    else if (a == "--order") o.order = next();
    else if (a == "--output-frames") o.outputFrames = next();
    else if (a == "--render-mode") o.renderMode = next();
    else if (a == "--render-scale") o.config.renderScale = std::atof(next().c_str());
    else if (a == "--source-premult") {
      std::string v = next();
      o.config.sourcePremult = v == "premultiplied" ? kOfxImagePreMultiplied : v == "opaque" ? kOfxImageOpaque : kOfxImageUnPreMultiplied;
    } else if (a == "--refuse-prop") o.config.refuseProps.insert(next());
    else if (a == "--instances") o.instances = std::max(1, std::atoi(next().c_str()));
    else if (a == "--frames") o.frames = std::max(1, std::atoi(next().c_str()));
    else if (a == "--abort-after-ms") o.abortAfterMs = std::atoi(next().c_str());
    else if (a == "--frame-delay-ms") o.frameDelayMs = std::atoi(next().c_str());
    else if (a == "--stop-when-ok") o.stopWhenOk = true;
    else if (a == "--expect") o.expect = next();
    else if (a == "--max-ms") o.maxMs = std::atoi(next().c_str());
    else if (a == "--context") o.context = next() == "general" ? kOfxImageEffectContextGeneral : kOfxImageEffectContextFilter;
    else usage("unknown option " + a);
  }
  if (o.bundle.empty()) usage("--bundle is required");
  if (o.renderMode != "playback" && o.renderMode != "interactive" && o.renderMode != "sequential" && o.renderMode != "background")
    usage("--render-mode playback|interactive|sequential|background");
  o.config.background = o.renderMode == "background";
  if (o.config.renderScale <= 0 || o.config.renderScale > 1) usage("--render-scale must be in (0, 1]");
  if (!o.list && o.plugin.empty()) usage("--plugin or --list is required");
  return o;
}

std::string binaryPath(const std::string &bundle) {
  std::string name = bundle;
  while (!name.empty() && (name.back() == '/' || name.back() == '\\')) name.pop_back();
  name = name.substr(name.find_last_of("/\\") + 1);  // Windows paths may use either separator
  name = name.substr(0, name.find(".bundle"));  // mlxvideo.ofx
#if defined(_WIN32)
  return bundle + "/Contents/Win64/" + name;
#elif defined(__APPLE__)
  return bundle + "/Contents/MacOS/" + name;
#else
  return bundle + "/Contents/Linux-x86-64/" + name;
#endif
}

std::string q(const std::string &s) {
  std::string out;
  mlxv::json::appendQuoted(out, s);
  return out;
}
std::string num(double d) {
  std::string out;
  mlxv::json::appendNumber(out, d);
  return out;
}
std::string numList(const std::vector<double> &v) {
  std::string out = "[";
  for (size_t k = 0; k < v.size(); ++k) out += (k ? "," : "") + num(v[k]);
  return out + "]";
}
std::string strList(const std::vector<std::string> &v) {
  std::string out = "[";
  for (size_t k = 0; k < v.size(); ++k) out += (k ? "," : "") + q(v[k]);
  return out + "]";
}

struct Loaded {
  void *dl = nullptr;
  OfxPlugin *plugin = nullptr;
  Effect descriptor;
  Effect contextDescriptor;
};

OfxStatus act(OfxPlugin *p, const char *action, const void *handle, PropertySet *in, PropertySet *out) {
  return p->mainEntry(action, handle, in ? in->handle() : nullptr, out ? out->handle() : nullptr);
}

/// dlopen + OfxSetHost + Load + Describe + DescribeInContext for the nth plugin.
bool loadPlugin(Loaded &L, int nth, const std::string &context, std::string *err) {
  L.plugin = reinterpret_cast<OfxPlugin *(*)(int)>(symbol(L.dl, "OfxGetPlugin"))(nth);
  if (!L.plugin) return *err = "OfxGetPlugin returned NULL", false;
  if (std::strcmp(L.plugin->pluginApi, kOfxImageEffectPluginApi) != 0 || L.plugin->apiVersion != 1)
    return *err = "not an image effect plugin (API 1)", false;
  L.plugin->setHost(&state().ofxHost);
  if (OfxStatus st = act(L.plugin, kOfxActionLoad, nullptr, nullptr, nullptr); st != kOfxStatOK && st != kOfxStatReplyDefault)
    return *err = "load failed: " + std::to_string(st), false;
  L.descriptor.props.setString(kOfxPropType, {kOfxTypeImageEffect});
  if (OfxStatus st = act(L.plugin, kOfxActionDescribe, L.descriptor.handle(), nullptr, nullptr); st != kOfxStatOK)
    return *err = "describe failed: " + std::to_string(st), false;
  auto contexts = L.descriptor.props.getStrings(kOfxImageEffectPropSupportedContexts);
  bool ok = false;
  for (auto &c : contexts) ok |= c == context;
  if (!ok) return *err = "plugin does not support context " + context, false;
  L.contextDescriptor.props.copyFrom(L.descriptor.props);
  PropertySet in;
  in.setString(kOfxImageEffectPropContext, {context});
  if (OfxStatus st = act(L.plugin, kOfxImageEffectActionDescribeInContext, L.contextDescriptor.handle(), &in, nullptr);
      st != kOfxStatOK)
    return *err = "describe in context failed: " + std::to_string(st), false;
  return true;
}

std::string describeParams(Effect &d) {
  std::string out = "[";
  bool first = true;
  for (auto &p : d.params.params) {
    PropertySet &pp = p->props;
    out += first ? "" : ",";
    first = false;
    out += "{\"name\":" + q(p->name) + ",\"type\":" + q(p->type) + ",\"label\":" + q(pp.getString(kOfxPropLabel));
    if (pp.has(kOfxParamPropHint)) out += ",\"hint\":" + q(pp.getString(kOfxParamPropHint));
    for (const char *k : {kOfxParamPropDefault, kOfxParamPropMin, kOfxParamPropMax, kOfxParamPropDisplayMin,
                          kOfxParamPropDisplayMax}) {
      if (!pp.has(k)) continue;
      auto strs = pp.getStrings(k);
      out += std::string(",\"") + (k + std::strlen("OfxParamProp")) + "\":" + (strs.empty() ? numList(pp.getDoubles(k)) : strList(strs));
    }
    if (pp.has(kOfxParamPropChoiceOption)) out += ",\"options\":" + strList(pp.getStrings(kOfxParamPropChoiceOption));
    // String params: single line or file path (a host shows a file browser for kOfxParamStringIsFilePath).
    if (pp.has(kOfxParamPropStringMode)) out += ",\"stringMode\":" + q(pp.getString(kOfxParamPropStringMode));
    out += "}";
  }
  return out + "]";
}

/// DescribeInContext for a context the plugin did not declare (generator): a strict host never asks, but a
/// plugin must not answer OK for it. Returns the status.
int describeUndeclaredContext(Loaded &L) {
  Effect d;
  d.props.copyFrom(L.descriptor.props);
  PropertySet in;
  in.setString(kOfxImageEffectPropContext, {kOfxImageEffectContextGenerator});
  return act(L.plugin, kOfxImageEffectActionDescribeInContext, d.handle(), &in, nullptr);
}

int listPlugins(void *dl, const Options &o) {
  int n = reinterpret_cast<int (*)()>(symbol(dl, "OfxGetNumberOfPlugins"))();
  std::string out = "{\"plugins\":[";
  for (int k = 0; k < n; ++k) {
    Loaded L;
    L.dl = dl;
    std::string err;
    if (!loadPlugin(L, k, o.context, &err)) {
      std::fprintf(stderr, "plugin %d: %s\n", k, err.c_str());
      return 1;
    }
    PropertySet &p = L.descriptor.props;
    out += std::string(k ? "," : "") + "{\"id\":" + q(L.plugin->pluginIdentifier) + ",\"label\":" + q(p.getString(kOfxPropLabel)) +
           ",\"grouping\":" + q(p.getString(kOfxImageEffectPluginPropGrouping)) +
           ",\"description\":" + q(p.getString(kOfxPropPluginDescription)) +
           ",\"contexts\":" + strList(p.getStrings(kOfxImageEffectPropSupportedContexts)) +
           ",\"depths\":" + strList(p.getStrings(kOfxImageEffectPropSupportedPixelDepths)) +
           ",\"threadSafety\":" + q(p.getString(kOfxImageEffectPluginRenderThreadSafety)) +
           ",\"tiles\":" + std::to_string(p.getInt(kOfxImageEffectPropSupportsTiles, 0, -1)) +
           ",\"clips\":" + strList([&] {
             std::vector<std::string> c;
             for (auto &kv : L.contextDescriptor.clips) c.push_back(kv.first);
             return c;
           }()) +
           ",\"params\":" + describeParams(L.contextDescriptor) +
           ",\"version\":" + numList(p.getDoubles(kOfxPropVersion)) +
           ",\"versionIsInt\":" + (p.getInt(kOfxPropVersion, 0, -1) >= 0 ? "true" : "false") +
           ",\"versionLabel\":" + q(p.getString(kOfxPropVersionLabel)) +
           ",\"clipPreferencesSlaves\":" + strList(p.getStrings(kOfxImageEffectPropClipPreferencesSlaveParam)) +
           ",\"sequentialRender\":" + std::to_string(p.getInt(kOfxImageEffectInstancePropSequentialRender, 0, -1)) +
           ",\"undeclaredContextStatus\":" + std::to_string(describeUndeclaredContext(L)) + "}";
    act(L.plugin, kOfxActionUnload, nullptr, nullptr, nullptr);
  }
  std::vector<std::string> names(state().propertyNames.begin(), state().propertyNames.end());
  out += "],\"violations\":" + strList(state().violations) + ",\"propertyNames\":" + strList(names) + "}";
  std::printf("%s\n", out.c_str());
  return state().violations.empty() ? 0 : 3;
}

bool closeTo(float a, float b) { return std::fabs(a - b) < 0.02f; }
/// The background of the plugin's on-image error (error_overlay.cpp).
bool isErrorColour(const float *px) { return closeTo(px[0], 0.35f) && closeTo(px[1], 0.02f) && closeTo(px[2], 0.02f); }

struct RenderRecord {
  int instance = 0, frame = 0, status = 0;
  double ms = 0;
  bool identity = false;  // IsIdentity answered OK: the host copied the source instead of rendering
};

struct InstanceRun {
  std::unique_ptr<Effect> fx;
  std::vector<RenderRecord> renders;
  std::vector<double> rod;
  std::string clipPrefs;
  std::string outputPremult;  // the Output clip's state after the clip preferences action
  int outW = 0, outH = 0;
  std::vector<float> output;
};

/// The times to render, in the --order asked for (shuffle: a fixed permutation, the same on every run).
std::vector<int> renderOrder(const Options &o) {
  std::vector<int> t(size_t(o.frames));
  for (int k = 0; k < o.frames; ++k) t[size_t(k)] = k;
  if (o.order == "backward") std::reverse(t.begin(), t.end());
  else if (o.order == "shuffle") {
    unsigned x = 12345;
    for (size_t k = t.size(); k > 1; --k) {
      x = x * 1103515245u + 12345u;
      std::swap(t[k - 1], t[(x >> 8) % k]);
    }
  }
  return t;
}

void renderInstance(OfxPlugin *plugin, InstanceRun &run, int index, const Options &o) {
  Effect &fx = *run.fx;
  const double scale = o.config.renderScale;
  const int sequential = o.renderMode == "sequential" || o.renderMode == "background" ? 1 : 0;
  const int interactive = o.renderMode == "interactive" ? 1 : 0;
  PropertySet seq;
  seq.setDouble(kOfxImageEffectPropFrameRange, {0, double(o.frames - 1)});
  seq.setDouble(kOfxImageEffectPropFrameStep, {1});
  seq.setInt(kOfxPropIsInteractive, {interactive});
  seq.setDouble(kOfxImageEffectPropRenderScale, {scale, scale});
  seq.setInt(kOfxImageEffectPropSequentialRenderStatus, {sequential});
  seq.setInt(kOfxImageEffectPropInteractiveRenderStatus, {interactive});
  act(plugin, kOfxImageEffectActionBeginSequenceRender, fx.handle(), &seq, nullptr);
  for (int t : renderOrder(o)) {
    if (!run.renders.empty() && o.frameDelayMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o.frameDelayMs));
    const double time = t;
    // Region of definition (canonical coordinates): the plugin's answer, or the source's when it replies default.
    PropertySet rodIn, rodOut;
    rodIn.setDouble(kOfxPropTime, {time});
    rodIn.setDouble(kOfxImageEffectPropRenderScale, {scale, scale});
    const double w = fx.source ? fx.source->width : 0, h = fx.source ? fx.source->height : 0;
    rodOut.setDouble(kOfxImageEffectPropRegionOfDefinition, {0, 0, w, h});
    act(plugin, kOfxImageEffectActionGetRegionOfDefinition, fx.handle(), &rodIn, &rodOut);
    run.rod = rodOut.getDoubles(kOfxImageEffectPropRegionOfDefinition);
    fx.outputRoD = OfxRectD{run.rod[0], run.rod[1], run.rod[2], run.rod[3]};
    // The render window in pixel coordinates: the RoD at the render scale (no tiles).
    const std::vector<int> window = {int(std::lround(run.rod[0] * scale)), int(std::lround(run.rod[1] * scale)),
                                     int(std::lround(run.rod[2] * scale)), int(std::lround(run.rod[3] * scale))};

    PropertySet roiIn, roiOut;
    roiIn.setDouble(kOfxPropTime, {time});
    roiIn.setDouble(kOfxImageEffectPropRenderScale, {scale, scale});
    roiIn.setDouble(kOfxImageEffectPropRegionOfInterest, run.rod);
    roiOut.setDouble(std::string(kOfxImageClipPropRoIPrefix) + kOfxImageEffectSimpleSourceClipName, {0, 0, w, h});
    act(plugin, kOfxImageEffectActionGetRegionsOfInterest, fx.handle(), &roiIn, &roiOut);

    // IsIdentity: OK means "copy that clip at that time" and render is not called (like every real host).
    PropertySet idIn, idOut;
    idIn.setDouble(kOfxPropTime, {time});
    idIn.setString(kOfxImageEffectPropFieldToRender, {kOfxImageFieldNone});
    idIn.setInt(kOfxImageEffectPropRenderWindow, window);
    idIn.setDouble(kOfxImageEffectPropRenderScale, {scale, scale});
    idOut.setString(kOfxPropName, {""});
    idOut.setDouble(kOfxPropTime, {time});
    const auto t0 = Clock::now();
    if (act(plugin, kOfxImageEffectActionIsIdentity, fx.handle(), &idIn, &idOut) == kOfxStatOK) {
      if (idOut.getString(kOfxPropName) != kOfxImageEffectSimpleSourceClipName)
        state().violation("IsIdentity named clip '" + idOut.getString(kOfxPropName) + "', not Source");
      copySourceToOutput(fx, idOut.getDouble(kOfxPropTime, 0, time));
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      run.renders.push_back(RenderRecord{index, t, kOfxStatOK, ms, true});
    } else {
      PropertySet in;
      in.setDouble(kOfxPropTime, {time});
      in.setString(kOfxImageEffectPropFieldToRender, {kOfxImageFieldNone});
      in.setInt(kOfxImageEffectPropRenderWindow, window);
      in.setDouble(kOfxImageEffectPropRenderScale, {scale, scale});
      in.setInt(kOfxImageEffectPropSequentialRenderStatus, {sequential});
      in.setInt(kOfxImageEffectPropInteractiveRenderStatus, {interactive});
      fx.abortFlag = false;
      std::thread aborter;
      if (o.abortAfterMs >= 0)
        aborter = std::thread([&fx, ms = o.abortAfterMs] {
          std::this_thread::sleep_for(std::chrono::milliseconds(ms));
          fx.abortFlag = true;
        });
      const auto r0 = Clock::now();
      OfxStatus st = act(plugin, kOfxImageEffectActionRender, fx.handle(), &in, nullptr);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - r0).count();
      if (aborter.joinable()) aborter.join();
      run.renders.push_back(RenderRecord{index, t, st, ms, false});
    }
    if (!o.outputFrames.empty() && fx.lastOutput) {
      int ow = 0, oh = 0;
      writeRawRgba(o.outputFrames + "." + std::to_string(t) + (index ? "." + std::to_string(index) : ""),
                   readImage(fx.lastOutput->props, &ow, &oh));
    }
    if (o.stopWhenOk && run.renders.back().status == kOfxStatOK && fx.lastOutput) {
      int ow = 0, oh = 0;
      std::vector<float> px = readImage(fx.lastOutput->props, &ow, &oh);
      if (!px.empty() && !isErrorColour(&px[px.size() - 4])) break;
    }
  }
  act(plugin, kOfxImageEffectActionEndSequenceRender, fx.handle(), &seq, nullptr);
  if (fx.lastOutput) run.output = readImage(fx.lastOutput->props, &run.outW, &run.outH);
}

}  // namespace

int main(int argc, char **argv) {
  Options o = parse(argc, argv);
  initHost(o.config);
  const std::string bin = binaryPath(o.bundle);
  std::string loadErr;
  void *dl = loadBinary(bin, &loadErr);
  if (!dl) usage("cannot load " + bin + ": " + loadErr);
  auto getCount = reinterpret_cast<int (*)()>(symbol(dl, "OfxGetNumberOfPlugins"));
  auto getPlugin = reinterpret_cast<OfxPlugin *(*)(int)>(symbol(dl, "OfxGetPlugin"));
  if (!getCount || !getPlugin) usage(bin + " does not export OfxGetNumberOfPlugins/OfxGetPlugin");
  // OFX 1.5 loading sequence: OfxSetHost (when exported) before anything else.
  if (auto setHost = reinterpret_cast<OfxStatus (*)(const OfxHost *)>(symbol(dl, "OfxSetHost")))
    setHost(&state().ofxHost);
  if (o.list) return listPlugins(dl, o);

  int nth = -1;
  for (int k = 0, n = getCount(); k < n; ++k)
    if (OfxPlugin *p = getPlugin(k); p && o.plugin == p->pluginIdentifier) nth = k;
  if (nth < 0) usage("no plugin " + o.plugin + " in " + bin);
  Loaded L;
  L.dl = dl;
  std::string err;
  if (!loadPlugin(L, nth, o.context, &err)) usage(err);

  SourceClip source;
  try {
    std::vector<std::vector<float>> frames;
    if (!o.input.empty()) {
      if (o.width <= 0 || o.height <= 0) usage("--input needs --width and --height");
      frames = readRawFrames(o.input, o.width, o.height);
    } else {
      if (o.width <= 0 || o.height <= 0) usage("--input FILE or --synthetic WxH is required");
      frames.push_back(syntheticFrame(o.width, o.height));
    }
    for (auto &f : frames) source.frames.push_back(SourceFrame{o.width, o.height, std::move(f)});
  } catch (const std::exception &e) {
    usage(e.what());
  }
  source.width = o.width;
  source.height = o.height;
  const int k = int(std::lround(1 / o.config.renderScale));
  if (o.width % k || o.height % k) usage("--render-scale: the frame size must divide by 1/scale");
  // A clip of several frames has images at 0..n-1 only.
  const double lastFrame = source.frames.size() > 1 ? double(source.frames.size() - 1) : double(o.frames - 1);

  std::vector<InstanceRun> runs(size_t(o.instances));
  for (int k = 0; k < o.instances; ++k) {
    InstanceRun &run = runs[size_t(k)];
    run.fx = instantiate(L.contextDescriptor, o.context);
    run.fx->source = &source;
    if (auto it = run.fx->clips.find(kOfxImageEffectSimpleSourceClipName); it != run.fx->clips.end())
      it->second->props.setDouble(kOfxImageEffectPropFrameRange, {0, lastFrame});
    for (auto &kv : o.params)
      if (!setParamFromText(*run.fx, kv.first, kv.second)) usage("no param " + kv.first);
    if (OfxStatus st = act(L.plugin, kOfxActionCreateInstance, run.fx->handle(), nullptr, nullptr); st != kOfxStatOK)
      usage("create instance failed: " + std::to_string(st));
    PropertySet prefs;
    const std::string comp = kOfxImageClipPropComponentsPrefix, depth = kOfxImageClipPropDepthPrefix;
    for (const char *clip : {kOfxImageEffectSimpleSourceClipName, kOfxImageEffectOutputClipName}) {
      prefs.setString(comp + clip, {kOfxImageComponentRGBA});
      prefs.setString(depth + clip, {state().config.depth});
      prefs.setDouble(std::string(kOfxImageClipPropPARPrefix) + clip, {1.0});
    }
    // The spec initialises the out-args to the defaults: the output's premultiplication is the input's.
    prefs.setString(kOfxImageEffectPropPreMultiplication, {state().config.sourcePremult});
    OfxStatus st = act(L.plugin, kOfxImageEffectActionGetClipPreferences, run.fx->handle(), nullptr, &prefs);
    run.outputPremult = prefs.getString(kOfxImageEffectPropPreMultiplication);
    if (run.outputPremult != kOfxImageOpaque && run.outputPremult != kOfxImagePreMultiplied &&
        run.outputPremult != kOfxImageUnPreMultiplied)
      state().violation("clip preferences set the premultiplication to '" + run.outputPremult + "'");
    run.fx->clips[kOfxImageEffectOutputClipName]->props.setString(kOfxImageEffectPropPreMultiplication, {run.outputPremult});
    run.clipPrefs = "{\"status\":" + std::to_string(st) + ",\"outputComponents\":" +
                    q(prefs.getString(comp + kOfxImageEffectOutputClipName)) +
                    ",\"outputPremultiplication\":" + q(run.outputPremult) + "}";
  }

  // Every instance renders on its own thread at the same time (InstanceSafe: concurrent across instances).
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int k = 0; k < o.instances; ++k)
    threads.emplace_back([&, k] { renderInstance(L.plugin, runs[size_t(k)], k, o); });
  for (auto &t : threads) t.join();
  const double totalMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();

  for (auto &run : runs) act(L.plugin, kOfxActionDestroyInstance, run.fx->handle(), nullptr, nullptr);
  act(L.plugin, kOfxActionUnload, nullptr, nullptr, nullptr);

  // Report and check the expectation.
  bool met = true;
  std::string why;
  std::string rendersJson = "[", outputsJson = "[";
  for (size_t k = 0; k < runs.size(); ++k) {
    InstanceRun &run = runs[k];
    for (auto &r : run.renders) {
      rendersJson += std::string(rendersJson.size() > 1 ? "," : "") + "{\"instance\":" + std::to_string(r.instance) +
                     ",\"frame\":" + std::to_string(r.frame) + ",\"status\":" + std::to_string(r.status) +
                     ",\"identity\":" + (r.identity ? "true" : "false") + ",\"ms\":" + num(r.ms) + "}";
      if (o.maxMs >= 0 && r.ms > o.maxMs) met = false, why = "a render took " + num(r.ms) + " ms";
      const bool wantFailed = o.expect == "aborted" || o.expect == "failed";
      if (wantFailed && r.status != kOfxStatFailed) met = false, why = "render status " + std::to_string(r.status) + ", not failed";
      if (!wantFailed && !o.expect.empty() && r.status != kOfxStatOK)
        met = false, why = "render status " + std::to_string(r.status);
    }
    std::string file;
    if (!o.output.empty() && !run.output.empty()) {
      file = k == 0 ? o.output : o.output + "." + std::to_string(k);
      writeRawRgba(file, run.output);
    }
    outputsJson += std::string(k ? "," : "") + "{\"width\":" + std::to_string(run.outW) + ",\"height\":" +
                   std::to_string(run.outH) + ",\"file\":" + q(file) + ",\"rod\":" + numList(run.rod) +
                   ",\"clipPreferences\":" + run.clipPrefs + "}";
    if (run.output.empty()) continue;
    const float *corner = &run.output[run.output.size() - 4];  // bottom-right: background of any error text
    if ((o.expect == "error" || o.expect == "failed") && !(isErrorColour(corner) && closeTo(corner[3], 1.f)))
      met = false, why = "output is not the error overlay";
    if (o.expect == "ok" && isErrorColour(corner)) met = false, why = "output shows the error overlay";
    if (o.expect == "clear")
      for (float v : run.output)
        if (v != 0.f) {
          met = false, why = "output is not transparent black";
          break;
        }
  }
  rendersJson += "]";
  outputsJson += "]";
  std::string messagesJson = "[";
  bool errorPosted = false;
  for (auto &m : state().messages) {
    messagesJson += std::string(messagesJson.size() > 1 ? "," : "") + "{\"kind\":" + q(m.kind) + ",\"type\":" + q(m.type) +
                    ",\"text\":" + q(m.text) + "}";
    errorPosted |= m.type == kOfxMessageError;
  }
  messagesJson += "]";
  if ((o.expect == "error" || o.expect == "failed") && !errorPosted) met = false, why = "no host message posted";
  const bool clean = state().violations.empty() && state().liveImages == 0;
  std::string fetched = "[";
  for (size_t k = 0; k < runs.size(); ++k)
    for (double t : runs[k].fx->sourceTimesFetched) fetched += (fetched.size() > 1 ? "," : "") + num(t);
  fetched += "]";
  std::vector<std::string> names(state().propertyNames.begin(), state().propertyNames.end());
  std::printf("{\"plugin\":%s,\"expect\":%s,\"met\":%s,\"why\":%s,\"totalMs\":%s,\"renders\":%s,\"outputs\":%s,"
              "\"messages\":%s,\"violations\":%s,\"liveImages\":%d,\"sourceTimesFetched\":%s,\"propertyNames\":%s}\n",
              q(o.plugin).c_str(), q(o.expect).c_str(), met ? "true" : "false", q(why).c_str(), num(totalMs).c_str(),
              rendersJson.c_str(), outputsJson.c_str(), messagesJson.c_str(), strList(state().violations).c_str(),
              state().liveImages.load(), fetched.c_str(), strList(names).c_str());
  std::fflush(stdout);
  runs.clear();
  unloadBinary(dl);
  if (!clean) return 3;
  return met ? 0 : 1;
}
