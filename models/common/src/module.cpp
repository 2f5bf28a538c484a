// Module base: parameters, clock and per-module logging through sc_report_handler.
#include "vmsim/common/module.h"

#include <algorithm>

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

void Module::declareClock(const std::string& deflt) {
  // 1 MHz to 100 GHz: slower clocks belong to no processor with an MMU, faster ones to no
  // silicon (today's fastest cores run near 6 GHz); outside it a typo (`1000s`, `1e30s`) would
  // run for hours or overflow the 64-bit picosecond time base.
  const uint64_t ps = params_.getTimePs(
      "clock", deflt,
      "clock frequency or period of this module; range 1MHz..100GHz (period 10ps..1us)",
      Range{10, 1e6});
  period_ = sc_core::sc_time(static_cast<double>(std::max<uint64_t>(ps, 1)), sc_core::SC_PS);
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
