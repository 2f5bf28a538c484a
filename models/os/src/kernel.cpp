// Kernel model: address spaces, page tables in simulated memory, demand paging with swap.
// Page tables are read and written functionally (transport_dbg) and their cost is charged as the
// fault latency, as a kernel's own memory traffic is not what these experiments measure; page
// data moves to and from the swap disk through timed transactions.
#include "vmsim/os/kernel.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "vmsim/common/pte.h"
#include "vmsim/os/replacement.h"

namespace vmsim::os {
namespace {
constexpr uint64_t kPage = 4096;
constexpr unsigned kVpnBits = 36;  // 48-bit VAs, 4 KiB pages
uint64_t pageKey(Asid asid, uint64_t vpn) {
  return (uint64_t{asid} << kVpnBits) | vpn;
}
Asid keyAsid(uint64_t key) {
  return static_cast<Asid>(key >> kVpnBits);
}
uint64_t keyVpn(uint64_t key) {
  return key & ((uint64_t{1} << kVpnBits) - 1);
}
// Software bit 10 (free for software, like bit 9): a resident page whose present bit the kernel
// cleared to learn whether it is used again (the software reference bit of machines without a
// hardware one); the frame stays in bits 12..51. Only meaningful when not present.
constexpr uint64_t kRevoked = uint64_t{1} << 10;
bool resident(uint64_t e) {
  return (e & pte::kPresent) || (e & kRevoked);
}
}  // namespace

Kernel::Kernel(const sc_core::sc_module_name& nm, SimContext& ctx)
    : Module(nm, ctx),
      fault_tsock("fault_tsock"),
      mem("mem"),
      swap("swap"),
      refill_tsock("refill_tsock"),
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
                                    "kernel cycles spent on TLB invalidations, by kind")) {
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
  handlerLatency_ =
      cycles(p.getUint("fault_latency", 1000, "Cycle",
                       "kernel entry, handler and exit for one fault", vmsim::Range{0, 1e9}));
  zeroLatency_ = cycles(p.getUint("zero_page_latency", 128, "Cycle",
                                  "cycles to zero-fill a 4 KiB frame", vmsim::Range{0, 1e9}));
  assumeZeroed_ = p.getBool("assume_zeroed_memory", true,
                            "frames never used before are known to hold zeros (vmsim's DRAM "
                            "reads unwritten bytes as zero), so their zero-fill writes are "
                            "skipped; the zero-fill latency is charged either way");
  mapAnywhere_ = p.getBool("map_anywhere", false,
                           "demand-map any canonical user address (for raw traces), "
                           "instead of faulting outside the regions");
  auto sp = p.child("swap");
  swapEnabled_ = sp.getBool("enabled", true, "evict pages to the swap disk when memory is full");
  // OPT/UNOPT need the future reference string, which a kernel does not have.
  std::vector<std::string> policies;
  for (const auto& n : replacementPolicyNames()) {
    if (n != "opt" && n != "unopt") policies.push_back(n);
  }
  const auto policyName = p.getChoice("replacement", "clock", policies, "page-replacement policy");
  const uint64_t seed = p.getUint("seed", 1, "", "seed of randomised replacement policies");
  policy_ = makeReplacementPolicy(policyName, seed);
  // Under MRU a referenced page is the most recently used one, so sparing it makes it the victim
  // again: the bit means nothing there, and asking for it is an error.
  useAccessedBit_ = p.getBool("use_accessed_bit", policy_->sparingChangesVictim(),
                              "give pages whose PTE accessed bit is set a second chance (the "
                              "bit is cleared and the policy spares the page: FIFO moves it to "
                              "the tail, LRU/CLOCK count it as used); default false for mru, "
                              "where it cannot change the victim");
  if (useAccessedBit_ && !policy_->sparingChangesVictim()) {
    p.config().addProblem("'" + p.key("use_accessed_bit") + "': a second chance cannot change " +
                          policyName +
                          "'s victim (a referenced page is the most recently used one, which " +
                          policyName + " evicts); set it to false or choose another replacement");
  }

  const uint64_t n = memSize / kPage;
  frames_.resize(n);
  everUsed_.assign(n, false);
  pinCount_.assign(n, 0);
  freeFrames_.reserve(n);
  for (uint64_t i = n; i-- > 0;) freeFrames_.push_back(i);  // hand out low frames first
  fault_tsock.register_b_transport(this, &Kernel::b_transport);
  refill_tsock.register_b_transport(this, &Kernel::refill_b_transport);
  refill_tsock.register_transport_dbg(this, &Kernel::refill_transport_dbg);
  // ASID 0 is the kernel's own address space: accesses without VmAccess (foreign initiators)
  // use it. It has no regions until a platform adds some.
  createProcess("kernel");
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
  procs_[asid] = std::move(proc);
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
  for (uint64_t i = 0; i < pte::kEntriesPerTable; ++i) {
    const uint64_t addr = table + i * pte::kEntryBytes;
    const uint64_t e = read64(addr);
    if (level > 1) {
      if (e & pte::kPresent) freeTable(p, pte::frameAddr(e), level - 1);
      continue;
    }
    releasePage(p, e);
  }
  const uint64_t idx = (table - memBase_) / kPage;
  frames_[idx] = Frame{};
  freeFrames_.push_back(idx);
}

void Kernel::exitProcess(Asid asid) {
  auto it = procs_.find(asid);
  if (it == procs_.end() || it->second.exited) return;
  Process& p = it->second;
  p.atExitStat->set(static_cast<double>(p.resident));
  // The policy forgets the process's pages first (its keys carry the ASID).
  for (const uint64_t key : policy_->residents()) {
    if (keyAsid(key) == asid) policy_->remove(key);
  }
  freeTable(p, p.root, pte::kLevels);
  flushTranslations(Invalidation::Asid, asid);
  p.root = 0;
  p.regions.clear();
  p.exited = true;
}

void Kernel::addRegion(Asid asid, const Region& r) {
  auto& p = procs_.at(asid);
  if (r.size == 0 || r.start % kPage || r.size % kPage || !pte::isCanonicalUser(r.start) ||
      !pte::isCanonicalUser(r.start + r.size - 1)) {
    throw std::invalid_argument("region " + r.name +
                                ": must be page aligned, non-empty and in "
                                "the canonical user half");
  }
  for (const auto& o : p.regions) {
    if (r.start < o.start + o.size && o.start < r.start + r.size) {
      throw std::invalid_argument("region " + r.name + " overlaps region " + o.name);
    }
  }
  p.regions.push_back(r);
}

const std::vector<Region>& Kernel::regions(Asid asid) const {
  return procs_.at(asid).regions;
}

bool Kernel::resizeRegion(Asid asid, uint64_t start, uint64_t newSize) {
  auto& regs = procs_.at(asid).regions;
  auto it =
      std::find_if(regs.begin(), regs.end(), [&](const Region& r) { return r.start == start; });
  if (it == regs.end() || newSize % kPage) return false;
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
    const uint64_t idx = (pte::frameAddr(e) - memBase_) / kPage;
    if (frames_[idx].swapSlot >= 0 && swapSpace_) {
      swapSpace_->freeSlots(static_cast<uint64_t>(frames_[idx].swapSlot), 1);
    }
    frames_[idx] = Frame{};
    freeFrames_.push_back(idx);
    residentChanged(p, -1);
    return true;
  }
  if ((e & pte::kSwapped) && swapSpace_) swapSpace_->freeSlots(pte::swapSlot(e), 1);
  return false;
}

void Kernel::unmapRange(Asid asid, uint64_t start, uint64_t size) {
  Process& p = procs_.at(asid);
  for (uint64_t va = start; va < start + size; va += kPage) {
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
                      uint64_t mmapTop)
      : k_(k), asid_(asid), start_(heapStart), brk_(heapStart), limit_(heapLimit), top_(mmapTop) {}
  uint64_t heapStart() const override { return start_; }
  bool setBreak(uint64_t b) override {
    if (b < start_ || b > limit_) return false;
    const uint64_t oldEnd = roundUp(brk_), newEnd = roundUp(b);
    if (newEnd != oldEnd) {
      if (oldEnd == start_) {
        try {
          k_.addRegion(asid_, {"heap", start_, newEnd - start_, kReadWrite});
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
      k_.addRegion(asid_, {"mmap", addr, len, kReadWrite});
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
  Kernel& k_;
  Asid asid_;
  uint64_t start_, brk_, limit_, top_;
};

}  // namespace

ProcessMemory& Kernel::processMemory(Asid asid, uint64_t heapStart, uint64_t heapLimit,
                                     uint64_t mmapTop) {
  procs_.at(asid);  // the process must exist
  processMemories_.push_back(
      std::make_unique<KernelProcessMemory>(*this, asid, heapStart, heapLimit, mmapTop));
  return *processMemories_.back();
}

std::optional<PhysAddr> Kernel::pageTableRoot(Asid asid) const {
  auto it = procs_.find(asid);
  if (it == procs_.end() || it->second.exited) return std::nullopt;
  return PhysAddr(it->second.root);
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

uint64_t Kernel::read64(uint64_t pa) {
  uint64_t v = 0;
  debugTransfer(pa, reinterpret_cast<unsigned char*>(&v), 8, false, "page-table read failed");
  return v;
}

void Kernel::write64(uint64_t pa, uint64_t v) {
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

bool Kernel::swapIo(uint64_t slot, unsigned char* buf, bool write, sc_core::sc_time& delay) {
  tlm::tlm_generic_payload* gp = pool_.allocate();
  gp->set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  gp->set_address(slot * kPage);
  gp->set_data_ptr(buf);
  gp->set_data_length(kPage);
  gp->set_streaming_width(kPage);
  gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  swap->b_transport(*gp, delay);
  const bool ok = gp->is_response_ok();
  gp->release();
  return ok;
}

sc_core::sc_time Kernel::shootdown(Asid asid, uint64_t va) {
  return flushTranslations(Invalidation::Page, asid, va);
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

uint64_t Kernel::leafEntryAddr(Process& p, uint64_t va, bool create) {
  uint64_t table = p.root;
  for (unsigned level = pte::kLevels; level > 1; --level) {
    const uint64_t addr = table + pte::tableIndex(va, level) * pte::kEntryBytes;
    uint64_t e = read64(addr);
    if (!(e & pte::kPresent)) {
      if (!create) return 0;
      sc_core::sc_time none;
      const auto frame = allocFrame(none);
      if (!frame) return 0;
      ++tableFrames_;
      zeroFrame(*frame);
      // Upper levels are fully permissive; the leaf carries the region's permissions.
      e = *frame | pte::kPresent | pte::kWritable | pte::kUser;
      write64(addr, e);
    }
    table = pte::frameAddr(e);
  }
  return table + pte::tableIndex(va, 1) * pte::kEntryBytes;
}

uint64_t Kernel::leafEntry(Asid asid, uint64_t va) {
  auto it = procs_.find(asid);
  if (it == procs_.end()) return 0;
  const uint64_t addr = leafEntryAddr(it->second, va, false);
  return addr ? read64(addr) : 0;
}

std::optional<uint64_t> Kernel::allocFrame(sc_core::sc_time& delay) {
  if (freeFrames_.empty()) {
    if (auto f = evictOne(delay)) return f;
    return std::nullopt;
  }
  const uint64_t idx = freeFrames_.back();
  freeFrames_.pop_back();
  frames_[idx] = Frame{!everUsed_[idx], -1};
  everUsed_[idx] = true;
  return memBase_ + idx * kPage;
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
  return (e & (pte::kPresent | kRevoked)) && pinCount_[(pte::frameAddr(e) - memBase_) / kPage] > 0;
}

std::optional<uint64_t> Kernel::evictOne(sc_core::sc_time& delay) {
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
      const uint64_t k = policy_->chooseVictim();
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
      if (!(pe & pte::kAccessed)) break;
      write64(ea, pe & ~pte::kAccessed);
    } else {
      if (!(pe & pte::kPresent)) break;  // revoked at the last scan and not used since
      write64(ea, (pe & ~pte::kPresent) | kRevoked);
    }
    // The TLB must not hide the next reference.
    delay += shootdown(keyAsid(key), keyVpn(key) * kPage);
    ++secondChances_;
    policy_->spare(key);
    auto next = pick();
    if (!next) return std::nullopt;
    key = *next;
  }
  const Asid asid = keyAsid(key);
  const uint64_t va = keyVpn(key) * kPage;
  Process& p = procs_.at(asid);
  const uint64_t entryAddr = leafEntryAddr(p, va, false);
  const uint64_t e = read64(entryAddr);
  const uint64_t frame = pte::frameAddr(e);
  const int64_t copy = frames_[(frame - memBase_) / kPage].swapSlot;
  uint64_t newEntry = 0;  // a clean page never written since its zero-fill: drop it
  if (!(e & pte::kDirty) && copy >= 0) {
    newEntry = pte::makeSwapped(static_cast<uint64_t>(copy));  // swap already holds this content
  } else if (e & pte::kDirty) {
    const auto slot = copy >= 0 ? std::optional<uint64_t>(copy) : swapSpace_->allocateSlots(1);
    if (!slot) return std::nullopt;  // swap full: the victim stays resident
    copyFrame(frame, pageBuf_.data(), false);
    if (!swapIo(*slot, pageBuf_.data(), true, delay)) {
      SC_REPORT_ERROR(name(), "swap write failed");
      return std::nullopt;
    }
    ++swapOuts_;
    newEntry = pte::makeSwapped(*slot);
  }
  if (!(e & pte::kDirty)) ++cleanEvictions_;
  policy_->remove(key);
  ++evictions_;
  residentChanged(p, -1);
  *p.evictedStat += 1;
  write64(entryAddr, newEntry);
  delay += shootdown(asid, va);
  frames_[(frame - memBase_) / kPage] = Frame{};
  return frame;
}

// --- fault handling ----------------------------------------------------------------------------

FaultKind Kernel::handleFault(Asid asid, uint64_t va, AccessKind kind, sc_core::sc_time& delay) {
  auto it = procs_.find(asid);
  if (it == procs_.end() || it->second.exited) return FaultKind::Segmentation;
  Process& p = it->second;
  const Region* r = findRegion(p, va);
  Region anywhere{"anywhere", 0, uint64_t{1} << 47, Perms{}};
  if (!r) {
    if (!mapAnywhere_ || !pte::isCanonicalUser(va)) {
      ++segFaults_;
      return FaultKind::Segmentation;
    }
    r = &anywhere;
  }
  if (!permits(r->perms, kind, Privilege::User)) {
    ++protFaults_;
    return FaultKind::Protection;
  }
  const uint64_t entryAddr = leafEntryAddr(p, va, true);
  if (!entryAddr) {
    ++oomFaults_;
    return FaultKind::OutOfMemory;
  }
  const uint64_t old = read64(entryAddr);
  if (old & pte::kPresent) return FaultKind::None;  // mapped meanwhile (another core, a retry)
  if (old & kRevoked) {
    // The page is resident: its software reference bit was being sampled. Re-validate it.
    write64(entryAddr, (old & ~kRevoked) | pte::kPresent | pte::kAccessed);
    ++referenceFaults_;
    return FaultKind::None;
  }
  const auto frame = allocFrame(delay);
  if (!frame) {
    ++oomFaults_;
    return FaultKind::OutOfMemory;
  }
  int64_t swapCopy = -1;
  if (old & pte::kSwapped) {
    const uint64_t slot = pte::swapSlot(old);
    if (!swapIo(slot, pageBuf_.data(), false, delay)) {
      SC_REPORT_ERROR(name(), "swap read failed");
      return FaultKind::BusError;
    }
    copyFrame(*frame, pageBuf_.data(), true);
    swapCopy = static_cast<int64_t>(slot);  // kept: a clean page is evicted without a write
    ++swapIns_;
    ++majorFaults_;
  } else {
    zeroFrame(*frame);
    delay += zeroLatency_;
    ++minorFaults_;
  }
  uint64_t e = *frame | pte::kPresent | pte::kUser;
  if (r->global || asid == 0) e |= pte::kGlobal;  // kernel mappings (TLB entries match any ASID)
  if (r->perms.write) e |= pte::kWritable;
  if (!r->perms.exec) e |= pte::kNoExec;
  if (!p.hardwareAD) {
    // No MMU will set A or D in this PTE, and a store through a writable mapping faults no more:
    // the kernel sets them itself. The page was just accessed (A), and a page it maps writable
    // counts as dirty from now on (D), so its eviction always writes it to swap. (With D set the
    // TLBs also hold stores without going back to the walker for a D update.)
    e |= pte::kAccessed;
    if (r->perms.write) e |= pte::kDirty;
  }
  write64(entryAddr, e);
  frames_[(*frame - memBase_) / kPage].swapSlot = swapCopy;
  policy_->insert(pageKey(asid, va / kPage));
  residentChanged(p, +1);
  return FaultKind::None;
}

void Kernel::b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  auto* f = gp.get_extension<FaultExt>();
  if (!f) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  const sc_core::sc_time start = delay;
  delay += handlerLatency_;
  const FaultKind result = handleFault(f->asid, f->va.value(), f->access, delay);
  faultLatency_.sample((delay - start) / clockPeriod());
  f->kind = result;
  f->pinned = false;
  if (result == FaultKind::None && f->wantPin) {
    // Held for the MMU until its retry has the translation (and a pin of its own).
    const uint64_t e = leafEntry(f->asid, f->va.value());
    if (e & pte::kPresent) {
      f->pinnedFrame = PhysAddr(pte::frameAddr(e));
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
  // MMU, mmu.refill_trap_cycles): it walks the process's x86-64 radix table with loads through
  // memory, sets A (and D for a store) itself, and returns the leaf, which the TLB then holds.
  const uint64_t va = x.va.value();
  auto it = procs_.find(x.asid);
  if (it == procs_.end() || it->second.exited || !pte::isCanonicalUser(va)) {
    x.fault = FaultKind::Segmentation;
    return;
  }
  uint64_t table = it->second.root;
  bool writable = true, user = true, noexec = false;
  for (unsigned level = pte::kLevels; level >= 1; --level) {
    const uint64_t addr = table + pte::tableIndex(va, level) * pte::kEntryBytes;
    uint64_t e = debug ? read64(addr) : timedAccess64(addr, 0, false, delay);
    if (!debug) ++refillReads_;
    if (!(e & pte::kPresent)) {
      x.fault = FaultKind::NotPresent;  // the MMU hands it to the page-fault handler
      return;
    }
    writable &= (e & pte::kWritable) != 0;
    user &= (e & pte::kUser) != 0;
    noexec |= (e & pte::kNoExec) != 0;
    const bool leaf = level == 1 || (level <= 3 && (e & pte::kPageSize));
    if (!leaf) {
      table = pte::frameAddr(e);
      continue;
    }
    x.pageShift = pte::leafShift(level);
    x.perms = Perms{true, writable, !noexec, user};
    if (!permits(x.perms, x.kind, x.privilege)) {
      x.fault = FaultKind::Protection;
      return;
    }
    const uint64_t bits = pte::kAccessed | (x.kind == AccessKind::Store ? pte::kDirty : 0);
    if (!debug && it->second.hardwareAD && (e | bits) != e) {
      e |= bits;
      timedAccess64(addr, e, true, delay);
      ++refillWrites_;
    }
    const uint64_t frameBase = pte::frameAddr(e) & ~((uint64_t{1} << x.pageShift) - 1);
    x.pa = PhysAddr(frameBase | pageOffset(va, x.pageShift));
    x.dirty = (e & pte::kDirty) != 0;
    x.global = (e & pte::kGlobal) != 0;
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
