#include "host.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <thread>
#ifndef _WIN32
#include <unistd.h>
#endif

#include "pixels.h"

namespace host {

// ---------- property sets ----------

int Prop::size() const {
  switch (type) {
    case Type::Int: return int(i.size());
    case Type::Double: return int(d.size());
    case Type::String: return int(s.size());
    default: return int(p.size());
  }
}

void PropertySet::setInt(const std::string &n, std::vector<int> v) {
  std::lock_guard<std::mutex> l(mu);
  Prop &p = props[n];
  p.type = Prop::Type::Int;
  p.i = std::move(v);
}
void PropertySet::setDouble(const std::string &n, std::vector<double> v) {
  std::lock_guard<std::mutex> l(mu);
  Prop &p = props[n];
  p.type = Prop::Type::Double;
  p.d = std::move(v);
}
void PropertySet::setString(const std::string &n, std::vector<std::string> v) {
  std::lock_guard<std::mutex> l(mu);
  Prop &p = props[n];
  p.type = Prop::Type::String;
  p.s = std::move(v);
}
void PropertySet::setPointer(const std::string &n, void *v) {
  std::lock_guard<std::mutex> l(mu);
  Prop &p = props[n];
  p.type = Prop::Type::Pointer;
  p.p = {v};
}
bool PropertySet::has(const std::string &n) {
  std::lock_guard<std::mutex> l(mu);
  return props.count(n) > 0;
}
int PropertySet::getInt(const std::string &n, int i, int fallback) {
  std::lock_guard<std::mutex> l(mu);
  auto it = props.find(n);
  if (it == props.end() || it->second.type != Prop::Type::Int || i >= int(it->second.i.size())) return fallback;
  return it->second.i[size_t(i)];
}
double PropertySet::getDouble(const std::string &n, int i, double fallback) {
  std::lock_guard<std::mutex> l(mu);
  auto it = props.find(n);
  if (it == props.end() || it->second.type != Prop::Type::Double || i >= int(it->second.d.size())) return fallback;
  return it->second.d[size_t(i)];
}
std::string PropertySet::getString(const std::string &n, int i) {
  std::lock_guard<std::mutex> l(mu);
  auto it = props.find(n);
  if (it == props.end() || it->second.type != Prop::Type::String || i >= int(it->second.s.size())) return "";
  return it->second.s[size_t(i)];
}
std::vector<double> PropertySet::getDoubles(const std::string &n) {
  std::lock_guard<std::mutex> l(mu);
  auto it = props.find(n);
  if (it == props.end()) return {};
  if (it->second.type == Prop::Type::Int) return std::vector<double>(it->second.i.begin(), it->second.i.end());
  return it->second.type == Prop::Type::Double ? it->second.d : std::vector<double>{};
}
std::vector<std::string> PropertySet::getStrings(const std::string &n) {
  std::lock_guard<std::mutex> l(mu);
  auto it = props.find(n);
  return it == props.end() || it->second.type != Prop::Type::String ? std::vector<std::string>{} : it->second.s;
}
void PropertySet::copyFrom(PropertySet &other) {
  std::lock_guard<std::mutex> l1(other.mu);
  std::lock_guard<std::mutex> l2(mu);
  props = other.props;
}

HostState &state() {
  static HostState s;
  return s;
}

void HostState::violation(const std::string &what) {
  std::lock_guard<std::mutex> l(logMu);
  violations.push_back(what);
  std::fprintf(stderr, "host: plugin violation: %s\n", what.c_str());
}

namespace {

PropertySet *ps(OfxPropertySetHandle h) { return reinterpret_cast<PropertySet *>(h); }

/// Every property name the plugin uses goes into the report, so a test can check each against the spec.
void recordName(const char *name) {
  std::lock_guard<std::mutex> l(state().logMu);
  state().propertyNames.insert(name);
}

// Setting creates the property (plugins define their own out-args); a set with a different type than the
// property already has is the plugin's bug (real hosts reject it), so it is refused and recorded.
template <typename T, typename Fill>
OfxStatus setProp(OfxPropertySetHandle h, const char *name, int index, Prop::Type type, Fill fill) {
  if (!h || !name) return kOfxStatErrBadHandle;
  if (index < 0) return kOfxStatErrBadIndex;
  recordName(name);
  // A host that does not know a property refuses to set it (HostSupport answers kOfxStatErrUnknown).
  if (state().config.refuseProps.count(name)) return kOfxStatErrUnknown;
  PropertySet *set = ps(h);
  std::lock_guard<std::mutex> l(set->mu);
  auto it = set->props.find(name);
  if (it != set->props.end() && it->second.type != type && it->second.size() > 0) {
    state().violation(std::string("property ") + name + " set with the wrong type");
    return kOfxStatErrValue;
  }
  Prop &p = set->props[name];
  p.type = type;
  fill(p);
  return kOfxStatOK;
}

OfxStatus propSetPointer(OfxPropertySetHandle h, const char *n, int idx, void *v) {
  return setProp<void *>(h, n, idx, Prop::Type::Pointer, [&](Prop &p) {
    if (int(p.p.size()) <= idx) p.p.resize(size_t(idx) + 1);
    p.p[size_t(idx)] = v;
  });
}
OfxStatus propSetString(OfxPropertySetHandle h, const char *n, int idx, const char *v) {
  if (!v) return kOfxStatErrValue;
  return setProp<std::string>(h, n, idx, Prop::Type::String, [&](Prop &p) {
    if (int(p.s.size()) <= idx) p.s.resize(size_t(idx) + 1);
    p.s[size_t(idx)] = v;
  });
}
OfxStatus propSetDouble(OfxPropertySetHandle h, const char *n, int idx, double v) {
  return setProp<double>(h, n, idx, Prop::Type::Double, [&](Prop &p) {
    if (int(p.d.size()) <= idx) p.d.resize(size_t(idx) + 1);
    p.d[size_t(idx)] = v;
  });
}
OfxStatus propSetInt(OfxPropertySetHandle h, const char *n, int idx, int v) {
  return setProp<int>(h, n, idx, Prop::Type::Int, [&](Prop &p) {
    if (int(p.i.size()) <= idx) p.i.resize(size_t(idx) + 1);
    p.i[size_t(idx)] = v;
  });
}
OfxStatus propSetPointerN(OfxPropertySetHandle h, const char *n, int count, void *const *v) {
  for (int k = 0; k < count; ++k)
    if (OfxStatus st = propSetPointer(h, n, k, v[k])) return st;
  return kOfxStatOK;
}
OfxStatus propSetStringN(OfxPropertySetHandle h, const char *n, int count, const char *const *v) {
  for (int k = 0; k < count; ++k)
    if (OfxStatus st = propSetString(h, n, k, v[k])) return st;
  return kOfxStatOK;
}
OfxStatus propSetDoubleN(OfxPropertySetHandle h, const char *n, int count, const double *v) {
  for (int k = 0; k < count; ++k)
    if (OfxStatus st = propSetDouble(h, n, k, v[k])) return st;
  return kOfxStatOK;
}
OfxStatus propSetIntN(OfxPropertySetHandle h, const char *n, int count, const int *v) {
  for (int k = 0; k < count; ++k)
    if (OfxStatus st = propSetInt(h, n, k, v[k])) return st;
  return kOfxStatOK;
}

template <typename Read>
OfxStatus getProp(OfxPropertySetHandle h, const char *name, int index, Prop::Type type, Read read) {
  if (!h || !name) return kOfxStatErrBadHandle;
  recordName(name);
  PropertySet *set = ps(h);
  std::lock_guard<std::mutex> l(set->mu);
  auto it = set->props.find(name);
  if (it == set->props.end()) return kOfxStatErrUnknown;
  if (it->second.type != type) {
    // Ints read as doubles are a common, legal-ish host leniency; everything else is a plugin bug.
    state().violation(std::string("property ") + name + " read with the wrong type");
    return kOfxStatErrValue;
  }
  if (index < 0 || index >= it->second.size()) return kOfxStatErrBadIndex;
  read(it->second);
  return kOfxStatOK;
}

OfxStatus propGetPointer(OfxPropertySetHandle h, const char *n, int idx, void **v) {
  return getProp(h, n, idx, Prop::Type::Pointer, [&](Prop &p) { *v = p.p[size_t(idx)]; });
}
OfxStatus propGetString(OfxPropertySetHandle h, const char *n, int idx, char **v) {
  return getProp(h, n, idx, Prop::Type::String, [&](Prop &p) { *v = const_cast<char *>(p.s[size_t(idx)].c_str()); });
}
OfxStatus propGetDouble(OfxPropertySetHandle h, const char *n, int idx, double *v) {
  return getProp(h, n, idx, Prop::Type::Double, [&](Prop &p) { *v = p.d[size_t(idx)]; });
}
OfxStatus propGetInt(OfxPropertySetHandle h, const char *n, int idx, int *v) {
  return getProp(h, n, idx, Prop::Type::Int, [&](Prop &p) { *v = p.i[size_t(idx)]; });
}
OfxStatus propGetPointerN(OfxPropertySetHandle h, const char *n, int count, void **v) {
  for (int k = 0; k < count; ++k)
    if (OfxStatus st = propGetPointer(h, n, k, &v[k])) return st;
  return kOfxStatOK;
}
OfxStatus propGetStringN(OfxPropertySetHandle h, const char *n, int count, char **v) {
  for (int k = 0; k < count; ++k)
    if (OfxStatus st = propGetString(h, n, k, &v[k])) return st;
  return kOfxStatOK;
}
OfxStatus propGetDoubleN(OfxPropertySetHandle h, const char *n, int count, double *v) {
  for (int k = 0; k < count; ++k)
    if (OfxStatus st = propGetDouble(h, n, k, &v[k])) return st;
  return kOfxStatOK;
}
OfxStatus propGetIntN(OfxPropertySetHandle h, const char *n, int count, int *v) {
  for (int k = 0; k < count; ++k)
    if (OfxStatus st = propGetInt(h, n, k, &v[k])) return st;
  return kOfxStatOK;
}
OfxStatus propReset(OfxPropertySetHandle h, const char *n) {
  if (!h || !n) return kOfxStatErrBadHandle;
  std::lock_guard<std::mutex> l(ps(h)->mu);
  return ps(h)->props.count(n) ? kOfxStatOK : kOfxStatErrUnknown;
}
OfxStatus propGetDimension(OfxPropertySetHandle h, const char *n, int *count) {
  if (!h || !n) return kOfxStatErrBadHandle;
  std::lock_guard<std::mutex> l(ps(h)->mu);
  auto it = ps(h)->props.find(n);
  if (it == ps(h)->props.end()) return kOfxStatErrUnknown;
  *count = it->second.size();
  return kOfxStatOK;
}

const OfxPropertySuiteV1 kPropertySuite = {
    propSetPointer, propSetString,   propSetDouble,   propSetInt,     propSetPointerN, propSetStringN,
    propSetDoubleN, propSetIntN,     propGetPointer,  propGetString,  propGetDouble,   propGetInt,
    propGetPointerN, propGetStringN, propGetDoubleN,  propGetIntN,    propReset,       propGetDimension};

// ---------- image effect suite ----------

Effect *fxOf(OfxImageEffectHandle h) { return reinterpret_cast<Effect *>(h); }

OfxStatus getPropertySet(OfxImageEffectHandle h, OfxPropertySetHandle *out) {
  if (!h || !out) return kOfxStatErrBadHandle;
  *out = fxOf(h)->props.handle();
  return kOfxStatOK;
}
OfxStatus getParamSet(OfxImageEffectHandle h, OfxParamSetHandle *out) {
  if (!h || !out) return kOfxStatErrBadHandle;
  *out = reinterpret_cast<OfxParamSetHandle>(&fxOf(h)->params);
  return kOfxStatOK;
}
OfxStatus clipDefine(OfxImageEffectHandle h, const char *name, OfxPropertySetHandle *out) {
  if (!h || !name || !out) return kOfxStatErrBadHandle;
  auto &slot = fxOf(h)->clips[name];
  if (!slot) {
    slot = std::make_unique<Clip>();
    slot->name = name;
    slot->owner = fxOf(h);
    slot->props.setString(kOfxPropType, {kOfxTypeClip});
    slot->props.setString(kOfxPropName, {name});
    slot->props.setInt(kOfxImageClipPropOptional, {0});
  }
  *out = slot->props.handle();
  return kOfxStatOK;
}
OfxStatus clipGetHandle(OfxImageEffectHandle h, const char *name, OfxImageClipHandle *clip, OfxPropertySetHandle *props) {
  if (!h || !name || !clip) return kOfxStatErrBadHandle;
  auto it = fxOf(h)->clips.find(name);
  if (it == fxOf(h)->clips.end()) return kOfxStatErrUnknown;
  *clip = reinterpret_cast<OfxImageClipHandle>(it->second.get());
  if (props) *props = it->second->props.handle();
  return kOfxStatOK;
}
OfxStatus clipGetPropertySet(OfxImageClipHandle clip, OfxPropertySetHandle *out) {
  if (!clip || !out) return kOfxStatErrBadHandle;
  *out = reinterpret_cast<Clip *>(clip)->props.handle();
  return kOfxStatOK;
}

size_t bytesPerSample(const std::string &depth) {
  if (depth == kOfxBitDepthByte) return 1;
  if (depth == kOfxBitDepthHalf || depth == kOfxBitDepthShort) return 2;
  return 4;
}

void storeSample(uint8_t *p, const std::string &depth, float v) {
  if (depth == kOfxBitDepthFloat) {
    std::memcpy(p, &v, 4);
  } else if (depth == kOfxBitDepthHalf) {
    uint16_t hv = mlxv::floatToHalf(v);
    std::memcpy(p, &hv, 2);
  } else if (depth == kOfxBitDepthShort) {
    float c = v < 0 ? 0 : v > 1 ? 1 : v;
    uint16_t s = uint16_t(c * 65535.0f + 0.5f);
    std::memcpy(p, &s, 2);
  } else {
    float c = v < 0 ? 0 : v > 1 ? 1 : v;
    *p = uint8_t(c * 255.0f + 0.5f);
  }
}

float loadSample(const uint8_t *p, const std::string &depth) {
  if (depth == kOfxBitDepthFloat) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  if (depth == kOfxBitDepthHalf) {
    uint16_t hv;
    std::memcpy(&hv, p, 2);
    return mlxv::halfToFloat(hv);
  }
  if (depth == kOfxBitDepthShort) {
    uint16_t s;
    std::memcpy(&s, p, 2);
    return s / 65535.0f;
  }
  return *p / 255.0f;
}

/// Bytes of an image of `w`x`h` in the configured depth and row layout, rows stored top row first.
/// `topDownRgba` null: every sample is `fill`.
std::shared_ptr<std::vector<uint8_t>> layoutBytes(int w, int h, const float *topDownRgba, float fill, size_t *strideOut) {
  const Config &cfg = state().config;
  const size_t bps = bytesPerSample(cfg.depth);
  const size_t stride = size_t(w) * 4 * bps + size_t(cfg.rowPadding);
  auto buf = std::make_shared<std::vector<uint8_t>>(stride * size_t(h) + 1, 0);
  const bool isFloat = cfg.depth == kOfxBitDepthFloat;
  if (topDownRgba || fill != 0.f) {
    for (int row = 0; row < h; ++row) {
      uint8_t *dst = buf->data() + size_t(row) * stride;
      const float *src = topDownRgba ? topDownRgba + size_t(row) * size_t(w) * 4 : nullptr;
      if (isFloat && src) {
        std::memcpy(dst, src, size_t(w) * 16);
        continue;
      }
      for (int x = 0; x < w * 4; ++x) storeSample(dst + size_t(x) * bps, cfg.depth, src ? src[x] : fill);
    }
  }
  if (!cfg.negativeRowBytes) {
    // Positive row bytes: OFX row y1 (the bottom one) comes first in memory.
    for (int row = 0; row < h / 2; ++row)
      std::swap_ranges(buf->begin() + long(size_t(row) * stride), buf->begin() + long(size_t(row + 1) * stride),
                       buf->begin() + long(size_t(h - 1 - row) * stride));
  }
  *strideOut = stride;
  return buf;
}

/// An image over `buf` (laid out by layoutBytes). With negative row bytes the data pointer is the *last*
/// row in memory (OFX row y1), like hosts that hand over top-down memory.
Image *makeImage(const OfxRectI &bounds, std::shared_ptr<std::vector<uint8_t>> buf, size_t stride,
                 const std::string &premult) {
  const Config &cfg = state().config;
  auto *img = new Image();
  const int h = bounds.y2 - bounds.y1;
  img->buffer = std::move(buf);
  uint8_t *data = cfg.negativeRowBytes ? img->buffer->data() + size_t(h - 1) * stride : img->buffer->data();
  const long rowBytes = cfg.negativeRowBytes ? -long(stride) : long(stride);
  PropertySet &p = img->props;
  p.setString(kOfxPropType, {kOfxTypeImage});
  p.setString(kOfxImageEffectPropPixelDepth, {cfg.depth});
  p.setString(kOfxImageEffectPropComponents, {kOfxImageComponentRGBA});
  p.setString(kOfxImageEffectPropPreMultiplication, {premult});
  p.setDouble(kOfxImageEffectPropRenderScale, {cfg.renderScale, cfg.renderScale});
  p.setDouble(kOfxImagePropPixelAspectRatio, {1.0});
  p.setPointer(kOfxImagePropData, data);
  p.setInt(kOfxImagePropBounds, {bounds.x1, bounds.y1, bounds.x2, bounds.y2});
  p.setInt(kOfxImagePropRegionOfDefinition, {bounds.x1, bounds.y1, bounds.x2, bounds.y2});
  p.setInt(kOfxImagePropRowBytes, {int(rowBytes)});
  p.setString(kOfxImagePropField, {kOfxImageFieldNone});
  p.setString(kOfxImagePropUniqueIdentifier, {"img"});
  state().liveImages++;
  std::lock_guard<std::mutex> l(state().imagesMu);
  state().images[&img->props] = img;
  return img;
}

/// The source frame at `time` in the configured layout and render scale (converted once per frame).
Image *sourceImage(Effect *fx, double time) {
  const SourceFrame *frame = fx->source ? fx->source->at(time) : nullptr;
  if (!frame) return nullptr;
  const int key = int(std::lround(time));
  std::shared_ptr<std::vector<uint8_t>> bytes;
  SourceFrame scaled;
  {
    std::lock_guard<std::mutex> l(fx->sourceMu);
    fx->sourceTimesFetched.push_back(time);
    auto &slot = fx->sourceBytes[key];
    scaled = atRenderScale(*frame, state().config.renderScale);
    if (!slot) slot = layoutBytes(scaled.width, scaled.height, scaled.rgba.data(), 0, &fx->sourceStride);
    bytes = slot;
  }
  return makeImage(OfxRectI{0, 0, scaled.width, scaled.height}, bytes, fx->sourceStride, state().config.sourcePremult);
}

OfxStatus clipGetImage(OfxImageClipHandle clipH, OfxTime time, const OfxRectD *, OfxPropertySetHandle *out) {
  if (!clipH || !out) return kOfxStatErrBadHandle;
  *out = nullptr;
  Clip *clip = reinterpret_cast<Clip *>(clipH);
  Effect *fx = clip->owner;
  if (clip->name == kOfxImageEffectSimpleSourceClipName) {
    if (state().config.nullSource || !fx->source) return kOfxStatFailed;  // connected, but no image
    Image *img = sourceImage(fx, time);
    if (!img) return kOfxStatFailed;  // no frame at that time: the spec's answer
    *out = img->props.handle();
    return kOfxStatOK;
  }
  if (clip->name == kOfxImageEffectOutputClipName) {
    // Pixel bounds = the RoD (canonical) times the render scale.
    const OfxRectD &r = fx->outputRoD;
    const double k = state().config.renderScale;
    const OfxRectI b{int(std::lround(r.x1 * k)), int(std::lround(r.y1 * k)), int(std::lround(r.x2 * k)),
                     int(std::lround(r.y2 * k))};
    // A fill value the plugin must overwrite everywhere in the render window (zero when benchmarking).
    size_t stride = 0;
    auto buf = layoutBytes(b.x2 - b.x1, b.y2 - b.y1, nullptr, state().config.bench ? 0.f : 0.123f, &stride);
    Image *img = makeImage(b, std::move(buf), stride, clip->props.getString(kOfxImageEffectPropPreMultiplication));
    img->outputOf = fx;
    *out = img->props.handle();
    return kOfxStatOK;
  }
  return kOfxStatErrUnknown;
}

OfxStatus clipReleaseImage(OfxPropertySetHandle h) {
  if (!h) return kOfxStatErrBadHandle;
  Image *img = nullptr;
  {
    std::lock_guard<std::mutex> l(state().imagesMu);
    auto it = state().images.find(ps(h));
    if (it == state().images.end()) {
      state().violation("clipReleaseImage on a handle that is not a live image");
      return kOfxStatErrBadHandle;
    }
    img = it->second;
    state().images.erase(it);
  }
  state().liveImages--;
  if (img->outputOf) img->outputOf->lastOutput.reset(img);
  else delete img;
  return kOfxStatOK;
}

OfxStatus clipGetRegionOfDefinition(OfxImageClipHandle clipH, OfxTime, OfxRectD *bounds) {
  if (!clipH || !bounds) return kOfxStatErrBadHandle;
  Clip *clip = reinterpret_cast<Clip *>(clipH);
  Effect *fx = clip->owner;
  if (clip->name == kOfxImageEffectSimpleSourceClipName) {
    // Canonical coordinates: the full-size frame whatever the render scale.
    *bounds = fx->source ? OfxRectD{0, 0, double(fx->source->width), double(fx->source->height)} : OfxRectD{0, 0, 0, 0};
  } else {
    *bounds = fx->outputRoD;
  }
  return kOfxStatOK;
}

int abortFn(OfxImageEffectHandle h) { return h && fxOf(h)->abortFlag.load() ? 1 : 0; }

struct ImageMemory {
  std::vector<uint8_t> bytes;
  int locks = 0;
};
OfxStatus imageMemoryAlloc(OfxImageEffectHandle, size_t n, OfxImageMemoryHandle *out) {
  if (!out) return kOfxStatErrBadHandle;
  *out = reinterpret_cast<OfxImageMemoryHandle>(new ImageMemory{std::vector<uint8_t>(n), 0});
  return kOfxStatOK;
}
OfxStatus imageMemoryFree(OfxImageMemoryHandle h) {
  delete reinterpret_cast<ImageMemory *>(h);
  return kOfxStatOK;
}
OfxStatus imageMemoryLock(OfxImageMemoryHandle h, void **ptr) {
  if (!h || !ptr) return kOfxStatErrBadHandle;
  auto *m = reinterpret_cast<ImageMemory *>(h);
  m->locks++;
  *ptr = m->bytes.data();
  return kOfxStatOK;
}
OfxStatus imageMemoryUnlock(OfxImageMemoryHandle h) {
  if (!h) return kOfxStatErrBadHandle;
  reinterpret_cast<ImageMemory *>(h)->locks--;
  return kOfxStatOK;
}

const OfxImageEffectSuiteV1 kImageEffectSuite = {
    getPropertySet, getParamSet,     clipDefine,          clipGetHandle,
    clipGetPropertySet, clipGetImage, clipReleaseImage,   clipGetRegionOfDefinition,
    abortFn,        imageMemoryAlloc, imageMemoryFree,    imageMemoryLock,
    imageMemoryUnlock};

// ---------- parameter suite ----------

ParamSet *psetOf(OfxParamSetHandle h) { return reinterpret_cast<ParamSet *>(h); }
Param *paramOf(OfxParamHandle h) { return reinterpret_cast<Param *>(h); }

OfxStatus paramDefine(OfxParamSetHandle set, const char *type, const char *name, OfxPropertySetHandle *props) {
  if (!set || !type || !name) return kOfxStatErrBadHandle;
  if (psetOf(set)->find(name)) return kOfxStatErrExists;
  auto p = std::make_unique<Param>();
  p->type = type;
  p->name = name;
  p->props.setString(kOfxPropType, {kOfxTypeParameter});
  p->props.setString(kOfxPropName, {name});
  p->props.setString(kOfxParamPropType, {type});
  if (props) *props = p->props.handle();
  psetOf(set)->params.push_back(std::move(p));
  return kOfxStatOK;
}
OfxStatus paramGetHandle(OfxParamSetHandle set, const char *name, OfxParamHandle *param, OfxPropertySetHandle *props) {
  if (!set || !name || !param) return kOfxStatErrBadHandle;
  Param *p = psetOf(set)->find(name);
  if (!p) return kOfxStatErrUnknown;
  *param = reinterpret_cast<OfxParamHandle>(p);
  if (props) *props = p->props.handle();
  return kOfxStatOK;
}
OfxStatus paramSetGetPropertySet(OfxParamSetHandle set, OfxPropertySetHandle *props) {
  if (!set || !props) return kOfxStatErrBadHandle;
  *props = psetOf(set)->props.handle();
  return kOfxStatOK;
}
OfxStatus paramGetPropertySet(OfxParamHandle param, OfxPropertySetHandle *props) {
  if (!param || !props) return kOfxStatErrBadHandle;
  *props = paramOf(param)->props.handle();
  return kOfxStatOK;
}

OfxStatus readValue(Param *p, va_list ap) {
  std::lock_guard<std::mutex> l(p->mu);
  if (p->type == kOfxParamTypeDouble) {
    *va_arg(ap, double *) = p->d.empty() ? 0 : p->d[0];
  } else if (p->type == kOfxParamTypeRGBA) {
    for (int k = 0; k < 4; ++k) *va_arg(ap, double *) = size_t(k) < p->d.size() ? p->d[size_t(k)] : 0;
  } else if (p->type == kOfxParamTypeInteger || p->type == kOfxParamTypeChoice || p->type == kOfxParamTypeBoolean) {
    *va_arg(ap, int *) = p->i;
  } else if (p->type == kOfxParamTypeString) {
    *va_arg(ap, char **) = const_cast<char *>(p->s.c_str());
  } else {
    return kOfxStatErrUnsupported;
  }
  return kOfxStatOK;
}
OfxStatus writeValue(Param *p, va_list ap) {
  std::lock_guard<std::mutex> l(p->mu);
  if (p->type == kOfxParamTypeDouble) {
    p->d = {va_arg(ap, double)};
  } else if (p->type == kOfxParamTypeRGBA) {
    p->d.resize(4);
    for (int k = 0; k < 4; ++k) p->d[size_t(k)] = va_arg(ap, double);
  } else if (p->type == kOfxParamTypeInteger || p->type == kOfxParamTypeChoice || p->type == kOfxParamTypeBoolean) {
    p->i = va_arg(ap, int);
  } else if (p->type == kOfxParamTypeString) {
    const char *s = va_arg(ap, const char *);
    p->s = s ? s : "";
  } else {
    return kOfxStatErrUnsupported;
  }
  return kOfxStatOK;
}

OfxStatus paramGetValue(OfxParamHandle h, ...) {
  if (!h) return kOfxStatErrBadHandle;
  va_list ap;
  va_start(ap, h);
  OfxStatus st = readValue(paramOf(h), ap);
  va_end(ap);
  return st;
}
OfxStatus paramGetValueAtTime(OfxParamHandle h, OfxTime time, ...) {
  if (!h) return kOfxStatErrBadHandle;
  va_list ap;
  va_start(ap, time);
  OfxStatus st = readValue(paramOf(h), ap);  // no animation in this host: every time has the same value
  va_end(ap);
  return st;
}
OfxStatus paramGetDerivative(OfxParamHandle h, OfxTime, ...) { return h ? kOfxStatErrUnsupported : kOfxStatErrBadHandle; }
OfxStatus paramGetIntegral(OfxParamHandle h, OfxTime, OfxTime, ...) {
  return h ? kOfxStatErrUnsupported : kOfxStatErrBadHandle;
}
OfxStatus paramSetValue(OfxParamHandle h, ...) {
  if (!h) return kOfxStatErrBadHandle;
  va_list ap;
  va_start(ap, h);
  OfxStatus st = writeValue(paramOf(h), ap);
  va_end(ap);
  return st;
}
OfxStatus paramSetValueAtTime(OfxParamHandle h, OfxTime time, ...) {
  if (!h) return kOfxStatErrBadHandle;
  va_list ap;
  va_start(ap, time);
  OfxStatus st = writeValue(paramOf(h), ap);
  va_end(ap);
  return st;
}
OfxStatus paramGetNumKeys(OfxParamHandle h, unsigned int *n) {
  if (!h || !n) return kOfxStatErrBadHandle;
  *n = 0;
  return kOfxStatOK;
}
OfxStatus paramGetKeyTime(OfxParamHandle, unsigned int, OfxTime *) { return kOfxStatErrBadIndex; }
OfxStatus paramGetKeyIndex(OfxParamHandle, OfxTime, int, int *) { return kOfxStatFailed; }
OfxStatus paramDeleteKey(OfxParamHandle, OfxTime) { return kOfxStatErrBadIndex; }
OfxStatus paramDeleteAllKeys(OfxParamHandle h) { return h ? kOfxStatOK : kOfxStatErrBadHandle; }
OfxStatus paramCopy(OfxParamHandle, OfxParamHandle, OfxTime, const OfxRangeD *) { return kOfxStatOK; }  // Resolve: no-op
OfxStatus paramEditBegin(OfxParamSetHandle h, const char *) { return h ? kOfxStatOK : kOfxStatErrBadHandle; }
OfxStatus paramEditEnd(OfxParamSetHandle h) { return h ? kOfxStatOK : kOfxStatErrBadHandle; }

const OfxParameterSuiteV1 kParameterSuite = {
    paramDefine,      paramGetHandle,      paramSetGetPropertySet, paramGetPropertySet, paramGetValue,
    paramGetValueAtTime, paramGetDerivative, paramGetIntegral,     paramSetValue,       paramSetValueAtTime,
    paramGetNumKeys,  paramGetKeyTime,     paramGetKeyIndex,       paramDeleteKey,      paramDeleteAllKeys,
    paramCopy,        paramEditBegin,      paramEditEnd};

// ---------- memory ----------

OfxStatus memoryAlloc(void *, size_t n, void **out) {
  if (!out) return kOfxStatErrBadHandle;
  *out = std::malloc(n ? n : 1);
  if (!*out) return kOfxStatErrMemory;
  state().memoryBlocks++;
  return kOfxStatOK;
}
OfxStatus memoryFree(void *p) {
  if (!p) return kOfxStatErrBadHandle;
  std::free(p);
  state().memoryBlocks--;
  return kOfxStatOK;
}
const OfxMemorySuiteV1 kMemorySuite = {memoryAlloc, memoryFree};

// ---------- multithread ----------

thread_local unsigned t_threadIndex = 0;
thread_local bool t_spawned = false;

OfxStatus multiThread(OfxThreadFunctionV1 func, unsigned int n, void *arg) {
  if (!func) return kOfxStatErrBadHandle;
  if (n == 0) n = 1;
  std::vector<std::thread> threads;
  for (unsigned k = 0; k < n; ++k)
    threads.emplace_back([=] {
      t_threadIndex = k;
      t_spawned = true;
      func(k, n, arg);
    });
  for (auto &t : threads) t.join();
  return kOfxStatOK;
}
OfxStatus multiThreadNumCPUs(unsigned int *n) {
  if (!n) return kOfxStatErrBadHandle;
  *n = std::max(1u, std::thread::hardware_concurrency());
  return kOfxStatOK;
}
OfxStatus multiThreadIndex(unsigned int *i) {
  if (!i) return kOfxStatErrBadHandle;
  *i = t_threadIndex;
  return kOfxStatOK;
}
int multiThreadIsSpawnedThread() { return t_spawned ? 1 : 0; }
OfxStatus mutexCreate(OfxMutexHandle *m, int lockCount) {
  if (!m) return kOfxStatErrBadHandle;
  auto *mu = new std::recursive_mutex();
  for (int k = 0; k < lockCount; ++k) mu->lock();
  *m = reinterpret_cast<OfxMutexHandle>(mu);
  return kOfxStatOK;
}
OfxStatus mutexDestroy(const OfxMutexHandle m) {
  delete reinterpret_cast<std::recursive_mutex *>(m);
  return kOfxStatOK;
}
OfxStatus mutexLock(const OfxMutexHandle m) {
  reinterpret_cast<std::recursive_mutex *>(m)->lock();
  return kOfxStatOK;
}
OfxStatus mutexUnLock(const OfxMutexHandle m) {
  reinterpret_cast<std::recursive_mutex *>(m)->unlock();
  return kOfxStatOK;
}
OfxStatus mutexTryLock(const OfxMutexHandle m) {
  return reinterpret_cast<std::recursive_mutex *>(m)->try_lock() ? kOfxStatOK : kOfxStatFailed;
}
const OfxMultiThreadSuiteV1 kMultiThreadSuite = {multiThread, multiThreadNumCPUs, multiThreadIndex,
                                                 multiThreadIsSpawnedThread, mutexCreate, mutexDestroy,
                                                 mutexLock, mutexUnLock, mutexTryLock};

// ---------- messages and progress ----------

void record(const char *kind, const char *type, const char *id, const char *format, va_list ap) {
  char buf[2048];
  std::vsnprintf(buf, sizeof buf, format ? format : "", ap);
  std::lock_guard<std::mutex> l(state().logMu);
  state().messages.push_back(MessageRecord{kind, type ? type : "", id ? id : "", buf});
}
OfxStatus message(void *, const char *type, const char *id, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  record("message", type, id, format, ap);
  va_end(ap);
  return kOfxStatOK;
}
OfxStatus setPersistentMessage(void *, const char *type, const char *id, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  record("persistent", type, id, format, ap);
  va_end(ap);
  return kOfxStatOK;
}
OfxStatus clearPersistentMessage(void *) {
  std::lock_guard<std::mutex> l(state().logMu);
  state().messages.push_back(MessageRecord{"clear", "", "", ""});
  return kOfxStatOK;
}
// Resolve's clearPersistentMessage is garbage: calling it would crash the real host, so the test host stops.
OfxStatus garbageClearPersistentMessage(void *) {
  std::fprintf(stderr, "host: FATAL: the plugin called clearPersistentMessage, which Resolve leaves as garbage\n");
  std::fflush(stderr);
  _exit(86);
}
const OfxMessageSuiteV1 kMessageSuiteV1 = {message};
const OfxMessageSuiteV2 kMessageSuiteV2 = {message, setPersistentMessage, clearPersistentMessage};
const OfxMessageSuiteV2 kMessageSuiteV2Resolve = {message, nullptr, garbageClearPersistentMessage};

OfxStatus progressStart(void *, const char *) {
  state().progressCalls++;
  return kOfxStatOK;
}
OfxStatus progressUpdate(void *, double) {
  state().progressCalls++;
  return kOfxStatOK;
}
OfxStatus progressEnd(void *) {
  state().progressCalls++;
  return kOfxStatOK;
}
const OfxProgressSuiteV1 kProgressSuite = {progressStart, progressUpdate, progressEnd};

const void *fetchSuite(OfxPropertySetHandle, const char *name, int version) {
  if (!name) return nullptr;
  const Config &cfg = state().config;
  const std::string n = name;
  if (n == kOfxPropertySuite && version == 1) return &kPropertySuite;
  if (n == kOfxImageEffectSuite && version == 1) return &kImageEffectSuite;
  if (n == kOfxParameterSuite && version == 1) return &kParameterSuite;
  if (n == kOfxMemorySuite && version == 1) return &kMemorySuite;
  if (n == kOfxMultiThreadSuite && version == 1) return &kMultiThreadSuite;
  if (n == kOfxProgressSuite && version == 1) return &kProgressSuite;
  if (n == kOfxMessageSuite && version == 1) return &kMessageSuiteV1;
  if (n == kOfxMessageSuite && version == 2) {
    if (cfg.messageV1Only) return nullptr;
    return cfg.resolve ? &kMessageSuiteV2Resolve : &kMessageSuiteV2;
  }
  return nullptr;
}

}  // namespace

Param *ParamSet::find(const std::string &name) {
  for (auto &p : params)
    if (p->name == name) return p.get();
  return nullptr;
}

void initHost(const Config &cfg) {
  HostState &s = state();
  s.config = cfg;
  if (cfg.resolve) s.config.depth = kOfxBitDepthFloat;
  PropertySet &h = s.hostProps;
  h.setString(kOfxPropType, {kOfxTypeImageEffectHost});
  h.setString(kOfxPropName, {cfg.resolve ? "DaVinciResolveLite" : "org.mlxvideo.testhost"});
  h.setString(kOfxPropLabel, {cfg.resolve ? "DaVinci Resolve (simulated)" : "mlxvideo OFX test host"});
  h.setInt(kOfxPropAPIVersion, {1, 4});
  h.setInt(kOfxImageEffectHostPropIsBackground, {cfg.background ? 1 : 0});
  h.setInt(kOfxImageEffectPropSupportsMultiResolution, {cfg.resolve ? 0 : 1});
  h.setInt(kOfxImageEffectPropSupportsTiles, {0});
  h.setInt(kOfxImageEffectPropTemporalClipAccess, {0});
  h.setInt(kOfxImageEffectPropSupportsMultipleClipDepths, {0});
  h.setString(kOfxImageEffectPropSupportedComponents, {kOfxImageComponentRGBA});
  h.setString(kOfxImageEffectPropSupportedContexts, {kOfxImageEffectContextFilter, kOfxImageEffectContextGeneral});
  if (cfg.resolve) {
    h.setString(kOfxImageEffectPropSupportedPixelDepths, {kOfxBitDepthFloat});
  } else {
    h.setString(kOfxImageEffectPropSupportedPixelDepths,
                {kOfxBitDepthFloat, kOfxBitDepthHalf, kOfxBitDepthShort, kOfxBitDepthByte});
  }
  s.ofxHost.host = h.handle();
  s.ofxHost.fetchSuite = fetchSuite;
}

std::unique_ptr<Effect> instantiate(Effect &desc, const std::string &context) {
  auto fx = std::make_unique<Effect>();
  fx->props.copyFrom(desc.props);
  fx->props.setString(kOfxPropType, {kOfxTypeImageEffectInstance});
  fx->props.setString(kOfxImageEffectPropContext, {context});
  fx->props.setPointer(kOfxPropInstanceData, nullptr);
  fx->props.setInt(kOfxPropIsInteractive, {0});
  fx->props.setDouble(kOfxImageEffectPropProjectSize, {1920, 1080});
  fx->props.setDouble(kOfxImageEffectPropFrameRate, {24});
  const std::string depth = state().config.depth;
  for (auto &c : desc.clips) {
    auto clip = std::make_unique<Clip>();
    clip->name = c.first;
    clip->owner = fx.get();
    clip->props.copyFrom(c.second->props);
    clip->props.setInt(kOfxImageClipPropConnected, {1});  // like Resolve: every defined clip reports connected
    clip->props.setString(kOfxImageEffectPropPixelDepth, {depth});
    clip->props.setString(kOfxImageEffectPropComponents, {kOfxImageComponentRGBA});
    clip->props.setString(kOfxImageEffectPropPreMultiplication, {state().config.sourcePremult});
    clip->props.setDouble(kOfxImagePropPixelAspectRatio, {1.0});
    clip->props.setDouble(kOfxImageEffectPropFrameRate, {24});
    fx->clips[c.first] = std::move(clip);
  }
  for (auto &pd : desc.params.params) {
    auto p = std::make_unique<Param>();
    p->type = pd->type;
    p->name = pd->name;
    p->props.copyFrom(pd->props);
    if (p->type == kOfxParamTypeDouble || p->type == kOfxParamTypeRGBA) {
      p->d = p->props.getDoubles(kOfxParamPropDefault);
      if (p->d.empty()) p->d = {0};
    } else if (p->type == kOfxParamTypeString) {
      p->s = p->props.getString(kOfxParamPropDefault);
    } else {
      p->i = p->props.getInt(kOfxParamPropDefault);
    }
    fx->params.params.push_back(std::move(p));
  }
  return fx;
}

bool setParamFromText(Effect &fx, const std::string &name, const std::string &value) {
  Param *p = fx.params.find(name);
  if (!p) return false;
  std::lock_guard<std::mutex> l(p->mu);
  if (p->type == kOfxParamTypeDouble) {
    p->d = {std::atof(value.c_str())};
  } else if (p->type == kOfxParamTypeBoolean) {
    p->i = value == "true" || value == "1";
  } else if (p->type == kOfxParamTypeChoice) {
    // By index, or by the option label's exact text.
    auto labels = p->props.getStrings(kOfxParamPropChoiceOption);
    p->i = std::atoi(value.c_str());
    for (size_t k = 0; k < labels.size(); ++k)
      if (labels[k] == value) p->i = int(k);
  } else if (p->type == kOfxParamTypeString) {
    p->s = value;
  } else if (p->type == kOfxParamTypeRGBA) {
    double c[4] = {0, 0, 0, 1};
    std::sscanf(value.c_str(), "%lf,%lf,%lf,%lf", &c[0], &c[1], &c[2], &c[3]);
    p->d = {c[0], c[1], c[2], c[3]};
  } else {
    p->i = std::atoi(value.c_str());
  }
  return true;
}

const SourceFrame *SourceClip::at(double time) const {
  if (frames.empty()) return nullptr;
  if (frames.size() == 1) return &frames[0];
  const long t = std::lround(time);
  if (t < 0 || t >= long(frames.size())) return nullptr;
  return &frames[size_t(t)];
}

SourceFrame atRenderScale(const SourceFrame &f, double scale) {
  const int k = int(std::lround(1 / scale));
  if (k <= 1) return f;
  SourceFrame out;
  out.width = f.width / k;
  out.height = f.height / k;
  out.rgba.assign(size_t(out.width) * size_t(out.height) * 4, 0.f);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)
      for (int c = 0; c < 4; ++c) {
        float sum = 0;
        for (int dy = 0; dy < k; ++dy)
          for (int dx = 0; dx < k; ++dx) sum += f.rgba[(size_t(y * k + dy) * size_t(f.width) + size_t(x * k + dx)) * 4 + size_t(c)];
        out.rgba[(size_t(y) * size_t(out.width) + size_t(x)) * 4 + size_t(c)] = sum / float(k * k);
      }
  return out;
}

void copySourceToOutput(Effect &fx, double time) {
  Image *src = sourceImage(&fx, time);
  if (!src) return;
  auto b = src->props.getDoubles(kOfxImagePropBounds);
  Image *img = makeImage(OfxRectI{int(b[0]), int(b[1]), int(b[2]), int(b[3])}, src->buffer, fx.sourceStride,
                         state().config.sourcePremult);
  img->outputOf = &fx;
  clipReleaseImage(src->props.handle());
  clipReleaseImage(img->props.handle());  // the host's own output: kept as lastOutput like a plugin's
}

std::vector<float> readImage(PropertySet &img, int *width, int *height) {
  void *data = nullptr;
  {
    std::lock_guard<std::mutex> l(img.mu);
    data = img.props[kOfxImagePropData].p.at(0);
  }
  auto b = img.getDoubles(kOfxImagePropBounds);
  const int x1 = int(b[0]), y1 = int(b[1]), w = int(b[2] - b[0]), h = int(b[3] - b[1]);
  const long rowBytes = img.getInt(kOfxImagePropRowBytes);
  const std::string depth = img.getString(kOfxImageEffectPropPixelDepth);
  const size_t bps = bytesPerSample(depth);
  std::vector<float> out(size_t(w) * size_t(h) * 4);
  for (int row = 0; row < h; ++row) {
    const int y = y1 + h - 1 - row;
    const uint8_t *src = static_cast<const uint8_t *>(data) + long(y - y1) * rowBytes;
    for (int x = 0; x < w * 4; ++x) out[size_t(row) * size_t(w) * 4 + size_t(x)] = loadSample(src + size_t(x) * bps, depth);
  }
  (void)x1;
  *width = w;
  *height = h;
  return out;
}

}  // namespace host
