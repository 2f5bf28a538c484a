// The kernel side of context switches (docs/os.md, "Scheduling and context switches"): the TLB
// effect of a CR3 write with or without PCIDs, the cores bookkeeping of each address space
// (Linux's mm_cpumask), and the complete per-process statistics.
#include <algorithm>

#include "vmsim/os/kernel.h"

namespace vmsim::os {

void Kernel::addCoreTranslationCache(unsigned core, TranslationCache* c) {
  cores_.at(core).caches.push_back(c);
}

sc_core::sc_time Kernel::flushCore(unsigned core, Invalidation kind, Asid asid) {
  uint64_t costPs = 0;
  for (auto* c : cores_.at(core).caches) {
    c->invalidate(kind, asid, VirtAddr(0));
    costPs = std::max(costPs, c->invalidationCostPs(kind));
  }
  const sc_core::sc_time cost(static_cast<double>(costPs), sc_core::SC_PS);
  const auto k = static_cast<unsigned>(kind);
  flushes_[k] += 1;
  flushCycles_[k] += cost / clockPeriod();
  return cost;
}

namespace {
void leave(std::vector<unsigned>& cpus, unsigned core) {
  cpus.erase(std::remove(cpus.begin(), cpus.end(), core), cpus.end());
}
}  // namespace

Kernel::SwitchResult Kernel::switchAddressSpace(unsigned core, Asid prev, Asid next,
                                                const SwitchTlb& how) {
  CoreInfo& c = cores_.at(core);
  SwitchResult r;
  auto drop = [&](Asid a) {
    auto it = procs_.find(a);
    if (it != procs_.end()) leave(it->second.cpus, core);
  };
  if (!how.pcid) {
    // MOV to CR3 without PCIDs: the core's non-global entries are gone, prev's with them, so
    // shootdowns of prev's pages no longer concern this core.
    if (prev != 0) {  // (the first address space of a core finds its TLBs empty)
      r.flushCost = flushCore(core, Invalidation::NonGlobal, 0);
      r.flushes = 1;
      if (prev != next) drop(prev);
    }
  } else {
    // PCIDs: the core keeps the entries of the address spaces in its slots. One that has no slot
    // takes the next one round robin; the CR3 write without the no-flush bit flushes what the
    // slot's old owner left (arch/x86/mm/tlb.c, choose_new_asid), which then leaves the core.
    const unsigned n = std::max(1u, how.asidSlots);
    if (c.slots.size() != n) c.slots.assign(n, 0);
    auto st = std::find(c.stale.begin(), c.stale.end(), next);
    const bool hasSlot = std::find(c.slots.begin(), c.slots.end(), next) != c.slots.end();
    if (st != c.stale.end()) {
      // The core left next's set at a shootdown while it ran another process (ipis): its
      // entries of next may be stale, so the switch flushes them (switch_mm_irqs_off finding
      // the mm's tlb_gen ahead of the CPU's).
      c.stale.erase(st);
      if (hasSlot) {
        r.flushCost = flushCore(core, Invalidation::Asid, next);
        r.flushes = 1;
      }
    }
    if (!hasSlot) {
      const unsigned s = c.nextSlot;
      c.nextSlot = (s + 1) % n;
      const Asid old = c.slots[s];
      if (old != 0) {
        r.flushCost = flushCore(core, Invalidation::Asid, old);
        r.flushes = 1;
        drop(old);
        c.stale.erase(std::remove(c.stale.begin(), c.stale.end(), old), c.stale.end());
      }
      c.slots[s] = next;
    }
  }
  c.scheduled = true;
  c.loaded = next;
  auto it = procs_.find(next);
  if (it != procs_.end()) {
    auto& cpus = it->second.cpus;
    if (std::find(cpus.begin(), cpus.end(), core) == cpus.end()) cpus.push_back(core);
  }
  return r;
}

std::vector<unsigned> Kernel::coresOf(Asid asid) const {
  auto it = procs_.find(asid);
  if (it == procs_.end()) return {};
  std::vector<unsigned> v = it->second.cpus;
  std::sort(v.begin(), v.end());
  return v;
}

void Kernel::addProcessStats(Asid asid) {
  Process& p = procs_.at(asid);
  if (p.full) return;
  auto& reg = context().stats;
  const std::string& n = p.name;
  auto scalar = [&](const char* leaf, const std::string& desc) {
    return &reg.scalar(statName(p.tag + "." + leaf), "Count", desc + " (process " + n + ")");
  };
  p.full = std::make_unique<Process::Full>();
  Process::Full& f = *p.full;
  f.minor = scalar("minorFaults", "faults served without I/O");
  f.major = scalar("majorFaults", "faults that read the page from swap");
  f.seg = scalar("segmentationFaults", "faults outside every region");
  f.prot = scalar("protectionFaults", "faults the region's permissions forbid");
  f.oom = scalar("outOfMemory", "faults that found neither a frame nor swap space");
  f.swapIns = scalar("swapIns", "pages read from swap");
  f.swapOuts = scalar("swapOuts", "pages written to swap");
  f.swapPages = scalar("swapPages", "swap slots holding its pages now");
  f.peakSwap = scalar("peakSwapPages", "most swap slots holding its pages at once");
  f.swapPages->set(static_cast<double>(p.swapPages));
  f.peakSwap->set(static_cast<double>(p.swapPages));
}

void Kernel::swapSlotsChanged(Process& p, int delta) {
  // A slot shared after fork counts for every process holding it.
  p.swapPages = delta < 0 && p.swapPages == 0 ? 0 : p.swapPages + static_cast<uint64_t>(delta);
  if (!p.full) return;
  p.full->swapPages->set(static_cast<double>(p.swapPages));
  if (static_cast<double>(p.swapPages) > p.full->peakSwap->value()) {
    p.full->peakSwap->set(static_cast<double>(p.swapPages));
  }
}

}  // namespace vmsim::os
