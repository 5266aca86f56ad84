#include "effect_catalog.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#endif

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "json.h"

namespace mlxv {

namespace {

ParamInfo parseParam(const json::Value &p) {
  ParamInfo info;
  info.name = p["name"].asString();
  info.type = p["type"].asString();
  info.label = p["label"].stringOr(info.name);
  info.help = p["help"].asString();
  if (info.type == "number") {
    info.integer = p["integer"].asBool(false);
    info.def = p["default"].asNumber(0);
    info.min = p["min"].asNumber(0);
    info.max = p["max"].asNumber(1);
    info.displayMin = p["displayMin"].asNumber(info.min);
    info.displayMax = p["displayMax"].asNumber(info.max);
    info.step = p["step"].asNumber(0);
    info.pixelUnit = p["unit"].asString() == "px";
  } else if (info.type == "choice") {
    for (const auto &o : p["options"].items()) info.options.emplace_back(o["value"].asString(), o["label"].asString());
    info.defString = p["default"].asString();
  } else if (info.type == "boolean") {
    info.defBool = p["default"].asBool(false);
  } else if (info.type == "color") {
    const auto &d = p["default"].items();
    for (size_t i = 0; i < 4 && i < d.size(); ++i) info.defColor[i] = d[i].asNumber(0);
  } else if (info.type == "string") {
    info.defString = p["default"].asString();
    info.isPath = p["kind"].asString() == "path";
  }
  return info;
}

}  // namespace

std::vector<EffectInfo> parseCatalog(const std::string &text, const std::string &path) {
  json::Value doc;
  try {
    doc = json::parse(text);
  } catch (const json::ParseError &e) {
    throw std::runtime_error(path + ": " + e.what() + " (rebuild the bundle: scripts/build-native.sh)");
  }
  if (!doc["effects"].isArray()) throw std::runtime_error(path + ": no \"effects\" array");
  std::vector<EffectInfo> out;
  for (const auto &e : doc["effects"].items()) {
    EffectInfo info;
    info.id = e["id"].asString();
    if (info.id.empty()) throw std::runtime_error(path + ": an effect without an id");
    info.label = e["label"].stringOr(info.id);
    info.category = e["category"].asString();
    info.description = e["description"].asString();
    info.temporal = e["temporal"].stringOr("stateless");
    info.pluginIdentifier = "org.mlxvideo." + info.id;
    for (const auto &p : e["params"].items()) info.params.push_back(parseParam(p));
    for (const auto &c : e["modelCards"].items()) {
      ModelCard card;
      for (const auto &m : c["models"].items()) card.models.push_back(m.asString());
      card.license = c["license"].asString();
      card.trainedOn = c["trainedOn"].asString();
      card.knownBiases = c["knownBiases"].asString();
      info.modelCards.push_back(std::move(card));
    }
    const auto &os = e["outputSize"];
    if (os.isObject()) {
      info.outputSize.present = true;
      info.outputSize.factor = os["factor"].asNumber(1);
      info.outputSize.scaleParam = os["scaleParam"].asString();
      info.outputSize.choiceParam = os["choiceParam"].asString();
      for (const auto &f : os["choiceFactors"].members()) info.outputSize.choiceFactors[f.first] = f.second.asNumber(1);
    }
    for (const auto &c : e["identityWhen"].members()) {
      IdentityCondition cond;
      cond.param = c.first;
      if (c.second.isString()) cond.kind = IdentityCondition::Kind::String, cond.text = c.second.asString();
      else if (c.second.isBool()) cond.kind = IdentityCondition::Kind::Boolean, cond.boolean = c.second.asBool(false);
      else if (c.second.isNumber()) cond.number = c.second.asNumber(0);
      else throw std::runtime_error(path + ": effect " + info.id + ": identityWhen." + c.first + " is not a scalar");
      info.identityWhen.push_back(std::move(cond));
    }
    const auto &alpha = e["alphaState"];
    if (alpha.isObject()) {
      info.alphaState.param = alpha["param"].asString();
      for (const auto &v : alpha["byValue"].members()) info.alphaState.byValue[v.first] = v.second.asString();
    }
    if (e["preRoll"].isNumber()) info.preRoll = int(e["preRoll"].asNumber(0));
    out.push_back(std::move(info));
  }
  return out;
}

std::string describeWithCards(const EffectInfo &fx) {
  std::string out = fx.description;
  for (const auto &card : fx.modelCards) {
    std::string models;
    for (const auto &m : card.models) models += (models.empty() ? "" : ", ") + m;
    out += "\n\nModel " + models + ". Licence: " + card.license + ". Learned from: " + card.trainedOn +
           ". Known biases: " + card.knownBiases + ".";
  }
  return out;
}

std::string catalogPath() {
  if (const char *p = std::getenv("MLXV_OFX_EFFECTS_FILE"); p && *p) return p;
  std::string bin;  // .../mlxvideo.ofx.bundle/Contents/<Linux-x86-64|MacOS|Win64>/mlxvideo.ofx
#ifdef _WIN32
  HMODULE self = nullptr;
  char path[MAX_PATH * 4] = {0};
  if (!GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                          reinterpret_cast<LPCSTR>(&catalogPath), &self) ||
      !GetModuleFileNameA(self, path, sizeof path))
    return "effects.json";
  bin = path;
#else
  Dl_info dl{};
  if (!dladdr(reinterpret_cast<void *>(&catalogPath), &dl) || !dl.dli_fname) return "effects.json";
  bin = dl.dli_fname;
#endif
  size_t slash = bin.find_last_of("/\\");
  std::string archDir = slash == std::string::npos ? "." : bin.substr(0, slash);
  return archDir + "/../Resources/effects.json";
}

std::vector<EffectInfo> loadCatalog(const std::string &path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot open " + path + " (the bundle is incomplete: rebuild or reinstall it)");
  std::stringstream ss;
  ss << f.rdbuf();
  return parseCatalog(ss.str(), path);
}

}  // namespace mlxv
