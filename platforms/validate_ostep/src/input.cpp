// Typed field access for reference-case inputs.
#include "input.h"

#include <cerrno>
#include <cstdlib>

namespace vmsim::validate {

YAML::Node field(const YAML::Node& node, const std::string& key) {
  if (!node.IsMap()) throw InputError("expected an object holding '" + key + "'");
  const YAML::Node v = node[key];
  if (!v.IsDefined() || v.IsNull()) throw InputError("missing field '" + key + "'");
  return v;
}

bool has(const YAML::Node& node, const std::string& key) {
  return node.IsMap() && node[key].IsDefined() && !node[key].IsNull();
}

int64_t asInt(const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar() || node.Tag() == "!") throw InputError("'" + what + "' must be an integer");
  const std::string& s = node.Scalar();
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || errno != 0 || *end != '\0')
    throw InputError("'" + what + "' must be an integer, got '" + s + "'");
  return v;
}

uint64_t asUint(const YAML::Node& node, const std::string& what) {
  const int64_t v = asInt(node, what);
  if (v < 0) throw InputError("'" + what + "' must not be negative, got " + std::to_string(v));
  return static_cast<uint64_t>(v);
}

bool asBool(const YAML::Node& node, const std::string& what) {
  if (node.IsScalar() && node.Tag() != "!") {
    if (node.Scalar() == "true") return true;
    if (node.Scalar() == "false") return false;
  }
  throw InputError("'" + what + "' must be true or false");
}

std::string asString(const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar()) throw InputError("'" + what + "' must be a string");
  return node.Scalar();
}

std::vector<uint64_t> asUintList(const YAML::Node& node, const std::string& what) {
  if (!node.IsSequence()) throw InputError("'" + what + "' must be a list of integers");
  std::vector<uint64_t> out;
  for (size_t i = 0; i < node.size(); ++i)
    out.push_back(asUint(node[i], what + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace vmsim::validate
