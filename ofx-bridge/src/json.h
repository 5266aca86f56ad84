// Minimal JSON reader/writer for the plugin. Why hand-written: the plugin must stay one self-contained .ofx
// with no third-party runtime (Resolve loads it into its own process; no JSON library is packaged here), and it
// only reads two small documents: the bundle's effects.json and the daemon's control messages.
#pragma once
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mlxv::json {

class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Value {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  Value() = default;
  static Value boolean(bool b);
  static Value number(double d);
  static Value string(std::string s);
  static Value array();
  static Value object();

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::Null; }
  bool isNumber() const { return type_ == Type::Number; }
  bool isString() const { return type_ == Type::String; }
  bool isArray() const { return type_ == Type::Array; }
  bool isObject() const { return type_ == Type::Object; }
  bool isBool() const { return type_ == Type::Bool; }

  double asNumber(double fallback = 0) const { return type_ == Type::Number ? num_ : fallback; }
  bool asBool(bool fallback = false) const { return type_ == Type::Bool ? bool_ : fallback; }
  const std::string &asString() const;
  std::string stringOr(const std::string &fallback) const { return isString() ? str_ : fallback; }

  const std::vector<Value> &items() const { return arr_; }
  std::vector<Value> &items() { return arr_; }
  /// Object members in document order (order matters for parameter pages).
  const std::vector<std::pair<std::string, Value>> &members() const { return obj_; }
  std::vector<std::pair<std::string, Value>> &members() { return obj_; }
  /// Member by key, or a shared Null value when absent or not an object.
  const Value &operator[](const std::string &key) const;
  bool has(const std::string &key) const;

 private:
  Type type_ = Type::Null;
  bool bool_ = false;
  double num_ = 0;
  std::string str_;
  std::vector<Value> arr_;
  std::vector<std::pair<std::string, Value>> obj_;
};

/// Parses a whole document; throws ParseError with the byte offset on malformed input.
Value parse(const std::string &text);
/// Appends `s` as a quoted JSON string literal.
void appendQuoted(std::string &out, const std::string &s);
/// Shortest round-trippable representation; non-finite numbers become null (JSON has none).
void appendNumber(std::string &out, double d);

}  // namespace mlxv::json
