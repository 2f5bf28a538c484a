// Page walk: walk-cache probe from the lowest level up, then one 8-byte PTE read per remaining
// level, permission accumulation across levels (Intel SDM 4.6), A/D write-back.
#include "vmsim/ptw/walker.h"

#include <algorithm>

#include "vmsim/common/pte.h"

namespace vmsim::ptw {

WalkCache::WalkCache(unsigned level, size_t entries, unsigned ways)
    : level_(level), core_(entries, ways, {pte::leafShift(level)}, "lru") {}

std::optional<uint64_t> WalkCache::lookup(Asid asid, uint64_t va) {
  if (const auto* e = core_.lookup(asid, va)) return e->frame << 12;
  return std::nullopt;
}

void WalkCache::insert(Asid asid, uint64_t va, uint64_t nextTable) {
  tlb::TlbEntry e;
  e.asid = asid;
  e.shift = static_cast<uint8_t>(pte::leafShift(level_));
  e.vpn = va >> e.shift;
  e.frame = nextTable >> 12;
  core_.insert(e);
}

Walker::Walker(const sc_core::sc_module_name& nm, SimContext& ctx)
    : Module(nm, ctx),
      tsock("tsock"),
      mem("mem"),
      memAt_([this](tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time& t) {
        return mem->nb_transport_fw(gp, ph, t);
      }),
      walks_(ctx.stats.scalar(statName("walks"), "Count", "page walks performed")),
      memReads_(ctx.stats.scalar(statName("memReads"), "Count", "PTE reads from memory")),
      adWrites_(ctx.stats.scalar(statName("adWrites"), "Count",
                                 "PTE write-backs setting accessed/dirty bits")),
      faults_(ctx.stats.scalar(statName("faults"), "Count", "walks that ended in a fault")),
      cacheHits_(ctx.stats.vector(statName("walkCacheHits"), {"pde", "pdpte", "pml4e"}, "Count",
                                  "walks that started below the root thanks to a walk cache")),
      queueCycles_(ctx.stats.scalar(statName("queueCycles"), "Cycle",
                                    "cycles walks waited for a free walker")),
      latency_(ctx.stats.histogram(statName("walkLatency"), 16, "Cycle",
                                   "cycles from walk start to translation")) {
  declareClock("2GHz");
  auto& p = params();
  const uint64_t walkers =
      p.getUint("walkers", 2, "Count", "page walks that can be in flight at once", Range{1, 64});
  walkerFree_.assign(walkers, sc_core::SC_ZERO_TIME);
  overhead_ = cycles(p.getUint("walk_latency", 2, "Cycle",
                               "fixed cycles per walk besides the PTE reads", Range{0, 1e6}));
  setAccessed_ = p.getBool("set_accessed_dirty", true, "write A/D bits back into the PTEs");
  const bool enable = p.getBool("walk_caches", true, "enable the paging-structure caches");
  const char* names[] = {"pde_cache", "pdpte_cache", "pml4e_cache"};
  const uint64_t defaults[] = {32, 4, 2};
  caches_.resize(5);
  for (unsigned level = 2; level <= 4; ++level) {
    auto cp = p.child(names[level - 2]);
    const uint64_t n =
        cp.getUint("entries", defaults[level - 2], "Count",
                   "entries of this walk cache (fully associative)", Range{1, 1 << 16});
    if (enable) caches_[level] = std::make_unique<WalkCache>(level, n, static_cast<unsigned>(n));
  }
  mem.register_nb_transport_bw(this, &Walker::mem_nb_transport_bw);
  tsock.register_b_transport(this, &Walker::b_transport);
  tsock.register_transport_dbg(this, &Walker::transport_dbg);
}

void Walker::end_of_elaboration() {
  if (!base_) SC_REPORT_FATAL(name(), "no page-table base (kernel) connected to the walker");
}

tlm::tlm_sync_enum Walker::mem_nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                               sc_core::sc_time& delay) {
  return memAt_.backward(gp, ph, delay);
}

void Walker::memAccess(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, bool at) {
  if (at) {
    memAt_.transact(gp, delay);
  } else {
    mem->b_transport(gp, delay);
  }
}

uint64_t Walker::readEntry(uint64_t pa, sc_core::sc_time& delay, bool debug, bool at) {
  tlm::tlm_generic_payload* gp = pool_.allocate();
  uint64_t value = 0;
  gp->set_command(tlm::TLM_READ_COMMAND);
  gp->set_address(pa);
  gp->set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  gp->set_data_length(8);
  gp->set_streaming_width(8);
  gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  if (debug) {
    mem->transport_dbg(*gp);
  } else {
    memAccess(*gp, delay, at);
    ++memReads_;
  }
  gp->release();
  return value;  // little-endian host, as x86
}

void Walker::writeEntry(uint64_t pa, uint64_t value, sc_core::sc_time& delay, bool at) {
  tlm::tlm_generic_payload* gp = pool_.allocate();
  gp->set_command(tlm::TLM_WRITE_COMMAND);
  gp->set_address(pa);
  gp->set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  gp->set_data_length(8);
  gp->set_streaming_width(8);
  gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  memAccess(*gp, delay, at);
  ++adWrites_;
  gp->release();
}

WalkResult Walker::walk(const TranslationExt& x, sc_core::sc_time& delay, bool debug) {
  WalkResult r;
  const uint64_t va = x.va.value();
  const auto root = base_->pageTableRoot(x.asid);
  if (!root || !pte::isCanonicalUser(va)) {
    r.fault = FaultKind::Segmentation;
    return r;
  }
  uint64_t table = root->value();
  unsigned level = pte::kLevels;
  if (!debug) {
    for (unsigned l = 2; l <= 4; ++l) {
      if (!caches_[l]) continue;
      if (auto next = caches_[l]->lookup(x.asid, va)) {
        table = *next;
        level = l - 1;
        r.cachedLevel = l;
        break;
      }
    }
  }
  // Permissions are the AND of every level's R/W and U/S bits and the OR of NX; entries above a
  // cached level were checked when they were cached (we keep only fully permissive paths cached).
  bool writable = true, user = true, noexec = false;
  for (; level >= 1; --level) {
    const uint64_t addr = table + pte::tableIndex(va, level) * pte::kEntryBytes;
    uint64_t e = readEntry(addr, delay, debug, x.mayWait);
    ++r.memReads;
    if (!(e & pte::kPresent)) {
      r.fault = FaultKind::NotPresent;
      return r;
    }
    writable &= (e & pte::kWritable) != 0;
    user &= (e & pte::kUser) != 0;
    noexec |= (e & pte::kNoExec) != 0;
    const bool leaf = level == 1 || (level <= 3 && (e & pte::kPageSize));
    if (!leaf) {
      table = pte::frameAddr(e);
      const bool permissive = (e & pte::kWritable) && (e & pte::kUser) && !(e & pte::kNoExec);
      if (!debug && caches_[level] && permissive) caches_[level]->insert(x.asid, va, table);
      continue;
    }
    r.shift = pte::leafShift(level);
    r.perms = Perms{true, writable, !noexec, user};
    if (!permits(r.perms, x.kind, x.privilege)) {
      r.fault = FaultKind::Protection;
      return r;
    }
    const uint64_t frameBase = pte::frameAddr(e) & ~((uint64_t{1} << r.shift) - 1);
    r.pa = frameBase | pageOffset(va, r.shift);
    uint64_t updated = e | pte::kAccessed;
    if (x.kind == AccessKind::Store) updated |= pte::kDirty;
    if (!debug && setAccessed_ && updated != e) {
      writeEntry(addr, updated, delay, x.mayWait);
      ++r.memWrites;
      e = updated;
    }
    r.dirty = (e & pte::kDirty) != 0;
    return r;
  }
  r.fault = FaultKind::NotPresent;
  return r;
}

void Walker::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  auto* x = gp.get_extension<TranslationExt>();
  if (!x) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  // Take the walker that frees up first; wait for it if all are busy.
  const sc_core::sc_time arrival = sc_core::sc_time_stamp() + delay;
  auto slot = std::min_element(walkerFree_.begin(), walkerFree_.end());
  if (*slot > arrival) {
    queueCycles_ += (*slot - arrival) / clockPeriod();
    delay += *slot - arrival;
  }
  const sc_core::sc_time start = sc_core::sc_time_stamp() + delay;
  delay += overhead_;
  ++walks_;
  const WalkResult r = walk(*x, delay, false);
  *slot = sc_core::sc_time_stamp() + delay;
  latency_.sample((*slot - start) / clockPeriod());
  if (r.cachedLevel) cacheHits_[r.cachedLevel - 2] += 1;
  x->fault = r.fault;
  x->resolvedLevel = 0xff;
  if (r.fault != FaultKind::None) {
    ++faults_;
  } else {
    x->pa = PhysAddr(r.pa);
    x->pageShift = r.shift;
    x->perms = r.perms;
    x->dirty = r.dirty;
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int Walker::transport_dbg(tlm::tlm_generic_payload& gp) {
  auto* x = gp.get_extension<TranslationExt>();
  if (!x) return 0;
  sc_core::sc_time none;
  const WalkResult r = walk(*x, none, true);
  x->fault = r.fault;
  if (r.fault == FaultKind::None) {
    x->pa = PhysAddr(r.pa);
    x->pageShift = r.shift;
    x->perms = r.perms;
    x->dirty = r.dirty;
  }
  return 1;
}

void Walker::invalidatePage(Asid asid, VirtAddr va) {
  for (auto& c : caches_) {
    if (c) c->invalidatePage(asid, va.value());
  }
}

void Walker::invalidateAsid(Asid asid) {
  for (auto& c : caches_) {
    if (c) c->invalidateAsid(asid);
  }
}

}  // namespace vmsim::ptw
