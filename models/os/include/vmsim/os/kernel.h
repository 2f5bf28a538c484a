// The kernel model: processes and their address spaces (regions with permissions), page tables
// in the configured format (`page_table_format`: x86-64 4/5-level, RISC-V Sv39/48/57; see
// vmsim/paging/format.h) built in simulated physical memory, a buddy frame allocator, huge pages
// (THP and hugetlbfs-like regions, kernel_huge.cpp, docs/huge-pages.md), and the page-fault
// handler (demand-zero, swap-in, eviction to the swap disk), with TLB/walk-cache shootdowns.
// Kernel work is timed as the sum of its parts (trap, handler, page-table reads and writes through
// `mem`, zeroing, TLB invalidations, IPIs to the other cores running the address space); a
// reclaim daemon (kswapd-like) keeps free frames between watermarks with clustered,
// asynchronous swap writes; swap-ins read neighbouring slots ahead into a swap cache; an OOM
// killer and a thrashing detector watch the end of memory (docs/os.md).
// Faults arrive on `fault_tsock` as payloads carrying FaultExt; a resolved fault answers OK, one
// that cannot be resolved answers TLM_ADDRESS_ERROR_RESPONSE with FaultExt::kind saying why.
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "vmsim/common/at_helpers.h"
#include "vmsim/common/direct_socket.h"
#include "vmsim/common/extensions.h"
#include "vmsim/common/interfaces.h"
#include "vmsim/common/module.h"
#include "vmsim/common/payload_pool.h"
#include "vmsim/common/process_control.h"
#include "vmsim/os/frame_allocator.h"
#include "vmsim/os/process_memory.h"

namespace vmsim::os {

class ReplacementPolicy;
class KernelOptPolicy;
class VmsPolicy;

/// A virtual-memory area of a process.
struct Region {
  std::string name;
  uint64_t start = 0;
  uint64_t size = 0;
  Perms perms;
  /// log2 of the page size the region is mapped with. 12: 4 KiB demand paging, with transparent
  /// huge pages where `thp` allows them. 21 (2 MiB) or 30 (1 GiB): hugetlbfs-like, only pages of
  /// that size, never swapped; start and size must be multiples of it.
  unsigned pageShift = 12;
  /// madvise(MADV_HUGEPAGE) was applied: under `thp: madvise` THPs may back the region.
  bool hugeAdvised = false;
  /// Kernel mappings: the leaf PTEs get the global bit (x86 bit 8), so TLB entries of the
  /// region match every ASID and survive ASID and CR3 flushes. (Every mapping of ASID 0, the
  /// kernel's own address space, is global too.)
  bool global = false;
  /// MAP_SHARED|MAP_ANONYMOUS: the pages belong to a shared memory object (set by the kernel:
  /// Kernel::mapFixed with shared = true); processes forked later share them, writes included.
  /// -1: private (copy-on-write across fork).
  int32_t shm = -1;
  /// The object page that `start` maps (page index into the object).
  uint64_t shmPage = 0;
  bool contains(uint64_t va) const { return va - start < size; }
};

class Kernel : public Module, public PageTableBase, public FramePins, public ProcessControl {
 public:
  SC_HAS_PROCESS(Kernel);
  /// Faults from any number of MMUs (one per core), none included: a platform may use the
  /// kernel for its page tables alone.
  tlm_utils::multi_passthrough_target_socket_optional<Kernel> fault_tsock;
  tlm_utils::simple_initiator_socket<Kernel> mem;
  /// The swap device. Optional: with `swap.enabled: false` it may stay unbound; with swap enabled
  /// an unbound socket is an elaboration error.
  tlm_utils::simple_initiator_socket_optional<Kernel> swap;
  /// Software-managed TLBs (MIPS style): a TLB miss traps here with a TranslationExt; the refill
  /// handler walks the page table through `mem` (timed reads) and answers with the entry, which
  /// the TLB then holds. Optional: hardware-walked platforms leave it unbound.
  tlm_utils::multi_passthrough_target_socket_optional<Kernel> refill_tsock;

  Kernel(const sc_core::sc_module_name& nm, SimContext& ctx);
  ~Kernel() override;

  /// Creates a process with an empty page table; returns its ASID (1, 2, ...; ASID 0 is the
  /// kernel's address space, created with the kernel).
  Asid createProcess(const std::string& name);
  /// Adds a region; overlapping regions, and a pageShift other than 12, 21 or 30 or one the
  /// region's start and size are not multiples of, are rejected with std::invalid_argument.
  void addRegion(Asid asid, const Region& r);
  const std::vector<Region>& regions(Asid asid) const;
  /// Sets the size of the region starting at `start` (0 removes it). Pages that leave the region
  /// are unmapped: frames and swap slots freed, TLB and walk-cache entries shot down.
  /// Returns false when no region starts there or the new size would overlap another region.
  bool resizeRegion(Asid asid, uint64_t start, uint64_t newSize);
  /// The kernel side of a process's brk/mmap/munmap (for the memory API of a simulated program):
  /// a heap from `heapStart` that may grow to `heapLimit`, mappings placed downwards from
  /// `mmapTop`. The kernel keeps it alive as long as itself. With `hugeAdvised` the heap and
  /// every mapping are advised for THP (as glibc's malloc does with the tunable
  /// glibc.malloc.hugetlb=1: madvise(MADV_HUGEPAGE) on the memory it gets from brk and mmap).
  ProcessMemory& processMemory(Asid asid, uint64_t heapStart, uint64_t heapLimit, uint64_t mmapTop,
                               bool hugeAdvised = false);
  /// A TLB or walk cache to shoot down when a mapping changes.
  void addTranslationCache(TranslationCache* c) { caches_.push_back(c); }
  /// Invalidates every registered TLB and walk cache by `kind` (INVLPG of `va`, PCID flush of
  /// `asid`, CR3 write, CR4.PGE toggle), counted per kind; returns what it costs the CPU: the
  /// largest cost among the structures (one instruction invalidates them together).
  sc_core::sc_time flushTranslations(Invalidation kind, Asid asid, uint64_t va = 0);
  /// Registers the core whose MMU was just bound to fault_tsock (call it right after each
  /// binding: the core's number is its binding index), the address spaces it may run and where
  /// its interrupts go (nullptr: the core takes no IPIs). A shootdown of a page of an address
  /// space sends an IPI to every other core that may run it. Returns the core's number.
  unsigned addCore(const std::vector<Asid>& asids, InterruptTarget* irq);
  /// A TLB or walk cache private to core `core` (addCore's number): the core's context switches
  /// flush it (switchAddressSpace). Register it with addTranslationCache too, for shootdowns.
  void addCoreTranslationCache(unsigned core, TranslationCache* c);
  /// What a context switch does to the TLBs (docs/os.md, "Scheduling and context switches").
  struct SwitchTlb {
    /// PCID/ASID-tagged: entries survive the CR3 write; a core holds the entries of up to
    /// `asidSlots` address spaces and recycles the slots round robin, flushing the slot's old
    /// owner (Linux's TLB_NR_DYN_ASIDS and choose_new_asid). false: a CR3 write without PCIDs
    /// flushes every non-global entry of the core.
    bool pcid = true;
    unsigned asidSlots = 6;
  };
  struct SwitchResult {
    sc_core::sc_time flushCost;  // the CPU's time in TLB invalidations
    unsigned flushes = 0;        // invalidations issued (a CR3 flush, or a recycled PCID)
  };
  /// Core `core` switches from address space `prev` (0: none ran before) to `next`: its TLBs as
  /// `how` says, and the cores bookkeeping of both (mm_cpumask): the core joins `next`'s set; it
  /// leaves `prev`'s when its TLBs no longer hold prev's entries (at once without PCID; with
  /// PCID when prev's slot is recycled, or lazily at the first shootdown IPI of prev that reaches
  /// it while it runs another process, after which the switch back to prev flushes prev's PCID),
  /// so shootdowns of prev's pages keep sending it IPIs while it may still cache them.
  SwitchResult switchAddressSpace(unsigned core, Asid prev, Asid next, const SwitchTlb& how);
  /// Cores in `asid`'s set (its shootdowns' IPI targets), ascending.
  std::vector<unsigned> coresOf(Asid asid) const;
  /// Registers the complete per-process stats of `asid` (system.kernel.<name>.*: faults by kind,
  /// swap-ins and -outs, swap pages held now and at most), next to residentPages and evictions.
  /// The platform asks for them for the processes of time-sliced cores, so that runs of one
  /// workload per core keep the stats they had.
  void addProcessStats(Asid asid);
  /// Called when the OOM killer ends a process (`oom: kill`), so the platform stops its
  /// requesters.
  void onOomKill(std::function<void(Asid)> f) { onOomKill_ = std::move(f); }
  /// Free-frame watermarks of the reclaim daemon, in frames (min, low, high).
  uint64_t watermarkMin() const { return wmarkMin_; }
  uint64_t watermarkLow() const { return wmarkLow_; }
  uint64_t watermarkHigh() const { return wmarkHigh_; }
  /// Frames held by the swap cache (read ahead, under write-back, or written back and not yet
  /// freed), not mapped by any page table.
  uint64_t swapCachePages() const { return swapCache_.size(); }
  /// The swap device's slot map (the `swap` socket must lead to the same device).
  void setSwapSpace(SwapSpace* s) { swapSpace_ = s; }
  /// The direct path for page-table bytes (docs/direct-memory.md): entries are read and written
  /// in host memory through `m` instead of by transport_dbg through `mem`; the timed accesses of
  /// a fault (cost.timed_tables) go through `mem` as before. Set before simulation, and only
  /// when every module between `mem` and the memory keeps no data. nullptr: transport_dbg.
  void setDirectMemory(DirectMemory* m) {
    direct_ = m;
    directMemo_.connect(m);
  }
  /// What `mem` is bound to, taking the LT timed page-table accesses (cost.timed_tables) as
  /// plain values instead of a payload through `mem` (the same access: TimingOnlyTransport).
  /// AT and every other transaction use the socket. nullptr (the default): always the socket.
  void setDirectTiming(TimingOnlyTransport* t) { timing_ = t; }
  /// `swap.enabled`: whether the kernel evicts to a swap device (else the platform need not
  /// create or bind one).
  bool swapEnabled() const { return swapEnabled_; }
  /// Whether the MMUs running `asid` write accessed/dirty bits into its PTEs (the walker's
  /// `set_accessed_dirty`; default true). Without them the kernel keeps the bits itself: a mapped
  /// page of a writable region counts as dirty from its mapping on, and the second chance samples
  /// use by clearing a spared page's present bit (a software reference bit; a use re-validates
  /// it in a reference fault). Set it before the process runs.
  void setHardwareAccessedDirty(Asid asid, bool on);
  /// `replacement: opt`: the kernel needs every process's future page reference string.
  bool needsFutureReferences() const { return opt_ != nullptr; }
  /// The future of process `asid` for `replacement: opt`: the VPN of each access of its trace in
  /// order, and a function telling how many of them from the start have completed (the
  /// requester's position; with several accesses in flight, those before the oldest of them).
  /// Ignored under other policies.
  void setFutureReferences(Asid asid, const std::vector<uint64_t>& vpns,
                           std::function<uint64_t()> completed);
  /// The virtual time of a process (the time it has run, in ps) for wsclock's working-set
  /// window. Default: the simulated time, which it is for a process that has a core to itself;
  /// a scheduler sharing a core between processes sets its own.
  void setVirtualTime(std::function<uint64_t(Asid)> f) { virtualTime_ = std::move(f); }
  /// The process is done: its frames, swap slots and page-table frames are freed, its
  /// translations shot down, and later accesses in `asid` are segmentation faults.
  void exitProcess(Asid asid);

  // Processes (kernel_procs.cpp, docs/os.md "Processes").
  std::optional<Asid> fork(Asid parent, const std::string& name, sc_core::sc_time& delay, bool at,
                           std::string& error) override;
  void exit(Asid asid) override { exitProcess(asid); }  // (exitProcess takes the kernel lock)
  bool exec(Asid asid, sc_core::sc_time& delay, bool at, std::string& error) override;
  bool mmap(Asid asid, uint64_t addr, uint64_t len, Perms perms, bool shared,
            sc_core::sc_time& delay, bool at, std::string& error) override;
  bool munmap(Asid asid, uint64_t addr, uint64_t len, sc_core::sc_time& delay, bool at,
              std::string& error) override;
  bool brk(Asid asid, uint64_t addr, sc_core::sc_time& delay, bool at, std::string& error) override;
  /// Untimed forms for set-up and tests (nothing is charged).
  std::optional<Asid> fork(Asid parent);
  bool mapFixed(Asid asid, uint64_t addr, uint64_t len, Perms perms, bool shared);
  bool unmap(Asid asid, uint64_t addr, uint64_t len);
  /// Records the regions `asid` has now as the address space exec() gives it (children inherit
  /// it). The platform calls it after laying out a process.
  void setExecLayout(Asid asid);
  /// Adds core `core` (an addCore() number) to the cores running `asid` (a thread of the
  /// process runs there): shootdowns of its pages send that core IPIs.
  void addCoreToProcess(Asid asid, unsigned core);
  /// Frames mapped by more than one page-table entry now (copy-on-write or shared).
  uint64_t sharedFrames() const { return sharedFrames_; }
  /// How many page-table entries map the frame at `pa` (0: none; for tests).
  unsigned frameMappers(uint64_t pa) const;
  /// References to swap slot `slot` beyond the first (swap entries shared by fork).
  unsigned slotSharers(uint64_t slot) const;
  /// Whether `asid` is a live process.
  bool alive(Asid asid) const;

  /// Read from roots_, the table the walkers read live (pageTableRoots()).
  std::optional<PhysAddr> pageTableRoot(Asid asid) const override { return roots_.get(asid); }
  const PageTableRoots* pageTableRoots() const override { return &roots_; }
  /// A pinned frame is never evicted (an access holds its physical address).
  void pinFrame(PhysAddr pa) override;
  void unpinFrame(PhysAddr pa) override;
  /// 4 KiB, plus 2 MiB when `thp` is not never, plus the page sizes of the regions added so far.
  std::vector<unsigned> mappedPageShifts() const override { return mappedShifts_; }
  /// The `page_table_format` the kernel builds its tables in.
  const paging::Format& pageTableFormat() const override { return *fmt_; }

  // Introspection for tests and summaries.
  uint64_t framesTotal() const { return frames_.size(); }
  /// First physical byte of the frames the kernel manages (framesTotal() pages from there).
  uint64_t memoryBase() const { return memBase_; }
  uint64_t framesFree() const { return frameAlloc_->freeFrames(); }
  /// The buddy allocator of the frames (for tests and summaries).
  const FrameAllocator& frameAllocator() const { return *frameAlloc_; }
  /// Resident user pages of `asid` (0 for an unknown or exited process).
  uint64_t residentPages(Asid asid) const;
  /// The leaf entry that maps `va`: a 4 KiB PTE, or a 2 MiB / 1 GiB leaf above it (0 when any
  /// level is missing).
  uint64_t leafEntry(Asid asid, uint64_t va);
  /// log2 of the size of the page mapping `va` (12, 21, 30), or 0 when no present leaf maps it.
  unsigned mappingShift(Asid asid, uint64_t va);
  /// The physical address `va` maps to, if a present leaf maps it.
  std::optional<uint64_t> translate(Asid asid, uint64_t va);

 private:
  struct PendingWrite {
    uint64_t slot;
    uint64_t frameIdx;
  };
  // Per frame of memory_size, allocated up front: the flags and shm are packed into the first
  // 8 bytes (40 bytes a frame, not 48). Construct with Frame{} or Frame{fresh} only
  // (the fields' order is not the old one's).
  struct Frame {
    bool fresh = false;   // never handed out before: still zero in a sparse memory
    bool cached = false;  // in the swap cache (unmapped; holds slot swapSlot's content)
    /// The page differs from its swap copy although no mapper's D bit says so (D was moved here
    /// when fork made the mappings copy-on-write).
    bool dirty = false;
    int32_t shm = -1;       // the shared memory object whose page `shmPage` this frame holds
    int64_t swapSlot = -1;  // a copy of the page in swap, valid while the PTE's D bit is clear
    uint64_t writebackDonePs = 0;  // cached: when its swap write completes (sc_time value; 0:
                                   // read ahead, never written)
    uint64_t cleanDonePs = 0;      // mapped: when a write-back started while resident completes
    uint64_t shmPage = 0;          // (its mappers are in rmap_, however many)
  };
  /// A MAP_SHARED|MAP_ANONYMOUS object (shmem): its pages, wherever they are, and the regions
  /// that map it.
  struct ShmObject {
    /// Per page: 0 never touched; frame index + 1 (bit 0 clear, shifted) when resident;
    /// slot << 1 | 1 when in swap. See shmResident() etc. in kernel_procs.cpp.
    std::vector<uint64_t> pages;
    uint32_t users = 0;  // regions mapping it (all processes)
  };

  /// Where each part of the kernel's time goes (stat faultCycles, by part).
  enum Part : unsigned {
    kTrap,
    kHandler,
    kPageTable,
    kZero,
    kTlb,
    kIpi,
    kReclaim,
    kIo,
    kWait,
    kCopy,
    kParts
  };
  /// What a resolved fault did (the fault-latency histogram it is sampled in).
  enum class Served : uint8_t { None, DemandZero, SwapIn, SwapCache, Huge, Reference, Cow };

  struct Process {
    std::string name;
    uint64_t root = 0;
    std::vector<Region> regions;
    bool hardwareAD = true;  // the MMUs set A/D in this process's PTEs
    bool exited = false;
    bool killed = false;  // ended by the OOM killer
    /// Cores running this address space (Linux's mm_cpumask): the targets of its shootdowns.
    std::vector<unsigned> cpus;
    uint64_t resident = 0;
    stats::Scalar* residentStat = nullptr;
    stats::Scalar* peakStat = nullptr;
    stats::Scalar* atExitStat = nullptr;
    stats::Scalar* evictedStat = nullptr;
    Asid asid = 0;
    std::vector<Region> execLayout;     // the regions exec() gives the process
    uint64_t brkStart = 0, brkEnd = 0;  // brk(): the heap [brkStart, brkEnd) (0: no brk yet)
    stats::Scalar* forksStat = nullptr;
    stats::Scalar* cowFaultsStat = nullptr;
    stats::Scalar* cowCopiesStat = nullptr;
    uint64_t sharedPages = 0;  // its resident pages whose frame another entry maps too
    stats::Scalar* sharedPagesStat = nullptr;
    std::string tag;  // the name its stats are registered under
    /// addProcessStats: faults by kind and swap use of this process (nullptr: not kept).
    struct Full {
      stats::Scalar *minor, *major, *seg, *prot, *oom, *swapIns, *swapOuts, *swapPages, *peakSwap;
    };
    std::unique_ptr<Full> full;
    uint64_t swapPages = 0;  // swap slots holding this process's pages
  };
  /// A swap slot was taken (+1) or given back (-1) for a page of `p`.
  void swapSlotsChanged(Process& p, int delta);

  /// exitProcess under the kernel lock (the OOM killer's path).
  void exitLocked(Asid asid);
  void b_transport(int from, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  /// Resolves a not-present fault; returns the fault kind that ends the access, or None.
  FaultKind handleFault(Asid asid, uint64_t va, AccessKind kind, sc_core::sc_time& delay);

  // Timed kernel work (docs/os.md).
  void readCosts(Params c);
  void readReclaim(Params& p, uint64_t frames);
  struct Costs {
    uint64_t trapCycles = 0, handlerCycles = 0, swapinCycles = 0, reclaimPageCycles = 0;
    bool timedTables = true;  // page-table accesses through `mem` (else fixed cycles each)
    uint64_t tableAccessCycles = 0;
    bool zeroThroughMemory = false;  // zeroing as line writes through `mem` (else per byte)
    double zeroPsPerByte = 0;
    uint64_t ipiSendCycles = 0, ipiHandlerCycles = 0;
    sc_core::sc_time ipiLatency, ipiAck;
  };
  /// One timed access of the kernel's own through `mem`: 4-phase when the kernel works for AT
  /// callers (it may then wait), else b_transport.
  void memTiming(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  tlm::tlm_sync_enum mem_nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                         sc_core::sc_time& delay);
  /// The kernel lock: one fault or daemon pass at a time. Only AT work waits inside (its timed
  /// accesses), so in LT it is never contended.
  void lock();
  void unlock();
  /// Adds `t` to `delay` and to part `part`'s total. Inline: a fault charges four parts or more.
  void charge(Part part, const sc_core::sc_time& t, sc_core::sc_time& delay) {
    delay += t;
    partStats()[part] += t / clockPeriod();
  }
  /// The timeline now (in units of the time resolution, as sc_time::value()): simulation time
  /// plus the delay of the kernel work under way.
  uint64_t nowPs(const sc_core::sc_time& delay) const {
    return (sc_core::sc_time_stamp() + delay).value();
  }
  /// `ticks` (time-resolution units) in kernel cycles: sc_time::from_value(ticks) /
  /// clockPeriod(), the same double, without the library call.
  double ticksInCycles(uint64_t ticks) const {
    return static_cast<double>(ticks) / clockPeriod().to_double();
  }
  /// The timing of one page-table access (8 bytes at `pa`) through `mem`, charged to the work
  /// under way (`work_`); its data moved functionally already. The LT direct path (a fault makes
  /// five of these) is inline, the rest is tableTimingSlow.
  void tableTiming(uint64_t pa, uint64_t value, bool write) {
    if (timing_ && !at_ && cost_.timedTables) {
      // The payload of tableTimingSlow as plain values: 8 bytes, timing only, a page-table
      // access. An LT access does not wait, so the time it took is what it added to the delay
      // (the same ticks as the difference of nowPs(), without asking SystemC for the time).
      write ? ++tableWrites_ : ++tableReads_;
      const uint64_t before = work_->value();
      timing_->timingOnlyTransport(pa, 8, write, true, *work_);
      partStats()[kPageTable] += ticksInCycles(work_->value() - before);
      return;
    }
    tableTimingSlow(pa, value, write);
  }
  void tableTimingSlow(uint64_t pa, uint64_t value, bool write);
  /// Zeroing cost of `bytes` at `pa` (the frames are zeroed functionally by the caller). The
  /// per_byte charge of the size converted last (a fault's 4 KiB page) is inline.
  void chargeZero(uint64_t pa, uint64_t bytes, sc_core::sc_time& delay) {
    if (!cost_.zeroThroughMemory && bytes == zeroMemoBytes_) {
      charge(kZero, zeroMemo_, delay);
      return;
    }
    chargeZeroSlow(pa, bytes, delay);
  }
  void chargeZeroSlow(uint64_t pa, uint64_t bytes, sc_core::sc_time& delay);
  /// The IPIs of a shootdown of `asid` started by `initiator` (kNoCore: the reclaim daemon):
  /// each other core running `asid` pays an interrupt; returns the initiator's wait.
  sc_core::sc_time ipis(Asid asid, unsigned initiator);
  static constexpr unsigned kNoCore = ~0u;

  // Processes (kernel_procs.cpp).
  void readProcessCosts(Params c);
  std::optional<Asid> forkProcess(Asid parent, const std::string& name, std::string& error);
  /// Registers the per-process stats of `p` (named `tag`).
  void processStats(Process& p, const std::string& tag);
  /// A store to the copy-on-write page whose leaf `old` sits at `entryAddr`: copies the page
  /// into a new frame, or (last sharer) makes the leaf writable again.
  FaultKind cowFault(Asid asid, Process& p, uint64_t va, uint64_t entryAddr, uint64_t old,
                     sc_core::sc_time& delay);
  /// A fault in a shared (shmem) region: maps the object's page (allocating, zero-filling or
  /// swapping it in first).
  FaultKind shmFault(Asid asid, Process& p, const Region& r, uint64_t va, uint64_t entryAddr,
                     sc_core::sc_time& delay);
  /// Copies the level-`level` table `from` of `parent` (mapping VAs from `base`) into the
  /// child's table `to`, making private writable pages copy-on-write. False: no frame left.
  bool copyTable(Process& parent, Process& child, uint64_t from, uint64_t to, unsigned level,
                 uint64_t base);
  /// Eagerly copies the mapped pages of hugetlbfs-like region `r` into `child`.
  bool copyHugeRegion(Process& parent, Process& child, const Region& r);
  /// Charges copying `bytes` from `src` to `dst` (the data moved functionally already).
  void chargeCopy(uint64_t src, uint64_t dst, uint64_t bytes, sc_core::sc_time& delay);
  /// Adds `key` as a mapper of frame `idx` (`owner`: its mapper so far, for a private frame
  /// becoming shared).
  void rmapAdd(uint64_t idx, uint64_t owner, uint64_t key);
  /// Removes `asid`'s mapping from frame `idx`'s mappers; returns how many remain.
  size_t rmapRemove(uint64_t idx, Asid asid);
  /// Evicts frame `idx` (victim `key`) that several entries map, or a shmem frame: every mapper
  /// is unmapped (Linux try_to_unmap through the rmap), the page written once.
  std::optional<uint64_t> evictShared(uint64_t key, uint64_t idx, sc_core::sc_time& delay,
                                      bool queue, bool* queued);
  /// Drops one reference to swap slot `slot` (freeing it, and its swap-cache frame, with the
  /// last).
  void releaseSlot(uint64_t slot);
  bool slotShared(uint64_t slot) const { return slotSharers_.count(slot) != 0; }
  /// A region of `asid` leaves (exit, exec, munmap): a shmem object loses a user.
  void dropShmUser(const Region& r);
  /// Unmaps [addr, addr+len) from every region of `p` (splitting them), as munmap does.
  bool unmapRegions(Asid asid, uint64_t addr, uint64_t len, std::string& error);
  /// Begins / ends timed process work (the kernel lock, trap, the work's delay).
  void beginWork(sc_core::sc_time& delay, bool at, uint64_t cycles);
  void endWork();
  void sharedChanged(int delta);
  /// One more (+1) or one fewer (-1) of the pages of the process of `key` is shared.
  void sharedPageChanged(uint64_t key, int delta);

  // Reclaim (kernel.cpp).
  /// kswapd: wakes when free frames fall below the low watermark, reclaims until the high one.
  void reclaimDaemon();
  /// Unmaps up to `pages` victims: clean ones are freed at once, dirty ones queued for one
  /// clustered write (their frames stay in the swap cache until it completes). Returns pages
  /// unmapped.
  uint64_t reclaim(uint64_t pages, bool direct, sc_core::sc_time& delay);
  /// The part-cycle stats the work under way is charged to (fault, daemon or access sampler).
  stats::Vector& partStats() {
    return inSampler_ ? sampleCycles_ : inDaemon_ ? daemonCycles_ : partCycles_;
  }
  /// Issues the queued swap writes, one disk request per run of consecutive slots; their
  /// frames' write-back completes at the request's end.
  void flushWrites(sc_core::sc_time& delay);
  /// Frees a frame for a fault when none is free: direct reclaim (and a wait for a write-back
  /// if needed). False: memory and swap are exhausted.
  bool directReclaim(sc_core::sc_time& delay);
  /// Frees swap-cache frames whose write-back has completed by `nowPs` (at most `max`).
  uint64_t reapSwapCache(uint64_t nowPs, uint64_t max);
  /// Takes swap-cache frame `idx` out of the cache (its slot stays allocated).
  void uncache(uint64_t idx);
  /// Earliest write-back completion among the swap cache's frames (0: none in flight).
  uint64_t earliestWriteback() const;
  void wakeDaemonIfLow();
  /// Frees the oldest swap-cache frame read ahead and not used; false when there is none.
  bool dropReadahead();
  /// One swap request for `pages` consecutive slots from `slot` (the single call site of the
  /// disk: a multi-page request is one transaction).
  bool swapRequest(uint64_t slot, uint64_t pages, unsigned char* buf, bool write,
                   sc_core::sc_time& delay);
  /// Swap-in of `slot` into `frame` with read-ahead of the neighbouring slots of its cluster into
  /// the swap cache.
  bool swapIn(uint64_t slot, uint64_t frame, sc_core::sc_time& delay);
  void setSlotOnDisk(uint64_t slot, bool onDisk);
  bool slotOnDisk(uint64_t slot) const { return slot < slotOnDisk_.size() && slotOnDisk_[slot]; }
  /// Memory and swap are exhausted at a fault of `asid` at `va`: the OOM policy. True when a
  /// process was killed and the fault may try again.
  bool outOfMemory(Asid asid, uint64_t va);
  void noteMajorFault(uint64_t nowPs);
  const Region* findRegion(const Process& p, uint64_t va) const;
  /// Physical address of the entry at level `leafLevel` (1 = 4 KiB PTE, 2 = 2 MiB, 3 = 1 GiB,
  /// ... as paging::Format numbers them) on `va`'s path, creating missing tables above it when
  /// `create` (new pointers are fully permissive: the leaf carries the permissions). 0 when a
  /// table is missing and !create, when no frame is left for a table, when `leafLevel` is
  /// outside 1..levels(), or when an entry above `leafLevel` is not a pointer (a larger page, or
  /// the software entry of a non-present one, maps `va`). The entry itself is not changed: the
  /// caller writes the leaf with pageTableFormat().encode(entry, leafLevel) and must check
  /// leafAllowed(leafLevel) and, for a level above 1, that the entry does not already point to a
  /// table. The API the huge-page code builds on.
  uint64_t entryAddr(Process& p, uint64_t va, unsigned leafLevel, bool create);
  /// The 4 KiB leaf entry of `va` (entryAddr at level 1).
  uint64_t leafEntryAddr(Process& p, uint64_t va, bool create) {
    return entryAddr(p, va, 1, create);
  }
  /// Where the walk of `va` ends: the entry that is not a pointer (a leaf at `level`, or a
  /// non-present entry), without creating anything. {0, 0} when a table above is missing.
  struct LeafRef {
    uint64_t addr = 0;
    unsigned level = 0;
  };
  LeafRef findLeaf(Process& p, uint64_t va);

  // Huge pages (kernel_huge.cpp).
  enum class Thp : uint8_t { Never, Madvise, Always };
  /// Whether `e` found at `level` is a present leaf above level 1 (a 2 MiB or 1 GiB page).
  bool isHugeLeaf(uint64_t e, unsigned level) const;
  /// The leaf entry mapping `frame` at `level` with the region's permissions (A/D preset when the
  /// process's MMUs do not set them).
  uint64_t makeLeaf(uint64_t frame, const Region& r, const Process& p, unsigned level) const;
  /// A transparent huge page for the fault at `va` when the policy and free memory allow it
  /// (Linux do_huge_pmd_anonymous_page). True when a 2 MiB page maps `va` now; false to fall
  /// back to a 4 KiB page (counted in thpFallbacks by reason).
  bool thpFault(Asid asid, Process& p, const Region& r, uint64_t va, sc_core::sc_time& delay);
  /// A fault in a region with pageShift > 12 (hugetlbfs-like): maps its page or fails as out of
  /// memory when no aligned free block exists.
  FaultKind hugeRegionFault(Asid asid, Process& p, const Region& r, uint64_t va,
                            sc_core::sc_time& delay);
  /// Takes a free block of 2^order frames (no eviction) and prepares its frames' records.
  std::optional<uint64_t> allocBlock(unsigned order);
  /// Zero-fills the 2^order frames from `pa` and charges order-scaled zeroing time.
  void zeroBlock(uint64_t pa, unsigned order, sc_core::sc_time& delay);
  /// Splits the THP mapped by the level-2 entry at `pdeAddr` (virtual base `hva`) into 512 4 KiB
  /// PTEs in the page table deposited at its fault, as Linux split_huge_pmd does; its 4 KiB
  /// pages then take part in replacement one by one.
  void splitHuge(Asid asid, uint64_t hva, uint64_t pdeAddr);
  /// If the resident page `key` is a THP, splits it.
  void splitIfHuge(uint64_t key);
  /// Frees the huge page that the leaf `e` at `addr` (level `level`) maps: its block and, for a
  /// THP, its deposited table. The caller clears the entry.
  void releaseHuge(Process& p, uint64_t addr, uint64_t e, unsigned level);
  /// Present, or revoked (the software reference bit being sampled): the entry holds a frame.
  bool resident(uint64_t e) const;
  std::optional<uint64_t> allocFrame(sc_core::sc_time& delay);
  /// Returns the frame at physical address `pa` (one 4 KiB frame) to the buddy allocator.
  void freeFrame(uint64_t pa);
  /// Evicts one victim. With `queue` its swap write (if dirty) is queued for flushWrites and its
  /// frame stays in the swap cache (returns nullopt but `*queued` true); else it is written at
  /// once and its frame returned.
  std::optional<uint64_t> evictOne(sc_core::sc_time& delay, bool queue = false,
                                   bool* queued = nullptr);
  /// Evicts the resident page `key` (evictOne's second half, and VMS's local replacement).
  std::optional<uint64_t> evictPage(uint64_t key, sc_core::sc_time& delay, bool queue,
                                    bool* queued);
  // Replacement policies of real kernels (kernel_policies.h; kernel_policies_glue in
  // kernel_reclaim.cpp).
  /// The PageState the policies read: PTE bits through the timed page-table accesses.
  class PolicyState;
  /// A victim from a policy that reads page state itself; write-backs it started are issued.
  uint64_t chooseWithState(sc_core::sc_time& delay);
  /// wsclock: starts the write-back of the resident dirty page `key` (queued in cleaning_).
  bool startWriteback(uint64_t key);
  /// Issues the queued write-backs of resident pages, clustered by consecutive slots.
  void flushCleaning(sc_core::sc_time& delay);
  /// VMS: before `asid` gets a frame, it gives up its oldest page when at its resident limit.
  void localReplace(Asid asid, sc_core::sc_time& delay);
  /// True LRU: every `lru.sample_period` reads and clears the accessed bits of the resident
  /// pages and moves the referenced ones to the recency list's tail.
  void accessSampler();
  void sampleAccessed(sc_core::sc_time& delay);
  void start_of_simulation() override;
  /// Whether the resident page `key` (asid << 36 | vpn) sits in a pinned frame.
  bool pagePinned(uint64_t key);
  void unmapRange(Asid asid, uint64_t start, uint64_t size);
  /// Frees what the leaf entry `e` of `p` holds: its frame (and the frame's swap copy) if
  /// resident, else its swap slot. True if it was resident.
  bool releasePage(Process& p, uint64_t e);
  /// INVLPG of `va` in every TLB and walk cache; returns its cost (flushTranslations).
  sc_core::sc_time shootdown(Asid asid, uint64_t va);
  // Software TLB refill (refill_tsock).
  void refill_b_transport(int from, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int refill_transport_dbg(int from, tlm::tlm_generic_payload& gp);
  /// The refill handler: walks `x.asid`'s page table for `x.va` and fills the answer fields of
  /// `x`; timed reads and A/D writes through `mem` unless `debug`.
  void refillTranslation(TranslationExt& x, sc_core::sc_time& delay, bool debug);
  uint64_t timedAccess64(uint64_t pa, uint64_t value, bool write, sc_core::sc_time& delay);
  void end_of_elaboration() override;
  void residentChanged(Process& p, int delta);
  /// Frees the table at `table` (a level-`level` table) and everything below it.
  void freeTable(Process& p, uint64_t table, unsigned level);

  /// Functional (debug-transport) access to physical memory; fatal if memory refuses it.
  void debugTransfer(uint64_t pa, unsigned char* data, unsigned len, bool toMemory,
                     const char* what);
  /// The host bytes of the entry at `pa` on the direct path (nullptr: none, use transport_dbg).
  uint64_t* directEntry(uint64_t pa) const {
    return direct_ && !(pa & 7) ? directMemo_.entry(pa) : nullptr;
  }
  /// A page-table entry read or written (timed when work is under way). Inline: a fault makes
  /// five of them, and the direct path is a lookup and a load or store.
  uint64_t read64(uint64_t pa) {
    const uint64_t* e = directEntry(pa);
    const uint64_t v = e ? *e : debugRead64(pa);
    if (work_) tableTiming(pa, v, false);
    return v;
  }
  void write64(uint64_t pa, uint64_t v) {
    if (uint64_t* e = directEntry(pa)) {
      *e = v;
    } else {
      debugWrite64(pa, v);
    }
    if (work_) tableTiming(pa, v, true);
  }
  /// read64 and write64 without the direct path: by transport_dbg through `mem`.
  uint64_t debugRead64(uint64_t pa);
  void debugWrite64(uint64_t pa, uint64_t v);
  void copyFrame(uint64_t pa, unsigned char* buf, bool toMemory);
  void zeroFrame(uint64_t pa);

  const paging::Format* fmt_ = nullptr;
  std::map<Asid, Process> procs_;
  /// procs_[asid] by ASID (ASIDs are handed out in order and never reused; map nodes do not
  /// move): the fault path's and the walkers' lookup without the tree search.
  std::vector<Process*> byAsid_;
  Process* process(Asid asid) { return asid < byAsid_.size() ? byAsid_[asid] : nullptr; }
  const Process* process(Asid asid) const {
    return asid < byAsid_.size() ? byAsid_[asid] : nullptr;
  }
  /// Every process's root as the walkers see it: p.root while p lives, PageTableRoots::kNone
  /// once it exited. publishRoot(p) must follow every change of p.root or p.exited (create,
  /// exec, exit) before anything can walk; the slot is the only root the walkers read, so no
  /// walker holds a copy that could go stale.
  PageTableRoots roots_;
  void publishRoot(const Process& p) {
    roots_.byAsid[p.asid] = p.exited ? PageTableRoots::kNone : p.root;
  }
  /// The leaf entry of a 4 KiB page mapping `frame` with `leaf`'s other fields:
  /// fmt_->encode(leaf, 1), from the bits of the last field combination (the frame field is
  /// disjoint from every other bit of a leaf, format_test checks it).
  uint64_t encodeLeaf(const paging::Entry& leaf);
  uint32_t leafMemoKey_ = ~0u;  // the fields (packed) whose frameless encoding leafMemo_ holds
  uint64_t leafMemo_ = 0;
  std::vector<Frame> frames_;
  std::unique_ptr<FrameAllocator> frameAlloc_;  // over physical frame numbers
  Thp thp_ = Thp::Never;
  std::vector<unsigned> mappedShifts_{12};
  /// THPs: the physical address of the PDE -> the page-table frame deposited for its split.
  std::unordered_map<uint64_t, uint64_t> deposits_;
  bool hugeOomReported_ = false;
  uint64_t memBase_ = 0;
  std::vector<TranslationCache*> caches_;
  std::unique_ptr<ReplacementPolicy> policy_;
  KernelOptPolicy* opt_ = nullptr;  // policy_ when replacement is opt
  VmsPolicy* vms_ = nullptr;        // policy_ when replacement is vms
  uint64_t vmsModifiedPages_ = 32;
  bool vmsAutoLimit_ = false;
  std::function<uint64_t(Asid)> virtualTime_;
  std::vector<PendingWrite> cleaning_;  // write-backs of resident pages (wsclock)
  sc_core::sc_time cleaningDelay_;      // their TLB invalidations outside timed work
  sc_core::sc_time samplePeriod_;       // lru: accessed-bit sampling period (0: off)
  sc_core::sc_event faultEvent_;
  uint64_t faultCount_ = 0;
  bool samplerIdle_ = false;
  bool inSampler_ = false;
  std::vector<std::unique_ptr<ProcessMemory>>
      processMemories_;  // over resident user pages (asid << 36 | vpn)
  bool useAccessedBit_ = true;
  SwapSpace* swapSpace_ = nullptr;
  DirectMemory* direct_ = nullptr;
  mutable DirectPages directMemo_;  // direct_'s pages, remembered
  TimingOnlyTransport* timing_ = nullptr;
  bool swapEnabled_ = true;
  bool mapAnywhere_ = false;
  Region anywhere_;  // map_anywhere: the region of an address outside every region (built once)
  bool assumeZeroed_ = true;
  std::vector<bool> everUsed_;
  std::vector<uint32_t> pinCount_;  // per frame: accesses in flight that hold it
  Costs cost_;
  uint64_t zeroMemoBytes_ = 0;  // per_byte zeroing: the size whose time zeroMemo_ holds
  sc_core::sc_time zeroMemo_;
  bool at_ = false;  // the last fault came from an AT caller (the daemon follows it)
  AtInitiatorPort memAt_;
  bool locked_ = false;
  unsigned lockWaiters_ = 0;
  sc_core::sc_event unlocked_;
  /// The delay of the kernel work under way (a fault, the daemon's pass): page-table accesses
  /// charge their timing to it. nullptr: untimed (set-up, introspection, process exit).
  sc_core::sc_time* work_ = nullptr;
  struct CoreInfo {
    InterruptTarget* irq = nullptr;
    std::vector<TranslationCache*> caches;  // private to the core (context-switch flushes)
    std::vector<Asid> slots;                // PCID slots: the address space each one holds
    unsigned nextSlot = 0;                  // the slot a new address space takes (round robin)
    bool scheduled = false;                 // a time-sliced core (switchAddressSpace called)
    Asid loaded = 0;                        // the address space it runs (time-sliced cores)
    /// Address spaces the core left lazily at a shootdown IPI while it ran another: their PCID
    /// entries may be stale and are flushed when the core switches back (Linux's tlb_gen check).
    std::vector<Asid> stale;
  };
  /// Invalidates `kind` in core `core`'s private caches only; counted as flushTranslations.
  sc_core::sc_time flushCore(unsigned core, Invalidation kind, Asid asid);
  std::vector<CoreInfo> cores_;
  unsigned faultingCore_ = kNoCore;
  Served served_ = Served::None;
  // Reclaim and the swap cache.
  bool daemon_ = true;
  uint64_t wmarkMin_ = 0, wmarkLow_ = 0, wmarkHigh_ = 0;
  uint64_t clusterPages_ = 1, readaheadPages_ = 1, directPages_ = 1;
  sc_core::sc_event wake_;
  bool daemonRunning_ = false;
  std::unordered_map<uint64_t, uint64_t> swapCache_;  // slot -> frame index
  std::deque<uint64_t> cacheOrder_;  // read-ahead frames, oldest first (lazy: skip stale ones)
  /// Queued swap writes in issue order: (completion time, frame index); lazy like cacheOrder_.
  std::deque<std::pair<uint64_t, uint64_t>> writebacks_;
  bool inDaemon_ = false;         // the work under way is the daemon's (stat daemonCycles)
  std::vector<bool> slotOnDisk_;  // a swapped PTE holds the slot (its page is not resident)
  std::vector<PendingWrite> pending_;
  std::vector<unsigned char> ioBuf_;
  // OOM and thrashing.
  enum class Oom : uint8_t { Kill, Stop, Fail };
  Oom oom_ = Oom::Kill;
  std::function<void(Asid)> onOomKill_;
  uint64_t thrashWindowPs_ = 0, thrashLimit_ = 0, thrashWindows_ = 0;
  uint64_t thrashWindow_ = 0, thrashCount_ = 0, thrashRun_ = 0;
  bool thrashReported_ = false;
  PayloadPool pool_{4096};
  PayloadPool tablePool_{8};  // the kernel's timing-only page-table accesses
  PayloadPool zeroPool_{8};   // timing-only zeroing writes (cost.zero: memory)

  // Processes.
  std::unordered_map<uint64_t, std::vector<uint64_t>> rmap_;  // frame index -> mapper keys
  std::unordered_map<uint64_t, uint32_t> slotSharers_;        // slot -> extra references
  std::vector<ShmObject> shm_;
  uint64_t sharedFrames_ = 0;
  struct ProcCosts {
    uint64_t forkCycles = 0, forkPageCycles = 0, execCycles = 0, cowCycles = 0, mmapCycles = 0;
    bool copyThroughMemory = false;
    double copyPsPerByte = 0;
  } pcost_;
  PayloadPool copyPool_{8};
  stats::Scalar* forks_ = nullptr;
  stats::Scalar* exits_ = nullptr;
  stats::Scalar* execs_ = nullptr;
  stats::Scalar* cowFaults_ = nullptr;
  stats::Scalar* cowCopies_ = nullptr;
  stats::Scalar* cowReuses_ = nullptr;
  stats::Scalar* sharedFramesStat_ = nullptr;
  stats::Scalar* peakSharedFrames_ = nullptr;
  stats::Scalar* shmFaults_ = nullptr;
  stats::Scalar* sharedEvictions_ = nullptr;
  stats::Scalar* forkPages_ = nullptr;
  stats::Histogram* latCow_ = nullptr;
  stats::Histogram* forkLatency_ = nullptr;

  stats::Scalar& minorFaults_;
  stats::Scalar& majorFaults_;
  stats::Scalar& segFaults_;
  stats::Scalar& protFaults_;
  stats::Scalar& oomFaults_;
  stats::Scalar& swapIns_;
  stats::Scalar& swapOuts_;
  stats::Scalar& evictions_;
  stats::Scalar& tableFrames_;
  stats::Scalar& secondChances_;
  stats::Scalar& referenceFaults_;
  stats::Scalar& cleanEvictions_;
  std::vector<unsigned char> pageBuf_ = std::vector<unsigned char>(4096);
  stats::Histogram& faultLatency_;
  stats::Vector& freeBlocks_;
  stats::Vector& hugeFaults_;
  stats::Vector& hugeOutOfMemory_;
  stats::Vector& thpFallbacks_;
  stats::Scalar& hugeSplits_;
  stats::Distribution& unusableAtHugeFault_;
  stats::Scalar& refills_;
  stats::Scalar& refillReads_;
  stats::Scalar& refillWrites_;
  stats::Vector& flushes_;
  stats::Vector& flushCycles_;
  stats::Histogram& latDemandZero_;
  stats::Histogram& latSwapIn_;
  stats::Histogram& latSwapCache_;
  stats::Histogram& latHuge_;
  stats::Vector& partCycles_;
  stats::Vector& daemonCycles_;
  stats::Scalar& readaheadHits_;
  stats::Scalar& zeroFills_;
  stats::Scalar& tableReads_;
  stats::Scalar& tableWrites_;
  stats::Scalar& ipis_;
  stats::Scalar& ipiShootdowns_;
  stats::Scalar& bgReclaimed_;
  stats::Scalar& directReclaimed_;
  stats::Scalar& directReclaims_;
  stats::Scalar& daemonWakeups_;
  stats::Scalar& writebackWaits_;
  stats::Scalar& directWriteWaits_;
  stats::Scalar& asyncWrites_;
  stats::Scalar& writeRequests_;
  stats::Scalar& readRequests_;
  stats::Scalar& readahead_;
  stats::Scalar& swapCacheHits_;
  stats::Scalar& swapCacheDrops_;
  stats::Scalar& oomKills_;
  stats::Scalar& thrashingWindows_;
  stats::Scalar& cleanWrites_;
  stats::Scalar& localEvictions_;
  stats::Scalar& lruSamples_;
  stats::Scalar& lruReferenced_;
  stats::Vector& sampleCycles_;
};

}  // namespace vmsim::os
