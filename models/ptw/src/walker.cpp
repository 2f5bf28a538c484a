// Page walk: walk-cache probe (deepest level first), then one 8-byte PTE read per remaining
// level in the page-table format, permission accumulation across levels (x86, Intel SDM 4.6) or
// from the leaf (RISC-V), A/D write-back; the walker bound and, in AT, merging of walks to one
// page.
#include "vmsim/ptw/walker.h"

#include "vmsim/paging/walk_path.h"

#include <algorithm>

namespace vmsim::ptw {
namespace {
// Names of the non-leaf levels 2..5 in config keys and stats, after x86's entries: the entry of
// level L points to a level-(L-1) table (RISC-V: pde = a level-1 PTE pointing to a leaf table,
// pdpte = level 2, pml4e = level 3, pml5e = level 4 in the spec's numbering from 0).
const char* const kLevelNames[] = {"", "", "pde", "pdpte", "pml4e", "pml5e"};
constexpr unsigned kMaxCachedLevel = 5;
}  // namespace

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
                                   "cycles from walk start to translation")),
      cacheMisses_(ctx.stats.scalar(statName("walkCacheMisses"), "Count",
                                    "walks that found no walk-cache entry and started at the root "
                                    "(with walk_cache psc or pwc)")),
      cacheCycles_(ctx.stats.scalar(statName("walkCacheCycles"), "Cycle",
                                    "cycles walks spent looking up the walk caches")),
      mergedWalks_(ctx.stats.scalar(statName("mergedWalks"), "Count",
                                    "walks that waited for an in-flight walk of the same page and "
                                    "took its result instead of reading the PTEs (AT)")),
      reservedFaults_(ctx.stats.scalar(statName("reservedFaults"), "Count",
                                       "walks that ended at an entry with a reserved bit or "
                                       "encoding set, or at a misaligned superpage (RISC-V): the "
                                       "access fails")) {
  declareClock("2GHz");
  simc_ = sc_core::sc_get_curr_simcontext();
  auto& p = params();
  const uint64_t walkers =
      p.getUint("walkers", 2, "Count", "page walks that can be in flight at once", Range{1, 64});
  walkerFree_.assign(walkers, sc_core::SC_ZERO_TIME);
  overhead_ = cycles(p.getUint("walk_latency", 2, "Cycle",
                               "fixed cycles per walk besides the PTE reads", Range{0, 1e6}));
  setAccessed_ = p.getBool("set_accessed_dirty", true, "write A/D bits back into the PTEs");
  // Walk caches. Sizes: Intel publishes none (SDM 4.10.3 defines the structures only); the PSC
  // defaults (2 PML4E, 4 PDPTE, 32 PDE entries, fully associative) are the Intel-like baseline
  // of Bhattacharjee, "Large-reach memory management unit caches" (MICRO 2011) and ChampSim's
  // PSCs; the PML5E cache is an estimate (as the PML4E one). The unified cache's 16 entries are
  // AMD's page directory cache (Software Optimization Guide for AMD Family 16h, 52128 rev 1.1,
  // 2.6.3); its full associativity is an estimate. Latency 0: the lookup is part of
  // walk_latency (the walker's fixed cycles per walk), as before walk caches had a latency of
  // their own; a preset that charges it separately sets it (and lowers walk_latency).
  const auto kind = p.getChoice(
      "walk_cache", "psc", {"psc", "pwc", "none"},
      "walk caches: psc (Intel-style paging-structure caches, one per non-leaf "
      "level), pwc (one unified page-walk cache for every non-leaf level, tagged by "
      "level), none (every walk starts at the root). Barr et al., ISCA 2010 compare them");
  cacheKind_ = kind == "psc" ? CacheKind::Psc : kind == "pwc" ? CacheKind::Pwc : CacheKind::None;
  auto readCache = [&](Params cp, uint64_t entries, const std::string& what) {
    CacheParams c;
    c.entries =
        cp.getUint("entries", entries, "Count", what + " entries (0: none)", Range{0, 1 << 16});
    c.ways = cp.getUint("ways", std::max<uint64_t>(c.entries, 1), "Count",
                        what + " ways (entries/ways sets; default: fully associative)",
                        Range{1, 1 << 16});
    c.latency = cp.getUint("latency", 0, "Cycle",
                           what +
                               " lookup cycles, added to each walk (default 0: part of "
                               "walk_latency)",
                           Range{0, 1000});
    if (c.entries && c.entries % c.ways) {
      p.config().addProblem("'" + cp.key("ways") + "': " + std::to_string(c.ways) +
                            " does not divide entries " + std::to_string(c.entries));
    }
    return c;
  };
  cacheParams_.resize(kMaxCachedLevel + 1);
  if (cacheKind_ == CacheKind::Psc) {
    const uint64_t defaults[] = {0, 0, 32, 4, 2, 2};
    auto psc = p.child("psc");
    for (unsigned level = 2; level <= kMaxCachedLevel; ++level) {
      cacheParams_[level] =
          readCache(psc.child(kLevelNames[level]), defaults[level],
                    std::string("paging-structure cache of ") + kLevelNames[level] + "s:");
    }
  } else if (cacheKind_ == CacheKind::Pwc) {
    cacheParams_[0] = readCache(p.child("pwc"), 16, "unified page-walk cache:");
  }
  mem.register_nb_transport_bw(this, &Walker::mem_nb_transport_bw);
  tsock.register_b_transport(this, &Walker::b_transport);
  tsock.register_transport_dbg(this, &Walker::transport_dbg);
}

void Walker::setPageTableBase(const PageTableBase* base) {
  base_ = base;
  roots_ = base_ ? base_->pageTableRoots() : nullptr;
  if (base_) fmt_ = &base_->pageTableFormat();
  buildWalkCaches();
}

void Walker::buildWalkCaches() {
  // Non-leaf levels that may be cached: 2 .. levels() (the root table's entries included).
  const unsigned top = std::min(fmt_->levels(), kMaxCachedLevel);
  std::vector<std::string> names;
  for (unsigned level = 2; level <= top; ++level) names.push_back(kLevelNames[level]);
  cacheHits_.setSubnames(names);
  arrays_.clear();
  cacheOf_.assign(top + 1, nullptr);
  cacheLatencyCycles_ = 0;
  if (cacheKind_ == CacheKind::Psc) {
    for (unsigned level = 2; level <= kMaxCachedLevel; ++level) {
      const CacheParams& c = cacheParams_[level];
      // A level the format does not have (pml5e of a 4-level format, pml4e of sv39) has no
      // cache: its keys stay declared, so that one configuration serves every format.
      if (level > top || c.entries == 0 || c.entries % c.ways) continue;
      arrays_.push_back(std::make_unique<WalkCacheArray>(c.entries, static_cast<unsigned>(c.ways)));
      cacheOf_[level] = arrays_.back().get();
      // The per-level caches are probed in parallel: a lookup takes the slowest one's time.
      cacheLatencyCycles_ = std::max(cacheLatencyCycles_, c.latency);
    }
  } else if (cacheKind_ == CacheKind::Pwc) {
    const CacheParams& c = cacheParams_[0];
    if (c.entries && c.entries % c.ways == 0) {
      arrays_.push_back(std::make_unique<WalkCacheArray>(c.entries, static_cast<unsigned>(c.ways)));
      for (unsigned level = 2; level <= top; ++level) cacheOf_[level] = arrays_.back().get();
      cacheLatencyCycles_ = c.latency;
    }
  }
  cacheLatency_ = cycles(cacheLatencyCycles_);
}

void Walker::end_of_elaboration() {
  if (!base_) SC_REPORT_FATAL(name(), "no page-table base (kernel) connected to the walker");
}

tlm::tlm_sync_enum Walker::mem_nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                               sc_core::sc_time& delay) {
  return memAt_.backward(gp, ph, delay);
}

void Walker::memAccess(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, bool at) {
  // Caches count PTE reads and A/D writes apart from data (sticky on the pooled payloads). With
  // the direct path the bytes move in host memory, so the transactions carry timing only (sticky
  // too: direct_ is fixed before simulation).
  if (!gp.get_extension<PageTableAccessExt>()) {
    gp.set_extension(new PageTableAccessExt);
    if (direct_) gp.set_extension(new TimingOnlyExt);
  }
  if (at) {
    memAt_.transact(gp, delay);
  } else {
    mem->b_transport(gp, delay);
  }
}

uint64_t* Walker::directEntry(uint64_t pa) {
  // An address no memory serves reads as 0 (not present), as a failed timed read leaves it.
  return directPages_.entry(pa);
}

tlm::tlm_generic_payload* Walker::entryPayload(tlm::tlm_command cmd, uint64_t pa, uint64_t* data) {
  tlm::tlm_generic_payload* gp = pool_.allocate();
  gp->set_command(cmd);
  gp->set_address(pa);
  gp->set_data_ptr(reinterpret_cast<unsigned char*>(data));
  gp->set_data_length(8);
  gp->set_streaming_width(8);
  gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  return gp;
}

uint64_t Walker::readEntry(uint64_t pa, sc_core::sc_time& delay, bool debug, bool at) {
  if (direct_) {
    if (!debug && !at && timing_) {
      timing_->timingOnlyTransport(pa, 8, false, true, delay);  // the timed read, as below
      ++memReads_;
    } else if (!debug) {
      // The timed read (timing only); the entry's value is taken when it has completed (in AT
      // the kernel may have changed it while the read was in flight).
      uint64_t scratch = 0;
      tlm::tlm_generic_payload* gp = entryPayload(tlm::TLM_READ_COMMAND, pa, &scratch);
      memAccess(*gp, delay, at);
      ++memReads_;
      gp->release();
    }
    const uint64_t* e = directEntry(pa);
    return e ? *e : 0;  // little-endian host, as x86
  }
  uint64_t value = 0;
  tlm::tlm_generic_payload* gp = entryPayload(tlm::TLM_READ_COMMAND, pa, &value);
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
  if (direct_ && !at && timing_) {
    // As below: the entry is stored now, and the write's timing goes to what `mem` is bound to.
    if (uint64_t* e = directEntry(pa)) *e = value;
    timing_->timingOnlyTransport(pa, 8, true, true, delay);
    ++adWrites_;
    return;
  }
  tlm::tlm_generic_payload* gp = entryPayload(tlm::TLM_WRITE_COMMAND, pa, &value);
  // In AT the write's data would land when the DRAM completes it, possibly over an entry the
  // kernel changed meanwhile; the update is applied atomically by updateEntry() instead, and
  // this transaction carries only its timing. With the direct path an LT write stores the entry
  // in host memory now (where the DRAM would have stored it during the call), and the
  // transaction is timing only in both modes (its sticky TimingOnlyExt).
  TimingOnlyExt timingOnly;
  const bool stackExt = at && !direct_;
  if (stackExt) gp->set_extension(&timingOnly);
  if (direct_ && !at) {
    if (uint64_t* e = directEntry(pa)) *e = value;
  }
  memAccess(*gp, delay, at);
  ++adWrites_;
  if (stackExt) gp->clear_extension(&timingOnly);
  gp->release();
}

bool Walker::updateEntry(uint64_t pa, uint64_t expectFrame, uint64_t bits, uint64_t& entry) {
  // A locked read-modify-write, as the hardware's A/D update (Intel SDM Vol. 3A 4.8): at one
  // instant, so it neither loses a kernel change nor revives an entry the kernel replaced.
  if (direct_) {
    uint64_t* d = directEntry(pa);
    const uint64_t e = d ? *d : 0;
    if (!fmt_->present(e) || fmt_->frameAddr(e) != expectFrame) return false;
    *d = e | bits;
    entry = *d;
    return true;
  }
  uint64_t e = 0;
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_READ_COMMAND);
  gp.set_address(pa);
  gp.set_data_ptr(reinterpret_cast<unsigned char*>(&e));
  gp.set_data_length(8);
  gp.set_streaming_width(8);
  mem->transport_dbg(gp);
  if (!fmt_->present(e) || fmt_->frameAddr(e) != expectFrame) return false;
  if ((e | bits) != e) {
    e |= bits;
    gp.set_command(tlm::TLM_WRITE_COMMAND);
    mem->transport_dbg(gp);
  }
  entry = e;
  return true;
}

// A store through a copy-on-write leaf that only its missing write permission forbids: a page
// fault for the kernel (x86 #PF with P=1 W=1, which Linux's do_wp_page resolves), not a
// protection fault that ends the access.
bool Walker::cowStore(const WalkResult& r, const TranslationExt& x) {
  if (!r.cow || x.kind != AccessKind::Store) return false;
  Perms w = r.perms;
  w.write = true;
  return permits(w, x.kind, x.privilege);
}

WalkResult Walker::walk(const TranslationExt& x, sc_core::sc_time& delay, bool debug) {
  WalkResult r;
  const paging::Format& f = *fmt_;
  const uint64_t va = x.va.value();
  const auto root = roots_ ? roots_->get(x.asid) : base_->pageTableRoot(x.asid);
  if (!root || !f.isCanonicalUser(va)) {
    r.fault = FaultKind::Segmentation;
    return r;
  }
  uint64_t table = root->value();
  unsigned level = f.levels();
  if (!debug && !arrays_.empty()) {
    // The deepest hit wins (the walk skips the most levels). The PSCs are probed in parallel and
    // a unified cache in one lookup; either way the lookup costs cacheLatency_.
    r.cacheProbed = true;
    delay += cacheLatency_;
    for (unsigned l = 2; l < cacheOf_.size(); ++l) {
      if (!cacheOf_[l]) continue;
      if (auto next = cacheOf_[l]->lookup(x.asid, l, va)) {
        table = *next;
        level = l - 1;
        r.cachedLevel = l;
        break;
      }
    }
  }
  // Permissions accumulate over the levels (paging::WalkPath); entries above a cached level were
  // checked when they were cached (only fully permissive paths are cached).
  paging::WalkPath path(f, va, table);
  // readEntry()'s LT direct path, inline here: the timed read with plain values, then the
  // entry's bytes in host memory.
  const bool directLt = direct_ && timing_ && !debug && !x.mayWait;
  for (; level >= 1; --level) {
    const uint64_t addr = path.entryAddr(level);
    uint64_t e;
    if (directLt) {
      timing_->timingOnlyTransport(addr, 8, false, true, delay);
      ++memReads_;
      const uint64_t* d = directPages_.entry(addr);
      e = d ? *d : 0;  // little-endian host, as x86
    } else {
      e = readEntry(addr, delay, debug, x.mayWait);
    }
    ++r.memReads;
    const auto step = path.visit(e, level);
    if (step == paging::WalkPath::Step::NotPresent) {
      r.fault = FaultKind::NotPresent;
      return r;
    }
    if (step == paging::WalkPath::Step::Malformed) {
      // A reserved encoding or a misaligned superpage: a page fault the kernel cannot resolve
      // by mapping (its tables are malformed); the access fails.
      r.fault = FaultKind::Protection;
      r.malformed = true;
      return r;
    }
    if (step == paging::WalkPath::Step::Next) {
      if (!debug && level < cacheOf_.size() && cacheOf_[level] && path.lastPermissive()) {
        cacheOf_[level]->insert(x.asid, level, va, path.table());
      }
      continue;
    }
    r.shift = path.shift();
    r.perms = Perms{path.readable(), path.writable(), path.exec(), path.user()};
    r.pa = path.pa();
    r.dirty = (e & f.dirtyBit()) != 0;
    r.cow = f.isCow(e);
    if (!permits(r.perms, x.kind, x.privilege)) {
      r.fault = cowStore(r, x) ? FaultKind::NotPresent : FaultKind::Protection;
      return r;
    }
    const uint64_t bits = f.accessedBit() | (x.kind == AccessKind::Store ? f.dirtyBit() : 0);
    if (!debug && setAccessed_ && (e | bits) != e) {
      if (directLt) {
        // writeEntry()'s LT direct path, inline: the entry stored now, then the write's timing.
        if (uint64_t* d = directPages_.entry(addr)) *d = e | bits;
        timing_->timingOnlyTransport(addr, 8, true, true, delay);
        ++adWrites_;
      } else {
        writeEntry(addr, e | bits, delay, x.mayWait);
      }
      ++r.memWrites;
      if (!x.mayWait) {
        e |= bits;
      } else if (!updateEntry(addr, f.frameAddr(e), bits, e)) {
        // The kernel unmapped or replaced the page while the write was in flight: the
        // translation is gone, the access faults and the kernel maps the page again.
        r.fault = FaultKind::NotPresent;
        return r;
      }
    }
    r.dirty = (e & f.dirtyBit()) != 0;
    r.global = path.global();
    return r;
  }
  r.fault = FaultKind::NotPresent;
  return r;
}

Walker::InFlight* Walker::findInFlight(const TranslationExt& x) {
  const uint64_t vpn = x.va.value() >> paging::Format::kPageShift;
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  for (auto& f : inFlight_) {
    if (f->used && (!f->done || f->readyAt > now) && f->vpn == vpn && f->asid == x.asid &&
        f->privilege == x.privilege) {
      return f.get();
    }
  }
  return nullptr;
}

Walker::InFlight* Walker::startInFlight(const TranslationExt& x) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  InFlight* slot = nullptr;
  for (auto& f : inFlight_) {
    if (!f->used || (f->done && f->waiters == 0 && f->readyAt <= now)) {
      slot = f.get();
      break;
    }
  }
  if (!slot) {
    inFlight_.push_back(std::make_unique<InFlight>());
    slot = inFlight_.back().get();
  }
  slot->used = true;
  slot->done = false;
  slot->asid = x.asid;
  slot->vpn = x.va.value() >> paging::Format::kPageShift;
  slot->privilege = x.privilege;
  slot->waiters = 0;
  return slot;
}

bool Walker::reuse(const WalkResult& r, const TranslationExt& x, WalkResult& out) {
  out = r;
  out.memReads = out.memWrites = 0;
  if (r.fault != FaultKind::None && r.fault != FaultKind::Protection) return true;  // same fault
  if (r.malformed) return true;
  // The first walk found the leaf: the translation and permissions hold for this access too,
  // at its own offset; only its permission check is its own.
  const uint64_t mask = (uint64_t{1} << r.shift) - 1;
  out.pa = (r.pa & ~mask) | (x.va.value() & mask);
  out.fault = permits(r.perms, x.kind, x.privilege) ? FaultKind::None
              : cowStore(r, x)                      ? FaultKind::NotPresent
                                                    : FaultKind::Protection;
  // A store through an entry whose D bit the first walk did not set must set it itself.
  return !(out.fault == FaultKind::None && x.kind == AccessKind::Store && !r.dirty);
}

void Walker::answer(TranslationExt& x, const WalkResult& r) {
  x.fault = r.fault;
  x.resolvedLevel = 0xff;
  if (r.fault == FaultKind::None) {
    x.pa = PhysAddr(r.pa);
    x.pageShift = r.shift;
    x.perms = r.perms;
    x.dirty = r.dirty;
    x.global = r.global;
  }
}

void Walker::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  auto* x = gp.get_extension<TranslationExt>();
  if (!x) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  translateMiss(0, *x, gp, delay);
}

void Walker::translateMiss(int, TranslationExt& x, tlm::tlm_generic_payload& gp,
                           sc_core::sc_time& delay) {
  // Take the walker that frees up first. A walker is busy from the start of its walk: in AT a
  // walk in progress (its end still unknown) makes later walks wait until some walker is done.
  InFlight* mine = nullptr;
  if (x.mayWait) {
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
    // A walk of this page is in flight (queued or walking): wait for its answer instead of
    // reading the same PTEs again. It takes no walker.
    if (InFlight* first = findInFlight(x)) {
      ++first->waiters;
      if (!first->done) sc_core::wait(first->finished);
      if (first->readyAt > sc_core::sc_time_stamp()) {
        sc_core::wait(first->readyAt - sc_core::sc_time_stamp());
      }
      --first->waiters;
      WalkResult r;
      if (reuse(first->result, x, r)) {
        ++mergedWalks_;
        answer(x, r);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
      }
    }
    mine = startInFlight(x);
  }
  // Simulated time from the simulation context (inline), not sc_time_stamp().
  if (x.mayWait) atWalks_ = true;
  const sc_core::sc_time arrival = simc_->time_stamp() + delay;
  auto slot = std::min_element(walkerFree_.begin(), walkerFree_.end());
  while (*slot == kInProgress) {
    if (!x.mayWait) SC_REPORT_FATAL(name(), "all walkers busy in a caller that cannot wait");
    sc_core::wait(walkerDone_);
    slot = std::min_element(walkerFree_.begin(), walkerFree_.end());
  }
  const sc_core::sc_time now = simc_->time_stamp();
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
  const WalkResult r = walk(x, delay, false);
  *slot = simc_->time_stamp() + delay;
  // Only an AT walk waits for walkerDone_, and only while another AT walk is in progress: until
  // the first AT walk nobody can be waiting or start waiting before this notification fires.
  if (atWalks_) walkerDone_.notify(sc_core::SC_ZERO_TIME);
  const sc_core::sc_time took = *slot - start;
  latency_.sampleKeyed(took.value(), [&] { return took / clockPeriod(); });
  if (r.cachedLevel) {
    cacheHits_[r.cachedLevel - 2] += 1;
  } else if (r.cacheProbed) {
    ++cacheMisses_;
  }
  if (r.cacheProbed) cacheCycles_ += static_cast<double>(cacheLatencyCycles_);
  if (r.fault != FaultKind::None) {
    ++faults_;
    if (r.malformed) ++reservedFaults_;
  }
  if (mine) {
    mine->result = r;
    mine->done = true;
    mine->readyAt = *slot;
    mine->finished.notify(sc_core::SC_ZERO_TIME);
  }
  answer(x, r);
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
  for (auto& a : arrays_) a->invalidatePage(asid, va.value());
}

void Walker::invalidateAll() {
  for (auto& a : arrays_) a->invalidateAll();
}

void Walker::invalidateAsid(Asid asid) {
  for (auto& a : arrays_) a->invalidateAsid(asid);
}

}  // namespace vmsim::ptw
