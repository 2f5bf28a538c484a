// Timed kernel work and the road from memory to swap and back (docs/os.md):
// - the cost model: a fault is the sum of its parts (trap, handler, page-table accesses timed
//   through `mem`, zeroing, TLB invalidations, IPIs), each part counted;
// - shootdown IPIs to the other cores running an address space;
// - the reclaim daemon (kswapd) between the low and high free-frame watermarks, direct reclaim,
//   clustered asynchronous swap writes, swap read-ahead and the swap cache;
// - the OOM killer and the thrashing detector.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "vmsim/os/kernel.h"
#include "vmsim/os/replacement.h"
#include "vmsim/paging/format.h"

namespace vmsim::os {
namespace {
constexpr uint64_t kPage = 4096;
constexpr uint64_t kNever = ~uint64_t{0};
}  // namespace

// --- parameters ------------------------------------------------------------------------------

void Kernel::readCosts(Params c) {
  // Calibration target: a 4 KiB demand-zero fault on current x86 Linux takes about 1 us. Measured
  // with rdtsc around the first touch of an anonymous page (THP off), Linux 6.6 on an 11th-gen
  // Intel Core i7 at 3.2 GHz: median 3,241 cycles = 1.01 us, minimum 575 ns
  // (ddumbying.vercel.app/experiments/pagefault-latency). At the kernel's 2 GHz the parts below
  // add up to ~2,000 cycles with its page-table accesses hitting in the LLC (docs/os.md has the
  // split and the run that checks it).
  cost_.trapCycles = c.getUint(
      "trap_cycles", 300, "Cycle",
      "exception entry and exit of a fault (IDT dispatch, register save/restore, the page-table "
      "isolation CR3 switches, IRET); an estimate within the measured 1 us fault (docs/os.md)",
      Range{0, 1e9});
  cost_.handlerCycles = c.getUint(
      "handler_cycles", 900, "Cycle",
      "software work of every fault besides its memory accesses (find_vma, page allocation from "
      "the per-CPU lists, memcg charge, LRU and rmap insertion, locking); the rest of the "
      "measured 1 us demand-zero fault after trap, zeroing and page-table accesses",
      Range{0, 1e9});
  cost_.swapinCycles = c.getUint(
      "swapin_cycles", 4000, "Cycle",
      "extra software work of a major fault: swap-cache lookup, block-layer submission, "
      "completion interrupt and wake-up of the sleeping thread (about 2 us: Yang, Minturn and "
      "Hady, 'When Poll is Better than Interrupt', FAST 2012, measure the interrupt-driven "
      "Linux block path at several us per 4 KiB I/O)",
      Range{0, 1e9});
  cost_.reclaimPageCycles = c.getUint(
      "reclaim_page_cycles", 500, "Cycle",
      "software work to reclaim one page besides its page-table accesses and TLB flush (LRU "
      "isolation, rmap walk, swap-slot allocation, add to the swap cache); an estimate",
      Range{0, 1e9});
  cost_.timedTables =
      c.getChoice("page_tables", "timed", {"timed", "fixed"},
                  "page-table reads and writes of the fault handler and reclaim: timed "
                  "through the kernel's memory socket (the LLC and DRAM time them), or fixed: "
                  "page_table_access_cycles each") == "timed";
  cost_.tableAccessCycles =
      c.getUint("page_table_access_cycles", 42, "Cycle",
                "fixed page_tables: cycles of one page-table access (42: an L3 hit on "
                "Skylake, 7-cpu.com/cpu/Skylake.html)",
                Range{0, 1e6});
  cost_.zeroThroughMemory =
      c.getChoice("zero", "per_byte", {"per_byte", "memory"},
                  "zeroing a page: per_byte at zero_bandwidth, or memory: timing-only line "
                  "writes of the whole page through the kernel's memory socket (caches and DRAM "
                  "time them)") == "memory";
  const double bw =
      c.getDouble("zero_bandwidth", 13.7, "GB/s",
                  "per_byte zeroing speed: clear_page of 4 KiB chunks (rep stos) runs at "
                  "13.7 GB/s on AMD Milan (Linux commit 'x86/clear_page: introduce "
                  "clear_pages()', 2026); a 2 MiB huge page then takes 153 us",
                  Range{0.001, 1e4});
  cost_.zeroPsPerByte = 1000.0 / bw;  // 1 GB/s is one byte per ns
  auto ipi = c.child("ipi");
  // A shootdown IPI round trip is 1-3 us on current Xeons (Amit, 'Optimizing the TLB Shootdown
  // Algorithm with Page Access Tracking', USENIX ATC 2017, reports shootdowns of several us;
  // the split below is ours and sums to 1.2 us).
  cost_.ipiSendCycles = ipi.getUint(
      "send_cycles", 200, "Cycle",
      "initiator: writing the x2APIC ICR for one target (flush_tlb_multi)", Range{0, 1e9});
  cost_.ipiLatency =
      sc_core::sc_time(static_cast<double>(ipi.getTimePs(
                           "latency", "500ns", "IPI delivery to the target core", Range{0, 1e12})),
                       sc_core::SC_PS);
  cost_.ipiHandlerCycles = ipi.getUint(
      "handler_cycles", 1000, "Cycle",
      "target: interrupt entry, flush_tlb_func (INVLPG) and exit; charged to the target core's "
      "next access and waited for by the initiator",
      Range{0, 1e9});
  cost_.ipiAck = sc_core::sc_time(
      static_cast<double>(ipi.getTimePs("ack_latency", "100ns",
                                        "the target's acknowledgement (a cache-line transfer "
                                        "the spinning initiator observes)",
                                        Range{0, 1e12})),
      sc_core::SC_PS);
}

void Kernel::readReclaim(Params& p, uint64_t frames) {
  auto r = p.child("reclaim");
  // VMS had no background reclaim: its free list is the reserve (configs/os/vms.yaml).
  daemon_ = r.getBool("daemon", !policy_->keepsEvictedPages(),
                      "run the reclaim daemon (kswapd): below the low watermark it reclaims "
                      "until the high one, writing dirty pages back asynchronously; default "
                      "true, false for vms (VMS had none: its free list is the reserve)");
  const uint64_t minKb = r.getUint(
      "min_free_kbytes", 0, "KiB",
      "the min watermark; 0: Linux's rule sqrt(16 x memory in KiB) clamped to [128, 262144] "
      "(mm/page_alloc.c init_per_zone_wmark_min), at most 1/16 of memory",
      Range{0, 1ull << 40});
  const uint64_t scale =
      r.getUint("watermark_scale_factor", 10, "",
                "distance min->low and low->high in 1/10000 of memory, at least min/4 (Linux's "
                "vm.watermark_scale_factor, default 10: mm/page_alloc.c __setup_per_zone_wmarks)",
                Range{1, 3000});
  const uint64_t kb = frames * (kPage / 1024);
  uint64_t minFree = minKb;
  if (minFree == 0) {
    minFree = static_cast<uint64_t>(std::sqrt(static_cast<double>(kb) * 16));
    minFree = std::clamp<uint64_t>(minFree, 128, 262144);
  }
  wmarkMin_ = std::min(minFree / (kPage / 1024), frames / 16);
  const uint64_t gap = std::max(wmarkMin_ / 4, frames * scale / 10000);
  wmarkLow_ = wmarkMin_ + gap;
  wmarkHigh_ = wmarkMin_ + 2 * gap;
  directPages_ = r.getUint("direct_pages", 32, "Page",
                           "pages one direct reclaim tries to free (Linux SWAP_CLUSTER_MAX, "
                           "include/linux/swap.h, the nr_to_reclaim of try_to_free_pages)",
                           Range{1, 1 << 20});
  auto sw = p.child("swap");
  clusterPages_ = sw.getUint("cluster_pages", 32, "Page",
                             "most pages of one swap write request (consecutive slots); Linux "
                             "writes the SWAP_CLUSTER_MAX pages of a reclaim batch, whose slots "
                             "come consecutive from one swap cluster",
                             Range{1, 1 << 16});
  const uint64_t pageCluster =
      sw.getUint("page_cluster", 3, "",
                 "swap read-ahead: a swap-in reads the aligned window of 2^page_cluster slots "
                 "around the faulting one (Linux's vm.page-cluster, default 3 = 8 pages; 0: no "
                 "read-ahead)",
                 Range{0, 10});
  readaheadPages_ = uint64_t{1} << pageCluster;
  const auto oom = p.getChoice("oom", "kill", {"kill", "stop", "fault"},
                               "when memory and swap are exhausted: kill the process with the "
                               "largest resident set (Linux's OOM killer), stop the simulation, "
                               "or fail the access as outOfMemory");
  oom_ = oom == "kill" ? Oom::Kill : oom == "stop" ? Oom::Stop : Oom::Fail;
  auto t = p.child("thrashing");
  thrashWindowPs_ = t.getTimePs("window", "10ms",
                                "thrashing detector: the window over which major faults are "
                                "counted (0: off)",
                                Range{0, 1e15});
  const double rate = t.getDouble(
      "major_faults_per_second", 5000, "1/s",
      "thrashing detector: a window above this rate counts as thrashing (5000/s is about half "
      "of one core's time waiting for ~100 us SSD reads)",
      Range{1, 1e12});
  thrashLimit_ = static_cast<uint64_t>(rate * static_cast<double>(thrashWindowPs_) * 1e-12);
  // Kept in units of the time resolution, as the timeline it is compared with.
  thrashWindowPs_ = sc_core::sc_time(static_cast<double>(thrashWindowPs_), sc_core::SC_PS).value();
  thrashWindows_ = t.getUint("windows", 3, "Count",
                             "consecutive thrashing windows before the warning", Range{1, 1e6});
}

// --- cost model ------------------------------------------------------------------------------

void Kernel::memTiming(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (at_) {
    memAt_.transact(gp, delay);
  } else {
    mem->b_transport(gp, delay);
  }
}

tlm::tlm_sync_enum Kernel::mem_nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                               sc_core::sc_time& delay) {
  return memAt_.backward(gp, ph, delay);
}

void Kernel::lock() {
  while (locked_) {
    ++lockWaiters_;
    sc_core::wait(unlocked_);
    --lockWaiters_;
  }
  locked_ = true;
}

void Kernel::unlock() {
  locked_ = false;
  if (lockWaiters_) unlocked_.notify(sc_core::SC_ZERO_TIME);
}

void Kernel::tableTimingSlow(uint64_t pa, uint64_t value, bool write) {
  write ? ++tableWrites_ : ++tableReads_;
  // The daemon's pass never waits, in AT either (its entries cost the fixed cycles there): an
  // eviction must not be interleaved with faults.
  if (!cost_.timedTables || (inDaemon_ && at_)) {
    charge(kPageTable, cycles(cost_.tableAccessCycles), *work_);
    return;
  }
  // (The LT direct path, timing_ && !at_, is tableTiming's inline part.)
  // Sticky extensions (owned by the pooled payload): an AT access may still be in flight when
  // the simulation stops. TimingOnly: the entry moved functionally already.
  tlm::tlm_generic_payload* gp = tablePool_.allocate();
  if (!gp->get_extension<TimingOnlyExt>()) {
    gp->set_extension(new TimingOnlyExt);
    gp->set_extension(new PageTableAccessExt);
  }
  gp->set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  gp->set_address(pa);
  // A foreign target may ignore TimingOnlyExt and move the bytes: a write carries the value
  // just written, a read lands in a copy.
  gp->set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  gp->set_data_length(8);
  gp->set_streaming_width(8);
  gp->set_byte_enable_ptr(nullptr);
  gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  const uint64_t before = nowPs(*work_);
  memTiming(*gp, *work_);
  gp->release();
  partStats()[kPageTable] += sc_core::sc_time::from_value(nowPs(*work_) - before) / clockPeriod();
}

void Kernel::chargeZeroSlow(uint64_t pa, uint64_t bytes, sc_core::sc_time& delay) {
  if (!cost_.zeroThroughMemory) {
    // Almost always one 4 KiB page: its time is converted once (the same sc_time each time).
    if (bytes != zeroMemoBytes_) {
      zeroMemo_ =
          sc_core::sc_time(cost_.zeroPsPerByte * static_cast<double>(bytes), sc_core::SC_PS);
      zeroMemoBytes_ = bytes;
    }
    charge(kZero, zeroMemo_, delay);
    return;
  }
  // Line-sized timing-only writes (the frames were zeroed functionally), one request per page
  // (a cache splits it into lines, as rep stos streams them).
  if (timing_ && !at_) {
    // The payloads below as plain values (TimingOnlyTransport: the cache's b_transport of a
    // timing-only write, a Store of no bytes). An LT access does not wait: what it took is what
    // it added to the delay.
    const uint64_t start = delay.value();
    for (uint64_t off = 0; off < bytes; off += kPage) {
      timing_->timingOnlyTransport(pa + off, static_cast<unsigned>(std::min(kPage, bytes - off)),
                                   true, false, delay);
    }
    partStats()[kZero] += ticksInCycles(delay.value() - start);
    return;
  }
  const uint64_t before = nowPs(delay);
  static const unsigned char zeros[kPage] = {};  // what a foreign target ignoring the ext writes
  tlm::tlm_generic_payload* gp = zeroPool_.allocate();
  if (!gp->get_extension<TimingOnlyExt>()) gp->set_extension(new TimingOnlyExt);
  for (uint64_t off = 0; off < bytes; off += kPage) {
    gp->set_command(tlm::TLM_WRITE_COMMAND);
    gp->set_data_ptr(const_cast<unsigned char*>(zeros));
    gp->set_address(pa + off);
    gp->set_data_length(static_cast<unsigned>(std::min(kPage, bytes - off)));
    gp->set_streaming_width(gp->get_data_length());
    gp->set_byte_enable_ptr(nullptr);
    gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    memTiming(*gp, delay);
  }
  gp->release();
  partStats()[kZero] += sc_core::sc_time::from_value(nowPs(delay) - before) / clockPeriod();
}

unsigned Kernel::addCore(const std::vector<Asid>& asids, InterruptTarget* irq) {
  const auto core = static_cast<unsigned>(cores_.size());
  cores_.push_back({});
  cores_.back().irq = irq;
  for (const Asid a : asids) procs_.at(a).cpus.push_back(core);
  return core;
}

sc_core::sc_time Kernel::ipis(Asid asid, unsigned initiator) {
  auto it = procs_.find(asid);
  if (it == procs_.end()) return sc_core::SC_ZERO_TIME;
  unsigned n = 0;
  const auto handlerPs =
      static_cast<uint64_t>(cycles(cost_.ipiHandlerCycles).to_seconds() * 1e12 + 0.5);
  auto& cpus = it->second.cpus;
  for (size_t i = 0; i < cpus.size();) {
    const unsigned c = cpus[i];
    if (c == initiator || !cores_[c].irq) {
      ++i;
      continue;
    }
    cores_[c].irq->interrupt(handlerPs);
    ++n;
    // A time-sliced core that runs another address space leaves this one's set at its first
    // shootdown IPI and flushes its entries when it switches back (Linux, "x86/mm/tlb: Update
    // mm_cpumask lazily", 2024; kernel_sched.cpp).
    CoreInfo& ci = cores_[c];
    if (ci.scheduled && ci.loaded != asid) {
      ci.stale.push_back(asid);
      cpus.erase(cpus.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    ++i;
  }
  if (n == 0) return sc_core::SC_ZERO_TIME;
  ipis_ += n;
  ++ipiShootdowns_;
  // One send per target, then the slowest round trip: delivery, the handler, the ack.
  return cycles(cost_.ipiSendCycles * n) + cost_.ipiLatency + cycles(cost_.ipiHandlerCycles) +
         cost_.ipiAck;
}

// --- swap I/O ----------------------------------------------------------------------------------

bool Kernel::swapRequest(uint64_t slot, uint64_t pages, unsigned char* buf, bool write,
                         sc_core::sc_time& delay) {
  tlm::tlm_generic_payload* gp = pool_.allocate();
  gp->set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  gp->set_address(slot * kPage);
  gp->set_data_ptr(buf);
  gp->set_data_length(static_cast<unsigned>(pages * kPage));
  gp->set_streaming_width(static_cast<unsigned>(pages * kPage));
  gp->set_byte_enable_ptr(nullptr);
  gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  swap->b_transport(*gp, delay);
  const bool ok = gp->is_response_ok();
  gp->release();
  ++(write ? writeRequests_ : readRequests_);
  return ok;
}

void Kernel::setSlotOnDisk(uint64_t slot, bool onDisk) {
  if (slot >= slotOnDisk_.size()) {
    if (!onDisk) return;
    slotOnDisk_.resize(std::max<uint64_t>(slot + 1, slotOnDisk_.size() * 2), false);
  }
  slotOnDisk_[slot] = onDisk;
}

bool Kernel::swapIn(uint64_t slot, uint64_t frame, sc_core::sc_time& delay) {
  // Linux's swap_cluster_readahead: the aligned window of 2^page_cluster slots around the
  // faulting one; here the run of consecutive slots in it that hold swapped-out pages not in
  // the swap cache, so that it is one request. Read-ahead takes only free frames above the min
  // watermark (it never reclaims).
  uint64_t a = slot, b = slot + 1;
  if (readaheadPages_ > 1) {
    const uint64_t base = slot & ~(readaheadPages_ - 1);
    const uint64_t free = framesFree();
    const uint64_t budget = free > wmarkMin_ ? free - wmarkMin_ : 0;
    auto usable = [&](uint64_t t) { return slotOnDisk(t) && !swapCache_.count(t); };
    while (a > base && b - a <= budget && usable(a - 1)) --a;
    while (b < base + readaheadPages_ && b - a <= budget && usable(b)) ++b;
  }
  const uint64_t n = b - a;
  if (ioBuf_.size() < n * kPage) ioBuf_.resize(n * kPage);
  const sc_core::sc_time before = delay;
  if (!swapRequest(a, n, ioBuf_.data(), false, delay)) return false;
  partStats()[kIo] += (delay - before) / clockPeriod();
  copyFrame(frame, ioBuf_.data() + (slot - a) * kPage, true);
  for (uint64_t t = a; t < b; ++t) {
    if (t == slot) continue;
    const auto pfn = frameAlloc_->allocate(0);
    if (!pfn) break;  // (the budget keeps this from happening)
    const uint64_t idx = *pfn - memBase_ / kPage;
    Frame& f = frames_[idx];
    f = Frame{};
    f.cached = true;
    f.swapSlot = static_cast<int64_t>(t);
    everUsed_[idx] = true;
    copyFrame(memBase_ + idx * kPage, ioBuf_.data() + (t - a) * kPage, true);
    swapCache_[t] = idx;
    cacheOrder_.push_back(idx);
    ++readahead_;
  }
  wakeDaemonIfLow();
  return true;
}

// --- the swap cache ---------------------------------------------------------------------------

void Kernel::uncache(uint64_t idx) {
  Frame& f = frames_[idx];
  if (!f.cached) return;
  swapCache_.erase(static_cast<uint64_t>(f.swapSlot));
  f.cached = false;
}

uint64_t Kernel::reapSwapCache(uint64_t now, uint64_t max) {
  uint64_t freed = 0;
  while (!writebacks_.empty() && freed < max) {
    const auto [done, idx] = writebacks_.front();
    const Frame& f = frames_[idx];
    if (f.cached && f.writebackDonePs == done) {
      if (done > now) break;  // still being written
      uncache(idx);
      frames_[idx] = Frame{};
      frameAlloc_->free(memBase_ / kPage + idx, 0);
      ++swapCacheDrops_;
      ++freed;
    }
    writebacks_.pop_front();
  }
  return freed;
}

uint64_t Kernel::earliestWriteback() const {
  for (const auto& [done, idx] : writebacks_) {
    const Frame& f = frames_[idx];
    if (f.cached && f.writebackDonePs == done) return done;
  }
  return 0;
}

void Kernel::flushWrites(sc_core::sc_time& delay) {
  // A queued page may have left the swap cache since (VMS's modified list lives across faults:
  // a fault took it back, or its process exited): its entry is stale.
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                [&](const PendingWrite& w) {
                                  const Frame& f = frames_[w.frameIdx];
                                  return !f.cached || f.swapSlot != static_cast<int64_t>(w.slot) ||
                                         f.writebackDonePs != kNever;
                                }),
                 pending_.end());
  if (pending_.empty()) return;
  std::sort(pending_.begin(), pending_.end(),
            [](const PendingWrite& x, const PendingWrite& y) { return x.slot < y.slot; });
  pending_.erase(
      std::unique(pending_.begin(), pending_.end(),
                  [](const PendingWrite& x, const PendingWrite& y) { return x.slot == y.slot; }),
      pending_.end());
  for (size_t i = 0; i < pending_.size();) {
    size_t j = i + 1;
    while (j < pending_.size() && j - i < clusterPages_ &&
           pending_[j].slot == pending_[j - 1].slot + 1) {
      ++j;
    }
    const uint64_t n = j - i;
    if (ioBuf_.size() < n * kPage) ioBuf_.resize(n * kPage);
    for (size_t k = i; k < j; ++k) {
      copyFrame(memBase_ + pending_[k].frameIdx * kPage, ioBuf_.data() + (k - i) * kPage, false);
    }
    // Asynchronous: issued now, nobody waits here; the frames stay in the swap cache until the
    // request completes.
    sc_core::sc_time end = delay;
    if (!swapRequest(pending_[i].slot, n, ioBuf_.data(), true, end)) {
      SC_REPORT_ERROR(name(), "swap write failed");
    }
    const uint64_t done = std::max<uint64_t>(nowPs(end), 1);
    for (size_t k = i; k < j; ++k) {
      Frame& f = frames_[pending_[k].frameIdx];
      f.writebackDonePs = done;
      writebacks_.emplace_back(done, pending_[k].frameIdx);
    }
    swapOuts_ += static_cast<double>(n);
    if (inDaemon_) asyncWrites_ += static_cast<double>(n);
    i = j;
  }
  pending_.clear();
}

// --- reclaim --------------------------------------------------------------------------------

void Kernel::wakeDaemonIfLow() {
  if (daemon_ && swapEnabled_ && !daemonRunning_ && framesFree() < wmarkLow_ &&
      sc_core::sc_get_status() == sc_core::SC_RUNNING) {
    wake_.notify(sc_core::SC_ZERO_TIME);
  }
}

bool Kernel::dropReadahead() {
  while (!cacheOrder_.empty()) {
    const uint64_t idx = cacheOrder_.front();
    cacheOrder_.pop_front();
    const Frame& f = frames_[idx];
    if (!f.cached || f.writebackDonePs != 0) continue;  // stale: used, freed or reused
    uncache(idx);
    frames_[idx] = Frame{};
    frameAlloc_->free(memBase_ / kPage + idx, 0);
    ++swapCacheDrops_;
    return true;
  }
  return false;
}

uint64_t Kernel::reclaim(uint64_t pages, bool direct, sc_core::sc_time& delay) {
  uint64_t done = 0;
  // Pages read ahead and not used yet go first, oldest first: unmapped and clean, they are the
  // cheapest to reclaim (Linux adds them to the inactive list, which reclaim scans first).
  while (done < pages && dropReadahead()) {
    charge(kReclaim, cycles(cost_.reclaimPageCycles), delay);
    ++done;
  }
  for (; done < pages; ++done) {
    bool queued = false;
    const auto f = evictOne(delay, true, &queued);
    if (f) {
      freeFrame(*f);  // clean: free at once
    } else if (!queued) {
      break;  // nothing evictable, or swap full
    }
    charge(kReclaim, cycles(cost_.reclaimPageCycles), delay);
  }
  flushWrites(delay);
  (direct ? directReclaimed_ : bgReclaimed_) += static_cast<double>(done);
  return done;
}

bool Kernel::directReclaim(sc_core::sc_time& delay) {
  ++directReclaims_;
  // 1. A swap-cache frame whose write-back has completed is free for the taking.
  if (reapSwapCache(nowPs(delay), 1)) return true;
  // 2. Reclaim a batch: clean victims are free at once, dirty ones are written as a cluster.
  bool ownWrites = false;
  if (swapEnabled_ && swapSpace_) {
    const uint64_t before = writebacks_.size();
    reclaim(directPages_, true, delay);
    ownWrites = writebacks_.size() > before;
    if (frameAlloc_->freeFrames() > 0) return true;
  }
  // 3. A page read ahead and not used yet (without swap, reclaim did not run).
  if (dropReadahead()) return true;
  // 4. Wait for the earliest write-back (the fault's own cluster, or the daemon's).
  if (const uint64_t t = earliestWriteback()) {
    const uint64_t now = nowPs(delay);
    if (t > now) charge(kWait, sc_core::sc_time::from_value(t - now), delay);
    ++(ownWrites ? directWriteWaits_ : writebackWaits_);
    return reapSwapCache(nowPs(delay), 1) > 0;
  }
  return false;
}

void Kernel::reclaimDaemon() {
  for (;;) {
    daemonRunning_ = false;
    sc_core::wait(wake_);
    daemonRunning_ = true;
    ++daemonWakeups_;
    // Until the high watermark (counting frames whose write-back is under way), then sleep.
    for (;;) {
      lock();
      sc_core::sc_time d = sc_core::SC_ZERO_TIME;
      work_ = &d;
      inDaemon_ = true;
      faultingCore_ = kNoCore;  // kswapd runs on a core of its own
      // Written-back swap-cache frames are free for the taking; VMS's free list gives up only
      // as many as the high watermark needs (its pages keep their second chance).
      const uint64_t needed = wmarkHigh_ > framesFree() ? wmarkHigh_ - framesFree() : 0;
      reapSwapCache(nowPs(d), policy_->keepsEvictedPages() ? needed : kNever);
      uint64_t inFlight = 0;
      for (const auto& [done, idx] : writebacks_) {
        inFlight += frames_[idx].cached && frames_[idx].writebackDonePs == done;
      }
      uint64_t got = 0;
      const uint64_t free = framesFree();
      if (free + inFlight < wmarkHigh_) {
        // Whole batches (kswapd's SWAP_CLUSTER_MAX per shrink pass), however far below.
        got = reclaim(clusterPages_, false, d);
      }
      inDaemon_ = false;
      work_ = nullptr;
      unlock();
      // The rest of the pass's own time (in AT its timed accesses let part of it pass already).
      if (d > sc_core::SC_ZERO_TIME) sc_core::wait(d);
      if (framesFree() >= wmarkHigh_) break;
      if (got == 0) {
        // Nothing left to unmap: wait for the writes under way, or sleep.
        const uint64_t t = earliestWriteback();
        if (!t) break;
        const uint64_t now = sc_core::sc_time_stamp().value();
        sc_core::wait(sc_core::sc_time::from_value(t > now ? t - now : 1));
      }
    }
  }
}

// --- out of memory and thrashing --------------------------------------------------------------

bool Kernel::outOfMemory(Asid asid, uint64_t va) {
  const Process& faulting = procs_.at(asid);
  std::ostringstream where;
  where << "process " << faulting.name << " (asid " << asid << ") faulting at VA 0x" << std::hex
        << va << std::dec;
  if (oom_ == Oom::Fail) return false;
  if (oom_ == Oom::Stop) {
    logWarning("out of memory and swap: " + where.str() +
               "; stopping the simulation (system.kernel.oom: stop)");
    sc_core::sc_stop();
    return false;
  }
  // Linux's oom_badness: the largest resident set (plus its swap and page tables; here the
  // resident set alone).
  Asid victim = 0;
  uint64_t most = 0;
  for (const auto& [a, p] : procs_) {
    if (a == 0 || p.exited || p.resident <= most) continue;
    most = p.resident;
    victim = a;
  }
  if (most == 0) return false;
  Process& v = procs_.at(victim);
  ++oomKills_;
  logWarning("out of memory and swap: killed process " + v.name + " (asid " +
             std::to_string(victim) + ", " + std::to_string(most) +
             " resident pages, the most of any process) at the fault of " + where.str());
  v.killed = true;
  // Its page-table walk is not the faulting fault's cost (and the fault holds the kernel lock).
  sc_core::sc_time* work = work_;
  work_ = nullptr;
  exitLocked(victim);
  work_ = work;
  if (onOomKill_) onOomKill_(victim);
  return victim != asid;
}

void Kernel::noteMajorFault(uint64_t now) {
  if (!thrashWindowPs_) return;
  const uint64_t w = now / thrashWindowPs_;
  if (w > thrashWindow_) {
    if (thrashCount_ > thrashLimit_) {
      ++thrashingWindows_;
      ++thrashRun_;
    } else {
      thrashRun_ = 0;
    }
    if (w > thrashWindow_ + 1) thrashRun_ = 0;  // quiet windows in between
    if (thrashRun_ >= thrashWindows_ && !thrashReported_) {
      thrashReported_ = true;
      std::ostringstream os;
      os << "thrashing: more than " << thrashLimit_ << " major faults in each of " << thrashWindows_
         << " consecutive windows of " << sc_core::sc_time::from_value(thrashWindowPs_) << " ("
         << thrashCount_ << " in the last, up to "
         << sc_core::sc_time::from_value(w * thrashWindowPs_)
         << "); see kernel.thrashingWindows (reported once)";
      logWarning(os.str());
    }
    thrashWindow_ = w;
    thrashCount_ = 0;
  }
  ++thrashCount_;
}

}  // namespace vmsim::os
