// Typed access to a reference case's `input` object; every problem is an InputError naming the
// field, so the runner can report file, line and field.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace vmsim::validate {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The field `key` of object `node`; InputError if `node` is not an object or lacks it.
YAML::Node field(const YAML::Node& node, const std::string& key);
bool has(const YAML::Node& node, const std::string& key);
int64_t asInt(const YAML::Node& node, const std::string& what);
uint64_t asUint(const YAML::Node& node, const std::string& what);
bool asBool(const YAML::Node& node, const std::string& what);
std::string asString(const YAML::Node& node, const std::string& what);
std::vector<uint64_t> asUintList(const YAML::Node& node, const std::string& what);

inline uint64_t uintField(const YAML::Node& n, const std::string& k) {
  return asUint(field(n, k), k);
}
inline int64_t intField(const YAML::Node& n, const std::string& k) {
  return asInt(field(n, k), k);
}

}  // namespace vmsim::validate
