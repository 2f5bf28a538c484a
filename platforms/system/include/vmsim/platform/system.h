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

#include "vmsim/cache/cache.h"
#include "vmsim/cache/kind_split.h"
#include "vmsim/common/module.h"
#include "vmsim/cpu/requester.h"
#include "vmsim/dram/dram.h"
#include "vmsim/mem/router.h"
#include "vmsim/mmu/mmu.h"
#include "vmsim/mmu/textbook_mmu.h"
#include "vmsim/os/kernel.h"
#include "vmsim/os/program_workload.h"
#include "vmsim/swap/swap_disk.h"

namespace vmsim::platform {

/// Declares every key the user set under `paths` that no module declared as ignored (`why`
/// in its description), so that parts a configuration does not build (textbook-mode keys in radix
/// mode, radix TLB keys in a textbook mode, the kernel without radix cores) are no "unknown
/// keys"; warns once as `who`, naming them.
void acceptIgnored(Config& cfg, const std::vector<std::string>& paths, const std::string& who,
                   const std::string& why);

/// Any TLM target socket a physical initiator can bind to (a cache's or the router's).
using TargetSocket =
    tlm::tlm_base_target_socket_b<32, tlm::tlm_fw_transport_if<>, tlm::tlm_bw_transport_if<>>;

/// Builds the cache level at `path` (`<path>.enabled`, default false) with `d` as its defaults,
/// or accepts its keys as ignored and returns nullptr (docs/caches.md).
std::unique_ptr<cache::Cache> makeCache(const char* name, const std::string& path, SimContext& ctx,
                                        const cache::Cache::Defaults& d);

/// One core: the requester and its MMU. `<core>.mmu.mode` chooses radix paging (mmu::Mmu with
/// its TLBs and walker, the default) or one of the textbook schemes (mmu::TextbookMmu).
class Core : public sc_core::sc_module {
 public:
  Core(const sc_core::sc_module_name& nm, SimContext& ctx, Asid asid,
       std::unique_ptr<workloads::Workload> wl = nullptr);
  /// The radix MMU, or nullptr in a textbook mode.
  mmu::Mmu* radix() { return radix_.get(); }
  /// The textbook MMU, or nullptr in radix mode.
  mmu::TextbookMmu* textbook() { return textbook_.get(); }
  const std::string& mmuMode() const { return mode_; }
  /// The simulated program this core runs, if its workload is one.
  os::ProgramWorkload* program() { return program_; }
  void setProgram(os::ProgramWorkload* p) { program_ = p; }
  /// Binds the core's physical side: its private caches (dcache, icache, l2cache; any may be
  /// disabled) miss to `below` (the shared LLC's socket, or the router's when there is none;
  /// `belowCache` is the LLC or nullptr); the MMU's accesses enter at the L1s (fetches at the
  /// icache), the walker's where `<mmu>.walker.cache_entry` says (`router` for `memory`).
  void wireMemory(TargetSocket& below, cache::Cache* belowCache, TargetSocket& router);
  std::vector<cache::Cache*> caches();

  cpu::Requester requester;

 private:
  std::string mode_;
  os::ProgramWorkload* program_ = nullptr;  // owned by the requester
  std::unique_ptr<mmu::Mmu> radix_;
  std::unique_ptr<mmu::TextbookMmu> textbook_;
  std::unique_ptr<cache::Cache> dcache_, icache_, l2cache_;
  std::unique_ptr<cache::KindSplit> split_;  // fetches to the icache, data to the dcache
  SimContext& ctx_;
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
  /// The shared last-level cache, or nullptr.
  cache::Cache* llc() { return llc_.get(); }
  bool allDone() const { return doneCount_ == cores_.size(); }
  /// After the run: heap statistics of every simulated program, and its memory errors on `out`.
  void reportPrograms(std::ostream& out);

 private:
  void addProcessRegions(Asid asid, Core& c);
  /// Top of the user stack region in the kernel's page-table format.
  uint64_t userStackTop() const;
  /// Config problems for textbook MMU regions outside the DRAM or shared with another owner.
  void checkPhysicalRegions();
  static bool isProgram(Config& cfg, uint64_t core);
  std::unique_ptr<os::ProgramWorkload> makeProgram(SimContext& ctx, const std::string& core,
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
  void periodicDump();
  void checkPhysicalMemory(Config& cfg);
  void checkOvercommit(Config& cfg);
  sc_core::sc_time dumpPeriod_;
  std::ostream* dumpSink_ = nullptr;
  std::function<void(const stats::RunInfo&)> dumpHandler_;
  std::ostringstream periodic_;  // a member, not the thread's: that thread never returns
};

}  // namespace vmsim::platform
