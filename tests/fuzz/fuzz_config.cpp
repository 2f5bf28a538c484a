// libFuzzer harness: the configuration loader (models/common Config) on YAML text, then every
// kind of typed read, an override, finalize() and the config.ini/config.json writers. Bad input
// must end in ConfigError (or a recorded problem); any other exception escaping, a crash or a
// sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "vmsim/common/config.h"

namespace {

// Reads a few parameters of every type, under a fixed module path the seed corpus uses.
void readAll(vmsim::Params p) {
  p.getBool("enabled", true, "a flag");
  p.getInt("offset", -1, "Count", "signed", vmsim::Range{-1e6, 1e6});
  p.getUint("entries", 64, "Count", "unsigned", vmsim::Range{1, 1 << 20});
  p.getDouble("fraction", 0.5, "Ratio", "a ratio", vmsim::Range{0, 1});
  p.getString("name", "x", "a string");
  p.getSize("size", "4KiB", "a size", vmsim::Range{1, 1ull << 46});
  p.getTimePs("clock", "2GHz", "a period or frequency");
  p.getChoice("policy", "lru", {"lru", "fifo", "random"}, "a choice");
  p.getUintList("page_sizes", {4096}, "Byte", "a list");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The first line doubles as a --param override, as the command line applies them.
  const std::string firstLine = text.substr(0, text.find('\n'));
  vmsim::Config cfg;
  try {
    cfg.loadString(text, "fuzz.yaml");
  } catch (const vmsim::ConfigError&) {
    return 0;
  }
  try {
    cfg.applyOverride(firstLine);
  } catch (const vmsim::ConfigError&) {
  }
  readAll(cfg.at("system.mod"));
  readAll(cfg.at("system.mod").child("sub"));
  try {
    cfg.finalize();
  } catch (const vmsim::ConfigError&) {
  }
  std::ostringstream ini, json;
  cfg.writeIni(ini);
  cfg.writeJson(json);
  return 0;
}
