// The OFX test host: the suites (property, image effect, parameter, memory, multithread, message v1/v2,
// progress) over plain C++ objects. Handles passed to the plugin are pointers to these objects.
// Strictness matters more than completeness: a wrong property type, an unreleased image or a call to a
// suite pointer Resolve leaves NULL/garbage is reported, because that is what would crash a real host.
#pragma once
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ofx_abi.h"

namespace host {

struct Prop {
  enum class Type { Int, Double, String, Pointer } type = Type::Int;
  std::vector<int> i;
  std::vector<double> d;
  std::vector<std::string> s;
  std::vector<void *> p;
  int size() const;
};

struct PropertySet {
  std::mutex mu;
  std::map<std::string, Prop> props;
  void setInt(const std::string &n, std::vector<int> v);
  void setDouble(const std::string &n, std::vector<double> v);
  void setString(const std::string &n, std::vector<std::string> v);
  void setPointer(const std::string &n, void *v);
  bool has(const std::string &n);
  int getInt(const std::string &n, int i = 0, int fallback = 0);
  double getDouble(const std::string &n, int i = 0, double fallback = 0);
  std::string getString(const std::string &n, int i = 0);
  std::vector<double> getDoubles(const std::string &n);
  std::vector<std::string> getStrings(const std::string &n);
  void copyFrom(PropertySet &other);
  OfxPropertySetHandle handle() { return reinterpret_cast<OfxPropertySetHandle>(this); }
};

struct Param {
  std::string type, name;
  PropertySet props;
  std::mutex mu;
  std::vector<double> d;  // double / RGBA
  int i = 0;              // integer / choice / boolean
  std::string s;          // string
};

struct ParamSet {
  PropertySet props;
  std::vector<std::unique_ptr<Param>> params;
  Param *find(const std::string &name);
};

struct Effect;
struct Image {
  PropertySet props;
  std::shared_ptr<std::vector<uint8_t>> buffer;  // source images share one prepared buffer per instance
  Effect *outputOf = nullptr;  // output images outlive the plugin's release: the host reads them afterwards
};
struct Clip {
  std::string name;
  PropertySet props;
  Effect *owner = nullptr;
};

/// How this host behaves (flags of the command line).
struct Config {
  bool resolve = false;          // float RGBA only, no tiles, NULL images on empty clips, NULL message-v2 pointers
  bool messageV1Only = false;    // fetchSuite(message, 2) returns NULL
  std::string depth = kOfxBitDepthFloat;
  bool negativeRowBytes = false;
  int rowPadding = 0;            // extra bytes at the end of every row
  bool nullSource = false;       // clipGetImage(Source) hands over NULL (a connected-but-empty clip)
  bool bench = false;            // output images start zeroed instead of a sentinel the plugin must overwrite
  bool background = false;       // kOfxImageEffectHostPropIsBackground = 1 (a render-only host)
  double renderScale = 1;        // proxy renders: images at 1/k of the canonical size (k integer)
  std::string sourcePremult = kOfxImageUnPreMultiplied;  // the Source clip's premultiplication state
  std::set<std::string> refuseProps;  // property names whose set the host refuses (kOfxStatErrUnknown)
};

/// The frame the Source clip shows: packed float RGBA, top row first, at render scale 1.
struct SourceFrame {
  int width = 0, height = 0;
  std::vector<float> rgba;
};
/// The Source clip: frame t shows frames[t mod size] (one frame: the same picture at every time).
struct SourceClip {
  int width = 0, height = 0;
  std::vector<SourceFrame> frames;
  const SourceFrame *at(double time) const;
};

struct Effect {
  PropertySet props;
  ParamSet params;
  std::map<std::string, std::unique_ptr<Clip>> clips;
  std::atomic<bool> abortFlag{false};
  const SourceClip *source = nullptr;
  OfxRectD outputRoD{0, 0, 0, 0};
  std::unique_ptr<Image> lastOutput;  // the output image the plugin released last
  /// Each source frame converted once to the configured depth, layout and render scale; every clipGetImage
  /// shares it, as a real host hands over an image it already has (timings measure the plugin).
  std::map<int, std::shared_ptr<std::vector<uint8_t>>> sourceBytes;
  size_t sourceStride = 0;
  std::mutex sourceMu;
  std::vector<double> sourceTimesFetched;  // every clipGetImage(Source) time, in call order (pre-roll checks)
  OfxImageEffectHandle handle() { return reinterpret_cast<OfxImageEffectHandle>(this); }
};

struct MessageRecord {
  std::string kind;  // "message" | "persistent" | "clear"
  std::string type, id, text;
};

/// Global host state shared by the suites (one host per process, like a real application).
struct HostState {
  Config config;
  PropertySet hostProps;
  OfxHost ofxHost{};
  std::mutex logMu;
  std::vector<MessageRecord> messages;
  std::vector<std::string> violations;  // plugin misbehaviour the host noticed
  std::atomic<int> liveImages{0};
  std::mutex imagesMu;
  std::map<PropertySet *, Image *> images;  // image handle → image, to release by handle
  std::atomic<int> progressCalls{0};
  std::atomic<int> memoryBlocks{0};
  std::set<std::string> propertyNames;  // every property name the plugin passed to the property suite
  void violation(const std::string &what);
};

HostState &state();
/// Fills host properties and OfxHost; call once before talking to the plugin.
void initHost(const Config &cfg);

/// Builds an instance from the in-context descriptor: copies its props, clips and param definitions
/// (params start at their defaults).
std::unique_ptr<Effect> instantiate(Effect &contextDescriptor, const std::string &context);
/// Param value from text ("1.5", "2", "true", "red" for choices by option index or value label).
bool setParamFromText(Effect &fx, const std::string &name, const std::string &value);

/// A frame scaled by the host's render scale (area average over k x k blocks; the canonical size must divide).
SourceFrame atRenderScale(const SourceFrame &f, double scale);
/// An output image the host makes itself (IsIdentity: a copy of the source), released like the plugin's.
void copySourceToOutput(Effect &fx, double time);

/// Converts a host image (any depth, any row bytes) back to packed float RGBA top row first.
std::vector<float> readImage(PropertySet &img, int *width, int *height);

}  // namespace host
