// The end-to-end platform built from the configuration (ARCHITECTURE.md section 1):
// per core a requester and an MMU with its TLB hierarchy and walker; one router, DRAM, kernel
// and swap disk shared by all cores. Keys mirror the hierarchy: system.cpu0.mmu.l1d.entries.
#pragma once

#include <systemc>

#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "vmsim/common/module.h"
#include "vmsim/cpu/requester.h"
#include "vmsim/dram/dram.h"
#include "vmsim/mem/router.h"
#include "vmsim/os/program_workload.h"
#include "vmsim/platform/parts.h"
#include "vmsim/platform/scheduler.h"

namespace vmsim::platform {

/// One core: the requester and its MMU. `<core>.mmu.mode` chooses radix paging (mmu::Mmu with
/// its TLBs and walker, the default) or one of the textbook schemes (mmu::TextbookMmu).
class Core : public sc_core::sc_module {
 public:
  Core(const sc_core::sc_module_name& nm, SimContext& ctx, Asid asid,
       std::unique_ptr<workloads::Workload> wl = nullptr);
  /// A time-sliced core running `processes` under its scheduler (`<core>.scheduler.*`).
  Core(const sc_core::sc_module_name& nm, SimContext& ctx, std::vector<cpu::Process*> processes);
  /// The scheduler of a time-sliced core, or nullptr.
  CoreScheduler* scheduler() { return scheduler_.get(); }
  /// The radix MMU, or nullptr in a textbook mode.
  mmu::Mmu* radix() { return hw_.radix(); }
  /// The textbook MMU, or nullptr in radix mode.
  mmu::TextbookMmu* textbook() { return hw_.textbook(); }
  const std::string& mmuMode() const { return hw_.mmuMode(); }
  /// The simulated program this core runs, if its workload is one.
  os::ProgramWorkload* program() { return program_; }
  void setProgram(os::ProgramWorkload* p) { program_ = p; }
  /// Binds the core's physical side (CoreHardware::wireMemory).
  void wireMemory(TargetSocket& below, cache::Cache* belowCache, TargetSocket& router,
                  DirectMemory* direct) {
    hw_.wireMemory(below, belowCache, router, direct);
  }
  std::vector<cache::Cache*> caches() { return hw_.caches(); }

  cpu::Requester requester;

 private:
  std::unique_ptr<CoreScheduler> scheduler_;
  os::ProgramWorkload* program_ = nullptr;  // owned by the requester
  CoreHardware hw_;                         // MMU and private caches, built after the requester
};

/// The processes of time-sliced cores, `system.process.<name>` (one cpu::Process each).
class ProcessTable : public sc_core::sc_module {
 public:
  /// `build` creates the processes (inside this constructor, so that they are its children).
  ProcessTable(const sc_core::sc_module_name& nm, const std::function<void(ProcessTable&)>& build)
      : sc_core::sc_module(nm) {
    build(*this);
  }
  std::vector<std::unique_ptr<cpu::Process>> processes;
  std::vector<os::ProgramWorkload*> programs;  // per process: its program, or nullptr
};

/// TLB levels shared by several cores: `system.shared.<name>`, one tlb::Tlb each, named
/// system.shared.<name>. A core's TLB reaches one with `next: shared.<name>`; a shared level's own
/// `next` is `walker` (the requesting core's walker) or another shared level.
class SharedTlbs : public sc_core::sc_module {
 public:
  SharedTlbs(const sc_core::sc_module_name& nm, SimContext& ctx,
             const std::vector<std::string>& names);
  tlb::Tlb* find(const std::string& name);
  std::vector<std::unique_ptr<tlb::Tlb>> tlbs;
};

class System : public Module {
 public:
  SC_HAS_PROCESS(System);
  System(const sc_core::sc_module_name& nm, SimContext& ctx);

  /// Where the stats blocks written every `system.stats.dump_period` of simulated time go (gem5's
  /// periodic dumps; cumulative, no reset): streamed out as they are written, before the final
  /// block in stats.txt. Without a stream they are kept in memory (periodicDumps()).
  void setDumpStream(std::ostream* os) { dumpSink_ = os; }
  std::string periodicDumps() const { return periodic_.str(); }
  /// Called for each periodic dump instead of writing the text block (vmsim run writes
  /// stats.txt, stats.json's time series and stats.csv from it); `run` holds the dump's time.
  void setDumpHandler(std::function<void(const stats::RunInfo&)> f) { dumpHandler_ = std::move(f); }

  std::vector<std::unique_ptr<Core>>& cores() { return cores_; }
  /// The kernel, or nullptr when every core uses a textbook scheme.
  os::Kernel* kernel() { return kernel_.get(); }
  dram::Dram& dram() { return *dram_; }
  mem::Router& router() { return *router_; }
  /// The shared last-level cache, or nullptr.
  cache::Cache* llc() { return llc_.get(); }
  bool allDone() const { return doneCount_ == cores_.size(); }
  /// After the run: heap statistics of every simulated program, and its memory errors on `out`.
  void reportPrograms(std::ostream& out);

 private:
  void addProcessRegions(Asid asid, Core& c);
  /// The regions of one process whose workload is described at `wpath` (`who`: a name for
  /// messages).
  struct WorkloadShape {
    std::string wpath;
    bool isProgram = false, isTrace = false;
    std::pair<uint64_t, uint64_t> footprint{0, 0};
  };
  void addRegions(Asid asid, Core& c, const WorkloadShape& w);
  /// The processes named in `system.cpuN.processes` (created with the kernel's ASIDs);
  /// config problems for bad or repeated names.
  void makeProcess(SimContext& ctx, ProcessTable& t, const std::string& name);
  static bool isProgramAt(Config& cfg, const std::string& wpath);
  std::unique_ptr<ProcessTable> processTable_;
  /// Top of the user stack region in the kernel's page-table format.
  uint64_t userStackTop() const;
  /// Config problems for textbook MMU regions outside the DRAM or shared with another owner.
  void checkPhysicalRegions();
  static bool isProgram(Config& cfg, uint64_t core);
  std::unique_ptr<os::ProgramWorkload> makeProgram(SimContext& ctx, const std::string& wpath,
                                                   Asid asid);

  std::unique_ptr<mem::Router> router_;
  std::unique_ptr<dram::Dram> dram_;
  std::unique_ptr<cache::Cache> llc_;  // shared by all cores; nullptr when disabled
  std::unique_ptr<swap::SwapDisk> swap_;
  std::unique_ptr<os::Kernel> kernel_;
  std::vector<std::unique_ptr<Core>> cores_;
  std::unique_ptr<SharedTlbs> shared_;
  // (shared level, core) -> the level's route (down port) for that core's misses.
  std::map<std::pair<tlb::Tlb*, uint64_t>, unsigned> sharedRoutes_;
  /// Wires core `core`'s TLBs that miss to shared levels (and those levels onward).
  void wireSharedLevels(uint64_t core, mmu::Mmu& m);
  unsigned sharedRoute(tlb::Tlb& level, uint64_t core, mmu::Mmu& m, unsigned depth);
  size_t doneCount_ = 0;
  std::map<Asid, unsigned>
      threads_;  // process -> threads beyond its first core (system.cpuN.process)
  void periodicDump();
  void checkPhysicalMemory(Config& cfg);
  void checkOvercommit(Config& cfg);
  sc_core::sc_time dumpPeriod_;
  std::ostream* dumpSink_ = nullptr;
  std::function<void(const stats::RunInfo&)> dumpHandler_;
  std::ostringstream periodic_;  // a member, not the thread's: that thread never returns
};

}  // namespace vmsim::platform
