// Factory table of swap-device timing models (name -> constructor with datasheet defaults).
#include "vmsim/swap/disk_timing.h"

#include <functional>
#include <stdexcept>
#include <utility>

#include "vmsim/swap/hdd_timing.h"
#include "vmsim/swap/ssd_timing.h"

namespace vmsim::swap {
namespace {

using Maker = std::function<std::unique_ptr<DiskTiming>()>;

const std::vector<std::pair<std::string, Maker>>& table() {
  static const std::vector<std::pair<std::string, Maker>> makers{
      {"hdd", [] { return std::make_unique<HddTiming>(); }},
      {"ssd", [] { return std::make_unique<SsdTiming>(); }},
  };
  return makers;
}

}  // namespace

const std::vector<std::string>& diskTimingNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const auto& entry : table()) all.push_back(entry.first);
    return all;
  }();
  return names;
}

std::unique_ptr<DiskTiming> makeDiskTiming(const std::string& name) {
  std::string valid;
  for (const auto& [key, make] : table()) {
    if (key == name) return make();
    valid += (valid.empty() ? "" : ", ") + key;
  }
  throw std::invalid_argument("unknown disk timing model '" + name + "'; valid: " + valid);
}

}  // namespace vmsim::swap
