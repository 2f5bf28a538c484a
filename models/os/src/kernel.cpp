// Kernel model: address spaces, page tables in simulated memory, demand paging with swap.
// Page tables are read and written functionally (in host memory through the direct path when the
// platform connects one, else by transport_dbg); during a fault or a reclaim pass
// each such access is also timed through `mem` (the LLC and DRAM in the cache-enabled configs),
// so the kernel's own memory traffic costs what the memory system says. Every part of a fault's
// cost is configurable and counted (docs/os.md); page data moves to and from the swap disk
// through timed transactions.
#include "vmsim/os/kernel.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "vmsim/os/kernel_policies.h"
#include "vmsim/os/replacement.h"
#include "vmsim/paging/format.h"
#include "vmsim/paging/walk_path.h"

namespace vmsim::os {
namespace {
constexpr uint64_t kPage = 4096;
// Sub-names of the per-order stats: 4KiB, 8KiB, ..., 1GiB.
std::vector<std::string> blockSizeNames() {
  std::vector<std::string> names;
  for (unsigned k = 0; k <= FrameAllocator::kMaxOrder; ++k) {
    const unsigned shift = 12 + k;
    names.push_back(shift >= 30   ? std::to_string(1u << (shift - 30)) + "GiB"
                    : shift >= 20 ? std::to_string(1u << (shift - 20)) + "MiB"
                                  : std::to_string(1u << (shift - 10)) + "KiB");
  }
  return names;
}
constexpr unsigned kVpnBits = 45;  // up to 57-bit VAs (x86-64-5, sv57), 4 KiB pages
static_assert(kVpnBits == kPageKeyVpnBits, "the policies decode the kernel's page keys");
uint64_t pageKey(Asid asid, uint64_t vpn) {
  return (uint64_t{asid} << kVpnBits) | vpn;
}
Asid keyAsid(uint64_t key) {
  return static_cast<Asid>(key >> kVpnBits);
}
uint64_t keyVpn(uint64_t key) {
  return key & ((uint64_t{1} << kVpnBits) - 1);
}
}  // namespace

// A revoked entry (the format's revoked software bit: x86 bit 10, RISC-V RSW bit 9) is a resident
// page whose present bit the kernel cleared to learn whether it is used again (the software
// reference bit of machines without a hardware one); its frame stays in the entry.
bool Kernel::resident(uint64_t e) const {
  return fmt_->present(e) || fmt_->isRevoked(e);
}

Kernel::Kernel(const sc_core::sc_module_name& nm, SimContext& ctx)
    : Module(nm, ctx),
      fault_tsock("fault_tsock"),
      mem("mem"),
      swap("swap"),
      refill_tsock("refill_tsock"),
      memAt_([this](tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time& t) {
        return mem->nb_transport_fw(gp, ph, t);
      }),
      minorFaults_(ctx.stats.scalar(statName("minorFaults"), "Count",
                                    "faults served without I/O (demand zero)")),
      majorFaults_(ctx.stats.scalar(statName("majorFaults"), "Count",
                                    "faults that read the page from swap")),
      segFaults_(ctx.stats.scalar(statName("segmentationFaults"), "Count",
                                  "faults outside every region of the process")),
      protFaults_(ctx.stats.scalar(statName("protectionFaults"), "Count",
                                   "faults the region's permissions forbid")),
      oomFaults_(ctx.stats.scalar(statName("outOfMemory"), "Count",
                                  "faults that found neither a frame nor swap space")),
      swapIns_(ctx.stats.scalar(statName("swapIns"), "Count", "pages read from swap")),
      swapOuts_(ctx.stats.scalar(statName("swapOuts"), "Count", "pages written to swap")),
      evictions_(ctx.stats.scalar(statName("evictions"), "Count", "frames reclaimed")),
      tableFrames_(
          ctx.stats.scalar(statName("pageTableFrames"), "Count",
                           "frames allocated for page tables (freed again at process exit)")),
      secondChances_(ctx.stats.scalar(statName("secondChances"), "Count",
                                      "eviction candidates spared because their A bit was set "
                                      "(or, without hardware A bits, because they were present)")),
      referenceFaults_(ctx.stats.scalar(statName("referenceFaults"), "Count",
                                        "faults that only re-validated a resident page whose "
                                        "software reference bit was being sampled (no hardware "
                                        "A bits)")),
      cleanEvictions_(ctx.stats.scalar(statName("cleanEvictions"), "Count",
                                       "evictions without a swap write (page unchanged since its "
                                       "swap-in, or never written since its zero-fill)")),
      faultLatency_(ctx.stats.histogram(statName("faultLatency"), 16, "Cycle",
                                        "cycles to resolve a fault, I/O included")),
      freeBlocks_(ctx.stats.vector(statName("buddy.freeBlocks"), blockSizeNames(), "Count",
                                   "free blocks of the buddy frame allocator, by block size",
                                   false)),
      hugeFaults_(ctx.stats.vector(statName("hugeFaults"), {"2MiB", "1GiB"}, "Count",
                                   "faults that mapped a huge page (THP or a huge-page region), "
                                   "by size")),
      hugeOutOfMemory_(ctx.stats.vector(statName("hugeOutOfMemory"), {"2MiB", "1GiB"}, "Count",
                                        "faults in huge-page regions that found no free aligned "
                                        "block (also counted in outOfMemory), by size")),
      thpFallbacks_(ctx.stats.vector(
          statName("thpFallbacks"), {"noBlock", "notInside", "notAdvised"}, "Count",
          "faults the THP policy served with a 4 KiB page instead: no free 2 MiB-aligned block "
          "(or no frame for its deposited page table); the aligned 2 MiB range around the fault "
          "not fully inside the region; thp madvise and the region not advised")),
      hugeSplits_(ctx.stats.scalar(statName("hugeSplits"), "Count",
                                   "THPs split into 4 KiB pages (for reclaim, or an unmap of "
                                   "part of one)")),
      unusableAtHugeFault_(ctx.stats.distribution(
          statName("buddy.unusableAtHugeFault"), 0, 100, 10, "Percent",
          "the unusable free space index for the faulting size in percent, sampled at every "
          "fault that tried to allocate a huge page")),
      refills_(ctx.stats.scalar(statName("tlbRefills"), "Count",
                                "software TLB refills handled (mmu.software_refill)")),
      refillReads_(ctx.stats.scalar(statName("refillPteReads"), "Count",
                                    "page-table reads of the software refill handler")),
      refillWrites_(ctx.stats.scalar(statName("refillAdWrites"), "Count",
                                     "accessed/dirty updates written by the refill handler")),
      flushes_(ctx.stats.vector(statName("tlbFlushes"), {"page", "asid", "nonGlobal", "all"},
                                "Count", "TLB invalidations the kernel issued, by kind")),
      flushCycles_(ctx.stats.vector(statName("tlbFlushCycles"),
                                    {"page", "asid", "nonGlobal", "all"}, "Cycle",
                                    "kernel cycles spent on TLB invalidations, by kind")),
      latDemandZero_(ctx.stats.histogram(statName("faultLatencyDemandZero"), 16, "Cycle",
                                         "cycles of faults that mapped a zero-filled 4 KiB page")),
      latSwapIn_(ctx.stats.histogram(statName("faultLatencySwapIn"), 16, "Cycle",
                                     "cycles of major faults (read from swap)")),
      latSwapCache_(ctx.stats.histogram(statName("faultLatencySwapCache"), 16, "Cycle",
                                        "cycles of minor faults served from the swap cache "
                                        "(read ahead, or under write-back)")),
      latHuge_(ctx.stats.histogram(statName("faultLatencyHuge"), 16, "Cycle",
                                   "cycles of faults that mapped a 2 MiB or 1 GiB page")),
      partCycles_(ctx.stats.vector(
          statName("faultCycles"),
          {"trap", "handler", "pageTable", "zero", "tlb", "ipi", "reclaim", "io", "wait", "copy"},
          "Cycle",
          "cycles of page faults and process system calls (fork, exec, mmap, munmap, brk) by "
          "part: trap entry/exit, handler work, page-table reads and writes, zeroing, TLB "
          "invalidations, IPI waits, reclaim work per page (direct reclaim), swap I/O the fault "
          "waited for, waits for a write-back under way, page copies (copy-on-write)")),
      daemonCycles_(ctx.stats.vector(
          statName("reclaim.daemonCycles"),
          {"trap", "handler", "pageTable", "zero", "tlb", "ipi", "reclaim", "io", "wait", "copy"},
          "Cycle", "cycles of the reclaim daemon's work, by part (as faultCycles)")),
      readaheadHits_(ctx.stats.scalar(statName("swapReadaheadHits"), "Count",
                                      "faults served from a page read ahead (minor)")),
      zeroFills_(ctx.stats.scalar(statName("zeroFills"), "Count",
                                  "faults that mapped a zero-filled 4 KiB page (demand zero)")),
      tableReads_(ctx.stats.scalar(statName("pageTableReads"), "Count",
                                   "page-table entries the kernel read during faults and reclaim")),
      tableWrites_(ctx.stats.scalar(statName("pageTableWrites"), "Count",
                                    "page-table entries the kernel wrote during faults and "
                                    "reclaim")),
      ipis_(ctx.stats.scalar(statName("ipis"), "Count",
                             "shootdown IPIs sent to other cores running the address space")),
      ipiShootdowns_(ctx.stats.scalar(statName("remoteShootdowns"), "Count",
                                      "page invalidations that needed IPIs")),
      bgReclaimed_(ctx.stats.scalar(statName("reclaim.background"), "Count",
                                    "pages the reclaim daemon unmapped")),
      directReclaimed_(ctx.stats.scalar(statName("reclaim.direct"), "Count",
                                        "pages faults unmapped in direct reclaim")),
      directReclaims_(ctx.stats.scalar(statName("reclaim.directRuns"), "Count",
                                       "faults that found no free frame and reclaimed")),
      daemonWakeups_(ctx.stats.scalar(statName("reclaim.daemonWakeups"), "Count",
                                      "times the reclaim daemon woke below the low watermark")),
      writebackWaits_(ctx.stats.scalar(statName("reclaim.writebackWaits"), "Count",
                                       "faults that waited for a write-back already under way")),
      directWriteWaits_(ctx.stats.scalar(statName("reclaim.directWriteWaits"), "Count",
                                         "faults that waited for their own direct-reclaim swap "
                                         "write")),
      asyncWrites_(ctx.stats.scalar(statName("reclaim.asyncWrites"), "Count",
                                    "pages the reclaim daemon wrote to swap without anyone "
                                    "waiting")),
      writeRequests_(ctx.stats.scalar(statName("swapWriteRequests"), "Count",
                                      "swap write requests (a cluster of consecutive slots each)")),
      readRequests_(ctx.stats.scalar(statName("swapReadRequests"), "Count",
                                     "swap read requests (the faulting slot and its read-ahead)")),
      readahead_(ctx.stats.scalar(statName("swapReadahead"), "Count",
                                  "pages read ahead into the swap cache")),
      swapCacheHits_(ctx.stats.scalar(statName("swapCacheHits"), "Count",
                                      "faults served from the swap cache (minor)")),
      swapCacheDrops_(ctx.stats.scalar(statName("swapCacheDrops"), "Count",
                                       "swap-cache frames freed (written back, or read ahead and "
                                       "not used)")),
      oomKills_(ctx.stats.scalar(statName("oomKills"), "Count", "processes the OOM killer ended")),
      thrashingWindows_(ctx.stats.scalar(statName("thrashingWindows"), "Count",
                                         "windows whose major-fault rate was above "
                                         "thrashing.major_faults_per_second")),
      cleanWrites_(ctx.stats.scalar(statName("cleanWrites"), "Count",
                                    "resident dirty pages written back to swap and left mapped "
                                    "(wsclock's scheduled write-backs)")),
      localEvictions_(ctx.stats.scalar(statName("vms.localEvictions"), "Count",
                                       "pages a process at its resident limit gave up to the free "
                                       "or modified list (vms)")),
      lruSamples_(ctx.stats.scalar(statName("lru.samples"), "Count",
                                   "accessed-bit sampling passes (lru with lru.sample_period)")),
      lruReferenced_(ctx.stats.scalar(statName("lru.referenced"), "Count",
                                      "resident pages the sampling passes found referenced (their "
                                      "A bit cleared, moved to the most recently used end)")),
      sampleCycles_(ctx.stats.vector(
          statName("lru.sampleCycles"),
          {"trap", "handler", "pageTable", "zero", "tlb", "ipi", "reclaim", "io", "wait"}, "Cycle",
          "cycles of the accessed-bit sampling passes, by part (as faultCycles; run on the "
          "reclaim daemon's core, not the faulting one)")) {
  declareClock("2GHz");
  auto& p = params();
  memBase_ = p.getSize("memory_base", "0", "first physical byte the kernel manages");
  const uint64_t memSize = p.getSize("memory_size", "256MiB",
                                     "physical memory the kernel manages (frames + page tables)",
                                     vmsim::Range{4 * kPage, 1ull << 46});
  if (memBase_ % kPage) p.config().addProblem("'" + p.key("memory_base") + "': not page aligned");
  if (memSize % kPage) {  // the frames would silently round it down
    p.config().addProblem("'" + p.key("memory_size") + "': " + std::to_string(memSize) +
                          " bytes is not a multiple of the 4096-byte page (e.g. 100MB = 100e6 "
                          "bytes is not; use MiB/GiB or a multiple of 4KiB)");
  }
  readCosts(p.child("cost"));
  readProcessCosts(p.child("cost"));
  assumeZeroed_ = p.getBool("assume_zeroed_memory", true,
                            "frames never used before are known to hold zeros (vmsim's DRAM "
                            "reads unwritten bytes as zero), so their zero-fill writes are "
                            "skipped; the zero-fill latency is charged either way");
  mapAnywhere_ = p.getBool("map_anywhere", false,
                           "demand-map any canonical user address (for raw traces), "
                           "instead of faulting outside the regions");
  const auto thp = p.getChoice("thp", "never", {"never", "madvise", "always"},
                               "transparent huge pages (Linux's "
                               "/sys/kernel/mm/transparent_hugepage/enabled): a first fault in an "
                               "aligned 2 MiB range fully inside a region maps a 2 MiB page when "
                               "a free aligned block exists; madvise: only in regions advised "
                               "for it; see docs/huge-pages.md");
  thp_ = thp == "always" ? Thp::Always : thp == "madvise" ? Thp::Madvise : Thp::Never;
  if (thp_ != Thp::Never) mappedShifts_.push_back(21);
  const auto fmtName = p.getChoice(
      "page_table_format", "x86-64-4", paging::Format::names(),
      "page-table format the kernel builds and the walkers read: x86-64-4 (4-level, 48-bit VAs), "
      "x86-64-5 (5-level LA57, 57-bit), sv39, sv48, sv57 (RISC-V, 39/48/57-bit); see "
      "docs/paging.md");
  fmt_ = &paging::Format::get(paging::Format::parse(fmtName).value_or(paging::Kind::X86_64_4));
  anywhere_ = Region{"anywhere", 0, fmt_->userTop(), Perms{}};
  auto sp = p.child("swap");
  swapEnabled_ = sp.getBool("enabled", true, "evict pages to the swap disk when memory is full");
  // OSTEP's OPT/UNOPT see every access of a reference string; the kernel's opt (KernelOptPolicy)
  // reads each process's future from its trace instead (setFutureReferences).
  std::vector<std::string> policies;
  for (const auto& n : replacementPolicyNames()) {
    if (n != "opt" && n != "unopt") policies.push_back(n);
  }
  for (const auto& n : kernelPolicyNames()) policies.push_back(n);
  policies.push_back("opt");
  const auto policyName = p.getChoice(
      "replacement", "clock", policies,
      "page-replacement policy: fifo, random, lru (true LRU by accessed-bit sampling), mru, "
      "clock, ostep-clock, nru (enhanced clock), wsclock, vms (VAX/VMS), linux (active/inactive "
      "lists), opt (Belady, trace workloads only); docs/os.md");
  const uint64_t seed = p.getUint("seed", 1, "", "seed of randomised replacement policies");
  KernelPolicyOptions ko;
  auto ws = p.child("wsclock");
  // Carr and Hennessy (SOSP 1981) give tau in virtual time and study a range of it; 1 ms of a
  // process's time (about a million accesses of a core at a few GHz) is ours, an estimate.
  ko.wsclockTauPs = ws.getTimePs("tau", "1ms",
                                 "working-set window in the process's virtual time: an "
                                 "unreferenced page last used longer ago is old (an estimate)",
                                 Range{0, 1e15});
  ko.wsclockMaxWrites = static_cast<unsigned>(
      ws.getUint("max_writes", 32, "Page",
                 "most write-backs of old dirty pages one scan starts (Carr and Hennessy bound "
                 "the writes in flight; 32 as Linux's SWAP_CLUSTER_MAX batch)",
                 Range{0, 1 << 20}));
  auto vms = p.child("vms");
  ko.vmsResidentLimit =
      vms.getUint("resident_limit", 0, "Page",
                  "resident-set limit of each process (VMS's working-set quota); 0: three "
                  "quarters of the frames shared equally among the processes, leaving a quarter "
                  "to the free and modified lists (ours)",
                  Range{0, 1ull << 40});
  vmsAutoLimit_ = ko.vmsResidentLimit == 0;
  vmsModifiedPages_ =
      vms.getUint("modified_list_pages", 32, "Page",
                  "the modified list is written to swap (one clustered write per run of "
                  "consecutive slots) when it holds this many pages (VMS's modified-page "
                  "writer threshold; ours)",
                  Range{1, 1 << 20});
  ko.linuxScanBatch = static_cast<unsigned>(
      p.child("linux").getUint("scan_batch", 32, "Page",
                               "pages shrink_active_list moves from the active tail per refill "
                               "(SWAP_CLUSTER_MAX, include/linux/swap.h)",
                               Range{1, 1 << 20}));
  const uint64_t samplePs = p.child("lru").getTimePs(
      "sample_period", "5ms",
      "lru: period of the accessed-bit sampling that orders the pages by recency (each pass "
      "reads and clears the A bit of every resident page, timed through the memory socket); 5 "
      "ms is DAMON's default sampling interval (mm/damon/core.c); 0: off (the order is the "
      "fault order and the second chances at eviction)",
      Range{0, 1e15});
  if (policyName == "opt") {
    auto o = std::make_unique<KernelOptPolicy>();
    opt_ = o.get();
    policy_ = std::move(o);
  } else if (const auto kn = kernelPolicyNames();
             std::find(kn.begin(), kn.end(), policyName) != kn.end()) {
    policy_ = makeKernelPolicy(policyName, ko);
  } else {
    policy_ = makeReplacementPolicy(policyName, seed);
  }
  vms_ = dynamic_cast<VmsPolicy*>(policy_.get());
  if (auto* lp = dynamic_cast<LinuxPolicy*>(policy_.get())) {
    ctx.stats.formula(
        statName("linux.activations"), [lp] { return static_cast<double>(lp->activations()); },
        "Count", "pages moved to the active list (referenced twice on the inactive list)");
    ctx.stats.formula(
        statName("linux.deactivations"), [lp] { return static_cast<double>(lp->deactivations()); },
        "Count",
        "pages moved from the active tail to the inactive list (the inactive list was low)");
    ctx.stats.formula(
        statName("linux.activePages"), [lp] { return static_cast<double>(lp->activeSize()); },
        "Count", "pages on the active list at the end");
    ctx.stats.formula(
        statName("linux.inactivePages"), [lp] { return static_cast<double>(lp->inactiveSize()); },
        "Count", "pages on the inactive list at the end");
  }
  if (policyName == "lru" && samplePs) {
    samplePeriod_ = sc_core::sc_time(static_cast<double>(samplePs), sc_core::SC_PS);
  }
  // Under MRU a referenced page is the most recently used one, so sparing it makes it the victim
  // again: the bit means nothing there, and asking for it is an error.
  useAccessedBit_ = p.getBool("use_accessed_bit", policy_->secondChanceByDefault(),
                              "give pages whose PTE accessed bit is set a second chance (the "
                              "bit is cleared and the policy spares the page: FIFO moves it to "
                              "the tail, LRU/CLOCK count it as used); default false for mru, "
                              "where it cannot change the victim, for vms (VMS used no "
                              "reference bits), and for nru, wsclock and linux, which read the "
                              "bits themselves");
  if (useAccessedBit_ && !policy_->sparingChangesVictim()) {
    p.config().addProblem("'" + p.key("use_accessed_bit") + "': a second chance cannot change " +
                          policyName +
                          "'s victim (a referenced page is the most recently used one, which " +
                          policyName + " evicts); set it to false or choose another replacement");
  }
  if (useAccessedBit_ && policy_->readsPageState()) {
    p.config().addProblem("'" + p.key("use_accessed_bit") + "': " + policyName +
                          " reads and clears the accessed bits itself; the kernel's second "
                          "chance does not apply to it (set it to false)");
  }

  const uint64_t n = memSize / kPage;
  readReclaim(p, n);
  frames_.resize(n);
  everUsed_.assign(n, false);
  pinCount_.assign(n, 0);
  // A fresh buddy allocator hands out the frames of an aligned power-of-two range in ascending
  // order (see frame_allocator.h).
  frameAlloc_ = std::make_unique<FrameAllocator>(memBase_ / kPage, n);
  frameAlloc_->mirrorCounts(&freeBlocks_[0]);
  for (const unsigned order : {9u, 18u}) {
    ctx.stats.formula(
        statName(std::string("buddy.unusableIndex") + (order == 9 ? "2MiB" : "1GiB")),
        [this, order] { return frameAlloc_->unusableIndex(order); }, "Ratio",
        std::string("Gorman's unusable free space index for ") + (order == 9 ? "2 MiB" : "1 GiB") +
            " blocks: the share of free memory in smaller blocks (1 with nothing free)");
  }
  fault_tsock.register_b_transport(this, &Kernel::b_transport);
  mem.register_nb_transport_bw(this, &Kernel::mem_nb_transport_bw);
  refill_tsock.register_b_transport(this, &Kernel::refill_b_transport);
  refill_tsock.register_transport_dbg(this, &Kernel::refill_transport_dbg);
  // ASID 0 is the kernel's own address space: accesses without VmAccess (foreign initiators)
  // use it. It has no regions until a platform adds some.
  createProcess("kernel");
  if (swapEnabled_ && daemon_) SC_THREAD(reclaimDaemon);
  if (swapEnabled_ && samplePeriod_ > sc_core::SC_ZERO_TIME) SC_THREAD(accessSampler);
}

Kernel::~Kernel() = default;

Asid Kernel::createProcess(const std::string& name) {
  const Asid asid = static_cast<Asid>(procs_.size());
  sc_core::sc_time none;
  const auto root = allocFrame(none);
  if (!root) throw std::runtime_error(std::string(this->name()) + ": no frame for a page table");
  zeroFrame(*root);
  ++tableFrames_;
  Process proc;
  proc.name = name;
  proc.root = *root;
  proc.asid = asid;
  // Per-process stats, named after the process (made unique by the ASID if the name repeats).
  std::string tag = name;
  for (const auto& [a, o] : procs_) {
    if (o.name == name) tag = name + "_asid" + std::to_string(asid);
  }
  auto& reg = context().stats;
  proc.residentStat = &reg.scalar(statName(tag + ".residentPages"), "Count",
                                  "user pages of process " + name + " resident now");
  proc.peakStat = &reg.scalar(statName(tag + ".peakResidentPages"), "Count",
                              "most user pages of process " + name + " resident at once");
  proc.atExitStat = &reg.scalar(statName(tag + ".residentAtExit"), "Count",
                                "user pages of process " + name + " resident when it exited");
  proc.evictedStat =
      &reg.scalar(statName(tag + ".evictions"), "Count", "pages of process " + name + " evicted");
  processStats(proc, tag);
  proc.tag = tag;
  Process& stored = procs_[asid] = std::move(proc);
  byAsid_.resize(asid + 1u, nullptr);
  byAsid_[asid] = &stored;
  roots_.byAsid.resize(asid + 1u, PageTableRoots::kNone);
  publishRoot(stored);
  return asid;
}

void Kernel::residentChanged(Process& p, int delta) {
  p.resident = static_cast<uint64_t>(static_cast<int64_t>(p.resident) + delta);
  p.residentStat->set(static_cast<double>(p.resident));
  if (static_cast<double>(p.resident) > p.peakStat->value()) {
    p.peakStat->set(static_cast<double>(p.resident));
  }
}

uint64_t Kernel::residentPages(Asid asid) const {
  auto it = procs_.find(asid);
  return it == procs_.end() ? 0 : it->second.resident;
}

void Kernel::setHardwareAccessedDirty(Asid asid, bool on) {
  procs_.at(asid).hardwareAD = on;
}

void Kernel::end_of_elaboration() {
  if (swapEnabled_ && (swap.size() == 0 || !swapSpace_)) {
    SC_REPORT_FATAL(name(),
                    "swap is enabled (swap.enabled) but no swap device is connected: bind the "
                    "kernel's swap socket and call setSwapSpace(), or set swap.enabled=false");
  }
}

void Kernel::freeTable(Process& p, uint64_t table, unsigned level) {
  // Untimed (a process's exit): the entries are read in place when the direct path holds the
  // table, as read64 would read them one by one (nothing below writes this table).
  const uint64_t* direct = work_ ? nullptr : directEntry(table);
  for (uint64_t i = 0; i < paging::Format::kEntriesPerTable; ++i) {
    const uint64_t addr = table + i * paging::Format::kEntryBytes;
    const uint64_t e = direct ? direct[i] : read64(addr);
    if (e == 0) continue;  // empty in every format: nothing to free
    if (level > 1 && isHugeLeaf(e, level)) {
      releaseHuge(p, addr, e, level);
      continue;
    }
    if (level > 1 && fmt_->check(e, level) == paging::Check::Pointer) {
      freeTable(p, fmt_->frameAddr(e), level - 1);
      continue;
    }
    // A leaf (at level 1, or a large page above), or what a non-present leaf keeps.
    releasePage(p, e);
  }
  freeFrame(table);
}

void Kernel::exitProcess(Asid asid) {
  // Another thread's kernel work may be under way (an AT fault or a daemon pass waiting in a
  // timed access, with work_ pointing at its delay): the exit waits for the kernel lock, and its
  // own page-table walk is untimed.
  const bool running = sc_core::sc_get_status() == sc_core::SC_RUNNING;
  if (running) lock();
  sc_core::sc_time* work = work_;
  work_ = nullptr;
  exitLocked(asid);
  work_ = work;
  if (running) unlock();
}

void Kernel::exitLocked(Asid asid) {
  auto it = procs_.find(asid);
  if (it == procs_.end() || it->second.exited) return;
  Process& p = it->second;
  p.atExitStat->set(static_cast<double>(p.resident));
  // The policy forgets the process's pages first (its keys carry the ASID); at the end of a
  // run they are usually all its pages.
  const std::vector<uint64_t> keys = policy_->residents();
  if (std::all_of(keys.begin(), keys.end(), [asid](uint64_t k) { return keyAsid(k) == asid; })) {
    policy_->clear();
  } else {
    for (const uint64_t key : keys) {
      if (keyAsid(key) == asid) policy_->remove(key);
    }
  }
  freeTable(p, p.root, fmt_->levels());
  flushTranslations(Invalidation::Asid, asid);
  for (const Region& r : p.regions) dropShmUser(r);
  p.root = 0;
  p.regions.clear();
  p.exited = true;
  publishRoot(p);
  if (exits_) *exits_ += 1;
}

void Kernel::addRegion(Asid asid, const Region& r) {
  auto& p = procs_.at(asid);
  if (r.size == 0 || r.start % kPage || r.size % kPage || !fmt_->isCanonicalUser(r.start) ||
      !fmt_->isCanonicalUser(r.start + r.size - 1)) {
    throw std::invalid_argument("region " + r.name +
                                ": must be page aligned, non-empty and in "
                                "the canonical user half of " +
                                fmt_->name() + " (below 2^" + std::to_string(fmt_->vaBits() - 1) +
                                ")");
  }
  if (r.pageShift != 12 && r.pageShift != 21 && r.pageShift != 30) {
    throw std::invalid_argument("region " + r.name + ": page size 2^" +
                                std::to_string(r.pageShift) +
                                " bytes is none of 4 KiB, 2 MiB, 1 GiB");
  }
  const uint64_t pageSize = uint64_t{1} << r.pageShift;
  if (r.start % pageSize || r.size % pageSize) {
    throw std::invalid_argument("region " + r.name + ": start and size must be multiples of its " +
                                std::to_string(pageSize >> 20) + " MiB page size");
  }
  for (const auto& o : p.regions) {
    if (r.start < o.start + o.size && o.start < r.start + r.size) {
      throw std::invalid_argument("region " + r.name + " overlaps region " + o.name);
    }
  }
  p.regions.push_back(r);
  if (std::find(mappedShifts_.begin(), mappedShifts_.end(), r.pageShift) == mappedShifts_.end()) {
    mappedShifts_.push_back(r.pageShift);
    std::sort(mappedShifts_.begin(), mappedShifts_.end());
  }
}

const std::vector<Region>& Kernel::regions(Asid asid) const {
  return procs_.at(asid).regions;
}

bool Kernel::resizeRegion(Asid asid, uint64_t start, uint64_t newSize) {
  auto& regs = procs_.at(asid).regions;
  auto it =
      std::find_if(regs.begin(), regs.end(), [&](const Region& r) { return r.start == start; });
  if (it == regs.end() || newSize % (uint64_t{1} << it->pageShift)) return false;
  for (const auto& o : regs) {
    if (&o != &*it && start < o.start + o.size && o.start < start + newSize) return false;
  }
  if (newSize < it->size) unmapRange(asid, start + newSize, it->size - newSize);
  if (newSize == 0) {
    regs.erase(it);
  } else {
    it->size = newSize;
  }
  return true;
}

bool Kernel::releasePage(Process& p, uint64_t e) {
  if (resident(e)) {
    const uint64_t idx = (fmt_->frameAddr(e) - memBase_) / kPage;
    residentChanged(p, -1);
    // A frame other entries map too (copy-on-write after fork), or a shmem object's page (the
    // object keeps it): only this mapping goes.
    if (frames_[idx].shm >= 0 || rmap_.count(idx)) {
      rmapRemove(idx, p.asid);
      return true;
    }
    if (frames_[idx].swapSlot >= 0 && swapSpace_) {
      releaseSlot(static_cast<uint64_t>(frames_[idx].swapSlot));
      swapSlotsChanged(p, -1);
    }
    frames_[idx] = Frame{};
    frameAlloc_->free(memBase_ / kPage + idx, 0);
    return true;
  }
  if (fmt_->isSwapped(e) && swapSpace_) {
    releaseSlot(fmt_->swapSlot(e));
    swapSlotsChanged(p, -1);
  }
  return false;
}

void Kernel::releaseSlot(uint64_t slot) {
  auto s = slotSharers_.find(slot);
  if (s != slotSharers_.end()) {  // another swap entry (a fork's copy) still holds it
    if (--s->second == 0) slotSharers_.erase(s);
    return;
  }
  auto c = swapCache_.find(slot);
  if (c != swapCache_.end()) {  // its swap-cache frame goes too
    const uint64_t idx = c->second;
    uncache(idx);
    frames_[idx] = Frame{};
    frameAlloc_->free(memBase_ / kPage + idx, 0);
  }
  setSlotOnDisk(slot, false);
  swapSpace_->freeSlots(slot, 1);
}

void Kernel::unmapRange(Asid asid, uint64_t start, uint64_t size) {
  Process& p = procs_.at(asid);
  for (uint64_t va = start; va < start + size; va += kPage) {
    const LeafRef l = findLeaf(p, va);
    if (l.level > 1 && isHugeLeaf(read64(l.addr), l.level)) {
      const uint64_t pageSize = uint64_t{1} << paging::Format::leafShift(l.level);
      const uint64_t hva = va & ~(pageSize - 1);
      if (hva >= start && hva + pageSize <= start + size) {
        const uint64_t key = pageKey(asid, hva / kPage);
        if (policy_->contains(key)) policy_->remove(key);
        releaseHuge(p, l.addr, read64(l.addr), l.level);
        write64(l.addr, 0);
        shootdown(asid, hva);
        va = hva + pageSize - kPage;
        continue;
      }
      // Part of a THP leaves: split it, then unmap its 4 KiB pages in the range (Linux
      // __split_huge_pmd on a partial munmap). Huge-page regions resize by whole pages only.
      splitHuge(asid, hva, l.addr);
    }
    const uint64_t entryAddr = leafEntryAddr(p, va, false);
    if (!entryAddr) continue;
    const uint64_t e = read64(entryAddr);
    if (releasePage(p, e)) {
      const uint64_t key = pageKey(asid, va / kPage);
      if (policy_->contains(key)) policy_->remove(key);
    }
    if (e) {
      write64(entryAddr, 0);
      shootdown(asid, va);
    }
  }
}

namespace {

// brk and mmap of one process, as region changes in the kernel.
class KernelProcessMemory : public ProcessMemory {
 public:
  KernelProcessMemory(Kernel& k, Asid asid, uint64_t heapStart, uint64_t heapLimit,
                      uint64_t mmapTop, bool advised)
      : k_(k),
        asid_(asid),
        start_(heapStart),
        brk_(heapStart),
        limit_(heapLimit),
        top_(mmapTop),
        advised_(advised) {}
  uint64_t heapStart() const override { return start_; }
  bool setBreak(uint64_t b) override {
    if (b < start_ || b > limit_) return false;
    const uint64_t oldEnd = roundUp(brk_), newEnd = roundUp(b);
    if (newEnd != oldEnd) {
      if (oldEnd == start_) {
        try {
          k_.addRegion(asid_, region("heap", start_, newEnd - start_));
        } catch (const std::invalid_argument&) {
          return false;
        }
      } else if (!k_.resizeRegion(asid_, start_, newEnd - start_)) {
        return false;
      }
    }
    brk_ = b;
    return true;
  }
  std::optional<uint64_t> mmap(uint64_t length) override {
    const uint64_t len = roundUp(length);
    if (len == 0 || len > top_ - limit_) return std::nullopt;
    const uint64_t addr = top_ - len;
    try {
      k_.addRegion(asid_, region("mmap", addr, len));
    } catch (const std::invalid_argument&) {
      return std::nullopt;
    }
    top_ = addr;  // a simple downward bump: the addresses of unmapped areas are not reused
    return addr;
  }
  bool munmap(uint64_t addr, uint64_t length) override {
    for (const auto& r : k_.regions(asid_)) {
      if (r.start == addr && r.size == roundUp(length) && r.name == "mmap") {
        return k_.resizeRegion(asid_, addr, 0);
      }
    }
    return false;
  }

 private:
  static constexpr Perms kReadWrite{true, true, false, true};
  static uint64_t roundUp(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }
  Region region(const char* name, uint64_t start, uint64_t size) const {
    Region r{name, start, size, kReadWrite};
    r.hugeAdvised = advised_;
    return r;
  }
  Kernel& k_;
  Asid asid_;
  uint64_t start_, brk_, limit_, top_;
  bool advised_;
};

}  // namespace

ProcessMemory& Kernel::processMemory(Asid asid, uint64_t heapStart, uint64_t heapLimit,
                                     uint64_t mmapTop, bool hugeAdvised) {
  procs_.at(asid);  // the process must exist
  processMemories_.push_back(std::make_unique<KernelProcessMemory>(
      *this, asid, heapStart, heapLimit, mmapTop, hugeAdvised));
  return *processMemories_.back();
}

const Region* Kernel::findRegion(const Process& p, uint64_t va) const {
  for (const auto& r : p.regions) {
    if (r.contains(va)) return &r;
  }
  return nullptr;
}

// --- physical memory helpers -----------------------------------------------------------------

void Kernel::debugTransfer(uint64_t pa, unsigned char* data, unsigned len, bool toMemory,
                           const char* what) {
  tlm::tlm_generic_payload gp;
  gp.set_command(toMemory ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  gp.set_address(pa);
  gp.set_data_ptr(data);
  gp.set_data_length(len);
  gp.set_streaming_width(len);
  if (mem->transport_dbg(gp) != len) SC_REPORT_FATAL(name(), what);
}

uint64_t Kernel::debugRead64(uint64_t pa) {
  uint64_t v = 0;
  debugTransfer(pa, reinterpret_cast<unsigned char*>(&v), 8, false, "page-table read failed");
  return v;
}

void Kernel::debugWrite64(uint64_t pa, uint64_t v) {
  debugTransfer(pa, reinterpret_cast<unsigned char*>(&v), 8, true, "page-table write failed");
}

void Kernel::copyFrame(uint64_t pa, unsigned char* buf, bool toMemory) {
  debugTransfer(pa, buf, kPage, toMemory, "frame copy failed");
}

void Kernel::zeroFrame(uint64_t pa) {
  if (assumeZeroed_ && frames_[(pa - memBase_) / kPage].fresh) return;
  static const unsigned char zeros[kPage] = {};
  copyFrame(pa, const_cast<unsigned char*>(zeros), true);
}

sc_core::sc_time Kernel::shootdown(Asid asid, uint64_t va) {
  const sc_core::sc_time local = flushTranslations(Invalidation::Page, asid, va);
  const sc_core::sc_time remote = ipis(asid, faultingCore_);
  if (work_) {
    charge(kTlb, local, *work_);
    charge(kIpi, remote, *work_);
  }
  return local + remote;
}

sc_core::sc_time Kernel::flushTranslations(Invalidation kind, Asid asid, uint64_t va) {
  uint64_t costPs = 0;
  for (auto* c : caches_) {
    c->invalidate(kind, asid, VirtAddr(va));
    costPs = std::max(costPs, c->invalidationCostPs(kind));
  }
  const sc_core::sc_time cost(static_cast<double>(costPs), sc_core::SC_PS);
  const auto k = static_cast<unsigned>(kind);
  flushes_[k] += 1;
  flushCycles_[k] += cost / clockPeriod();
  return cost;
}

// --- page tables -----------------------------------------------------------------------------

uint64_t Kernel::entryAddr(Process& p, uint64_t va, unsigned leafLevel, bool create) {
  if (leafLevel < 1 || leafLevel > fmt_->levels()) return 0;
  uint64_t table = p.root;
  for (unsigned level = fmt_->levels(); level > leafLevel; --level) {
    const uint64_t addr = table + paging::Format::entryOffset(va, level);
    uint64_t e = read64(addr);
    const paging::Check c = fmt_->check(e, level);
    if (c != paging::Check::Pointer) {
      // A leaf (a larger page), or the software entry of a non-present one, is in the way.
      if (e != 0) return 0;
      if (!create) return 0;
      sc_core::sc_time none;
      const auto frame = allocFrame(none);
      if (!frame) return 0;
      ++tableFrames_;
      zeroFrame(*frame);
      if (work_) chargeZero(*frame, kPage, *work_);
      // Upper levels are fully permissive (x86; RISC-V pointers carry no permissions); the leaf
      // carries the region's permissions.
      e = fmt_->pointer(*frame);
      write64(addr, e);
    }
    table = fmt_->frameAddr(e);
  }
  return table + paging::Format::entryOffset(va, leafLevel);
}

Kernel::LeafRef Kernel::findLeaf(Process& p, uint64_t va) {
  uint64_t table = p.root;
  for (unsigned level = fmt_->levels(); level >= 1; --level) {
    const uint64_t addr = table + paging::Format::entryOffset(va, level);
    const uint64_t e = read64(addr);
    if (level == 1 || fmt_->check(e, level) != paging::Check::Pointer) {
      if (level > 1 && e == 0) return {};  // no table below: nothing maps va
      return {addr, level};
    }
    table = fmt_->frameAddr(e);
  }
  return {};
}

uint64_t Kernel::leafEntry(Asid asid, uint64_t va) {
  auto it = procs_.find(asid);
  if (it == procs_.end() || it->second.exited) return 0;
  const LeafRef l = findLeaf(it->second, va);
  return l.addr ? read64(l.addr) : 0;
}

unsigned Kernel::mappingShift(Asid asid, uint64_t va) {
  auto it = procs_.find(asid);
  if (it == procs_.end() || it->second.exited) return 0;
  const LeafRef l = findLeaf(it->second, va);
  if (!l.addr || !fmt_->present(read64(l.addr))) return 0;
  return paging::Format::leafShift(l.level);
}

std::optional<uint64_t> Kernel::translate(Asid asid, uint64_t va) {
  const unsigned shift = mappingShift(asid, va);
  if (!shift) return std::nullopt;
  const uint64_t mask = (uint64_t{1} << shift) - 1;
  return (fmt_->frameAddr(leafEntry(asid, va)) & ~mask) | (va & mask);
}

std::optional<uint64_t> Kernel::allocFrame(sc_core::sc_time& delay) {
  auto pfn = frameAlloc_->allocate(0);
  if (!pfn) {
    if (!directReclaim(delay)) return std::nullopt;
    pfn = frameAlloc_->allocate(0);
    if (!pfn) return std::nullopt;
  }
  const uint64_t idx = *pfn - memBase_ / kPage;
  frames_[idx] = Frame{!everUsed_[idx]};
  everUsed_[idx] = true;
  wakeDaemonIfLow();
  return memBase_ + idx * kPage;
}

void Kernel::freeFrame(uint64_t pa) {
  frames_[(pa - memBase_) / kPage] = Frame{};
  frameAlloc_->free(pa / kPage, 0);
}

void Kernel::pinFrame(PhysAddr pa) {
  const uint64_t idx = (pa.value() - memBase_) / kPage;
  if (pa.value() >= memBase_ && idx < pinCount_.size()) ++pinCount_[idx];
}

void Kernel::unpinFrame(PhysAddr pa) {
  const uint64_t idx = (pa.value() - memBase_) / kPage;
  if (pa.value() >= memBase_ && idx < pinCount_.size() && pinCount_[idx] > 0) --pinCount_[idx];
}

bool Kernel::pagePinned(uint64_t key) {
  const uint64_t ea = leafEntryAddr(procs_.at(keyAsid(key)), keyVpn(key) * kPage, false);
  const uint64_t e = ea ? read64(ea) : 0;
  // A revoked page (software reference bit) keeps its frame too.
  return resident(e) && pinCount_[(fmt_->frameAddr(e) - memBase_) / kPage] > 0;
}

std::optional<uint64_t> Kernel::evictOne(sc_core::sc_time& delay, bool queue, bool* queued) {
  if (queued) *queued = false;
  if (!swapEnabled_ || !swapSpace_ || policy_->size() == 0) return std::nullopt;
  // Pages with accesses in flight (pinned frames) are not candidates: they leave the policy for
  // this choice and come back afterwards.
  std::vector<uint64_t> aside;
  struct Restore {
    ReplacementPolicy& policy;
    std::vector<uint64_t>& keys;
    ~Restore() {
      for (uint64_t k : keys) policy.insert(k);
    }
  } restore{*policy_, aside};
  auto pick = [&]() -> std::optional<uint64_t> {
    while (policy_->size() > 0) {
      const uint64_t k =
          policy_->readsPageState() ? chooseWithState(delay) : policy_->chooseVictim();
      // A THP is split first, as Linux's reclaim does (shrink_folio_list -> split_folio): its
      // 4 KiB pages join the policy and `k` is now the first of them.
      splitIfHuge(k);
      if (!pagePinned(k)) return k;
      policy_->remove(k);
      aside.push_back(k);
    }
    return std::nullopt;
  };
  auto first = pick();
  if (!first) return std::nullopt;
  uint64_t key = *first;
  // The kernel sees no hits (the hardware does): the PTE accessed bits tell it which pages were
  // used since the last scan. A referenced victim gets a second chance, at most once per page:
  // its bit is cleared and the policy spares it (FIFO moves it to the tail). For a process whose
  // MMU sets no A bits the kernel keeps a software reference bit instead, as 4.2BSD did on the
  // VAX (Babaoglu and Joy, SOSP 1981): a present page counts as referenced; sparing it clears
  // its present bit (kRevoked), and a use before the next scan re-validates it in a cheap fault.
  for (size_t tries = policy_->size(); useAccessedBit_ && tries > 0; --tries) {
    Process& owner = procs_.at(keyAsid(key));
    const uint64_t ea = leafEntryAddr(owner, keyVpn(key) * kPage, false);
    const uint64_t pe = read64(ea);
    if (owner.hardwareAD) {
      if (!(pe & fmt_->accessedBit())) break;
      write64(ea, pe & ~fmt_->accessedBit());
    } else {
      if (!fmt_->present(pe)) break;  // revoked at the last scan and not used since
      write64(ea, fmt_->revoke(pe));
    }
    // The TLB must not hide the next reference.
    const sc_core::sc_time flush = shootdown(keyAsid(key), keyVpn(key) * kPage);
    if (!work_) delay += flush;
    ++secondChances_;
    policy_->spare(key);
    auto next = pick();
    if (!next) return std::nullopt;
    key = *next;
  }
  return evictPage(key, delay, queue, queued);
}

std::optional<uint64_t> Kernel::evictPage(uint64_t key, sc_core::sc_time& delay, bool queue,
                                          bool* queued) {
  if (queued) *queued = false;
  const Asid asid = keyAsid(key);
  const uint64_t va = keyVpn(key) * kPage;
  Process& p = procs_.at(asid);
  const uint64_t entryAddr = leafEntryAddr(p, va, false);
  const uint64_t e = read64(entryAddr);
  const uint64_t frame = fmt_->frameAddr(e);
  const uint64_t idx = (frame - memBase_) / kPage;
  // Several entries map the frame (fork), or a shmem object owns it: unmapped from all.
  if (frames_[idx].shm >= 0 || rmap_.count(idx)) return evictShared(key, idx, delay, queue, queued);
  const bool dirty = (e & fmt_->dirtyBit()) != 0 || frames_[idx].dirty;
  int64_t copy = frames_[idx].swapSlot;
  if (dirty && copy >= 0 && slotShared(static_cast<uint64_t>(copy))) {
    // The slot still holds the page another process (forked) sees: write elsewhere.
    releaseSlot(static_cast<uint64_t>(copy));
    copy = -1;
  }
  uint64_t newEntry = 0;  // a clean page never written since its zero-fill: drop it
  bool keep = false;      // the frame stays in the swap cache until its queued write completes
  uint64_t keepSlot = 0, keepDone = ~uint64_t{0};
  if (!dirty && copy >= 0) {
    newEntry = fmt_->makeSwapped(static_cast<uint64_t>(copy));  // swap already holds this content
    setSlotOnDisk(static_cast<uint64_t>(copy), true);
    const uint64_t now = nowPs(delay);
    if (frames_[idx].cleanDonePs > now || (queue && policy_->keepsEvictedPages())) {
      // Its write-back (started while it was resident) is still under way: the frame waits in
      // the swap cache for it. Or VMS's free list: the frame keeps the page until it is needed.
      keep = true;
      keepSlot = static_cast<uint64_t>(copy);
      keepDone = std::max<uint64_t>(frames_[idx].cleanDonePs, 1);
      writebacks_.emplace_back(keepDone, idx);
    }
  } else if (dirty) {
    const auto slot = copy >= 0 ? std::optional<uint64_t>(copy) : swapSpace_->allocateSlots(1);
    if (!slot) return std::nullopt;  // swap full: the victim stays resident
    if (copy < 0) swapSlotsChanged(p, +1);
    if (queue) {
      // Written with its cluster by flushWrites; until then (and until the write completes) a
      // fault on the page finds it in the swap cache.
      pending_.push_back({*slot, idx});
      keep = true;
      keepSlot = *slot;
    } else {
      copyFrame(frame, pageBuf_.data(), false);
      const sc_core::sc_time before = delay;
      if (!swapRequest(*slot, 1, pageBuf_.data(), true, delay)) {
        SC_REPORT_ERROR(name(), "swap write failed");
        return std::nullopt;
      }
      if (work_) partStats()[kIo] += (delay - before) / clockPeriod();
      ++swapOuts_;  // (a queued page counts when flushWrites writes it)
    }
    if (p.full) *p.full->swapOuts += 1;  // (the kernel's count when the write is issued)
    newEntry = fmt_->makeSwapped(*slot);
    setSlotOnDisk(*slot, true);
  }
  if (!dirty) ++cleanEvictions_;
  policy_->remove(key);
  ++evictions_;
  residentChanged(p, -1);
  *p.evictedStat += 1;
  write64(entryAddr, newEntry);
  const sc_core::sc_time flush = shootdown(asid, va);
  if (!work_) delay += flush;
  if (keep) {
    Frame& f = frames_[idx];
    f = Frame{};
    f.cached = true;
    f.swapSlot = static_cast<int64_t>(keepSlot);
    f.writebackDonePs = keepDone;  // a queued write: set when it is issued
    swapCache_[keepSlot] = idx;
    if (queued) *queued = true;
    return std::nullopt;
  }
  frames_[idx] = Frame{};
  return frame;
}

// --- fault handling ----------------------------------------------------------------------------

FaultKind Kernel::handleFault(Asid asid, uint64_t va, AccessKind kind, sc_core::sc_time& delay) {
  Process* found = process(asid);
  if (!found || found->exited) return FaultKind::Segmentation;
  Process& p = *found;
  const Region* r = findRegion(p, va);
  if (!r) {
    if (!mapAnywhere_ || !fmt_->isCanonicalUser(va)) {
      ++segFaults_;
      return FaultKind::Segmentation;
    }
    r = &anywhere_;
  }
  if (!permits(r->perms, kind, Privilege::User)) {
    ++protFaults_;
    return FaultKind::Protection;
  }
  if (r->pageShift > 12) return hugeRegionFault(asid, p, *r, va, delay);
  if (thp_ != Thp::Never && r->shm < 0 && thpFault(asid, p, *r, va, delay)) {
    return FaultKind::None;
  }
  const uint64_t entryAddr = leafEntryAddr(p, va, true);
  if (!entryAddr) {
    const LeafRef l = findLeaf(p, va);
    if (l.level > 1 && isHugeLeaf(read64(l.addr), l.level)) return FaultKind::None;  // mapped
    ++oomFaults_;
    return FaultKind::OutOfMemory;
  }
  const uint64_t old = read64(entryAddr);
  if (fmt_->isCow(old) && kind == AccessKind::Store) {
    return cowFault(asid, p, va, entryAddr, old, delay);
  }
  if (fmt_->present(old)) return FaultKind::None;  // mapped meanwhile (another core, a retry)
  if (fmt_->isRevoked(old)) {
    // The page is resident: its software reference bit was being sampled. Re-validate it.
    write64(entryAddr, fmt_->revalidate(old));
    ++referenceFaults_;
    served_ = Served::Reference;
    return FaultKind::None;
  }
  if (r->shm >= 0) return shmFault(asid, p, *r, va, entryAddr, delay);
  std::optional<uint64_t> frame;
  int64_t swapCopy = -1;
  bool unwritten = false;
  if (fmt_->isSwapped(old)) {
    const uint64_t slot = fmt_->swapSlot(old);
    auto c = swapCache_.find(slot);
    if (c != swapCache_.end()) {
      // Read ahead, or evicted and its write-back not finished: the frame still holds the page,
      // which is mapped again without I/O (a minor fault, Linux's do_swap_page finding the
      // folio in the swap cache).
      const uint64_t idx = c->second;
      if (frames_[idx].writebackDonePs == 0) ++readaheadHits_;
      // On the modified list, its write not issued yet: swap does not hold it, so it stays dirty.
      unwritten = frames_[idx].writebackDonePs == ~uint64_t{0};
      uncache(idx);
      frames_[idx].swapSlot =
          static_cast<int64_t>(slot);  // the slot holds a copy, as after a swap-in
      setSlotOnDisk(slot, false);
      frame = memBase_ + idx * kPage;
      swapCopy = static_cast<int64_t>(slot);
      ++swapCacheHits_;
      ++minorFaults_;
      served_ = Served::SwapCache;
    }
  }
  // VMS: a process at its resident limit gives up its oldest page before it gets another.
  if (vms_) localReplace(asid, delay);
  if (!frame) {
    frame = allocFrame(delay);
    while (!frame) {
      if (!outOfMemory(asid, va) || p.exited) {
        ++oomFaults_;
        return FaultKind::OutOfMemory;
      }
      frame = allocFrame(delay);
    }
    if (fmt_->isSwapped(old)) {
      const uint64_t slot = fmt_->swapSlot(old);
      charge(kHandler, cycles(cost_.swapinCycles), delay);
      if (!swapIn(slot, *frame, delay)) {
        SC_REPORT_ERROR(name(), "swap read failed");
        return FaultKind::BusError;
      }
      setSlotOnDisk(slot, false);
      swapCopy = static_cast<int64_t>(slot);  // kept: a clean page is evicted without a write
      ++swapIns_;
      ++majorFaults_;
      served_ = Served::SwapIn;
      noteMajorFault(nowPs(delay));
    } else {
      zeroFrame(*frame);
      chargeZero(*frame, kPage, delay);
      ++minorFaults_;
      ++zeroFills_;
      served_ = Served::DemandZero;
    }
  }
  paging::Entry leaf;
  leaf.valid = leaf.leaf = true;
  leaf.readable = r->perms.read;
  leaf.writable = r->perms.write;
  leaf.exec = r->perms.exec;
  leaf.user = true;
  leaf.frame = *frame;
  leaf.global = r->global || asid == 0;  // kernel mappings (TLB entries match any ASID)
  if (!p.hardwareAD) {
    // No MMU will set A or D in this PTE, and a store through a writable mapping faults no more:
    // the kernel sets them itself. The page was just accessed (A), and a page it maps writable
    // counts as dirty from now on (D), so its eviction always writes it to swap. (With D set the
    // TLBs also hold stores without going back to the walker for a D update.)
    leaf.accessed = true;
    leaf.dirty = r->perms.write;
  }
  if (unwritten) leaf.dirty = true;
  write64(entryAddr, encodeLeaf(leaf));
  frames_[(*frame - memBase_) / kPage].swapSlot = swapCopy;
  policy_->insert(pageKey(asid, va / kPage));
  residentChanged(p, +1);
  return FaultKind::None;
}

uint64_t Kernel::encodeLeaf(const paging::Entry& leaf) {
  // Out of range (beyond the format's physical addresses, not 4 KiB aligned): encode says so.
  if (leaf.frame % kPage || leaf.frame >= fmt_->maxPhysAddr()) return fmt_->encode(leaf, 1);
  const uint32_t key =
      uint32_t{leaf.valid} | uint32_t{leaf.leaf} << 1 | uint32_t{leaf.readable} << 2 |
      uint32_t{leaf.writable} << 3 | uint32_t{leaf.user} << 4 | uint32_t{leaf.exec} << 5 |
      uint32_t{leaf.accessed} << 6 | uint32_t{leaf.dirty} << 7 | uint32_t{leaf.global} << 8;
  if (key != leafMemoKey_) {
    paging::Entry frameless = leaf;
    frameless.frame = 0;
    leafMemo_ = fmt_->encode(frameless, 1);
    leafMemoKey_ = key;
  }
  return leaf.valid ? fmt_->withFrame(leafMemo_, leaf.frame) : 0;
}

void Kernel::b_transport(int from, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  auto* f = gp.get_extension<FaultExt>();
  if (!f) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  // One fault or daemon pass at a time: the kernel lock (in AT the timed accesses wait).
  lock();
  at_ = f->mayWait;
  ++faultCount_;
  if (samplerIdle_) faultEvent_.notify(sc_core::SC_ZERO_TIME);
  const uint64_t start = nowPs(delay);
  work_ = &delay;
  faultingCore_ = static_cast<unsigned>(from);
  served_ = Served::None;
  charge(kTrap, cycles(cost_.trapCycles), delay);
  charge(kHandler, cycles(cost_.handlerCycles), delay);
  // The faulting process's own counts (addProcessStats): what this fault added to the totals.
  Process* owner = process(f->asid);
  Process::Full* full = owner ? owner->full.get() : nullptr;
  const double before[6] = {minorFaults_.value(), majorFaults_.value(), segFaults_.value(),
                            protFaults_.value(),  oomFaults_.value(),   swapIns_.value()};
  const FaultKind result = handleFault(f->asid, f->va.value(), f->access, delay);
  if (full) {
    stats::Scalar* mine[6] = {full->minor, full->major, full->seg,
                              full->prot,  full->oom,   full->swapIns};
    const double after[6] = {minorFaults_.value(), majorFaults_.value(), segFaults_.value(),
                             protFaults_.value(),  oomFaults_.value(),   swapIns_.value()};
    for (int i = 0; i < 6; ++i) *mine[i] += after[i] - before[i];
  }
  work_ = nullptr;
  faultingCore_ = kNoCore;
  unlock();
  const double lat = ticksInCycles(nowPs(delay) - start);
  faultLatency_.sample(lat);
  switch (served_) {
    case Served::DemandZero:
      latDemandZero_.sample(lat);
      break;
    case Served::SwapIn:
      latSwapIn_.sample(lat);
      break;
    case Served::SwapCache:
      latSwapCache_.sample(lat);
      break;
    case Served::Huge:
      latHuge_.sample(lat);
      break;
    case Served::Cow:
      latCow_->sample(lat);
      break;
    default:
      break;
  }
  f->kind = result;
  f->pinned = false;
  if (result == FaultKind::None && f->wantPin) {
    // Held for the MMU until its retry has the translation (and a pin of its own).
    // The 4 KiB frame of the access (within a huge page, the one holding va).
    if (const auto pa = translate(f->asid, f->va.value())) {
      f->pinnedFrame = PhysAddr(*pa & ~(kPage - 1));
      pinFrame(f->pinnedFrame);
      f->pinned = true;
    }
  }
  gp.set_response_status(result == FaultKind::None ? tlm::TLM_OK_RESPONSE
                                                   : tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

// --- software TLB refill ----------------------------------------------------------------------

uint64_t Kernel::timedAccess64(uint64_t pa, uint64_t value, bool write, sc_core::sc_time& delay) {
  tlm::tlm_generic_payload* gp = pool_.allocate();
  gp->set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  gp->set_address(pa);
  gp->set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  gp->set_data_length(8);
  gp->set_streaming_width(8);
  gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  mem->b_transport(*gp, delay);
  if (!gp->is_response_ok())
    SC_REPORT_FATAL(name(), "page-table access of the refill handler failed");
  gp->release();
  return value;  // little-endian host, as x86
}

void Kernel::refillTranslation(TranslationExt& x, sc_core::sc_time& delay, bool debug) {
  // The handler of a software-managed TLB (MIPS R4000 style: the trap's cost is charged by the
  // MMU, mmu.refill_trap_cycles): it walks the process's radix table (in the configured
  // page_table_format) with loads through memory, sets A (and D for a store) itself, and returns
  // the leaf, which the TLB then holds.
  const paging::Format& f = *fmt_;
  const uint64_t va = x.va.value();
  auto it = procs_.find(x.asid);
  if (it == procs_.end() || it->second.exited || !f.isCanonicalUser(va)) {
    x.fault = FaultKind::Segmentation;
    return;
  }
  paging::WalkPath path(f, va, it->second.root);
  for (unsigned level = f.levels(); level >= 1; --level) {
    const uint64_t addr = path.entryAddr(level);
    uint64_t e = debug ? read64(addr) : timedAccess64(addr, 0, false, delay);
    if (!debug) ++refillReads_;
    const auto step = path.visit(e, level);
    if (step == paging::WalkPath::Step::NotPresent) {
      x.fault = FaultKind::NotPresent;  // the MMU hands it to the page-fault handler
      return;
    }
    if (step == paging::WalkPath::Step::Malformed) {
      x.fault = FaultKind::Protection;  // malformed tables: mapping cannot resolve it
      return;
    }
    if (step == paging::WalkPath::Step::Next) continue;
    x.pageShift = path.shift();
    x.perms = Perms{path.readable(), path.writable(), path.exec(), path.user()};
    if (!permits(x.perms, x.kind, x.privilege)) {
      // A store to a copy-on-write page goes to the page-fault handler (it copies the page).
      Perms w = x.perms;
      w.write = true;
      const bool cow = f.isCow(e) && x.kind == AccessKind::Store && permits(w, x.kind, x.privilege);
      x.fault = cow ? FaultKind::NotPresent : FaultKind::Protection;
      return;
    }
    const uint64_t bits = f.accessedBit() | (x.kind == AccessKind::Store ? f.dirtyBit() : 0);
    if (!debug && it->second.hardwareAD && (e | bits) != e) {
      e |= bits;
      timedAccess64(addr, e, true, delay);
      ++refillWrites_;
    }
    x.pa = PhysAddr(path.pa());
    x.dirty = (e & f.dirtyBit()) != 0;
    x.global = path.global();
    x.fault = FaultKind::None;
    x.resolvedLevel = 0xff;
    return;
  }
  x.fault = FaultKind::NotPresent;
}

void Kernel::refill_b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  auto* x = gp.get_extension<TranslationExt>();
  if (!x) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  ++refills_;
  refillTranslation(*x, delay, false);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int Kernel::refill_transport_dbg(int, tlm::tlm_generic_payload& gp) {
  auto* x = gp.get_extension<TranslationExt>();
  if (!x) return 0;
  sc_core::sc_time none;
  refillTranslation(*x, none, true);
  return 1;
}

}  // namespace vmsim::os
