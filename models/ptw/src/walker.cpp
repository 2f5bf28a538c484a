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
      queuedWalks_(
          ctx.stats.scalar(statName("queuedWalks"), "Count", "walks that found every walker busy")),
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
    if (at) {
      // The timed read waited; the entry's value is the one in memory now, when the walk
      // goes on (the kernel may have changed it while the read was in flight).
      gp->set_command(tlm::TLM_READ_COMMAND);
      mem->transport_dbg(*gp);
    }
  }
  gp->release();
  return value;  // little-endian host, as x86
}

void Walker::writeEntry(uint64_t pa, uint64_t value, sc_core::sc_time& delay, bool at) {
  tlm::tlm_generic_payload* gp = pool_.allocate();
  // In AT the write's data would land when the DRAM completes it, possibly over an entry the
  // kernel changed meanwhile; the update is applied atomically by updateEntry() instead, and
  // this transaction carries only its timing.
  TimingOnlyExt timingOnly;
  if (at) gp->set_extension(&timingOnly);
  gp->set_command(tlm::TLM_WRITE_COMMAND);
  gp->set_address(pa);
  gp->set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  gp->set_data_length(8);
  gp->set_streaming_width(8);
  gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  memAccess(*gp, delay, at);
  ++adWrites_;
  if (at) gp->clear_extension(&timingOnly);
  gp->release();
}

bool Walker::updateEntry(uint64_t pa, uint64_t expectFrame, uint64_t bits, uint64_t& entry) {
  // A locked read-modify-write, as the hardware's A/D update (Intel SDM Vol. 3A 4.8): at one
  // instant, so it neither loses a kernel change nor revives an entry the kernel replaced.
  uint64_t e = 0;
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_READ_COMMAND);
  gp.set_address(pa);
  gp.set_data_ptr(reinterpret_cast<unsigned char*>(&e));
  gp.set_data_length(8);
  gp.set_streaming_width(8);
  mem->transport_dbg(gp);
  if (!(e & pte::kPresent) || pte::frameAddr(e) != expectFrame) return false;
  if ((e | bits) != e) {
    e |= bits;
    gp.set_command(tlm::TLM_WRITE_COMMAND);
    mem->transport_dbg(gp);
  }
  entry = e;
  return true;
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
    const uint64_t bits = pte::kAccessed | (x.kind == AccessKind::Store ? pte::kDirty : 0);
    if (!debug && setAccessed_ && (e | bits) != e) {
      writeEntry(addr, e | bits, delay, x.mayWait);
      ++r.memWrites;
      if (!x.mayWait) {
        e |= bits;
      } else if (!updateEntry(addr, pte::frameAddr(e), bits, e)) {
        // The kernel unmapped or replaced the page while the write was in flight: the
        // translation is gone, the access faults and the kernel maps the page again.
        r.fault = FaultKind::NotPresent;
        return r;
      }
    }
    r.dirty = (e & pte::kDirty) != 0;
    r.global = (e & pte::kGlobal) != 0;
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
  // Take the walker that frees up first. A walker is busy from the start of its walk: in AT a
  // walk in progress (its end still unknown) makes later walks wait until some walker is done.
  if (x->mayWait) {
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  const sc_core::sc_time arrival = sc_core::sc_time_stamp() + delay;
  auto slot = std::min_element(walkerFree_.begin(), walkerFree_.end());
  while (*slot == kInProgress) {
    if (!x->mayWait) SC_REPORT_FATAL(name(), "all walkers busy in a caller that cannot wait");
    sc_core::wait(walkerDone_);
    slot = std::min_element(walkerFree_.begin(), walkerFree_.end());
  }
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const sc_core::sc_time begin = std::max(*slot, now + delay);
  if (begin > arrival) {
    queueCycles_ += (begin - arrival) / clockPeriod();
    ++queuedWalks_;
  }
  delay = begin - now;
  *slot = kInProgress;
  const sc_core::sc_time start = begin;
  delay += overhead_;
  ++walks_;
  const WalkResult r = walk(*x, delay, false);
  *slot = sc_core::sc_time_stamp() + delay;
  walkerDone_.notify(sc_core::SC_ZERO_TIME);
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
    x->global = r.global;
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
    x->global = r.global;
  }
  return 1;
}

void Walker::invalidatePage(Asid asid, VirtAddr va) {
  for (auto& c : caches_) {
    if (c) c->invalidatePage(asid, va.value());
  }
}

void Walker::invalidateAll() {
  for (auto& c : caches_) {
    if (c) c->invalidateAll();
  }
}

void Walker::invalidateAsid(Asid asid) {
  for (auto& c : caches_) {
    if (c) c->invalidateAsid(asid);
  }
}

}  // namespace vmsim::ptw
