// The scheduler of one time-sliced core: slices, context switches and their cost, exits.
#include "vmsim/platform/scheduler.h"

#include <algorithm>

namespace vmsim::platform {

namespace {
// Default cost of a context switch, measured by us (docs/os.md, "Scheduling and context
// switches") with the method of lmbench's lat_ctx and of Li, Ding and Shen ("Quantifying the
// cost of context switch", ExpCS 2007): two tasks pinned to one CPU under SCHED_FIFO call
// sched_yield in turn; a syscall that does not switch (getppid) is subtracted from the time per
// yield. Linux 6.18 on an AMD EPYC (Zen 3, family 25 model 1) at a 2.445 GHz TSC, a KVM guest
// (guest kernel code and CR3 writes run natively under nested paging), 30 runs of 400,000 yields:
// median 1.49 us per switch between two threads of one process (no address-space change) and
// 1.67 us between two processes (PCIDs on, as Linux uses them). Direct cost = the thread switch
// plus the kernel entry and exit the timer interrupt of a preemption pays (the subtracted
// syscall, median 0.245 us): 1.74 us = 4250 cycles at 2.445 GHz. Address-space switch (CR3 write
// with PCID, switch_mm bookkeeping, refilling the TLB entries of a tiny working set): the
// difference of processes and threads, 0.17 us = 420 cycles.
constexpr uint64_t kSwitchCycles = 4250;
constexpr uint64_t kAddressSpaceCycles = 420;
}  // namespace

CoreScheduler::CoreScheduler(const sc_core::sc_module_name& nm, SimContext& ctx,
                             std::vector<cpu::Process*> processes)
    : Module(nm, ctx),
      procs_(std::move(processes)),
      switches_(ctx.stats.scalar(statName("contextSwitches"), "Count",
                                 "switches from one process to another on this core")),
      switchCycles_(ctx.stats.scalar(statName("switchCycles"), "Cycle",
                                     "core cycles spent in context switches (every part)")),
      switchParts_(ctx.stats.vector(statName("switchCyclesByPart"),
                                    {"direct", "addressSpace", "tlbFlush"}, "Cycle",
                                    "core cycles of context switches by part: the direct cost "
                                    "(switch_cycles), the address-space switch "
                                    "(address_space_cycles), TLB invalidations (a flush without "
                                    "PCID, or a recycled PCID)")),
      switchFlushes_(ctx.stats.scalar(statName("tlbFlushes"), "Count",
                                      "TLB invalidations this core's switches caused (tlb: flush: "
                                      "one per switch; pcid: one per recycled PCID slot)")),
      sliceEnds_(ctx.stats.scalar(statName("sliceEnds"), "Count",
                                  "time slices that ended with the process still runnable (a "
                                  "switch follows when another process is runnable)")),
      exits_(ctx.stats.scalar(statName("exits"), "Count",
                              "processes that left this core after running (workload ended, or "
                              "killed while running; a process killed while waiting leaves "
                              "without)")),
      switchLatency_(ctx.stats.histogram(statName("switchLatency"), 16, "Cycle",
                                         "core cycles of each context switch")) {
  declareClock("2GHz");
  auto& p = params();
  const auto policy = p.getChoice("policy", "round_robin", os::schedulingPolicyNames(),
                                  "scheduling policy: round_robin (Linux SCHED_RR: a FIFO run "
                                  "queue, one slice each) or fair (CFS-like: virtual runtime, "
                                  "slices by nice weight)");
  const bool fair = policy == "fair";
  const uint64_t accesses =
      p.getUint("slice_accesses", 0, "Count",
                "slices counted in accesses instead of simulated time: round_robin's slice, "
                "fair's period (its minimum granularity is 1/8 of it, Linux's 6 ms / 0.75 ms); 0: "
                "slices in time_slice",
                Range{0, 1e12});
  // Linux: SCHED_RR's RR_TIMESLICE (100 ms, include/linux/sched/rt.h); CFS's sysctl_sched_latency
  // 6 ms and sysctl_sched_min_granularity 0.75 ms (kernel/sched/fair.c, for one CPU).
  const uint64_t slicePs = p.getTimePs(
      "time_slice", fair ? "6ms" : "100ms",
      "round_robin: the time slice (default 100ms, Linux SCHED_RR); fair: the scheduling period "
      "(sched_latency, default 6ms); measured from the end of the switch",
      Range{1e3, 1e15});
  const uint64_t minGranPs =
      p.getTimePs("fair.min_granularity", "750us",
                  "fair: the shortest slice (Linux sched_min_granularity)", Range{1e3, 1e15});
  if (accesses && p.has("time_slice")) {
    p.config().addProblem("'" + p.key("time_slice") + "' and '" + p.key("slice_accesses") +
                          "' both set: slices are counted in simulated time or in accesses, "
                          "not both");
  }
  inAccesses_ = accesses != 0;
  const auto ticks = [](uint64_t ps) {
    return sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS).value();
  };
  policy_ = inAccesses_
                ? os::makeSchedulingPolicy(policy, accesses, std::max<uint64_t>(1, accesses / 8))
                : os::makeSchedulingPolicy(policy, ticks(slicePs), ticks(minGranPs));
  directCost_ = cycles(p.getUint("switch_cycles", kSwitchCycles, "Cycle",
                                 "direct cost of a context switch: kernel entry and exit, saving "
                                 "and restoring registers and FPU state, scheduler work "
                                 "(measured 1.74 us at 2.445 GHz, docs/os.md)",
                                 Range{0, 1e9}));
  addressSpaceCost_ =
      cycles(p.getUint("address_space_cycles", kAddressSpaceCycles, "Cycle",
                       "a switch to another address space: the CR3 write and its bookkeeping "
                       "(switch_mm; measured 0.17 us at 2.445 GHz with PCIDs); TLB "
                       "invalidations come on top, at the TLBs' invalidation_cycles",
                       Range{0, 1e9}));
  tlb_.pcid = p.getChoice("tlb", "pcid", {"pcid", "flush"},
                          "TLB effect of a switch: pcid (entries are tagged by address space and "
                          "survive; Linux on x86 with PCIDs) or flush (every non-global entry of "
                          "the core's TLBs and walk caches is dropped at each switch)") == "pcid";
  tlb_.asidSlots = static_cast<unsigned>(
      p.getUint("pcid_slots", 6, "Count",
                "tlb pcid: address spaces whose entries a core keeps at once; a further one takes "
                "a slot round robin and flushes its old owner (Linux TLB_NR_DYN_ASIDS = 6)",
                Range{1, 4096}));
  for (size_t i = 0; i < procs_.size(); ++i) {
    policy_->add(static_cast<unsigned>(i), os::niceWeight(procs_[i]->nice()));
  }
  ctx.stats.formula(
      statName("idleCycles"),
      [this] {
        const uint64_t now = sc_core::sc_time_stamp().value();
        const uint64_t t = idle_ && now > idleSince_ ? now - idleSince_ : 0;
        return sc_core::sc_time::from_value(t) / clockPeriod();
      },
      "Cycle", "core cycles with no process to run (after the last one ended)");
}

void CoreScheduler::attach(os::Kernel* kernel, unsigned kernelCore) {
  kernel_ = kernel;
  kernelCore_ = kernelCore;
}

CoreScheduling::Slice CoreScheduler::next(uint64_t nowTicks, uint64_t ran, bool exited) {
  const sc_core::sc_time now = sc_core::sc_time::from_value(nowTicks);
  if (running_ >= 0) {
    cpu::Process& p = *procs_[static_cast<size_t>(running_)];
    const uint64_t ranTicks = nowTicks > sliceStart_ ? nowTicks - sliceStart_ : 0;
    p.cpuCycles += sc_core::sc_time::from_value(ranTicks) / clockPeriod();
    const uint64_t units = inAccesses_ ? ran : ranTicks;
    if (exited) {
      policy_->ranAndExited(static_cast<unsigned>(running_), units);
      policy_->remove(static_cast<unsigned>(running_));
      p.endTime.set(now.to_seconds() * 1e6);
      ++exits_;
      if (kernel_) kernel_->exit(p.asid);  // under the kernel lock (a daemon pass may hold it)
    } else {
      policy_->preempted(static_cast<unsigned>(running_), units);
      ++sliceEnds_;
    }
  }
  Slice s;
  const auto pick = policy_->pick();
  if (!pick) {
    running_ = -1;
    idle_ = true;
    idleSince_ = nowTicks;
    return s;
  }
  s.process = static_cast<int>(pick->task);
  cpu::Process& p = *procs_[pick->task];
  sc_core::sc_time cost;
  if (loaded_ == 0) {
    // The first process of the core: its address space is loaded before time starts.
    if (kernel_) kernel_->switchAddressSpace(kernelCore_, 0, p.asid, tlb_);
    loaded_ = p.asid;
    ++p.dispatches;
  } else if (s.process != running_ || exited) {
    // A context switch: the direct cost, the address-space switch and its TLB effect.
    os::Kernel::SwitchResult r;
    if (kernel_) r = kernel_->switchAddressSpace(kernelCore_, loaded_, p.asid, tlb_);
    loaded_ = p.asid;
    cost = directCost_ + addressSpaceCost_ + r.flushCost;
    ++switches_;
    ++p.dispatches;
    switchParts_[0] += directCost_ / clockPeriod();
    switchParts_[1] += addressSpaceCost_ / clockPeriod();
    switchParts_[2] += r.flushCost / clockPeriod();
    switchFlushes_ += r.flushes;
    const double c = cost / clockPeriod();
    switchCycles_ += c;
    switchLatency_.sample(c);
  }
  running_ = s.process;
  s.switchTicks = cost.value();
  sliceStart_ = nowTicks + s.switchTicks;
  if (inAccesses_) {
    s.accesses = pick->slice;
  } else {
    s.endTicks = sliceStart_ + pick->slice;
  }
  return s;
}

void CoreScheduler::remove(int process) {
  if (process < 0 || static_cast<size_t>(process) >= procs_.size()) return;
  policy_->remove(static_cast<unsigned>(process));
  procs_[static_cast<size_t>(process)]->endTime.set(sc_core::sc_time_stamp().to_seconds() * 1e6);
}

}  // namespace vmsim::platform
