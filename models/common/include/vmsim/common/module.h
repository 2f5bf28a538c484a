// Base of every vmsim sc_module: its parameters (read under its hierarchical name), its stats
// registry, its own clock, and per-module log verbosity (`<path>.log_level`, QBox style) on top
// of sc_report_handler.
#pragma once

#include <systemc>

#include <optional>
#include <string>

#include "vmsim/common/config.h"
#include "vmsim/common/stats.h"

namespace vmsim {

/// What every module is constructed with: the configuration and the stats registry of the run.
struct SimContext {
  Config& config;
  stats::Registry& stats;
};

/// Kernel time units (sc_time::value()) of `ps` picoseconds at the current time resolution, or
/// nullopt when ps is not a whole number of resolution steps (e.g. 833 ps at 1 ns) or overflows.
std::optional<uint64_t> timeUnitsOfPs(uint64_t ps);
/// The current SystemC time resolution as text ("1 ps", "1 ns", ...).
std::string timeResolutionText();

enum class LogLevel : int { None = 0, Error = 1, Warning = 2, Info = 3, Debug = 4 };
const std::vector<std::string>& logLevelNames();

class Module : public sc_core::sc_module {
 public:
  Module(const sc_core::sc_module_name& nm, SimContext& ctx);

  Params& params() { return params_; }
  SimContext& context() { return ctx_; }
  stats::Registry& statsRegistry() { return ctx_.stats; }
  /// Full stat name "<module path>.<leaf>".
  std::string statName(const std::string& leaf) const { return std::string(name()) + "." + leaf; }

  /// Reads `<path>.clock` (a frequency or period); without it the nearest enclosing `clock` set
  /// in the configuration (e.g. `system.cpu0.clock`), else `deflt`. Call once from the
  /// derived constructor. A period that is not a whole number of time-resolution steps is a
  /// configuration problem (naming the key, the period and the resolution).
  void declareClock(const std::string& deflt);
  const sc_core::sc_time& clockPeriod() const { return period_; }
  sc_core::sc_time cycles(uint64_t n) const { return period_ * static_cast<double>(n); }

  bool logging(LogLevel l) const { return static_cast<int>(l) <= static_cast<int>(level_); }
  void logError(const std::string& msg) const;
  void logWarning(const std::string& msg) const;
  void logInfo(const std::string& msg) const;
  void logDebug(const std::string& msg) const;

 private:
  SimContext& ctx_;
  Params params_;
  sc_core::sc_time period_;
  LogLevel level_ = LogLevel::Warning;
};

}  // namespace vmsim
