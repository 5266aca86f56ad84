// The plugin's JSON, over nlohmann/json (Debian nlohmann-json3-dev; vcpkg / Homebrew `nlohmann-json`
// elsewhere; header-only, so the plugin stays one self-contained .ofx). It reads two small documents, the
// bundle's effects.json and the daemon's control messages; this thin read-only view keeps their call sites
// short (a missing key reads as null, a wrong type as the given fallback) and the parser out of our code.
#pragma once
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mlxv::json {

class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A node of a parsed document (it keeps the document alive); member order is the document's.
class Value {
 public:
  Value() = default;

  bool isNull() const;
  bool isNumber() const;
  bool isString() const;
  bool isArray() const;
  bool isObject() const;
  bool isBool() const;

  double asNumber(double fallback = 0) const;
  bool asBool(bool fallback = false) const;
  /// The string, or "" when this is not a string.
  const std::string &asString() const;
  std::string stringOr(const std::string &fallback) const { return isString() ? asString() : fallback; }

  /// Array elements (empty when not an array).
  std::vector<Value> items() const;
  /// Object members in document order (empty when not an object).
  std::vector<std::pair<std::string, Value>> members() const;
  /// Member by key, or null when absent or not an object.
  Value operator[](const std::string &key) const;
  bool has(const std::string &key) const;

 private:
  friend Value parse(const std::string &text);
  std::shared_ptr<const nlohmann::ordered_json> doc_;
  const nlohmann::ordered_json *node_ = nullptr;
  Value(std::shared_ptr<const nlohmann::ordered_json> doc, const nlohmann::ordered_json *node)
      : doc_(std::move(doc)), node_(node) {}
};

/// Parses a whole document; throws ParseError with the byte offset on malformed input.
Value parse(const std::string &text);
/// Appends `s` as a quoted JSON string literal.
void appendQuoted(std::string &out, const std::string &s);
/// Shortest round-trippable representation; non-finite numbers become null (JSON has none).
void appendNumber(std::string &out, double d);

}  // namespace mlxv::json
