// A small JSON value tree for comparing a model's answer with a reference case field by field.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vmsim::validate {

class Value {
 public:
  enum class Kind { Null, Bool, Int, Real, String, Array, Object };

  Value() = default;  // null
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value string(std::string s);
  static Value real(std::string literal);
  static Value array();
  static Value object();
  /// Maps a parsed JSON node: quoted scalars are strings; plain ones null, bool, int or real.
  static Value fromYaml(const YAML::Node& node);

  Kind kind() const { return kind_; }
  /// Object: adds or replaces a field (insertion order kept). Array: appends.
  Value& set(const std::string& key, Value v);
  Value& push(Value v);
  const Value* find(const std::string& key) const;
  /// Compact JSON text.
  std::string str() const;

  /// Appends "path: expected X, got Y" lines for every difference (missing and extra fields too).
  static void diff(const Value& expected, const Value& got, const std::string& path,
                   std::vector<std::string>& out);

 private:
  Kind kind_ = Kind::Null;
  bool bool_ = false;
  int64_t int_ = 0;
  std::string text_;  // String, or a Real's literal
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> fields_;
};

}  // namespace vmsim::validate
