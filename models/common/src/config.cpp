// Configuration tree: YAML merging, includes, overrides, typed reads with validation, unread-key
// detection with suggestions, and gem5-style config.ini / config.json dumps.
#include "vmsim/common/config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "vmsim/common/json.h"

namespace vmsim {
namespace {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : path) {
    if (c == '.') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty() || !parts.empty()) parts.push_back(cur);
  return parts;
}

// Deep merge: maps merge key by key, everything else is replaced.
void mergeInto(YAML::Node dst, const YAML::Node& src) {
  for (auto it = src.begin(); it != src.end(); ++it) {
    const std::string k = it->first.as<std::string>();
    if (it->second.IsMap() && dst[k] && dst[k].IsMap()) {
      mergeInto(dst[k], it->second);
    } else {
      dst[k] = YAML::Clone(it->second);
    }
  }
}

std::string scalarText(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << n;
  return e.c_str();
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string fmtNumber(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

ConfigError::ConfigError(const std::vector<std::string>& problems)
    : std::runtime_error([&] {
        std::string s;
        for (const auto& p : problems) s += p + "\n";
        return s;
      }()),
      problems_(problems) {}

Config::Config() : root_(YAML::NodeType::Map) {}

void Config::loadFile(const std::string& path) {
  mergeFile(path, 0);
}

void Config::mergeFile(const std::string& path, int depth) {
  if (depth > 16) throw ConfigError({path + ": include nesting deeper than 16 (a cycle?)"});
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigError({path + ": cannot open configuration file"});
  } catch (const YAML::Exception& e) {
    throw ConfigError(
        {path + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg});
  }
  if (doc.IsNull()) return;
  if (!doc.IsMap()) throw ConfigError({path + ": top level must be a mapping of keys"});
  if (auto inc = doc["include"]) {
    const auto dir = std::filesystem::path(path).parent_path();
    std::vector<std::string> files;
    if (inc.IsSequence()) {
      for (const auto& f : inc) files.push_back(f.as<std::string>());
    } else {
      files.push_back(inc.as<std::string>());
    }
    for (const auto& f : files) {
      std::filesystem::path p(f);
      mergeFile((p.is_absolute() ? p : dir / p).string(), depth + 1);
    }
    doc.remove("include");
  }
  mergeInto(root_, doc);
}

void Config::loadString(const std::string& yaml, const std::string& origin) {
  YAML::Node doc;
  try {
    doc = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw ConfigError(
        {origin + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg});
  }
  if (doc.IsNull()) return;
  if (!doc.IsMap()) throw ConfigError({origin + ": top level must be a mapping of keys"});
  mergeInto(root_, doc);
}

void Config::applyOverride(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError({"--param '" + assignment + "': expected path.to.key=value"});
  }
  set(trim(assignment.substr(0, eq)), trim(assignment.substr(eq + 1)));
}

void Config::set(const std::string& path, const std::string& value) {
  const auto parts = splitPath(path);
  for (const auto& p : parts) {
    if (p.empty()) throw ConfigError({"'" + path + "': empty component in key path"});
  }
  YAML::Node parsed;
  try {
    parsed = YAML::Load(value);
  } catch (const YAML::Exception&) {
    parsed = YAML::Node(value);
  }
  if (!parsed.IsDefined() || parsed.IsNull()) parsed = YAML::Node(value);
  // Walk down with copies of handles (yaml-cpp nodes are reference-like).
  std::vector<YAML::Node> chain{root_};
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = chain.back()[parts[i]];
    if (!next.IsMap()) next = YAML::Node(YAML::NodeType::Map);
    chain.back()[parts[i]] = next;
    chain.push_back(chain.back()[parts[i]]);
  }
  chain.back()[parts.back()] = parsed;
}

Params Config::at(const std::string& path) {
  return Params(*this, path);
}

std::optional<YAML::Node> Config::lookup(const std::string& path) const {
  std::vector<YAML::Node> chain{root_};
  for (const auto& p : splitPath(path)) {
    const YAML::Node& cur = chain.back();
    if (!cur.IsMap()) return std::nullopt;
    YAML::Node next = cur[p];
    if (!next) return std::nullopt;
    chain.push_back(next);
  }
  return chain.back();
}

bool Config::hasValue(const std::string& path) const {
  return lookup(path).has_value();
}

void Config::declare(const std::string& path, ParamDecl decl) {
  declared_[path] = std::move(decl);
}

void Config::collectLeaves(const YAML::Node& n, const std::string& prefix,
                           std::vector<std::string>& out) const {
  if (n.IsMap() && !declared_.count(prefix)) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      collectLeaves(it->second, prefix.empty() ? k : prefix + "." + k, out);
    }
    return;
  }
  out.push_back(prefix);
}

void Config::finalize() {
  std::vector<std::string> leaves;
  collectLeaves(root_, "", leaves);
  std::vector<std::string> names;
  for (const auto& [k, d] : declared_) names.push_back(k);
  for (const auto& leaf : leaves) {
    if (leaf.empty() || declared_.count(leaf)) continue;
    std::string msg = "unknown configuration key '" + leaf + "'";
    const auto best = closestMatch(leaf, names);
    if (!best.empty()) msg += "; did you mean '" + best + "'?";
    problems_.push_back(msg);
  }
  if (!problems_.empty()) throw ConfigError(problems_);
}

void Config::writeIni(std::ostream& os) const {
  // One section per object (the key's parent path), gem5's config.ini layout.
  std::string section = "\x01";
  for (const auto& [path, d] : declared_) {
    const auto dot = path.rfind('.');
    const std::string sec = dot == std::string::npos ? "root" : path.substr(0, dot);
    const std::string key = dot == std::string::npos ? path : path.substr(dot + 1);
    if (sec != section) {
      if (section != "\x01") os << "\n";
      os << "[" << sec << "]\n";
      section = sec;
    }
    os << key << "=" << d.value << "\n";
  }
}

void Config::writeJson(std::ostream& os) const {
  JsonTree tree;
  for (const auto& [path, d] : declared_) {
    JsonTree::Value v;
    v.text = d.value;
    v.quoted = !(d.type == "bool" || d.type == "int" || d.type == "uint" || d.type == "float" ||
                 d.type == "size" || d.type == "time");
    if (d.type == "list") v.quoted = false;
    tree.set(path, v);
  }
  tree.write(os);
}

// ---------------------------------------------------------------------------------------------

Params Params::child(const std::string& name) const {
  return Params(*cfg_, key(name));
}

std::string Params::key(const std::string& name) const {
  return path_.empty() ? name : path_ + "." + name;
}

namespace {
// Integers may be written in hex ("0x10000000"), as addresses usually are.
template <class T>
T parseNumber(const YAML::Node& n) {
  if constexpr (std::is_integral_v<T>) {
    const std::string t = trim(n.Scalar());
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
      size_t pos = 0;
      unsigned long long v = 0;
      try {
        v = std::stoull(t.substr(2), &pos, 16);
      } catch (const std::exception&) {
        throw YAML::Exception(YAML::Mark(), "bad hex");
      }
      if (pos != t.size() - 2) throw YAML::Exception(YAML::Mark(), "bad hex");
      if (v > static_cast<unsigned long long>(std::numeric_limits<T>::max()))
        throw YAML::Exception(YAML::Mark(), "too large");
      return static_cast<T>(v);
    }
  }
  return n.as<T>();
}
}  // namespace

template <class T>
T Params::getNumber(const std::string& name, T deflt, const std::string& unit,
                    const std::string& desc, std::optional<Range> range, const char* type) {
  const std::string k = key(name);
  T value = deflt;
  if (auto n = cfg_->lookup(k)) {
    try {
      if (!n->IsScalar()) throw YAML::Exception(YAML::Mark(), "not a scalar");
      if constexpr (std::is_same_v<T, uint64_t>) {
        if (trim(n->Scalar()).rfind('-', 0) == 0) throw YAML::Exception(YAML::Mark(), "neg");
      }
      value = parseNumber<T>(*n);
    } catch (const YAML::Exception&) {
      cfg_->addProblem("'" + k + "': value '" + scalarText(*n) + "' is not a valid " + type);
    }
  }
  if (range &&
      (static_cast<double>(value) < range->min || static_cast<double>(value) > range->max)) {
    cfg_->addProblem("'" + k + "': value " + fmtNumber(static_cast<double>(value)) +
                     " is out of range [" + fmtNumber(range->min) + ", " + fmtNumber(range->max) +
                     "]");
    value = deflt;  // elaborate on with a sane value, so that later problems are found too
  }
  std::ostringstream v, d;
  v << value;
  d << deflt;
  cfg_->declare(k, {v.str(), d.str(), unit, desc, type});
  return value;
}

bool Params::getBool(const std::string& name, bool deflt, const std::string& desc) {
  const std::string k = key(name);
  bool value = deflt;
  if (auto n = cfg_->lookup(k)) {
    try {
      value = n->as<bool>();
    } catch (const YAML::Exception&) {
      cfg_->addProblem("'" + k + "': value '" + scalarText(*n) +
                       "' is not a valid bool (true/false)");
    }
  }
  cfg_->declare(k, {value ? "true" : "false", deflt ? "true" : "false", "", desc, "bool"});
  return value;
}

int64_t Params::getInt(const std::string& name, int64_t deflt, const std::string& unit,
                       const std::string& desc, std::optional<Range> range) {
  return getNumber<int64_t>(name, deflt, unit, desc, range, "int");
}

uint64_t Params::getUint(const std::string& name, uint64_t deflt, const std::string& unit,
                         const std::string& desc, std::optional<Range> range) {
  return getNumber<uint64_t>(name, deflt, unit, desc, range, "uint");
}

double Params::getDouble(const std::string& name, double deflt, const std::string& unit,
                         const std::string& desc, std::optional<Range> range) {
  return getNumber<double>(name, deflt, unit, desc, range, "float");
}

std::string Params::getString(const std::string& name, const std::string& deflt,
                              const std::string& desc) {
  const std::string k = key(name);
  std::string value = deflt;
  if (auto n = cfg_->lookup(k)) {
    if (n->IsScalar()) {
      value = n->Scalar();
    } else {
      cfg_->addProblem("'" + k + "': expected a string, got '" + scalarText(*n) + "'");
    }
  }
  cfg_->declare(k, {value, deflt, "", desc, "string"});
  return value;
}

uint64_t Params::getSize(const std::string& name, const std::string& deflt, const std::string& desc,
                         std::optional<Range> range) {
  const std::string k = key(name);
  uint64_t value = parseSize(deflt);
  std::string text = deflt;
  if (auto n = cfg_->lookup(k)) {
    text = scalarText(*n);
    try {
      value = parseSize(text);
    } catch (const std::invalid_argument& e) {
      cfg_->addProblem("'" + k + "': value '" + text + "' is not a valid size: " + e.what());
    }
  }
  if (range &&
      (static_cast<double>(value) < range->min || static_cast<double>(value) > range->max)) {
    cfg_->addProblem("'" + k + "': value " + text + " is out of range [" + fmtNumber(range->min) +
                     ", " + fmtNumber(range->max) + "] bytes");
    value = parseSize(deflt);
  }
  cfg_->declare(k, {std::to_string(value), deflt, "Byte", desc, "size"});
  return value;
}

uint64_t Params::getTimePs(const std::string& name, const std::string& deflt,
                           const std::string& desc) {
  const std::string k = key(name);
  uint64_t value = parseTimePs(deflt);
  if (auto n = cfg_->lookup(k)) {
    const std::string text = scalarText(*n);
    try {
      value = parseTimePs(text);
    } catch (const std::invalid_argument& e) {
      cfg_->addProblem("'" + k + "': value '" + text +
                       "' is not a valid time or frequency: " + e.what());
    }
  }
  cfg_->declare(k, {std::to_string(value), std::to_string(parseTimePs(deflt)), "ps", desc, "time"});
  return value;
}

std::string Params::getChoice(const std::string& name, const std::string& deflt,
                              const std::vector<std::string>& valid, const std::string& desc) {
  const std::string k = key(name);
  std::string value = deflt;
  if (auto n = cfg_->lookup(k)) value = scalarText(*n);
  if (std::find(valid.begin(), valid.end(), value) == valid.end()) {
    std::string list;
    for (const auto& v : valid) list += (list.empty() ? "" : ", ") + v;
    cfg_->addProblem("'" + k + "': unknown value '" + value + "'; valid values are: " + list);
    value = deflt;
  }
  cfg_->declare(k, {value, deflt, "", desc, "choice"});
  return value;
}

std::vector<uint64_t> Params::getUintList(const std::string& name,
                                          const std::vector<uint64_t>& deflt,
                                          const std::string& unit, const std::string& desc) {
  const std::string k = key(name);
  std::vector<uint64_t> value = deflt;
  if (auto n = cfg_->lookup(k)) {
    try {
      if (n->IsSequence()) {
        value = n->as<std::vector<uint64_t>>();
      } else {
        value = {n->as<uint64_t>()};
      }
    } catch (const YAML::Exception&) {
      cfg_->addProblem("'" + k + "': value '" + scalarText(*n) +
                       "' is not a list of unsigned integers");
    }
  }
  auto text = [](const std::vector<uint64_t>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
  };
  cfg_->declare(k, {text(value), text(deflt), unit, desc, "list"});
  return value;
}

// ---------------------------------------------------------------------------------------------

namespace {
// Splits "12.5GHz" into 12.5 and "GHz"; throws on a missing or malformed number.
std::pair<double, std::string> numberAndSuffix(const std::string& text) {
  const std::string t = trim(text);
  size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(t, &pos);
  } catch (const std::exception&) {
    throw std::invalid_argument("no number at its start");
  }
  if (!std::isfinite(v) || v < 0) throw std::invalid_argument("must be a finite number >= 0");
  return {v, trim(t.substr(pos))};
}
}  // namespace

uint64_t parseSize(const std::string& text) {
  auto [v, suffix] = numberAndSuffix(text);
  static const std::vector<std::pair<std::string, double>> units = {
      {"", 1},          {"B", 1},
      {"KiB", 1024.0},  {"MiB", 1048576.0},
      {"GiB", 1 << 30}, {"TiB", 1099511627776.0},
      {"kB", 1e3},      {"KB", 1e3},
      {"MB", 1e6},      {"GB", 1e9},
      {"TB", 1e12}};
  for (const auto& [u, mul] : units) {
    if (suffix == u) {
      const double bytes = v * mul;
      if (bytes != std::floor(bytes)) throw std::invalid_argument("not a whole number of bytes");
      if (bytes > 1.8e19) throw std::invalid_argument("too large");
      return static_cast<uint64_t>(bytes);
    }
  }
  throw std::invalid_argument("unknown unit '" + suffix +
                              "' (use B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)");
}

uint64_t parseTimePs(const std::string& text) {
  auto [v, suffix] = numberAndSuffix(text);
  static const std::vector<std::pair<std::string, double>> times = {
      {"ps", 1}, {"ns", 1e3}, {"us", 1e6}, {"ms", 1e9}, {"s", 1e12}};
  static const std::vector<std::pair<std::string, double>> freqs = {
      {"Hz", 1}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}};
  for (const auto& [u, mul] : times) {
    if (suffix == u) return static_cast<uint64_t>(std::llround(v * mul));
  }
  for (const auto& [u, mul] : freqs) {
    if (suffix == u) {
      if (v == 0) throw std::invalid_argument("frequency must be > 0");
      return static_cast<uint64_t>(std::llround(1e12 / (v * mul)));
    }
  }
  throw std::invalid_argument("unknown unit '" + suffix +
                              "' (use ps, ns, us, ms, s or Hz, kHz, MHz, GHz)");
}

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closestMatch(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t bestD = SIZE_MAX;
  for (const auto& c : candidates) {
    const size_t d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

}  // namespace vmsim
