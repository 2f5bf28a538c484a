// JSON value tree: conversion from yaml-cpp nodes, printing, and a field-by-field diff.
#include "value.h"

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace vmsim::validate {
namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool parseInt(const std::string& s, int64_t& v) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const long long x = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  v = x;
  return true;
}

bool isReal(const std::string& s) {
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return !s.empty() && *end == '\0';
}

Value scalarFromYaml(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return Value::string(s);  // quoted in the JSON text
  if (s == "null" || s == "~" || s.empty()) return Value();
  if (s == "true") return Value::boolean(true);
  if (s == "false") return Value::boolean(false);
  int64_t i = 0;
  if (parseInt(s, i)) return Value::integer(i);
  if (isReal(s)) return Value::real(s);  // compared by their literal
  return Value::string(s);
}

std::string kindName(Value::Kind k) {
  switch (k) {
    case Value::Kind::Null:
      return "null";
    case Value::Kind::Bool:
      return "boolean";
    case Value::Kind::Int:
      return "integer";
    case Value::Kind::Real:
      return "number";
    case Value::Kind::String:
      return "string";
    case Value::Kind::Array:
      return "array";
    case Value::Kind::Object:
      return "object";
  }
  return "?";
}

}  // namespace

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::Bool;
  v.bool_ = b;
  return v;
}

Value Value::integer(int64_t i) {
  Value v;
  v.kind_ = Kind::Int;
  v.int_ = i;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::String;
  v.text_ = std::move(s);
  return v;
}

Value Value::real(std::string literal) {
  Value v;
  v.kind_ = Kind::Real;
  v.text_ = std::move(literal);
  return v;
}

Value Value::array() {
  Value v;
  v.kind_ = Kind::Array;
  return v;
}

Value Value::object() {
  Value v;
  v.kind_ = Kind::Object;
  return v;
}

Value Value::fromYaml(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      Value v = array();
      for (const auto& item : node) v.push(fromYaml(item));
      return v;
    }
    case YAML::NodeType::Map: {
      Value v = object();
      for (const auto& kv : node) v.set(kv.first.as<std::string>(), fromYaml(kv.second));
      return v;
    }
    case YAML::NodeType::Scalar:
      return scalarFromYaml(node);
    default:
      return Value();
  }
}

Value& Value::set(const std::string& key, Value v) {
  if (kind_ != Kind::Object) throw std::logic_error("Value::set on a non-object");
  for (auto& [k, existing] : fields_)
    if (k == key) return existing = std::move(v);
  fields_.emplace_back(key, std::move(v));
  return fields_.back().second;
}

Value& Value::push(Value v) {
  if (kind_ != Kind::Array) throw std::logic_error("Value::push on a non-array");
  items_.push_back(std::move(v));
  return items_.back();
}

const Value* Value::find(const std::string& key) const {
  for (const auto& [k, v] : fields_)
    if (k == key) return &v;
  return nullptr;
}

std::string Value::str() const {
  switch (kind_) {
    case Kind::Null:
      return "null";
    case Kind::Bool:
      return bool_ ? "true" : "false";
    case Kind::Int:
      return std::to_string(int_);
    case Kind::Real:
      return text_;
    case Kind::String:
      return quote(text_);
    case Kind::Array: {
      std::string s = "[";
      for (size_t i = 0; i < items_.size(); ++i) s += (i ? ", " : "") + items_[i].str();
      return s + "]";
    }
    case Kind::Object: {
      std::string s = "{";
      for (size_t i = 0; i < fields_.size(); ++i)
        s += (i ? ", " : "") + quote(fields_[i].first) + ": " + fields_[i].second.str();
      return s + "}";
    }
  }
  return "?";
}

void Value::diff(const Value& expected, const Value& got, const std::string& path,
                 std::vector<std::string>& out) {
  const std::string where = path.empty() ? "(top)" : path;
  if (expected.kind_ != got.kind_) {
    out.push_back(where + ": expected " + expected.str() + " (" + kindName(expected.kind_) +
                  "), got " + got.str() + " (" + kindName(got.kind_) + ")");
    return;
  }
  switch (expected.kind_) {
    case Kind::Array: {
      if (expected.items_.size() != got.items_.size()) {
        out.push_back(where + ": expected " + std::to_string(expected.items_.size()) +
                      " elements " + expected.str() + ", got " + std::to_string(got.items_.size()) +
                      " " + got.str());
        return;
      }
      for (size_t i = 0; i < expected.items_.size(); ++i)
        diff(expected.items_[i], got.items_[i], path + "[" + std::to_string(i) + "]", out);
      return;
    }
    case Kind::Object: {
      const std::string prefix = path.empty() ? "" : path + ".";
      for (const auto& [k, v] : expected.fields_) {
        const Value* g = got.find(k);
        if (!g) {
          out.push_back(prefix + k + ": expected " + v.str() + ", got nothing (field missing)");
        } else {
          diff(v, *g, prefix + k, out);
        }
      }
      for (const auto& [k, v] : got.fields_)
        if (!expected.find(k))
          out.push_back(prefix + k + ": not expected, got " + v.str() + " (extra field)");
      return;
    }
    default:
      if (expected.str() != got.str())
        out.push_back(where + ": expected " + expected.str() + ", got " + got.str());
  }
}

}  // namespace vmsim::validate
