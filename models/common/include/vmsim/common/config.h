// The configuration tree: YAML files (with presets pulled in by `include:`) and `--param`
// overrides, read by modules through Params views that declare every parameter where it is used
// (name, default, unit, description, valid range), in the manner of gem5's Params and QBox's cci
// params. Problems are collected, not thrown one by one, so that a user sees all of them before the
// simulation starts; Config::finalize() also reports every key that no module read.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace vmsim {

/// Thrown by Config::finalize() (and by file loading) with every problem found, one per line.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::vector<std::string>& problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

/// Inclusive numeric range a parameter value must lie in.
struct Range {
  double min;
  double max;
};

/// What a module declared about one parameter (for config.ini/json dumps and `vmsim params`).
struct ParamDecl {
  std::string value;  // effective value as text
  std::string deflt;  // default as text
  std::string unit;
  std::string desc;
  std::string type;  // "bool", "int", "uint", "float", "string", "size", "time", "choice", "list"
  /// Valid values as text: "[min, max]" for a ranged number, size or time (times with units),
  /// "a|b|c" for a choice, empty when any value of the type is accepted.
  std::string range = {};
};

class Params;

class Config {
 public:
  Config();

  /// Merges a YAML file. Keys in it override earlier values. A top-level `include:` (a file name
  /// or a list of them, relative to this file) is merged first, so the including file wins.
  void loadFile(const std::string& path);
  /// Merges YAML text (used by tests and by programmatic platforms); `origin` names it in errors.
  /// Relative paths in it (Params::getPath) resolve against the working directory.
  void loadString(const std::string& yaml, const std::string& origin = "<string>");
  /// Applies `a.b.c=value` (value parsed as a YAML scalar or flow collection). Last one wins.
  /// A relative path given so resolves against the working directory, as a shell user expects.
  void applyOverride(const std::string& assignment);
  /// Sets one value from C++ (no YAML needed): `cfg.set("system.mmu.l1d.entries", "64")`.
  void set(const std::string& path, const std::string& value);

  /// Copies every value under `from` to the same place under `to` where `to` has none, skipping
  /// the subtrees named in `except` (paths relative to `from`). Leaf by leaf: a map under `to`
  /// keeps its own keys and receives the missing ones; a value (scalar or list) set under `to`
  /// is kept whole. The platform uses it so that cpuN inherits cpu0's hierarchy (a CPU preset
  /// sets system.cpu0.*) except its workload.
  void inheritMissing(const std::string& from, const std::string& to,
                      const std::vector<std::string>& except = {});

  /// Removes the value or subtree at `path` (nothing when there is none).
  void remove(const std::string& path);

  /// View of the subtree at `path` ("" for the root).
  Params at(const std::string& path);

  /// True when the user supplied a value for `path` (file or override).
  bool hasValue(const std::string& path) const;
  /// Records a problem found while reading a value (bad type, out of range, bad choice).
  void addProblem(const std::string& msg) { problems_.push_back(msg); }
  const std::vector<std::string>& problems() const { return problems_; }

  /// Adds a problem for every user key no module declared, naming the closest declared key, then
  /// throws ConfigError if any problem was found.
  void finalize();

  /// The effective configuration of everything declared, gem5 style.
  void writeIni(std::ostream& os) const;
  void writeJson(std::ostream& os) const;
  const std::map<std::string, ParamDecl>& declared() const { return declared_; }

  /// `value` (a file name read from key `path`) made absolute: a relative name resolves against
  /// the directory of the configuration file that set the key (as `include:` does), or against
  /// the working directory when the value came from --param, set() or loadString().
  std::string resolvePath(const std::string& path, const std::string& value) const;

  // Used by Params.
  std::optional<YAML::Node> lookup(const std::string& path) const;
  void declare(const std::string& path, ParamDecl decl);

 private:
  void mergeFile(const std::string& path, int depth);
  void collectLeaves(const YAML::Node& n, const std::string& prefix,
                     std::vector<std::string>& out) const;

  void noteOrigin(const YAML::Node& n, const std::string& prefix, const std::string& dir);
  void forgetOrigin(const std::string& path);

  YAML::Node root_;
  std::map<std::string, ParamDecl> declared_;
  std::vector<std::string> problems_;
  // Directory of the file that last set each leaf key; keys set otherwise are not listed.
  std::map<std::string, std::string> originDir_;
};

/// A module's window onto its part of the configuration: `params.get<uint64_t>("entries", 64,
/// "Count", "number of entries", {1, 1 << 20})` reads `<path>.entries`.
class Params {
 public:
  Params(Config& cfg, std::string path) : cfg_(&cfg), path_(std::move(path)) {}

  Params child(const std::string& name) const;
  const std::string& path() const { return path_; }
  Config& config() const { return *cfg_; }
  std::string key(const std::string& name) const;
  bool has(const std::string& name) const { return cfg_->hasValue(key(name)); }

  bool getBool(const std::string& name, bool deflt, const std::string& desc);
  int64_t getInt(const std::string& name, int64_t deflt, const std::string& unit,
                 const std::string& desc, std::optional<Range> range = std::nullopt);
  uint64_t getUint(const std::string& name, uint64_t deflt, const std::string& unit,
                   const std::string& desc, std::optional<Range> range = std::nullopt);
  double getDouble(const std::string& name, double deflt, const std::string& unit,
                   const std::string& desc, std::optional<Range> range = std::nullopt);
  std::string getString(const std::string& name, const std::string& deflt, const std::string& desc);
  /// A file name, returned absolute (Config::resolvePath); empty stays empty. Declared with the
  /// resolved value, so config.json and config.ini name the same file from any directory.
  std::string getPath(const std::string& name, const std::string& deflt, const std::string& desc);
  /// A byte size; accepts plain numbers and suffixes B, KiB, MiB, GiB, TiB, kB, MB, GB.
  uint64_t getSize(const std::string& name, const std::string& deflt, const std::string& desc,
                   std::optional<Range> range = std::nullopt);
  /// A time in picoseconds; accepts "500ps", "1ns", "2.5us", "1ms", "1s" or a frequency
  /// ("2GHz", "800MHz"), which gives its period.
  /// `range` is in picoseconds. Plain `0` (without a unit) is accepted as zero.
  uint64_t getTimePs(const std::string& name, const std::string& deflt, const std::string& desc,
                     std::optional<Range> range = std::nullopt);
  /// One of `valid`; an unknown name is a problem that lists every valid name.
  std::string getChoice(const std::string& name, const std::string& deflt,
                        const std::vector<std::string>& valid, const std::string& desc);
  /// A list of unsigned integers (YAML sequence).
  std::vector<uint64_t> getUintList(const std::string& name, const std::vector<uint64_t>& deflt,
                                    const std::string& unit, const std::string& desc);
  /// A list of byte sizes (YAML sequence of numbers or sizes with suffixes, as getSize).
  std::vector<uint64_t> getSizeList(const std::string& name, const std::vector<uint64_t>& deflt,
                                    const std::string& desc);
  /// A list of names (YAML sequence of scalars, or one scalar).
  std::vector<std::string> getStringList(const std::string& name,
                                         const std::vector<std::string>& deflt,
                                         const std::string& desc);

 private:
  template <class T>
  T getNumber(const std::string& name, T deflt, const std::string& unit, const std::string& desc,
              std::optional<Range> range, const char* type);

  Config* cfg_;
  std::string path_;
};

/// Parsers shared by Params and the command line; throw std::invalid_argument with a reason.
uint64_t parseSize(const std::string& text);
uint64_t parseTimePs(const std::string& text);
/// A time in the largest unit that expresses it exactly ("2ns", "500ps", "0s"); parses back with
/// parseTimePs.
std::string formatTimePs(uint64_t ps);

/// Levenshtein distance, used to suggest the closest valid name.
size_t editDistance(const std::string& a, const std::string& b);
/// The candidate closest to `word` (empty when there are no candidates).
std::string closestMatch(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace vmsim
