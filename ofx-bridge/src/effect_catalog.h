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
  bool pixelUnit = false;  // unit "px": a size in frame pixels, scaled by the host's render scale (proxy renders)
};

/// How big the output is relative to the input (scaling effects grow the region of definition).
struct OutputSizeRule {
  bool present = false;
  double factor = 1;                         // constant factor, when no param drives it
  std::string scaleParam;                    // factor = this number param's value (or numeric choice value)
  std::string choiceParam;                   // factor looked up from this choice param's value
  std::map<std::string, double> choiceFactors;
};

/// One param value the descriptor's identityWhen names (JSON number, string or boolean).
struct IdentityCondition {
  std::string param;
  enum class Kind { Number, String, Boolean } kind = Kind::Number;
  double number = 0;
  std::string text;
  bool boolean = false;
};

/// Output alpha state per value of a choice param (descriptor alphaState); empty param: follows the input.
struct AlphaStateRule {
  std::string param;
  std::map<std::string, std::string> byValue;  // choice value -> straight | premultiplied | opaque
};

/// A model card from the manifests (models sharing one card are listed together).
struct ModelCard {
  std::vector<std::string> models;
  std::string license, trainedOn, knownBiases;
};

struct EffectInfo {
  std::string id, label, category, description, temporal;
  std::vector<ModelCard> modelCards;
  std::vector<ParamInfo> params;
  OutputSizeRule outputSize;
  std::vector<IdentityCondition> identityWhen;  // empty: never identity
  AlphaStateRule alphaState;
  int preRoll = -1;  // sequential effects: input frames before N that frame N depends on; -1: not declared
  std::string pluginIdentifier;  // "org.mlxvideo.<id>"
};

/// The plugin description: what the effect does, then each model card (what it learned from, its licence and
/// known biases), so the host shows where the models come from wherever it shows the effect's description.
std::string describeWithCards(const EffectInfo &fx);

/// Parses an effects.json document; throws std::runtime_error naming the file on malformed input.
std::vector<EffectInfo> parseCatalog(const std::string &text, const std::string &path);
/// MLXV_OFX_EFFECTS_FILE, else <bundle>/Contents/Resources/effects.json next to this binary.
std::string catalogPath();
std::vector<EffectInfo> loadCatalog(const std::string &path);

}  // namespace mlxv
