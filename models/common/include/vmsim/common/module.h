// Base of every vmsim sc_module: its parameters (read under its hierarchical name), its stats
// registry, its own clock, and per-module log verbosity (`<path>.log_level`, QBox style) on top
// of sc_report_handler.
#pragma once

#include <systemc>

#include <string>

#include "vmsim/common/config.h"
#include "vmsim/common/stats.h"

namespace vmsim {

/// What every module is constructed with: the configuration and the stats registry of the run.
struct SimContext {
  Config& config;
  stats::Registry& stats;
};

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

  /// Reads `<path>.clock` (a frequency or period) with the given default; call once from the
  /// derived constructor.
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
