// The effects this bundle offers, read at load time from Contents/Resources/effects.json, which the build
// generates from the same descriptors the CLI and the daemon use (ofx-bridge/scripts/dump-effects.ts).
#pragma once
#include <map>
#include <string>
#include <vector>

namespace mlxv {

struct ParamInfo {
  std::string name, type, label, help;  // type: number | choice | boolean | color | string
  bool integer = false;
  double def = 0, min = 0, max = 1, displayMin = 0, displayMax = 1, step = 0;
  std::vector<std::pair<std::string, std::string>> options;  // choice: value, label
  std::string defString;                                      // choice value or string default
  bool defBool = false;
  double defColor[4] = {0, 0, 0, 1};
  bool isPath = false;
};

/// How big the output is relative to the input (scaling effects grow the region of definition).
struct OutputSizeRule {
  bool present = false;
  double factor = 1;                         // constant factor, when no param drives it
  std::string scaleParam;                    // factor = this number param's value (or numeric choice value)
  std::string choiceParam;                   // factor looked up from this choice param's value
  std::map<std::string, double> choiceFactors;
};

struct EffectInfo {
  std::string id, label, category, description, temporal;
  std::vector<ParamInfo> params;
  OutputSizeRule outputSize;
  std::string pluginIdentifier;  // "org.mlxvideo.<id>"
};

/// Parses an effects.json document; throws std::runtime_error naming the file on malformed input.
std::vector<EffectInfo> parseCatalog(const std::string &text, const std::string &path);
/// MLXV_OFX_EFFECTS_FILE, else <bundle>/Contents/Resources/effects.json next to this binary.
std::string catalogPath();
std::vector<EffectInfo> loadCatalog(const std::string &path);

}  // namespace mlxv
