// A process of a time-sliced core (docs/os.md, "Scheduling and context switches"): its workload,
// read from `<path>.workload.*` as a requester reads its own (system.process.<name>.workload), and
// the per-process statistics of the CPU side (accesses, faults, latency, CPU time, dispatches).
// The core's requester replays it while the core's scheduler runs it; the kernel keeps its
// memory statistics (system.kernel.<name>.*).
#pragma once

#include <memory>
#include <optional>

#include "vmsim/common/module.h"
#include "vmsim/common/types.h"
#include "vmsim/workloads/trace.h"
#include "vmsim/workloads/workload.h"

namespace vmsim::cpu {

/// What a `workload` section describes (Requester and Process read it the same way).
struct WorkloadSource {
  std::unique_ptr<workloads::Workload> wl;
  std::pair<uint64_t, uint64_t> footprint{0, 0};  // synthetic: [base, base + footprint)
  bool isTrace = false;
  bool isProgram = false;
  std::string tracePath;  // a trace's file (for the messages of its system-call records)
  // A trace's reading options (opt replacement reads the trace a second time with them).
  std::optional<workloads::TraceFormat> traceFormat;
  uint64_t traceSkip = 0, traceCount = 0;
};
/// Declares every key of the `workload` section `w` and builds the workload it describes (a
/// program's workload is the platform's: with `given`, or for type program, none is built).
/// Problems go to the configuration; `warn` reports a trace that ended early.
WorkloadSource readWorkload(Params w, bool given, std::function<void(const std::string&)> warn);

class Process : public Module {
 public:
  /// Reads `<path>.workload.*` (unless `wl` is given: a program the platform built) and `nice`.
  Process(const sc_core::sc_module_name& nm, SimContext& ctx,
          std::unique_ptr<workloads::Workload> wl = nullptr);

  workloads::Workload* workload() { return wl_.get(); }
  std::pair<uint64_t, uint64_t> footprint() const { return footprint_; }
  bool isTrace() const { return isTrace_; }
  bool isProgram() const { return isProgram_; }
  /// The nice value (-20 ... 19) that weighs it under the fair policy.
  int nice() const { return nice_; }
  Asid asid = 0;  // set by the platform when the kernel created the process

  stats::Scalar& accesses;
  stats::Vector& accessesByKind;
  stats::Vector& faults;
  stats::Scalar& dataMismatches;
  stats::Scalar& totalLatency;
  stats::Scalar& cpuCycles;
  stats::Scalar& dispatches;
  stats::Scalar& endTime;

 private:
  std::unique_ptr<workloads::Workload> wl_;
  std::pair<uint64_t, uint64_t> footprint_{0, 0};
  bool isTrace_ = false;
  bool isProgram_ = false;
  int nice_ = 0;
};

}  // namespace vmsim::cpu
