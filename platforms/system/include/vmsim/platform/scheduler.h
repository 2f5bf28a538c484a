// The scheduler of one time-sliced core (system.cpuN.scheduler; docs/os.md, "Scheduling and
// context switches"): runs the core's processes in slices chosen by a scheduling policy
// (os::SchedulingPolicy), charges each context switch its direct cost, the address-space switch
// and the TLB effect (PCID tagging or a flush, through os::Kernel::switchAddressSpace), ends a
// process through Kernel::exitProcess when its workload ends, and counts switches and idle time.
#pragma once

#include <memory>
#include <vector>

#include "vmsim/common/interfaces.h"
#include "vmsim/common/module.h"
#include "vmsim/cpu/process.h"
#include "vmsim/os/kernel.h"
#include "vmsim/os/scheduler.h"

namespace vmsim::platform {

class CoreScheduler : public Module, public CoreScheduling {
 public:
  CoreScheduler(const sc_core::sc_module_name& nm, SimContext& ctx,
                std::vector<cpu::Process*> processes);
  /// The kernel and this core's number there (Kernel::addCore); before simulation.
  void attach(os::Kernel* kernel, unsigned kernelCore);
  Slice next(uint64_t nowTicks, uint64_t ran, bool exited) override;
  void remove(int process) override;

 private:
  std::vector<cpu::Process*> procs_;
  std::unique_ptr<os::SchedulingPolicy> policy_;
  os::Kernel* kernel_ = nullptr;
  unsigned kernelCore_ = 0;
  bool inAccesses_ = false;  // slices counted in accesses, not in simulated time
  sc_core::sc_time directCost_, addressSpaceCost_;
  os::Kernel::SwitchTlb tlb_;
  int running_ = -1;         // the process that runs (or ran last)
  Asid loaded_ = 0;          // the address space the core has loaded (0: none yet)
  uint64_t sliceStart_ = 0;  // when the running process's slice began (after its switch)
  bool idle_ = false;
  uint64_t idleSince_ = 0;

  stats::Scalar& switches_;
  stats::Scalar& switchCycles_;
  stats::Vector& switchParts_;
  stats::Scalar& switchFlushes_;
  stats::Scalar& sliceEnds_;
  stats::Scalar& exits_;
  stats::Histogram& switchLatency_;
};

}  // namespace vmsim::platform
