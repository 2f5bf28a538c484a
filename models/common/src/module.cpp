// Module base: parameters, clock and per-module logging through sc_report_handler.
#include "vmsim/common/module.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vmsim {

const std::vector<std::string>& logLevelNames() {
  static const std::vector<std::string> names = {"none", "error", "warning", "info", "debug"};
  return names;
}

Module::Module(const sc_core::sc_module_name& nm, SimContext& ctx)
    : sc_core::sc_module(nm), ctx_(ctx), params_(ctx.config, name()) {
  const auto lvl = params_.getChoice("log_level", "warning", logLevelNames(),
                                     "verbosity of this module's messages");
  const auto& n = logLevelNames();
  level_ = static_cast<LogLevel>(std::find(n.begin(), n.end(), lvl) - n.begin());
  // Per-module filtering happens here; let sc_report_handler print whatever we pass it.
  sc_core::sc_report_handler::set_verbosity_level(sc_core::SC_DEBUG);
}

namespace {
// The resolution in femtoseconds (SystemC allows powers of ten from 1 fs to 1 s).
uint64_t resolutionFs() {
  return static_cast<uint64_t>(std::llround(sc_core::sc_get_time_resolution().to_seconds() * 1e15));
}
}  // namespace

std::optional<uint64_t> timeUnitsOfPs(uint64_t ps) {
  const uint64_t fs = std::max<uint64_t>(resolutionFs(), 1);
  if (fs <= 1000) {
    if (1000 % fs) return std::nullopt;
    const uint64_t perPs = 1000 / fs;
    if (ps > std::numeric_limits<uint64_t>::max() / perPs) return std::nullopt;
    return ps * perPs;
  }
  const uint64_t stepPs = fs / 1000;
  if (fs % 1000 || ps % stepPs) return std::nullopt;
  return ps / stepPs;
}

std::string timeResolutionText() {
  const uint64_t fs = resolutionFs();
  static const char* const units[] = {"fs", "ps", "ns", "us", "ms", "s"};
  uint64_t v = fs;
  unsigned u = 0;
  while (u < 5 && v >= 1000 && v % 1000 == 0) v /= 1000, ++u;
  return std::to_string(v) + " " + units[u];
}

void Module::declareClock(const std::string& deflt) {
  // 1 MHz to 100 GHz: slower clocks belong to no processor with an MMU, faster ones to no
  // silicon (today's fastest cores run near 6 GHz); outside it a typo (`1000s`, `1e30s`) would
  // run for hours or overflow the 64-bit picosecond time base.
  // Without its own `clock`, a module runs at the nearest enclosing one set in the configuration
  // (system.cpu0.clock for everything of core 0, as a CPU preset sets it; system.cpu0.mmu.clock
  // for the MMU's TLBs and walker), else at the module's built-in default.
  std::string inherited = deflt;
  for (std::string at = params_.path(); !at.empty();) {
    const auto dot = at.rfind('.');
    at = dot == std::string::npos ? "" : at.substr(0, dot);
    const auto n = params_.config().lookup(at.empty() ? "clock" : at + ".clock");
    if (n && n->IsScalar()) {
      inherited = n->Scalar();
      break;
    }
  }
  const uint64_t ps = params_.getTimePs(
      "clock", inherited,
      "clock frequency or period of this module; range 1MHz..100GHz (period 10ps..1us)",
      Range{10, 1e6});
  const auto units = timeUnitsOfPs(std::max<uint64_t>(ps, 1));
  if (!units || *units == 0) {
    // A rounded period would make every cycle count (delay / period) wrong, a zero one infinite.
    params_.config().addProblem(
        "'" + params_.key("clock") + "': a period of " + std::to_string(ps) +
        " ps is not a whole number of time-resolution steps (" + timeResolutionText() +
        "); use a clock whose period the resolution can express or a "
        "finer sc_set_time_resolution");
    period_ = sc_core::sc_time::from_value(1);
    return;
  }
  period_ = sc_core::sc_time::from_value(*units);
}

void Module::logError(const std::string& msg) const {
  if (logging(LogLevel::Error)) SC_REPORT_ERROR(name(), msg.c_str());
}
void Module::logWarning(const std::string& msg) const {
  if (logging(LogLevel::Warning)) SC_REPORT_WARNING(name(), msg.c_str());
}
void Module::logInfo(const std::string& msg) const {
  if (logging(LogLevel::Info)) SC_REPORT_INFO_VERB(name(), msg.c_str(), sc_core::SC_MEDIUM);
}
void Module::logDebug(const std::string& msg) const {
  if (logging(LogLevel::Debug)) SC_REPORT_INFO_VERB(name(), msg.c_str(), sc_core::SC_DEBUG);
}

}  // namespace vmsim
