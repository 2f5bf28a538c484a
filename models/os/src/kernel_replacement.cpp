// The kernel's side of the replacement policies of real kernels (kernel_policies.h,
// docs/os.md "Replacement policies"): the page state they read (PTE accessed and dirty bits,
// through the timed page-table accesses of the work under way), wsclock's write-backs of
// resident pages, VMS's local replacement into the free and modified lists (the swap cache),
// LRU's accessed-bit sampling, and OPT's future reference strings.
#include <algorithm>
#include <numeric>

#include "vmsim/os/kernel.h"
#include "vmsim/os/kernel_policies.h"
#include "vmsim/os/replacement.h"
#include "vmsim/paging/format.h"

namespace vmsim::os {
namespace {
constexpr uint64_t kPage = 4096;
}  // namespace

class Kernel::PolicyState : public PageState {
 public:
  PolicyState(Kernel& k, sc_core::sc_time& delay) : k_(k), delay_(delay) {}

  Bits bits(uint64_t key) override {
    Bits b;
    if (!load(key)) return b;
    const paging::Format& f = *k_.fmt_;
    // Without hardware A bits the kernel's software reference bit: a page it revoked and that
    // was not used since is unreferenced; a writable one is dirty from its mapping on.
    b.referenced = hardwareAD_ ? (pte_ & f.accessedBit()) != 0 : f.present(pte_);
    b.dirty = (pte_ & f.dirtyBit()) != 0;
    return b;
  }

  void clearReferenced(uint64_t key) override {
    if (!load(key)) return;
    const paging::Format& f = *k_.fmt_;
    if (hardwareAD_) {
      pte_ &= ~f.accessedBit();
    } else {
      if (level_ != 1 || !f.present(pte_)) return;  // (a huge page is sampled at its eviction)
      pte_ = f.revoke(pte_);
    }
    k_.write64(addr_, pte_);
    // The TLB must not hide the next reference.
    const sc_core::sc_time flush =
        k_.shootdown(pageKeyAsid(key), pageKeyVpn(key) * kPage & ~((uint64_t{1} << shift_) - 1));
    if (!k_.work_) delay_ += flush;
  }

  bool startWriteback(uint64_t key) override { return k_.startWriteback(key); }

  uint64_t virtualTimePs(uint64_t key) override {
    // In units of the time resolution, as the timeline (tau is compared in ps: the default
    // resolution is 1 ps).
    return k_.virtualTime_ ? k_.virtualTime_(pageKeyAsid(key)) : k_.nowPs(delay_);
  }

 private:
  /// The leaf entry of `key` (4 KiB, or the huge leaf above it); false when none holds a frame.
  bool load(uint64_t key) {
    if (key == key_ && addr_) return true;  // the entry read last (bits, then clear)
    key_ = key;
    addr_ = 0;
    auto it = k_.procs_.find(pageKeyAsid(key));
    if (it == k_.procs_.end() || it->second.exited) return false;
    // The reverse map leads reclaim to the PTE (Linux: the anon_vma, then
    // page_vma_mapped_walk): the levels above it are not charged, the entry itself is.
    sc_core::sc_time* work = k_.work_;
    k_.work_ = nullptr;
    const LeafRef l = k_.findLeaf(it->second, pageKeyVpn(key) * kPage);
    k_.work_ = work;
    if (!l.addr) return false;
    pte_ = k_.read64(l.addr);
    if (!k_.resident(pte_)) return false;
    addr_ = l.addr;
    level_ = l.level;
    shift_ = paging::Format::leafShift(l.level);
    hardwareAD_ = it->second.hardwareAD;
    return true;
  }
  Kernel& k_;
  sc_core::sc_time& delay_;
  uint64_t key_ = ~uint64_t{0}, addr_ = 0, pte_ = 0;
  unsigned level_ = 1, shift_ = 12;
  bool hardwareAD_ = true;
};

uint64_t Kernel::chooseWithState(sc_core::sc_time& delay) {
  PolicyState s(*this, delay);
  const uint64_t key = policy_->chooseVictim(s);
  // The write-backs the scan started go out now, before the victim (maybe one of them, clean
  // from now on) is unmapped.
  flushCleaning(delay);
  return key;
}

bool Kernel::startWriteback(uint64_t key) {
  if (!swapEnabled_ || !swapSpace_) return false;
  auto it = procs_.find(pageKeyAsid(key));
  if (it == procs_.end() || it->second.exited || !it->second.hardwareAD) return false;
  Process& p = it->second;
  const uint64_t ea = leafEntryAddr(p, pageKeyVpn(key) * kPage, false);
  if (!ea) return false;  // a huge page is written when it is split and evicted
  const uint64_t e = read64(ea);
  if (!fmt_->present(e) || !(e & fmt_->dirtyBit())) return false;
  const uint64_t idx = (fmt_->frameAddr(e) - memBase_) / kPage;
  Frame& f = frames_[idx];
  if (f.swapSlot < 0) {
    const auto slot = swapSpace_->allocateSlots(1);
    if (!slot) return false;
    f.swapSlot = static_cast<int64_t>(*slot);
  }
  // Clean from now on: a store after this sets D again (the TLB entry is invalidated, so the
  // walker sees it), and the eviction then writes the page once more.
  write64(ea, e & ~fmt_->dirtyBit());
  const sc_core::sc_time flush = shootdown(pageKeyAsid(key), pageKeyVpn(key) * kPage);
  if (!work_) cleaningDelay_ += flush;
  f.cleanDonePs = ~uint64_t{0};  // set when the write is issued
  cleaning_.push_back({static_cast<uint64_t>(f.swapSlot), idx});
  ++cleanWrites_;
  ++swapOuts_;
  return true;
}

void Kernel::flushCleaning(sc_core::sc_time& delay) {
  if (cleaning_.empty()) return;
  std::sort(cleaning_.begin(), cleaning_.end(),
            [](const PendingWrite& x, const PendingWrite& y) { return x.slot < y.slot; });
  for (size_t i = 0; i < cleaning_.size();) {
    size_t j = i + 1;
    while (j < cleaning_.size() && j - i < clusterPages_ &&
           cleaning_[j].slot == cleaning_[j - 1].slot + 1) {
      ++j;
    }
    const uint64_t n = j - i;
    if (ioBuf_.size() < n * kPage) ioBuf_.resize(n * kPage);
    for (size_t k = i; k < j; ++k) {
      copyFrame(memBase_ + cleaning_[k].frameIdx * kPage, ioBuf_.data() + (k - i) * kPage, false);
    }
    // Asynchronous: nobody waits for it; an eviction of the page before it completes keeps the
    // frame in the swap cache until then.
    sc_core::sc_time end = delay;
    if (!swapRequest(cleaning_[i].slot, n, ioBuf_.data(), true, end)) {
      SC_REPORT_ERROR(name(), "swap write failed");
    }
    const uint64_t done = std::max<uint64_t>(nowPs(end), 1);
    for (size_t k = i; k < j; ++k) frames_[cleaning_[k].frameIdx].cleanDonePs = done;
    i = j;
  }
  cleaning_.clear();
  delay += cleaningDelay_;
  cleaningDelay_ = sc_core::SC_ZERO_TIME;
}

void Kernel::localReplace(Asid asid, sc_core::sc_time& delay) {
  if (!swapEnabled_ || !swapSpace_) return;
  if (vmsAutoLimit_) {
    uint64_t live = 0;
    for (const auto& [a, p] : procs_) live += a != 0 && !p.exited;
    vms_->setResidentLimit(
        std::max<uint64_t>(1, frames_.size() * 3 / 4 / std::max<uint64_t>(1, live)));
  }
  const auto v = policy_->localVictim(asid);
  if (!v) return;
  splitIfHuge(*v);  // a THP leaves as 4 KiB pages, the first of them now
  const auto first = policy_->localVictim(asid);
  if (!first || pagePinned(*first)) return;  // an access holds it: the set grows by one
  bool queued = false;
  if (const auto f = evictPage(*first, delay, true, &queued)) freeFrame(*f);
  ++localEvictions_;
  charge(kReclaim, cycles(cost_.reclaimPageCycles), delay);
  // The modified page writer: the list goes out in clusters when it is long enough.
  if (pending_.size() >= vmsModifiedPages_) flushWrites(delay);
}

// --- true LRU by accessed-bit sampling -------------------------------------------------------

void Kernel::accessSampler() {
  uint64_t seen = faultCount_;
  for (;;) {
    sc_core::wait(samplePeriod_);
    if (faultCount_ == seen) {
      // Nothing faulted for a period: nothing to order against. Sleep until the next fault
      // (the first pass after it reads the bits set meanwhile); this also lets a simulation
      // without other activity end.
      samplerIdle_ = true;
      sc_core::wait(faultEvent_);
      samplerIdle_ = false;
      seen = faultCount_;
      continue;
    }
    seen = faultCount_;
    lock();
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    work_ = &d;
    inDaemon_ = inSampler_ = true;  // the daemon's rules: its own core, fixed-cost in AT
    faultingCore_ = kNoCore;
    sampleAccessed(d);
    inDaemon_ = inSampler_ = false;
    work_ = nullptr;
    unlock();
    if (d > sc_core::SC_ZERO_TIME) sc_core::wait(d);
  }
}

void Kernel::sampleAccessed(sc_core::sc_time& delay) {
  ++lruSamples_;
  const std::vector<uint64_t> order = policy_->residents();  // least recently used first
  // The page tables are read in address order (one walk per leaf table, as a scan of the
  // tables does); the referenced pages then move to the most recently used end in their old
  // recency order.
  std::vector<uint32_t> byKey(order.size());
  std::iota(byKey.begin(), byKey.end(), 0u);
  std::sort(byKey.begin(), byKey.end(),
            [&](uint32_t a, uint32_t b) { return order[a] < order[b]; });
  std::vector<bool> hot(order.size(), false);
  uint64_t tableKey = ~uint64_t{0}, table = 0;
  for (const uint32_t i : byKey) {
    const uint64_t key = order[i];
    auto it = procs_.find(pageKeyAsid(key));
    if (it == procs_.end() || it->second.exited || !it->second.hardwareAD) continue;
    Process& p = it->second;
    const uint64_t va = pageKeyVpn(key) * kPage;
    uint64_t addr = 0;
    if ((key >> 9) == tableKey && table) {
      addr = table + (pageKeyVpn(key) & 511) * paging::Format::kEntryBytes;
    } else {
      const LeafRef l = findLeaf(p, va);
      if (!l.addr) continue;
      addr = l.addr;
      tableKey = key >> 9;
      table = l.level == 1 ? l.addr - (pageKeyVpn(key) & 511) * paging::Format::kEntryBytes : 0;
    }
    const uint64_t e = read64(addr);
    if (!resident(e) || !(e & fmt_->accessedBit())) continue;
    write64(addr, e & ~fmt_->accessedBit());
    shootdown(pageKeyAsid(key), va);
    hot[i] = true;
  }
  for (size_t i = 0; i < order.size(); ++i) {
    if (!hot[i]) continue;
    policy_->touch(order[i]);
    ++lruReferenced_;
  }
  (void)delay;  // the passes cost their page-table accesses and TLB invalidations (work_)
}

// --- opt ---------------------------------------------------------------------------------------

void Kernel::setFutureReferences(Asid asid, const std::vector<uint64_t>& vpns,
                                 std::function<uint64_t()> completed) {
  if (opt_) opt_->setFuture(asid, vpns, std::move(completed));
}

void Kernel::start_of_simulation() {
  if (!opt_) return;
  for (const auto& [a, p] : procs_) {
    if (p.exited || p.regions.empty() || opt_->hasFuture(a)) continue;
    SC_REPORT_FATAL(name(), ("replacement opt needs the future page reference string of every "
                             "process, known only for trace workloads; process " +
                             p.name + " (asid " + std::to_string(a) +
                             ") has none (Kernel::setFutureReferences)")
                                .c_str());
  }
}

}  // namespace vmsim::os
