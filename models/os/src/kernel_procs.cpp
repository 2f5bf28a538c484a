// Processes in the kernel model (docs/os.md, "Processes"): fork with copy-on-write, the
// copy-on-write fault, exit, an exec-like reset, anonymous private and shared (shmem) mappings,
// munmap of any range, brk, and threads (several cores running one address space).
//
// Sharing rules (Linux mm/memory.c copy_present_pte, do_wp_page; mm/rmap.c; mm/swapfile.c):
// - fork copies the page tables. A resident page of a writable private mapping becomes read-only
//   in parent and child with the copy-on-write software bit (paging::Format::isCow); its frame is
//   then mapped by both (rmap_ lists every mapper of a shared frame). A swapped-out page's swap
//   entry is copied and the slot gains a reference (slotSharers_, Linux's swap_duplicate).
// - A store through a copy-on-write entry faults (the walker hands it to the kernel): while other
//   entries map the frame, the page is copied into a new frame (cowCopies); the last mapper just
//   gets write permission back (cowReuses), as do_wp_page's wp_can_reuse_anon_folio.
// - A frame goes back to the allocator only when its last mapper goes (exit, munmap, exec); a
//   slot only with its last reference. A dirty page is never written into a slot another entry
//   still holds (it gets a slot of its own).
// - Reclaim of a shared frame unmaps every mapper (try_to_unmap through the rmap) and writes the
//   page once; each private mapper gets the swap entry. A process that faults the slot in gets a
//   copy of its own (Linux would share it again through the swap cache while it is there; here
//   only the first faulting process finds it in the swap cache).
// - MAP_SHARED|MAP_ANONYMOUS regions belong to a shmem object (ShmObject): its pages are found by
//   object and index, never through swap entries in the page tables (mm/shmem.c); processes
//   forked later map the same object, so writes are seen by all.
// - Huge pages: a transparent huge page of the parent is split into 4 KiB pages at fork, which
//   are then shared copy-on-write. (Linux shares the huge PMD at fork and splits it at the first
//   write, do_huge_pmd_wp_page -> __split_huge_pmd since 5.8; the difference is the parent's
//   TLB reach after a fork.) Pages of hugetlbfs-like regions are copied at fork (Linux shares
//   them and copies the whole huge page at the first write, hugetlb_wp).
#include <algorithm>

#include "vmsim/os/kernel.h"
#include "vmsim/os/replacement.h"
#include "vmsim/paging/format.h"

namespace vmsim::os {
namespace {
constexpr uint64_t kPage = 4096;
constexpr unsigned kVpnBits = 45;  // as kernel.cpp's page keys
uint64_t pageKey(Asid asid, uint64_t vpn) {
  return (uint64_t{asid} << kVpnBits) | vpn;
}
Asid keyAsid(uint64_t key) {
  return static_cast<Asid>(key >> kVpnBits);
}
uint64_t keyVpn(uint64_t key) {
  return key & ((uint64_t{1} << kVpnBits) - 1);
}
uint64_t roundUp(uint64_t v) {
  return (v + kPage - 1) & ~(kPage - 1);
}
// A shmem object's page: 0 never touched, (frame index + 1) << 1 resident, slot << 1 | 1 swapped.
bool shmSwapped(uint64_t v) {
  return v & 1;
}
uint64_t shmFrame(uint64_t v) {
  return (v >> 1) - 1;
}
uint64_t shmOfFrame(uint64_t idx) {
  return (idx + 1) << 1;
}
uint64_t shmOfSlot(uint64_t slot) {
  return slot << 1 | 1;
}
}  // namespace

// --- parameters and stats -----------------------------------------------------------------

void Kernel::readProcessCosts(Params c) {
  // Measured on the development container (AMD EPYC, Linux 6.18 guest, firecracker): fork() of a
  // small C process takes 90-110 us in the parent before any page of the test buffer is copied;
  // each further resident 4 KiB page adds 105-125 ns (fork of 16384 and 65536 touched pages:
  // 2.0-2.4 ms and 6.8-8.2 ms); a copy-on-write store costs 3.4-3.8 us against 2.8 us for a
  // demand-zero store in the same run, and the last sharer's store (reuse) 1.1-1.4 us
  // (bench/host/fork_cow.c; docs/os.md "Processes" has the figures).
  pcost_.forkCycles = c.getUint(
      "fork_cycles", 180000, "Cycle",
      "fork(): work besides copying the page tables (task, mm and VMA duplication, the files, "
      "the child's set-up); 90 us, as measured for a small process (docs/os.md)",
      Range{0, 1e12});
  pcost_.forkPageCycles =
      c.getUint("fork_page_cycles", 130, "Cycle",
                "fork(): software work per resident page besides its page-table reads and writes "
                "(copy_present_pte: page reference and rmap duplication); with those the measured "
                "105-125 ns per page (docs/os.md)",
                Range{0, 1e9});
  pcost_.execCycles = c.getUint(
      "exec_cycles", 180000, "Cycle",
      "exec-like reset: work besides tearing down the old page tables (a new mm, the binary's "
      "mappings); an estimate of the order of fork's (docs/os.md)",
      Range{0, 1e12});
  pcost_.mmapCycles =
      c.getUint("mmap_cycles", 2000, "Cycle",
                "mmap/munmap/brk: system-call entry and VMA work besides unmapping pages (1 us; an "
                "estimate: an mmap+munmap pair of an untouched page takes ~2 us on current x86)",
                Range{0, 1e9});
  pcost_.copyThroughMemory =
      c.getChoice("copy", "per_byte", {"per_byte", "memory"},
                  "copying a page (copy-on-write, huge pages at fork): per_byte at "
                  "copy_bandwidth, or memory: timing-only reads of the source and writes of the "
                  "copy through the kernel's memory socket (caches and DRAM time them)") ==
      "memory";
  const double bw = c.getDouble(
      "copy_bandwidth", 6.5, "GB/s",
      "per_byte copying speed (bytes of the page per second): 4 KiB memcpy over a 256 MiB "
      "buffer ran at 5.9-6.7 GB/s (610-700 ns a page) on the development container "
      "(bench/host/fork_cow.c, docs/os.md)",
      Range{0.001, 1e4});
  pcost_.copyPsPerByte = 1000.0 / bw;
  auto& reg = context().stats;
  forks_ = &reg.scalar(statName("forks"), "Count", "fork() calls that created a process");
  exits_ = &reg.scalar(statName("exits"), "Count", "processes that exited (or were killed)");
  execs_ = &reg.scalar(statName("execs"), "Count", "exec-like address-space resets");
  cowFaults_ =
      &reg.scalar(statName("cowFaults"), "Count", "stores that faulted on a copy-on-write page");
  cowCopies_ = &reg.scalar(statName("cowCopies"), "Count",
                           "copy-on-write faults that copied the page (other entries mapped it)");
  cowReuses_ = &reg.scalar(statName("cowReuses"), "Count",
                           "copy-on-write faults of the last mapper: write permission restored, "
                           "no copy");
  sharedFramesStat_ = &reg.scalar(statName("sharedFrames"), "Count",
                                  "frames mapped by more than one page-table entry now "
                                  "(copy-on-write after fork, or shared mappings)");
  peakSharedFrames_ =
      &reg.scalar(statName("peakSharedFrames"), "Count", "most frames shared at once");
  shmFaults_ = &reg.scalar(statName("sharedMappingFaults"), "Count",
                           "faults in shared anonymous mappings (the object's page mapped, "
                           "allocated or swapped in)");
  sharedEvictions_ = &reg.scalar(statName("sharedEvictions"), "Count",
                                 "evictions of frames several entries mapped (all unmapped)");
  forkPages_ = &reg.scalar(statName("forkPages"), "Count",
                           "resident pages fork() mapped into children (shared, not copied)");
  latCow_ = &reg.histogram(statName("faultLatencyCow"), 16, "Cycle",
                           "cycles of copy-on-write faults (copies and reuses)");
  forkLatency_ = &reg.histogram(statName("forkLatency"), 16, "Cycle", "cycles of fork() calls");
}

void Kernel::processStats(Process& p, const std::string& tag) {
  auto& reg = context().stats;
  p.forksStat =
      &reg.scalar(statName(tag + ".forks"), "Count", "children process " + p.name + " forked");
  p.cowFaultsStat = &reg.scalar(statName(tag + ".cowFaults"), "Count",
                                "copy-on-write faults of process " + p.name);
  p.cowCopiesStat = &reg.scalar(statName(tag + ".cowCopies"), "Count",
                                "pages process " + p.name + " copied at copy-on-write faults");
  p.sharedPagesStat = &reg.scalar(statName(tag + ".sharedPages"), "Count",
                                  "resident pages of process " + p.name +
                                      " whose frame another page-table entry maps too "
                                      "(copy-on-write or a shared mapping)");
}

void Kernel::sharedPageChanged(uint64_t key, int delta) {
  auto it = procs_.find(keyAsid(key));
  if (it == procs_.end()) return;
  Process& p = it->second;
  p.sharedPages = static_cast<uint64_t>(static_cast<int64_t>(p.sharedPages) + delta);
  p.sharedPagesStat->set(static_cast<double>(p.sharedPages));
}

void Kernel::sharedChanged(int delta) {
  sharedFrames_ = static_cast<uint64_t>(static_cast<int64_t>(sharedFrames_) + delta);
  sharedFramesStat_->set(static_cast<double>(sharedFrames_));
  if (static_cast<double>(sharedFrames_) > peakSharedFrames_->value()) {
    peakSharedFrames_->set(static_cast<double>(sharedFrames_));
  }
}

// --- introspection ---------------------------------------------------------------------------

unsigned Kernel::frameMappers(uint64_t pa) const {
  const uint64_t idx = (pa - memBase_) / kPage;
  if (pa < memBase_ || idx >= frames_.size()) return 0;
  auto it = rmap_.find(idx);
  if (it != rmap_.end()) return static_cast<unsigned>(it->second.size());
  // Not shared: mapped once if some live process's entry maps it.
  for (const auto& [a, p] : procs_) {
    if (p.exited) continue;
    for (const uint64_t key : policy_->residents()) {
      if (keyAsid(key) != a) continue;
      auto& self = const_cast<Kernel&>(*this);
      if (const auto t = self.translate(a, keyVpn(key) * kPage)) {
        if ((*t & ~(kPage - 1)) == pa) return 1;
      }
    }
  }
  return 0;
}

unsigned Kernel::slotSharers(uint64_t slot) const {
  auto it = slotSharers_.find(slot);
  return it == slotSharers_.end() ? 0 : it->second;
}

bool Kernel::alive(Asid asid) const {
  auto it = procs_.find(asid);
  return it != procs_.end() && !it->second.exited;
}

void Kernel::setExecLayout(Asid asid) {
  Process& p = procs_.at(asid);
  p.execLayout.clear();
  for (const Region& r : p.regions) {
    if (r.shm < 0) p.execLayout.push_back(r);
  }
}

void Kernel::addCoreToProcess(Asid asid, unsigned core) {
  auto& cpus = procs_.at(asid).cpus;
  if (std::find(cpus.begin(), cpus.end(), core) == cpus.end()) cpus.push_back(core);
}

// --- reverse map and swap-slot references ----------------------------------------------------

void Kernel::rmapAdd(uint64_t idx, uint64_t owner, uint64_t key) {
  auto& v = rmap_[idx];
  if (frames_[idx].shm < 0 && v.empty()) v.push_back(owner);
  v.push_back(key);
  if (v.size() == 2) {
    sharedChanged(+1);
    sharedPageChanged(v[0], +1);
  }
  if (v.size() >= 2) sharedPageChanged(key, +1);
}

size_t Kernel::rmapRemove(uint64_t idx, Asid asid) {
  auto it = rmap_.find(idx);
  if (it == rmap_.end()) return 0;
  auto& v = it->second;
  const size_t before = v.size();
  for (size_t i = 0; i < v.size(); ++i) {
    if (keyAsid(v[i]) == asid) {
      if (before >= 2) sharedPageChanged(v[i], -1);
      v[i] = v.back();
      v.pop_back();
      break;
    }
  }
  if (before >= 2 && v.size() < 2) {
    sharedChanged(-1);
    if (v.size() == 1) sharedPageChanged(v[0], -1);
  }
  const size_t left = v.size();
  // A private frame with one mapper left is that process's alone again.
  if (frames_[idx].shm < 0 && left <= 1) rmap_.erase(it);
  return left;
}

// --- timed process work ----------------------------------------------------------------------

void Kernel::beginWork(sc_core::sc_time& delay, bool at, uint64_t handler) {
  lock();
  at_ = at;
  work_ = &delay;
  faultingCore_ = kNoCore;
  served_ = Served::None;
  charge(kTrap, cycles(cost_.trapCycles), delay);
  charge(kHandler, cycles(handler), delay);
}

void Kernel::endWork() {
  work_ = nullptr;
  faultingCore_ = kNoCore;
  unlock();
}

void Kernel::chargeCopy(uint64_t src, uint64_t dst, uint64_t bytes, sc_core::sc_time& delay) {
  if (!pcost_.copyThroughMemory) {
    charge(kCopy,
           sc_core::sc_time(pcost_.copyPsPerByte * static_cast<double>(bytes), sc_core::SC_PS),
           delay);
    return;
  }
  // Timing-only reads of the source and writes of the copy, a page per request (the data moved
  // functionally already).
  const uint64_t before = nowPs(delay);
  tlm::tlm_generic_payload* gp = copyPool_.allocate();
  if (!gp->get_extension<TimingOnlyExt>()) gp->set_extension(new TimingOnlyExt);
  for (uint64_t off = 0; off < bytes; off += kPage) {
    for (const bool write : {false, true}) {
      gp->set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
      gp->set_data_ptr(pageBuf_.data());
      gp->set_address((write ? dst : src) + off);
      gp->set_data_length(static_cast<unsigned>(std::min(kPage, bytes - off)));
      gp->set_streaming_width(gp->get_data_length());
      gp->set_byte_enable_ptr(nullptr);
      gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      memTiming(*gp, delay);
    }
  }
  gp->release();
  (inDaemon_ ? daemonCycles_ : partCycles_)[kCopy] +=
      sc_core::sc_time::from_value(nowPs(delay) - before) / clockPeriod();
}

// --- fork --------------------------------------------------------------------------------------

std::optional<Asid> Kernel::fork(Asid parent) {
  std::string error;
  return forkProcess(parent, "", error);
}

std::optional<Asid> Kernel::fork(Asid parent, const std::string& name, sc_core::sc_time& delay,
                                 bool at, std::string& error) {
  if (!alive(parent)) {
    error = "fork: no live process with asid " + std::to_string(parent);
    return std::nullopt;
  }
  const uint64_t start = nowPs(delay);
  beginWork(delay, at, pcost_.forkCycles);
  const auto child = forkProcess(parent, name, error);
  endWork();
  forkLatency_->sample(sc_core::sc_time::from_value(nowPs(delay) - start) / clockPeriod());
  return child;
}

std::optional<Asid> Kernel::forkProcess(Asid parent, const std::string& name, std::string& error) {
  if (!alive(parent)) {
    error = "fork: no live process with asid " + std::to_string(parent);
    return std::nullopt;
  }
  const std::string childName =
      name.empty() ? procs_.at(parent).name + "_child" + std::to_string(procs_.size()) : name;
  Asid c = 0;
  try {
    c = createProcess(childName);
  } catch (const std::runtime_error&) {
    error = "fork: no frame for the child's page table";
    return std::nullopt;
  }
  // std::map: references stay valid as processes are added.
  Process& P = procs_.at(parent);
  Process& C = procs_.at(c);
  C.hardwareAD = P.hardwareAD;
  C.regions = P.regions;
  C.execLayout = P.execLayout;
  C.brkStart = P.brkStart;
  C.brkEnd = P.brkEnd;
  C.cpus = P.cpus;  // the child runs where the parent runs (the same workload issues it)
  for (const Region& r : C.regions) {
    if (r.shm >= 0) ++shm_[static_cast<size_t>(r.shm)].users;
  }
  bool ok = copyTable(P, C, P.root, C.root, fmt_->levels(), 0);
  for (const Region& r : P.regions) {
    if (ok && r.pageShift > 12) ok = copyHugeRegion(P, C, r);
  }
  // The parent's writable entries became read-only: its TLB entries must go (dup_mmap's
  // flush_tlb_mm), on every core running it.
  // (The calling core is taken to be the first core running the parent.)
  const sc_core::sc_time flush = flushTranslations(Invalidation::Asid, parent);
  const sc_core::sc_time remote = ipis(parent, P.cpus.empty() ? kNoCore : P.cpus.front());
  if (work_) {
    charge(kTlb, flush, *work_);
    charge(kIpi, remote, *work_);
  }
  if (!ok) {
    exitLocked(c);                     // fork's caller may hold the kernel lock (beginWork)
    exits_->set(exits_->value() - 1);  // not a process that ran
    error = "fork: out of memory for the child's page tables";
    return std::nullopt;
  }
  *forks_ += 1;
  *P.forksStat += 1;
  return c;
}

bool Kernel::copyTable(Process& P, Process& C, uint64_t from, uint64_t to, unsigned level,
                       uint64_t base) {
  const unsigned shift = 12 + 9 * (level - 1);
  // The table is scanned in order (copy_pte_range and the levels above): one timed read per
  // 64-byte line, whose other seven entries then hit in the core's L1 (the functional reads are
  // untimed).
  constexpr uint64_t kLineEntries = 64 / paging::Format::kEntryBytes;
  sc_core::sc_time* const w = work_;
  for (uint64_t i = 0; i < paging::Format::kEntriesPerTable; ++i) {
    const uint64_t addr = from + i * paging::Format::kEntryBytes;
    work_ = nullptr;
    uint64_t e = read64(addr);
    work_ = w;
    if (w && i % kLineEntries == 0) tableTiming(addr, e, false);
    if (e == 0) continue;
    const uint64_t va = base + (i << shift);
    const uint64_t childAddr = to + i * paging::Format::kEntryBytes;
    if (level > 1) {
      if (isHugeLeaf(e, level)) {
        const Region* r = findRegion(P, va);
        if (r && r->pageShift > 12) continue;  // copyHugeRegion copies it
        // A transparent huge page: split into 4 KiB pages, shared below like any others.
        splitHuge(P.asid, va, addr);
        e = read64(addr);
      }
      if (fmt_->check(e, level) != paging::Check::Pointer) continue;
      sc_core::sc_time none;
      const auto t = allocFrame(none);
      if (!t) return false;
      ++tableFrames_;
      zeroFrame(*t);
      if (work_) chargeZero(*t, kPage, *work_);
      write64(childAddr, fmt_->pointer(*t));
      if (!copyTable(P, C, fmt_->frameAddr(e), *t, level - 1, va)) return false;
      continue;
    }
    const uint64_t childKey = pageKey(C.asid, va / kPage);
    if (!resident(e)) {
      if (fmt_->isSwapped(e)) {  // the slot is shared (swap_duplicate)
        ++slotSharers_[fmt_->swapSlot(e)];
        swapSlotsChanged(C, +1);  // the child's swap use counts the shared slot too
        write64(childAddr, e);
      }
      continue;
    }
    const uint64_t idx = (fmt_->frameAddr(e) - memBase_) / kPage;
    uint64_t ce = e;
    if (frames_[idx].shm >= 0) {
      rmapAdd(idx, 0, childKey);  // a shared mapping: the same frame, writable in both
    } else {
      const Region* r = findRegion(P, va);
      if (!r || r->perms.write) {
        // Copy-on-write in both. D moves to the frame: a copy-on-write entry is always clean,
        // so that a store cannot complete on a TLB entry (the TLB sends it to the walker).
        if (e & fmt_->dirtyBit()) frames_[idx].dirty = true;
        ce = fmt_->makeCow(e);
        if (ce != e) write64(addr, ce);
      }
      rmapAdd(idx, pageKey(P.asid, va / kPage), childKey);
    }
    write64(childAddr, ce);
    policy_->insert(childKey);
    residentChanged(C, +1);
    *forkPages_ += 1;
    if (work_) charge(kHandler, cycles(pcost_.forkPageCycles), *work_);
  }
  return true;
}

bool Kernel::copyHugeRegion(Process& P, Process& C, const Region& r) {
  const unsigned level = r.pageShift == 21 ? 2 : 3;
  const unsigned order = r.pageShift - 12;
  const uint64_t size = uint64_t{1} << r.pageShift;
  for (uint64_t va = r.start; va < r.start + r.size; va += size) {
    const LeafRef l = findLeaf(P, va);
    if (!l.addr || l.level != level) continue;
    const uint64_t e = read64(l.addr);
    if (!isHugeLeaf(e, level)) continue;
    const uint64_t addr = entryAddr(C, va, level, true);
    const auto block = allocBlock(order);
    if (!addr || !block) {
      if (block) frameAlloc_->free(*block / kPage, order);
      return false;
    }
    const uint64_t src = fmt_->frameAddr(e) & ~(size - 1);
    for (uint64_t off = 0; off < size; off += kPage) {
      copyFrame(src + off, pageBuf_.data(), false);
      copyFrame(*block + off, pageBuf_.data(), true);
    }
    if (work_) chargeCopy(src, *block, size, *work_);
    write64(addr, makeLeaf(*block, r, C, level));
    residentChanged(C, static_cast<int>(size / kPage));
  }
  return true;
}

// --- the copy-on-write fault -----------------------------------------------------------------

FaultKind Kernel::cowFault(Asid asid, Process& p, uint64_t va, uint64_t entryAddr, uint64_t old,
                           sc_core::sc_time& delay) {
  *cowFaults_ += 1;
  *p.cowFaultsStat += 1;
  served_ = Served::Cow;
  const uint64_t oldFrame = fmt_->frameAddr(old);
  const uint64_t idx = (oldFrame - memBase_) / kPage;
  std::optional<uint64_t> copy;
  while (rmap_.count(idx) && !copy) {
    // Others map the frame: the page is copied. The frame is pinned meanwhile (a direct reclaim
    // for the new frame must not evict it).
    ++pinCount_[idx];
    copy = allocFrame(delay);
    --pinCount_[idx];
    if (!copy && (!outOfMemory(asid, va) || p.exited)) {
      ++oomFaults_;
      return FaultKind::OutOfMemory;
    }
  }
  if (copy && !rmap_.count(idx)) {
    // The OOM killer ended the other mappers meanwhile: this process is the last one.
    freeFrame(*copy);
    copy.reset();
  }
  if (!copy) {
    // The last mapper: write permission back, no copy (wp_can_reuse_anon_folio). A swap copy
    // the frame keeps must not be one another process's entry still names.
    uint64_t e = fmt_->breakCow(old);
    if (!p.hardwareAD) e |= fmt_->accessedBit() | fmt_->dirtyBit();
    Frame& f = frames_[idx];
    if (f.swapSlot >= 0 && slotShared(static_cast<uint64_t>(f.swapSlot))) {
      releaseSlot(static_cast<uint64_t>(f.swapSlot));
      f.swapSlot = -1;
      f.dirty = true;  // no swap copy left
    }
    write64(entryAddr, e);
    shootdown(asid, va);
    *cowReuses_ += 1;
    return FaultKind::None;
  }
  copyFrame(oldFrame, pageBuf_.data(), false);
  copyFrame(*copy, pageBuf_.data(), true);
  chargeCopy(oldFrame, *copy, kPage, delay);
  paging::Entry leaf = fmt_->decode(old, 1);
  leaf.writable = true;
  leaf.frame = *copy;
  leaf.accessed = true;
  leaf.dirty = !p.hardwareAD;  // else the MMU's retry sets it
  write64(entryAddr, fmt_->encode(leaf, 1));
  rmapRemove(idx, asid);
  shootdown(asid, va);
  *cowCopies_ += 1;
  *p.cowCopiesStat += 1;
  return FaultKind::None;
}

// --- shared anonymous mappings ---------------------------------------------------------------

FaultKind Kernel::shmFault(Asid asid, Process& p, const Region& r, uint64_t va, uint64_t entryAddr,
                           sc_core::sc_time& delay) {
  const auto obj = static_cast<size_t>(r.shm);
  const uint64_t pg = r.shmPage + (va - r.start) / kPage;
  *shmFaults_ += 1;
  uint64_t v = shm_[obj].pages[pg];
  std::optional<uint64_t> idx;
  if (v != 0 && !shmSwapped(v)) {
    idx = shmFrame(v);  // resident: another process (or an earlier mapping) has it
    ++minorFaults_;
  } else if (v != 0) {
    const uint64_t slot = v >> 1;
    auto c = swapCache_.find(slot);
    if (c != swapCache_.end()) {
      idx = c->second;
      if (frames_[*idx].writebackDonePs == 0) ++readaheadHits_;
      uncache(*idx);
      ++swapCacheHits_;
      ++minorFaults_;
      served_ = Served::SwapCache;
    } else {
      auto frame = allocFrame(delay);
      while (!frame) {
        if (!outOfMemory(asid, va) || p.exited) {
          ++oomFaults_;
          return FaultKind::OutOfMemory;
        }
        frame = allocFrame(delay);
      }
      charge(kHandler, cycles(cost_.swapinCycles), delay);
      if (!swapIn(slot, *frame, delay)) {
        SC_REPORT_ERROR(name(), "swap read failed");
        return FaultKind::BusError;
      }
      idx = (*frame - memBase_) / kPage;
      ++swapIns_;
      ++majorFaults_;
      served_ = Served::SwapIn;
      noteMajorFault(nowPs(delay));
    }
    setSlotOnDisk(slot, false);
    frames_[*idx].swapSlot = static_cast<int64_t>(slot);  // a clean copy, as after a swap-in
  } else {
    auto frame = allocFrame(delay);
    while (!frame) {
      if (!outOfMemory(asid, va) || p.exited) {
        ++oomFaults_;
        return FaultKind::OutOfMemory;
      }
      frame = allocFrame(delay);
    }
    zeroFrame(*frame);
    chargeZero(*frame, kPage, delay);
    idx = (*frame - memBase_) / kPage;
    ++minorFaults_;
    ++zeroFills_;
    served_ = Served::DemandZero;
  }
  if (!shmSwapped(v) && v != 0) {
    // already the object's
  } else {
    frames_[*idx].shm = static_cast<int32_t>(obj);
    frames_[*idx].shmPage = pg;
    rmap_[*idx];  // a shmem frame always has an rmap entry (its mappers, maybe none)
    shm_[obj].pages[pg] = shmOfFrame(*idx);
  }
  paging::Entry leaf;
  leaf.valid = leaf.leaf = true;
  leaf.readable = r.perms.read;
  leaf.writable = r.perms.write;
  leaf.exec = r.perms.exec;
  leaf.user = true;
  leaf.frame = memBase_ + *idx * kPage;
  if (!p.hardwareAD) {
    leaf.accessed = true;
    leaf.dirty = r.perms.write;
  }
  write64(entryAddr, fmt_->encode(leaf, 1));
  const uint64_t key = pageKey(asid, va / kPage);
  rmapAdd(*idx, 0, key);
  policy_->insert(key);
  residentChanged(p, +1);
  return FaultKind::None;
}

void Kernel::dropShmUser(const Region& r) {
  if (r.shm < 0) return;
  ShmObject& o = shm_[static_cast<size_t>(r.shm)];
  if (o.users == 0 || --o.users > 0) return;
  // The last region mapping the object is gone (its entries were released before): its pages go.
  for (uint64_t& v : o.pages) {
    if (v == 0) continue;
    if (shmSwapped(v)) {
      if (swapSpace_) releaseSlot(v >> 1);
    } else {
      const uint64_t idx = shmFrame(v);
      auto it = rmap_.find(idx);
      if (it != rmap_.end() && !it->second.empty()) continue;  // (cannot happen)
      rmap_.erase(idx);
      if (frames_[idx].swapSlot >= 0 && swapSpace_) {
        releaseSlot(static_cast<uint64_t>(frames_[idx].swapSlot));
      }
      frames_[idx] = Frame{};
      frameAlloc_->free(memBase_ / kPage + idx, 0);
    }
    v = 0;
  }
  o.pages.clear();
  o.pages.shrink_to_fit();
}

// --- reclaim of shared frames ----------------------------------------------------------------

std::optional<uint64_t> Kernel::evictShared(uint64_t key, uint64_t idx, sc_core::sc_time& delay,
                                            bool queue, bool* queued) {
  (void)key;
  const std::vector<uint64_t> mappers = rmap_[idx];
  Frame& f = frames_[idx];
  const bool shm = f.shm >= 0;
  std::vector<uint64_t> entries(mappers.size());
  bool dirty = f.dirty;
  for (size_t i = 0; i < mappers.size(); ++i) {
    entries[i] = leafEntryAddr(procs_.at(keyAsid(mappers[i])), keyVpn(mappers[i]) * kPage, false);
    dirty |= (read64(entries[i]) & fmt_->dirtyBit()) != 0;
  }
  int64_t copy = f.swapSlot;
  if (dirty && copy >= 0 && slotShared(static_cast<uint64_t>(copy))) {
    releaseSlot(static_cast<uint64_t>(copy));
    copy = -1;
  }
  std::optional<uint64_t> slot;
  if (copy >= 0) {
    slot = static_cast<uint64_t>(copy);  // clean: swap holds this content; dirty: rewritten
  } else if (dirty) {
    slot = swapSpace_->allocateSlots(1);
    if (!slot) return std::nullopt;  // swap full: the victim stays resident
  }
  bool keep = false;
  if (dirty) {
    if (queue) {
      pending_.push_back({*slot, idx});
      keep = true;
    } else {
      copyFrame(memBase_ + idx * kPage, pageBuf_.data(), false);
      const sc_core::sc_time before = delay;
      if (!swapRequest(*slot, 1, pageBuf_.data(), true, delay)) {
        SC_REPORT_ERROR(name(), "swap write failed");
        return std::nullopt;
      }
      if (work_) partCycles_[kIo] += (delay - before) / clockPeriod();
    }
    ++swapOuts_;
  } else {
    ++cleanEvictions_;
  }
  if (slot) setSlotOnDisk(*slot, true);
  // Every mapper is unmapped: a private one gets the swap entry (each holds a reference to the
  // slot; the frame's own one passes to the first), a shmem one an empty entry (the object
  // holds the slot).
  for (size_t i = 0; i < mappers.size(); ++i) {
    const Asid a = keyAsid(mappers[i]);
    Process& o = procs_.at(a);
    write64(entries[i], shm || !slot ? 0 : fmt_->makeSwapped(*slot));
    if (slot && !shm && copy < 0) swapSlotsChanged(o, +1);
    if (policy_->contains(mappers[i])) policy_->remove(mappers[i]);
    residentChanged(o, -1);
    *o.evictedStat += 1;
    if (mappers.size() >= 2) sharedPageChanged(mappers[i], -1);
    const sc_core::sc_time flush = shootdown(a, keyVpn(mappers[i]) * kPage);
    if (!work_) delay += flush;
  }
  if (slot && !shm && mappers.size() > 1) {
    slotSharers_[*slot] += static_cast<uint32_t>(mappers.size() - 1);
  }
  if (shm) shm_[static_cast<size_t>(f.shm)].pages[f.shmPage] = slot ? shmOfSlot(*slot) : 0;
  if (mappers.size() >= 2) sharedChanged(-1);
  rmap_.erase(idx);
  ++evictions_;
  *sharedEvictions_ += 1;
  const uint64_t frame = memBase_ + idx * kPage;
  if (keep) {
    Frame& g = frames_[idx];
    g = Frame{};
    g.cached = true;
    g.swapSlot = static_cast<int64_t>(*slot);
    g.writebackDonePs = ~uint64_t{0};  // set when the write is issued
    swapCache_[*slot] = idx;
    if (queued) *queued = true;
    return std::nullopt;
  }
  frames_[idx] = Frame{};
  return frame;
}

// --- exec, mmap, munmap, brk -------------------------------------------------------------------

bool Kernel::exec(Asid asid, sc_core::sc_time& delay, bool at, std::string& error) {
  if (!alive(asid)) {
    error = "exec: no live process with asid " + std::to_string(asid);
    return false;
  }
  beginWork(delay, at, pcost_.execCycles);
  Process& p = procs_.at(asid);
  for (const uint64_t key : policy_->residents()) {
    if (keyAsid(key) == asid) policy_->remove(key);
  }
  {
    // Tearing the old tables down is not timed per entry (Linux's exit_mmap runs at exec too;
    // its cost is part of exec_cycles).
    sc_core::sc_time* w = work_;
    work_ = nullptr;
    freeTable(p, p.root, fmt_->levels());
    work_ = w;
  }
  charge(kTlb, flushTranslations(Invalidation::Asid, asid), delay);
  for (const Region& r : p.regions) dropShmUser(r);
  sc_core::sc_time none;
  const auto root = allocFrame(none);
  if (!root) {
    endWork();
    error = "exec: no frame for the new page table";
    p.regions.clear();
    p.root = 0;
    p.exited = true;
    publishRoot(p);
    return false;
  }
  zeroFrame(*root);
  ++tableFrames_;
  p.root = *root;
  publishRoot(p);
  p.regions = p.execLayout;
  p.brkStart = p.brkEnd = 0;
  *execs_ += 1;
  endWork();
  return true;
}

bool Kernel::unmapRegions(Asid asid, uint64_t addr, uint64_t len, std::string& error) {
  Process& p = procs_.at(asid);
  const uint64_t end = addr + len;
  for (const Region& r : p.regions) {
    const uint64_t lo = std::max(r.start, addr), hi = std::min(r.start + r.size, end);
    if (lo >= hi || r.pageShift == 12) continue;
    const uint64_t ps = uint64_t{1} << r.pageShift;
    if (lo % ps || hi % ps) {
      error = "region " + r.name + " has " + std::to_string(ps >> 20) +
              " MiB pages: unmap whole pages of it";
      return false;
    }
  }
  std::vector<Region> out;
  std::vector<Region> gone;
  for (const Region& r : p.regions) {
    const uint64_t lo = std::max(r.start, addr), hi = std::min(r.start + r.size, end);
    if (lo >= hi) {
      out.push_back(r);
      continue;
    }
    unmapRange(asid, lo, hi - lo);
    if (r.start < lo) {
      Region left = r;
      left.size = lo - r.start;
      out.push_back(left);
      if (r.shm >= 0) ++shm_[static_cast<size_t>(r.shm)].users;
    }
    if (hi < r.start + r.size) {
      Region right = r;
      right.start = hi;
      right.size = r.start + r.size - hi;
      right.shmPage = r.shmPage + (hi - r.start) / kPage;
      out.push_back(right);
      if (r.shm >= 0) ++shm_[static_cast<size_t>(r.shm)].users;
    }
    gone.push_back(r);
  }
  p.regions = std::move(out);
  for (const Region& r : gone) dropShmUser(r);
  return true;
}

bool Kernel::mapFixed(Asid asid, uint64_t addr, uint64_t len, Perms perms, bool shared) {
  std::string error;
  if (!alive(asid) || len == 0 || addr % kPage || len % kPage || !fmt_->isCanonicalUser(addr) ||
      !fmt_->isCanonicalUser(addr + len - 1)) {
    return false;
  }
  if (!unmapRegions(asid, addr, len, error)) return false;
  Region r{shared ? "shared" : "mmap", addr, len, perms};
  if (shared) {
    shm_.push_back(ShmObject{std::vector<uint64_t>(len / kPage, 0), 1});
    r.shm = static_cast<int32_t>(shm_.size() - 1);
  }
  addRegion(asid, r);
  return true;
}

bool Kernel::unmap(Asid asid, uint64_t addr, uint64_t len) {
  std::string error;
  if (!alive(asid) || addr % kPage) return false;
  return unmapRegions(asid, addr, roundUp(len), error);
}

bool Kernel::mmap(Asid asid, uint64_t addr, uint64_t len, Perms perms, bool shared,
                  sc_core::sc_time& delay, bool at, std::string& error) {
  if (!alive(asid)) {
    error = "mmap: no live process with asid " + std::to_string(asid);
    return false;
  }
  if (len == 0 || addr % kPage || !fmt_->isCanonicalUser(addr) ||
      !fmt_->isCanonicalUser(addr + roundUp(len) - 1)) {
    error = "mmap: the range must start on a page, be non-empty and lie in user space";
    return false;
  }
  beginWork(delay, at, pcost_.mmapCycles);
  const bool ok = mapFixed(asid, addr, roundUp(len), perms, shared);
  endWork();
  if (!ok) error = "mmap: cannot replace the mappings there (huge-page region?)";
  return ok;
}

bool Kernel::munmap(Asid asid, uint64_t addr, uint64_t len, sc_core::sc_time& delay, bool at,
                    std::string& error) {
  if (!alive(asid)) {
    error = "munmap: no live process with asid " + std::to_string(asid);
    return false;
  }
  if (addr % kPage || len == 0) {
    error = "munmap: the range must start on a page and be non-empty";
    return false;
  }
  beginWork(delay, at, pcost_.mmapCycles);
  const bool ok = unmapRegions(asid, addr, roundUp(len), error);
  endWork();
  return ok;
}

bool Kernel::brk(Asid asid, uint64_t addr, sc_core::sc_time& delay, bool at, std::string& error) {
  if (!alive(asid)) {
    error = "brk: no live process with asid " + std::to_string(asid);
    return false;
  }
  Process& p = procs_.at(asid);
  if (p.brkStart == 0) {  // the first brk names the heap's start (an empty heap)
    if (addr == 0 || !fmt_->isCanonicalUser(addr)) {
      error = "brk: the first brk of a process sets its heap start: a user address, not 0";
      return false;
    }
    p.brkStart = p.brkEnd = roundUp(addr);
    return true;
  }
  const uint64_t newEnd = roundUp(addr);
  if (newEnd < p.brkStart || !fmt_->isCanonicalUser(newEnd - 1)) {
    error = "brk: below the heap start";
    return false;
  }
  beginWork(delay, at, pcost_.mmapCycles);
  bool ok = true;
  if (newEnd > p.brkEnd) {
    ok = unmapRegions(asid, p.brkEnd, newEnd - p.brkEnd, error);
    if (ok && p.brkEnd == p.brkStart) {
      addRegion(asid,
                Region{"brk", p.brkStart, newEnd - p.brkStart, Perms{true, true, false, true}});
    } else if (ok) {
      ok = resizeRegion(asid, p.brkStart, newEnd - p.brkStart);
    }
  } else if (newEnd < p.brkEnd) {
    ok = resizeRegion(asid, p.brkStart, newEnd - p.brkStart);
  }
  if (ok) {
    p.brkEnd = newEnd;
  } else if (error.empty()) {
    error = "brk: the heap was split or replaced by mmap/munmap";
  }
  endWork();
  return ok;
}

}  // namespace vmsim::os
