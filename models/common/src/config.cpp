// Configuration tree: YAML merging, includes, overrides, typed reads with validation, unread-key
// detection with suggestions, and gem5-style config.ini / config.json dumps.
#include "vmsim/common/config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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

// A range end for `vmsim params`: integers in full (1048576, not 1.04858e+06), others as %g.
std::string fmtRangeEnd(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1.8e19) {
    std::ostringstream os;
    os.precision(0);
    os << std::fixed << v;
    return os.str();
  }
  return fmtNumber(v);
}

// "file:line" when the node came from parsed text, else "file".
std::string where(const std::string& origin, const YAML::Mark& m) {
  return m.line >= 0 ? origin + ":" + std::to_string(m.line + 1) : origin;
}

// Every mapping key must be a plain scalar name and appear once per mapping: yaml-cpp accepts
// `{[a]: 1}` and keeps only the first of two equal keys, so both are found here, with lines.
void checkTree(const YAML::Node& n, const std::string& origin, const std::string& prefix,
               std::vector<std::string>& problems, bool lines) {
  auto where = [&](const YAML::Mark& m) { return lines ? vmsim::where(origin, m) : origin; };
  if (n.IsMap()) {
    std::map<std::string, YAML::Mark> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string under = prefix.empty() ? "" : " under '" + prefix + "'";
      if (!it->first.IsScalar()) {
        problems.push_back(where(it->first.Mark()) + ": key '" + scalarText(it->first) + "'" +
                           under + " is not a plain name (keys must be scalars)");
        continue;
      }
      const std::string k = it->first.Scalar();
      const std::string path = prefix.empty() ? k : prefix + "." + k;
      const auto [pos, fresh] = seen.emplace(k, it->first.Mark());
      if (!fresh) {
        std::string first = lines && pos->second.line >= 0
                                ? " (first at line " + std::to_string(pos->second.line + 1) + ")"
                                : "";
        problems.push_back(where(it->first.Mark()) + ": duplicate key '" + path + "'" + first +
                           "; a key may appear only once in a mapping");
      }
      checkTree(it->second, origin, path, problems, lines);
    }
  } else if (n.IsSequence()) {
    for (const auto& e : n) checkTree(e, origin, prefix, problems, lines);
  }
}

void checkTreeOrThrow(const YAML::Node& n, const std::string& origin, const std::string& prefix,
                      bool lines = true) {
  std::vector<std::string> problems;
  checkTree(n, origin, prefix, problems, lines);
  if (!problems.empty()) throw ConfigError(problems);
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
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw ConfigError({path + ": is a directory, not a configuration file"});
  }
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
  checkTreeOrThrow(doc, path, "");
  if (auto inc = doc["include"]) {
    const auto dir = std::filesystem::path(path).parent_path();
    // Checked here, before anything reaches the file system or yaml-cpp.
    auto bad = [&](const YAML::Node& at, const std::string& why) {
      throw ConfigError({where(path, at.Mark()) + ": 'include': " + why});
    };
    std::vector<YAML::Node> items;
    if (inc.IsSequence()) {
      for (const auto& f : inc) items.push_back(f);
    } else if (inc.IsScalar()) {
      items.push_back(inc);
    } else {
      bad(inc, "expected a file name or a list of file names, got '" + scalarText(inc) + "'");
    }
    std::vector<std::string> files;
    for (const auto& f : items) {
      if (!f.IsScalar()) bad(f, "expected a file name, got '" + scalarText(f) + "'");
      if (trim(f.Scalar()).empty()) bad(f, "empty file name");
      std::filesystem::path p(f.Scalar());
      const auto full = (p.is_absolute() ? p : dir / p).string();
      if (std::filesystem::is_directory(full, ec)) bad(f, full + " is a directory, not a file");
      files.push_back(full);
    }
    for (const auto& f : files) mergeFile(f, depth + 1);
    doc.remove("include");
  }
  mergeInto(root_, doc);
  noteOrigin(doc, "", std::filesystem::path(path).parent_path().string());
}

void Config::noteOrigin(const YAML::Node& n, const std::string& prefix, const std::string& dir) {
  if (n.IsMap() && n.size() > 0) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      noteOrigin(it->second, prefix.empty() ? k : prefix + "." + k, dir);
    }
    return;
  }
  if (dir.empty())
    originDir_.erase(prefix);  // the working directory
  else
    originDir_[prefix] = dir;
}

void Config::forgetOrigin(const std::string& path) {
  for (auto it = originDir_.lower_bound(path); it != originDir_.end();) {
    const std::string& k = it->first;
    if (k != path && k.compare(0, path.size() + 1, path + ".") != 0) break;
    it = originDir_.erase(it);
  }
}

std::string Config::resolvePath(const std::string& path, const std::string& value) const {
  namespace fs = std::filesystem;
  const fs::path p(value);
  if (value.empty() || p.is_absolute()) return value;
  std::error_code ec;
  fs::path base = fs::current_path(ec);
  const auto it = originDir_.find(path);
  if (it != originDir_.end()) {
    const fs::path dir(it->second);
    base = dir.is_absolute() ? dir : base / dir;
  }
  return (base / p).lexically_normal().string();
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
  checkTreeOrThrow(doc, origin, "");
  mergeInto(root_, doc);
  noteOrigin(doc, "", "");
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
  checkTreeOrThrow(parsed, "--param '" + path + "=" + value + "'", path, false);
  forgetOrigin(path);
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

namespace {
// Copies into `dst` every value of `src` it lacks (recursing into maps both have), except the
// subtrees whose path relative to the starting point is listed in `except`.
void mergeMissing(YAML::Node dst, const YAML::Node& src, const std::string& rel,
                  const std::vector<std::string>& except, std::vector<std::string>& copied) {
  for (auto it = src.begin(); it != src.end(); ++it) {
    const std::string k = it->first.as<std::string>();
    const std::string sub = rel.empty() ? k : rel + "." + k;
    if (std::find(except.begin(), except.end(), sub) != except.end()) continue;
    const YAML::Node& cdst = dst;
    const YAML::Node have = cdst[k];
    if (it->second.IsMap()) {
      if (have && !have.IsMap()) continue;  // set to a value here: kept whole
      YAML::Node child = have ? have : YAML::Node(YAML::NodeType::Map);
      mergeMissing(child, it->second, sub, except, copied);
      if (!have && child.size() > 0) dst[k] = child;
    } else if (!have) {
      dst[k] = YAML::Clone(it->second);
      copied.push_back(sub);
    }
  }
}
}  // namespace

void Config::inheritMissing(const std::string& from, const std::string& to,
                            const std::vector<std::string>& except) {
  const auto src = lookup(from);
  if (!src || !src->IsMap()) return;
  if (!hasValue(to)) set(to, "{}");
  auto dst = lookup(to);
  if (!dst->IsMap()) return;  // `to` itself set to a value: nothing can be added under it
  std::vector<std::string> copied;
  mergeMissing(*dst, *src, "", except, copied);
  // A copied file name still resolves against the file that named it.
  for (const auto& rel : copied) {
    const auto it = originDir_.find(from + "." + rel);
    if (it != originDir_.end()) originDir_[to + "." + rel] = it->second;
  }
}

void Config::remove(const std::string& path) {
  const auto dot = path.rfind('.');
  const auto parent =
      dot == std::string::npos ? std::optional<YAML::Node>(root_) : lookup(path.substr(0, dot));
  if (!parent || !parent->IsMap()) return;
  YAML::Node p = *parent;
  p.remove(dot == std::string::npos ? path : path.substr(dot + 1));
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
  // One section per object (the key's parent path), gem5's config.ini layout. Keys are grouped by
  // section first: in plain key order a section's keys can come after one of its sub-sections'
  // (l1d.entries < latency < walker.walkers), which would repeat the section header, and a
  // repeated section is an error for INI readers such as Python's configparser.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> sections;
  for (const auto& [path, d] : declared_) {
    const auto dot = path.rfind('.');
    const std::string sec = dot == std::string::npos ? "root" : path.substr(0, dot);
    const std::string key = dot == std::string::npos ? path : path.substr(dot + 1);
    // One line per value: INI has no multi-line values.
    std::string v;
    for (char c : d.value) {
      if (c == '\n') {
        v += "\\n";
      } else if (c == '\r') {
        v += "\\r";
      } else {
        v += c;
      }
    }
    sections[sec].emplace_back(key, v);
  }
  bool first = true;
  for (const auto& [sec, keys] : sections) {
    if (!first) os << "\n";
    first = false;
    os << "[" << sec << "]\n";
    for (const auto& [k, v] : keys) os << k << "=" << v << "\n";
  }
}

void Config::writeJson(std::ostream& os) const {
  // Every value is written so that it reads back to the same value (config.json is a runnable
  // configuration): times with their unit, floats with all the digits they need.
  JsonTree tree;
  for (const auto& [path, d] : declared_) {
    JsonTree::Value v;
    v.text = d.value;
    v.quoted = !(d.type == "bool" || d.type == "int" || d.type == "uint" || d.type == "float" ||
                 d.type == "size" || d.type == "list");
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
// Integers are decimal, or hex with 0x ("0x10000000", as addresses usually are). A leading zero is
// refused: YAML 1.1 (and yaml-cpp) would read `017` as octal 15, which nobody means in a config.
template <class T>
T parseInteger(const std::string& text) {
  const std::string t = trim(text);
  std::string digits = t;
  bool neg = false;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    neg = digits[0] == '-';
    digits = digits.substr(1);
  }
  if (neg && !std::is_signed_v<T>) throw std::invalid_argument("must not be negative");
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits = digits.substr(2);
  } else if (digits.size() > 1 && digits[0] == '0') {
    throw std::invalid_argument("leading zeros are not accepted (YAML would read '" + t +
                                "' as octal); write the decimal number without them, or hex "
                                "with 0x");
  }
  if (digits.empty()) throw std::invalid_argument("not a number");
  for (char c : digits) {
    if (!(base == 16 ? std::isxdigit(static_cast<unsigned char>(c))
                     : std::isdigit(static_cast<unsigned char>(c)))) {
      throw std::invalid_argument("not an integer");
    }
  }
  unsigned long long v = 0;
  try {
    v = std::stoull(digits, nullptr, base);
  } catch (const std::out_of_range&) {
    throw std::invalid_argument("too large");
  }
  if constexpr (std::is_signed_v<T>) {
    const auto lim = static_cast<unsigned long long>(std::numeric_limits<T>::max());
    if (v > lim + (neg ? 1 : 0)) throw std::invalid_argument("too large");
    return neg ? static_cast<T>(0 - v) : static_cast<T>(v);
  } else {
    if (v > static_cast<unsigned long long>(std::numeric_limits<T>::max()))
      throw std::invalid_argument("too large");
    return static_cast<T>(v);
  }
}

template <class T>
T parseNumber(const YAML::Node& n) {
  if (!n.IsScalar()) throw std::invalid_argument("not a scalar");
  if constexpr (std::is_integral_v<T>) {
    return parseInteger<T>(n.Scalar());
  } else {
    T v{};
    try {
      v = n.as<T>();
    } catch (const YAML::Exception&) {
      throw std::invalid_argument("not a number");
    }
    if (!std::isfinite(v)) throw std::invalid_argument("must be finite");
    return v;
  }
}

// The shortest decimal text that reads back to exactly `v`.
std::string exactDouble(double v) {
  char buf[40];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}
}  // namespace

template <class T>
T Params::getNumber(const std::string& name, T deflt, const std::string& unit,
                    const std::string& desc, std::optional<Range> range, const char* type) {
  const std::string k = key(name);
  T value = deflt;
  if (auto n = cfg_->lookup(k)) {
    try {
      value = parseNumber<T>(*n);
    } catch (const std::invalid_argument& e) {
      cfg_->addProblem("'" + k + "': value '" + scalarText(*n) + "' is not a valid " + type + ": " +
                       e.what());
    }
  }
  if (range &&
      (static_cast<double>(value) < range->min || static_cast<double>(value) > range->max)) {
    std::string shown;
    if constexpr (std::is_integral_v<T>) {
      shown = std::to_string(value);
    } else {
      shown = fmtNumber(static_cast<double>(value));
    }
    cfg_->addProblem("'" + k + "': value " + shown + " is out of range [" + fmtNumber(range->min) +
                     ", " + fmtNumber(range->max) + "]");
    value = deflt;  // elaborate on with a sane value, so that later problems are found too
  }
  std::string v, d;
  if constexpr (std::is_floating_point_v<T>) {
    v = exactDouble(value);
    d = exactDouble(deflt);
  } else {
    v = std::to_string(value);
    d = std::to_string(deflt);
  }
  std::string rangeText;
  if (range) rangeText = "[" + fmtRangeEnd(range->min) + ", " + fmtRangeEnd(range->max) + "]";
  cfg_->declare(k, {v, d, unit, desc, type, rangeText});
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

std::string Params::getPath(const std::string& name, const std::string& deflt,
                            const std::string& desc) {
  const std::string k = key(name);
  const std::string value = cfg_->resolvePath(k, getString(name, deflt, desc));
  cfg_->declare(k, {value, deflt, "", desc, "path"});
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
  std::string rangeText;
  if (range) rangeText = "[" + fmtRangeEnd(range->min) + ", " + fmtRangeEnd(range->max) + "]";
  cfg_->declare(k, {std::to_string(value), deflt, "Byte", desc, "size", rangeText});
  return value;
}

uint64_t Params::getTimePs(const std::string& name, const std::string& deflt,
                           const std::string& desc, std::optional<Range> range) {
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
    if (range &&
        (static_cast<double>(value) < range->min || static_cast<double>(value) > range->max)) {
      cfg_->addProblem("'" + k + "': value '" + text + "' (" + formatTimePs(value) +
                       ") is out of range [" + formatTimePs(static_cast<uint64_t>(range->min)) +
                       ", " + formatTimePs(static_cast<uint64_t>(range->max)) + "]");
      value = parseTimePs(deflt);
    }
  }
  std::string rangeText;
  if (range) {
    rangeText = "[" + formatTimePs(static_cast<uint64_t>(range->min)) + ", " +
                formatTimePs(static_cast<uint64_t>(range->max)) + "]";
  }
  cfg_->declare(
      k, {formatTimePs(value), formatTimePs(parseTimePs(deflt)), "ps", desc, "time", rangeText});
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
  std::string choices;
  for (const auto& v : valid) choices += (choices.empty() ? "" : "|") + v;
  cfg_->declare(k, {value, deflt, "", desc, "choice", choices});
  return value;
}

std::vector<uint64_t> Params::getUintList(const std::string& name,
                                          const std::vector<uint64_t>& deflt,
                                          const std::string& unit, const std::string& desc) {
  const std::string k = key(name);
  std::vector<uint64_t> value = deflt;
  if (auto n = cfg_->lookup(k)) {
    try {
      std::vector<uint64_t> got;
      if (n->IsSequence()) {
        for (const auto& e : *n) got.push_back(parseNumber<uint64_t>(e));
      } else {
        got = {parseNumber<uint64_t>(*n)};
      }
      value = got;
    } catch (const std::invalid_argument& e) {
      cfg_->addProblem("'" + k + "': value '" + scalarText(*n) +
                       "' is not a list of unsigned integers: " + e.what());
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

std::vector<uint64_t> Params::getSizeList(const std::string& name,
                                          const std::vector<uint64_t>& deflt,
                                          const std::string& desc) {
  const std::string k = key(name);
  std::vector<uint64_t> value = deflt;
  if (auto n = cfg_->lookup(k)) {
    try {
      std::vector<uint64_t> got;
      auto one = [](const YAML::Node& e) {
        if (!e.IsScalar()) throw std::invalid_argument("not a scalar");
        return parseSize(e.Scalar());
      };
      if (n->IsSequence()) {
        for (const auto& e : *n) got.push_back(one(e));
      } else {
        got = {one(*n)};
      }
      value = got;
    } catch (const std::invalid_argument& e) {
      cfg_->addProblem("'" + k + "': value '" + scalarText(*n) +
                       "' is not a list of sizes: " + e.what());
    }
  }
  auto text = [](const std::vector<uint64_t>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
  };
  cfg_->declare(k, {text(value), text(deflt), "Byte", desc, "list"});
  return value;
}

std::vector<std::string> Params::getStringList(const std::string& name,
                                               const std::vector<std::string>& deflt,
                                               const std::string& desc) {
  const std::string k = key(name);
  std::vector<std::string> value = deflt;
  if (auto n = cfg_->lookup(k)) {
    std::vector<std::string> got;
    bool ok = true;
    if (n->IsSequence()) {
      for (const auto& e : *n) {
        if (!e.IsScalar()) {
          ok = false;
          break;
        }
        got.push_back(e.Scalar());
      }
    } else if (n->IsScalar()) {
      got = {n->Scalar()};
    } else {
      ok = false;
    }
    if (ok) {
      value = got;
    } else {
      cfg_->addProblem("'" + k + "': value '" + scalarText(*n) + "' is not a list of names");
    }
  }
  auto text = [](const std::vector<std::string>& v) {
    // Quoted names: the text is valid YAML and JSON (config.json writes lists unquoted).
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      s += i ? ", \"" : "\"";
      for (char c : v[i]) {
        if (c == '"' || c == '\\') s += '\\';
        s += c;
      }
      s += '"';
    }
    return s + "]";
  };
  cfg_->declare(k, {text(value), text(deflt), "", desc, "list"});
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
  if (trim(text) == "0") return 0;  // zero needs no unit
  auto [v, suffix] = numberAndSuffix(text);
  // 2^64 ps is about 213 days; anything longer cannot be represented (and means nothing here).
  constexpr double kMaxPs = 1.8e19;
  static const std::vector<std::pair<std::string, double>> times = {
      {"ps", 1}, {"ns", 1e3}, {"us", 1e6}, {"ms", 1e9}, {"s", 1e12}};
  static const std::vector<std::pair<std::string, double>> freqs = {
      {"Hz", 1}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}};
  for (const auto& [u, mul] : times) {
    if (suffix == u) {
      if (v * mul > kMaxPs) throw std::invalid_argument("longer than 2^64 ps (213 days)");
      return static_cast<uint64_t>(std::llround(v * mul));
    }
  }
  for (const auto& [u, mul] : freqs) {
    if (suffix == u) {
      if (v == 0) throw std::invalid_argument("frequency must be > 0");
      const double ps = 1e12 / (v * mul);
      if (ps > kMaxPs) throw std::invalid_argument("period longer than 2^64 ps (213 days)");
      return static_cast<uint64_t>(std::llround(ps));
    }
  }
  throw std::invalid_argument("unknown unit '" + suffix +
                              "' (use ps, ns, us, ms, s or Hz, kHz, MHz, GHz)");
}

std::string formatTimePs(uint64_t ps) {
  if (ps == 0) return "0s";
  static const std::pair<const char*, uint64_t> units[] = {
      {"s", 1000000000000ull}, {"ms", 1000000000ull}, {"us", 1000000ull}, {"ns", 1000ull}};
  for (const auto& [u, mul] : units) {
    if (ps % mul == 0) return std::to_string(ps / mul) + u;
  }
  return std::to_string(ps) + "ps";
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
