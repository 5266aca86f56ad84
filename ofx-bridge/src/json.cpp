#include "json.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace mlxv::json {

using nlohmann::ordered_json;

bool Value::isNull() const { return !node_ || node_->is_null(); }
bool Value::isNumber() const { return node_ && node_->is_number(); }
bool Value::isString() const { return node_ && node_->is_string(); }
bool Value::isArray() const { return node_ && node_->is_array(); }
bool Value::isObject() const { return node_ && node_->is_object(); }
bool Value::isBool() const { return node_ && node_->is_boolean(); }

double Value::asNumber(double fallback) const { return isNumber() ? node_->get<double>() : fallback; }
bool Value::asBool(bool fallback) const { return isBool() ? node_->get<bool>() : fallback; }

const std::string &Value::asString() const {
  static const std::string empty;
  return isString() ? node_->get_ref<const std::string &>() : empty;
}

std::vector<Value> Value::items() const {
  std::vector<Value> out;
  if (!isArray()) return out;
  out.reserve(node_->size());
  for (const auto &e : *node_) out.push_back(Value(doc_, &e));
  return out;
}

std::vector<std::pair<std::string, Value>> Value::members() const {
  std::vector<std::pair<std::string, Value>> out;
  if (!isObject()) return out;
  for (auto it = node_->begin(); it != node_->end(); ++it) out.emplace_back(it.key(), Value(doc_, &it.value()));
  return out;
}

Value Value::operator[](const std::string &key) const {
  if (!isObject()) return Value();
  auto it = node_->find(key);
  return it == node_->end() ? Value() : Value(doc_, &*it);
}

bool Value::has(const std::string &key) const { return isObject() && node_->contains(key); }

Value parse(const std::string &text) {
  try {
    auto doc = std::make_shared<const ordered_json>(ordered_json::parse(text));
    const ordered_json *root = doc.get();
    return Value(std::move(doc), root);
  } catch (const ordered_json::exception &e) {
    throw ParseError(e.what());
  }
}

void appendQuoted(std::string &out, const std::string &s) {
  // Invalid UTF-8 (a byte string from a host) is replaced rather than thrown: a label must never fail a call.
  out += ordered_json(s).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

void appendNumber(std::string &out, double d) {
  out += std::isfinite(d) ? ordered_json(d).dump() : "null";
}

}  // namespace mlxv::json
