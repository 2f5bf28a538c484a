// A process of a time-sliced core: its workload and per-process CPU-side statistics.
#include "vmsim/cpu/process.h"

namespace vmsim::cpu {

Process::Process(const sc_core::sc_module_name& nm, SimContext& ctx,
                 std::unique_ptr<workloads::Workload> wl)
    : Module(nm, ctx),
      accesses(
          ctx.stats.scalar(statName("accesses"), "Count", "accesses of this process completed")),
      accessesByKind(ctx.stats.vector(statName("accessesByKind"), {"load", "store", "fetch"},
                                      "Count", "accesses of this process issued, by kind")),
      faults(ctx.stats.vector(statName("faults"),
                              {"protection", "segmentation", "outOfMemory", "other"}, "Count",
                              "accesses of this process that ended in a fault")),
      dataMismatches(ctx.stats.scalar(statName("dataMismatches"), "Count",
                                      "loads of this process that did not return the bytes "
                                      "last stored (verify_data)")),
      totalLatency(ctx.stats.scalar(statName("totalLatency"), "Cycle",
                                    "sum of the latencies of this process's accesses (core "
                                    "cycles)")),
      cpuCycles(ctx.stats.scalar(statName("cpuCycles"), "Cycle",
                                 "core cycles this process ran (its slices, without the switches "
                                 "to it)")),
      dispatches(ctx.stats.scalar(statName("dispatches"), "Count",
                                  "times the scheduler gave this process the core (the first "
                                  "run included)")),
      endTime(ctx.stats.scalar(statName("endTime"), "Microsecond",
                               "simulated time at which the process's workload ended (0: it "
                               "did not)")),
      wl_(std::move(wl)) {
  auto& p = params();
  nice_ = static_cast<int>(p.getInt("nice", 0, "",
                                    "nice value: the process's weight under the fair scheduling "
                                    "policy (Linux's sched_prio_to_weight: 1024 at 0, about "
                                    "1.25x per step)",
                                    Range{-20, 19}));
  WorkloadSource src = readWorkload(p.child("workload"), wl_ != nullptr,
                                    [this](const std::string& m) { logWarning(m); });
  isProgram_ = src.isProgram;
  isTrace_ = src.isTrace;
  footprint_ = src.footprint;
  if (!wl_) wl_ = std::move(src.wl);
  ctx.stats.formula(
      statName("avgLatency"),
      [this] { return accesses.value() ? totalLatency.value() / accesses.value() : 0.0; }, "Cycle",
      "average latency of this process's accesses");
}

}  // namespace vmsim::cpu
