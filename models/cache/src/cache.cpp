// Cache level: LT and AT timing around CacheCore, write-backs, inclusion between levels.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "vmsim/cache/cache.h"

#include <cstring>

#include "vmsim/common/extensions.h"

namespace vmsim::cache {
namespace {
constexpr size_t kKinds = static_cast<size_t>(CacheKind::Count);
// Workers of the AT front end beyond the MSHRs: hits keep being answered while every MSHR
// waits for its fill (hit under miss), up to this many.
constexpr unsigned kHitUnderMiss = 16;
// Write-backs the AT side keeps in flight to the level below at once.
constexpr unsigned kAtWritebacks = 4;
enum AtStepCode : uintptr_t {
  kLookup = 0,
  kArrive = 1,
  kFillDone = 2,
  kWake = 3,
  kWbDone = 4,
  kIssueWb = 5,
};
}  // namespace

const std::vector<std::string>& Cache::inclusionNames() {
  static const std::vector<std::string> n = {"non_inclusive", "inclusive", "exclusive"};
  return n;
}

Cache::Cache(const sc_core::sc_module_name& nm, SimContext& ctx, const Defaults& d)
    : Module(nm, ctx),
      tsock("tsock"),
      next("next"),
      data("data"),
      sim_(sc_core::sc_get_curr_simcontext()),
      memAt_([this](tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time& t) {
        // next's target's nb_transport_fw, without the hop where it is the level below
        return directNext_ ? directNext_->directNbTransportFw(gp, ph, t, *this, nullptr)
                           : next->nb_transport_fw(gp, ph, t);
      }),
      hits_(ctx.stats.vector(statName("hits"), cacheKindNames(), "Count",
                             "accesses that found their line, by kind (writeback: lines from "
                             "the level above that were present)")),
      misses_(ctx.stats.vector(statName("misses"), cacheKindNames(), "Count",
                               "accesses that did not find their line (or merged with a fill "
                               "in flight), by kind")),
      mshrMerges_(ctx.stats.vector(statName("mshrMerges"), cacheKindNames(), "Count",
                                   "misses merged into an MSHR already fetching their line, by "
                                   "kind")),
      mshrStalls_(ctx.stats.scalar(statName("mshrStalls"), "Count",
                                   "misses that found every MSHR busy and waited")),
      mshrStallCycles_(ctx.stats.scalar(statName("mshrStallCycles"), "Cycle",
                                        "cycles misses waited for a free MSHR")),
      writebacks_(ctx.stats.scalar(statName("writebacks"), "Count",
                                   "dirty lines written to the level below")),
      victimsDown_(ctx.stats.scalar(statName("victimsDown"), "Count",
                                    "lines moved down as victims (exclusive policy)")),
      evictions_(
          ctx.stats.scalar(statName("evictions"), "Count", "valid lines replaced to make room")),
      uncached_(ctx.stats.scalar(statName("uncached"), "Count",
                                 "accesses passed down unchanged (byte enables, streaming, "
                                 "ignore command, zero length)")),
      latencyHist_(ctx.stats.histogram(statName("latency"), 16, "Cycle",
                                       "cycles from request to answer of accesses from above")) {
  declareClock("2GHz");
  auto& p = params();
  const uint64_t size = p.getSize("size", d.size, "capacity", Range{64, double(uint64_t{1} << 40)});
  const uint64_t ways = p.getUint("ways", d.ways, "Count", "associativity", Range{1, 1024});
  const uint64_t line = p.getUint("line", 64, "Byte", "line size (a power of two)", Range{8, 4096});
  latency_ = cycles(p.getUint("latency", d.latency, "Cycle",
                              "load-to-use latency of a hit at this level, from the requester "
                              "(the levels above included: a level adds only the part beyond "
                              "the latency of the level a request came from)",
                              Range{0, 1e6}));
  const uint64_t mshrs = p.getUint("mshrs", d.mshrs, "Count",
                                   "miss status holding registers: misses in flight to distinct "
                                   "lines (more wait)",
                                   Range{1, 4096});
  const std::string policy = p.getChoice("replacement", "lru", tlb::setReplacementNames(),
                                         "replacement within a set (plru: ways a power of two)");
  inclusion_ = p.getChoice("inclusion", d.inclusion, inclusionNames(),
                           "relation to the level below: inclusive (the level below holds "
                           "every line of this one; its evictions invalidate them here), "
                           "non_inclusive, exclusive (a line lives in one of the two; victims "
                           "move down)");
  const uint64_t seed = p.getUint("seed", 1, "", "seed of the random replacement policy");
  exclusive_ = inclusion_ == "exclusive";
  auto problem = [&](const std::string& msg) { ctx.config.addProblem(msg); };
  uint64_t lineOk = line, sizeOk = size, waysOk = ways;
  if (line & (line - 1)) {
    problem("'" + p.key("line") + "': " + std::to_string(line) + " is not a power of two");
    lineOk = 64;
  }
  if (size % (waysOk * lineOk)) {
    problem("'" + p.key("size") + "': " + std::to_string(size) +
            " bytes is not a multiple of ways * line (" + std::to_string(waysOk * lineOk) + ")");
    sizeOk = waysOk * lineOk;
  }
  std::string pol = policy;
  if (policy == "plru" && (waysOk & (waysOk - 1))) {
    problem("'" + p.key("replacement") + "': plru needs a power-of-two number of ways, not " +
            std::to_string(ways) + " ('" + p.key("ways") + "')");
    pol = "lru";
  }
  core_ = std::make_unique<CacheCore>(sizeOk, static_cast<unsigned>(waysOk),
                                      static_cast<unsigned>(lineOk), pol, seed);
  mshr_ = std::make_unique<MshrFile>(static_cast<unsigned>(mshrs));
  pool_ = std::make_unique<PayloadPool>(lineOk);
  auto& reg = ctx.stats;
  reg.formula(
      statName("missRate"),
      [this] {
        double h = 0, m = 0;
        for (size_t k = 0; k < kKinds; ++k) {
          if (k == static_cast<size_t>(CacheKind::WriteBack)) continue;
          h += hits_.at(k);
          m += misses_.at(k);
        }
        return h + m > 0 ? m / (h + m) : 0.0;
      },
      "Ratio", "misses / accesses from above (write-backs not counted)");
  reg.formula(
      statName("occupancy::data"),
      [this] { return static_cast<double>(core_->linesValid() - core_->linesPageTable()); },
      "Count", "valid lines holding data, at the time of the dump");
  reg.formula(
      statName("occupancy::pageTable"),
      [this] { return static_cast<double>(core_->linesPageTable()); }, "Count",
      "valid lines holding page-table entries (filled by the walker), at the time of the dump");
  reg.formula(
      statName("occupancy::dirty"), [this] { return static_cast<double>(core_->linesDirty()); },
      "Count", "dirty lines, at the time of the dump");
  reg.formula(
      statName("backInvalidations"),
      [this] { return static_cast<double>(core_->backInvalidations()); }, "Count",
      "lines dropped here because the inclusive level below evicted them");

  tsock.register_b_transport(this, &Cache::b_transport);
  tsock.register_transport_dbg(this, &Cache::transport_dbg);
  tsock.register_nb_transport_fw(this, &Cache::nb_transport_fw);
  tsock.register_get_direct_mem_ptr(this, &Cache::get_direct_mem_ptr);
  next.register_nb_transport_bw(this, &Cache::next_nb_transport_bw);
  data.register_nb_transport_bw(this, &Cache::next_nb_transport_bw);  // never used: debug only
  atFront_ = std::make_unique<AtTargetFrontEnd>(
      static_cast<unsigned>(mshrs) + kHitUnderMiss,
      AtTargetFrontEnd::TaggedCall([this](int from, tlm::tlm_generic_payload& gp,
                                          tlm::tlm_phase& ph, sc_core::sc_time& t) {
        return from < 0 ? directUps_[static_cast<size_t>(-1 - from)]->directNbTransportBw(gp, ph, t)
                        : tsock[from]->nb_transport_bw(gp, ph, t);
      }),
      [this](tlm::tlm_generic_payload& gp) { processAt(gp); });
  atFront_->setStart([this](tlm::tlm_generic_payload& gp, const AtTargetFrontEnd::Reply& reply,
                            const sc_core::sc_time& t) { return startAt(gp, reply, t); });
}

void Cache::linkNext(Cache* lower) {
  if (lower) {
    if (lower->latency_ <= latency_) {
      logWarning("'" + std::string(lower->name()) + ".latency' is not above '" + name() +
                 ".latency': latencies are load-to-use figures from the requester, so a hit "
                 "there adds nothing to a miss here");
    }
    if (inclusion_ == "inclusive") lower->core_->addInclusiveUpper(core_.get());
    return;
  }
  if (exclusive_) {
    context().config.addProblem("'" + params().key("inclusion") +
                                "': exclusive needs a cache below, but " + name() +
                                " misses to memory (use non_inclusive)");
    exclusive_ = false;
  }
}

Cache::Req Cache::classify(tlm::tlm_generic_payload& gp) const {
  Req r;
  r.write = gp.is_write();
  // Each extension lookup is a library call: the common case (an MMU's access, with VmAccess)
  // takes one for a load and two for a store. Our own payloads never carry VmAccess.
  if (const auto* a = gp.get_extension<VmAccess>()) {
    r.kind = r.write ? CacheKind::Store
                     : (a->kind == AccessKind::Fetch ? CacheKind::Fetch : CacheKind::Load);
    // A write whose bytes its initiator applied already moves no data (reads always copy:
    // harmless for a timing-only one).
    r.movesData = !r.write || !gp.get_extension<TimingOnlyExt>();
    return r;
  }
  if (auto* ce = gp.get_extension<CacheReqExt>()) {
    r.dirtyOut = &ce->dirty;
    r.dirty = ce->dirty;
    r.req = ce->req;
    r.kind = ce->kind;
    r.pageTable = ce->pageTable;
    r.above = ce->above;
    return r;  // an upper cache's own payload: timing only
  }
  // A model's own timing-only access (the walker's or kernel's page-table reads on the direct
  // path, docs/direct-memory.md) moves no bytes, a read no more than a write.
  r.movesData = !gp.get_extension<TimingOnlyExt>();
  if (gp.get_extension<PageTableAccessExt>()) {
    r.pageTable = true;
    r.kind = r.write ? CacheKind::PteWrite : CacheKind::PteRead;
  } else {
    r.kind = r.write ? CacheKind::Store : CacheKind::Load;
  }
  return r;
}

void Cache::end_of_elaboration() {
  dataIf_ = data.size() ? data.operator->() : next.operator->();
}

tlm::tlm_generic_payload* Cache::ownPayload(tlm::tlm_command cmd, uint64_t line, CacheRequest req,
                                            CacheKind kind, bool pageTable, bool dirty,
                                            CacheReqExt** ext) {
  tlm::tlm_generic_payload* p = pool_->allocate();
  auto* ce = p->get_extension<CacheReqExt>();
  if (!ce) {
    ce = new CacheReqExt;
    p->set_extension(ce);  // sticky, as the TimingOnlyExt: pooled payloads keep them
    p->set_extension(new TimingOnlyExt);
  }
  ce->req = req;
  ce->kind = kind;
  ce->pageTable = pageTable;
  ce->dirty = dirty;
  ce->above = latency_;
  if (ext) *ext = ce;
  p->set_command(cmd);
  p->set_address(core_->lineBase(line));
  p->set_data_length(core_->lineBytes());
  p->set_streaming_width(core_->lineBytes());
  p->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  return p;
}

// The hit path's steps are inline in accessLt (each was a call of its own per access); their
// rarer parts stay out of line.
#define VMSIM_HIT_PATH [[gnu::always_inline]] inline

VMSIM_HIT_PATH bool Cache::moveData(tlm::tlm_generic_payload& gp, const Req& r) {
  // Only the access that entered the hierarchy carries bytes; our own payloads are timing only.
  if (!r.movesData) return true;
  const unsigned len = gp.get_data_length();
  if (directData_) {
    // The page's bytes where the memory keeps them: the copy debug transport would make, at
    // the same point of the access (cacheable() ruled out byte enables, streaming and ignore).
    const uint64_t addr = gp.get_address();
    const uint64_t off = addr & 4095;
    if (off + len <= 4096) {
      if (unsigned char* page = directBytes(addr)) {
        unsigned char* const dst = gp.is_write() ? page + off : gp.get_data_ptr();
        const unsigned char* const src = gp.is_write() ? gp.get_data_ptr() : page + off;
        if (len == 8) {
          std::memcpy(dst, src, 8);  // the common access size: a move, not a library call
        } else {
          std::memcpy(dst, src, len);
        }
        return true;
      }
    }
  }
  return dataIf_->transport_dbg(gp) == len;
}

unsigned char* Cache::directRefresh(DirectSlot& s, uint64_t addr) {
  const DirectMemory::PageView v = directData_->peekPage(addr);
  if (!v.epoch) {  // not to be kept: ask again next time
    s = DirectSlot{};
    return v.bytes;
  }
  s.tag = (addr >> 12) + 1;
  s.bytes = v.bytes;  // nullptr too is kept: a page in pieces stays one until the epoch moves
  s.epoch = v.epoch;
  s.seen = *v.epoch;
  return v.bytes;
}

inline void Cache::countVictim(const Victim& v) {
  ++evictions_;
  if (v.dirty) ++writebacks_;
  if (exclusive_) ++victimsDown_;
}

// Inline where a victim leaves an LT fill (most are clean: counted and dropped, no call).
[[gnu::always_inline]] inline void Cache::evictLt(const Victim& v, const sc_core::sc_time& delay) {
  countVictim(v);
  if (!v.dirty && !exclusive_) return;  // a clean line is dropped
  writeBackLt(v, delay);
}

// Inline: LT's write-backs from above arrive in linesLt, one call fewer per write-back.
[[gnu::always_inline]] inline void Cache::arrived(uint64_t line, const Req& r,
                                                  const sc_core::sc_time* ltDelay) {
  // A line written back or moving down from above: allocated without a fetch (a full line).
  bool present = false;
  const Victim v = core_->fill(line, r.dirty, r.pageTable, &present);
  (present ? hits_ : misses_)[static_cast<size_t>(CacheKind::WriteBack)] += 1;
  if (!v.valid) return;
  if (ltDelay) {
    evictLt(v, *ltDelay);
  } else {
    evictAt(v);
  }
}

// demandLt() of a line that access() found: a hit, or a merge with its fill still on the way.
[[gnu::always_inline]] inline void Cache::hitLt(uint64_t line, CacheKind kind,
                                                sc_core::sc_time& delay) {
  const size_t k = static_cast<size_t>(kind);
  const uint64_t now = (sim_->time_stamp() + delay).value();
  if (mshr_->anyBusy(now)) {
    const int m = mshr_->find(line, now);
    if (m >= 0) {
      // The line's fill is still on its way: wait for it (a merge, counted as a miss).
      mshrMerges_[k] += 1;
      misses_[k] += 1;
      delay += sc_core::sc_time::from_value(mshr_->busyUntil(static_cast<unsigned>(m)) - now);
      return;
    }
  }
  hits_[k] += 1;
}

bool Cache::demandMissLt(uint64_t line, const Req& r, sc_core::sc_time& delay,
                         tlm::tlm_response_status& err) {
  return missLt(line, r, delay, err);
}

// Inline in fromAboveLt: a miss that goes on to the level below is one call per level.
[[gnu::always_inline]] inline bool Cache::missLt(uint64_t line, const Req& r,
                                                 sc_core::sc_time& delay,
                                                 tlm::tlm_response_status& err) {
  const size_t k = static_cast<size_t>(r.kind);
  misses_[k] += 1;
  bool dirty = false;
  if (!fetchLt(line, r, delay, err, dirty)) return false;
  const Victim v = core_->fillAbsent(line, r.write || dirty, r.pageTable);
  if (v.valid) evictLt(v, delay);
  return true;
}

[[gnu::always_inline]] inline bool Cache::fetchLt(uint64_t line, const Req& r,
                                                  sc_core::sc_time& delay,
                                                  tlm::tlm_response_status& err, bool& dirty) {
  const uint64_t now = (sim_->time_stamp() + delay).value();
  const auto [idx, freeAt] = mshr_->acquire(now);
  if (freeAt > now) {
    ++mshrStalls_;
    const sc_core::sc_time wait = sc_core::sc_time::from_value(freeAt - now);
    mshrStallCycles_ += wait / clockPeriod();
    delay += wait;
  }
  const CacheRequest req = exclusive_ ? CacheRequest::ExclusiveFill : CacheRequest::Fill;
  if (directNext_) {
    // The request the payload below would carry, as plain values.
    Req q;
    q.req = req;
    q.kind = r.kind;
    q.pageTable = r.pageTable;
    q.above = std::max(latency_, r.above);
    bool movedDirty = false;
    q.dirtyOut = &movedDirty;
    if (!directNext_->fromAboveLt(q, core_->lineBase(line), core_->lineBytes(), delay, err)) {
      return false;
    }
    dirty = exclusive_ && movedDirty;
    mshr_->occupy(idx, line, (sim_->time_stamp() + delay).value());
    return true;
  }
  return fetchPayloadLt(line, r, idx, delay, err, dirty);
}

bool Cache::fetchPayloadLt(uint64_t line, const Req& r, unsigned idx, sc_core::sc_time& delay,
                           tlm::tlm_response_status& err, bool& dirty) {
  const CacheRequest req = exclusive_ ? CacheRequest::ExclusiveFill : CacheRequest::Fill;
  CacheReqExt* fe = nullptr;
  tlm::tlm_generic_payload* fp =
      ownPayload(tlm::TLM_READ_COMMAND, line, req, r.kind, r.pageTable, false, &fe);
  fe->above = std::max(latency_, r.above);
  next->b_transport(*fp, delay);
  const bool ok = fp->is_response_ok();
  if (ok) {
    dirty = exclusive_ && fe->dirty;
    mshr_->occupy(idx, line, (sim_->time_stamp() + delay).value());
  } else {
    err = fp->get_response_status();
  }
  fp->release();
  return ok;
}

// --- LT ------------------------------------------------------------------------------------------

void Cache::b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (!cacheable(gp)) {
    ++uncached_;
    next->b_transport(gp, delay);
    return;
  }
  accessLt(gp, classify(gp), delay);
}

void Cache::directAccess(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay,
                         const VmAccess& who) {
  if (!cacheable(gp)) {
    ++uncached_;
    next->b_transport(gp, delay);
    return;
  }
  // What classify() finds on a program access (VmAccess, no TimingOnlyExt), from `who`.
  Req r;
  r.write = gp.is_write();
  r.kind = r.write ? CacheKind::Store
                   : (who.kind == AccessKind::Fetch ? CacheKind::Fetch : CacheKind::Load);
  r.movesData = true;
  const uint64_t addr = gp.get_address();
  const uint64_t line = core_->lineOf(addr);
  if (line != core_->lineOf(addr + gp.get_data_length() - 1)) {
    accessLt(gp, r, delay);
    return;
  }
  // One line (nearly every access): accessLt's steps with demandLt inline, so that a hit keeps
  // the Req in registers (only a miss passes it out of line). added() of a request from no cache
  // above is the latency.
  const sc_core::sc_time in = delay;
  delay += latency_;
  tlm::tlm_response_status err = tlm::TLM_OK_RESPONSE;
  if (!demandLt<false>(line, r, delay, err)) {
    gp.set_response_status(err);
    return;
  }
  respond(gp, r, delay - in);
}

VMSIM_HIT_PATH void Cache::accessLt(tlm::tlm_generic_payload& gp, const Req& r,
                                    sc_core::sc_time& delay) {
  const sc_core::sc_time in = delay;
  tlm::tlm_response_status err = tlm::TLM_OK_RESPONSE;
  if (!linesLt<false>(r, gp.get_address(), gp.get_data_length(), delay, err)) {
    gp.set_response_status(err);
    return;
  }
  respond(gp, r, delay - in);
}

bool Cache::timingOnlyTransport(uint64_t addr, unsigned len, bool write, bool pageTable,
                                sc_core::sc_time& delay) {
  // classify() of such a payload: no VmAccess, no CacheReqExt, TimingOnlyExt (no bytes move).
  Req r;
  r.write = write;
  r.pageTable = pageTable;
  r.kind = pageTable ? (write ? CacheKind::PteWrite : CacheKind::PteRead)
                     : (write ? CacheKind::Store : CacheKind::Load);
  const sc_core::sc_time in = delay;
  tlm::tlm_response_status err = tlm::TLM_OK_RESPONSE;
  const uint64_t line = core_->lineOf(addr);
  if (line == core_->lineOf(addr + len - 1)) {
    // One line (a table entry, nearly every call): linesLt's Fill of it with demandLt inline.
    // added() of a request from no cache above is the whole latency.
    delay += latency_;
    if (!demandLt<false>(line, r, delay, err)) return false;
  } else if (!linesLt<false>(r, addr, len, delay, err)) {
    return false;
  }
  // respond(): nothing to move; a fill's time at this level is sampled.
  const sc_core::sc_time took = delay - in;
  latencyHist_.sampleKeyed(took.value(), [&] { return took / clockPeriod(); });
  return true;
}

bool Cache::fromAboveLt(const Req& r, uint64_t addr, unsigned len, sc_core::sc_time& delay,
                        tlm::tlm_response_status& err) {
  // b_transport of an upper cache's payload: always cacheable (a line, no byte enables), and
  // respond() moves no bytes for it; only a fill's time is sampled.
  const sc_core::sc_time in = delay;
  if (!linesLt<true>(r, addr, len, delay, err)) return false;
  if (r.req == CacheRequest::Fill || r.req == CacheRequest::ExclusiveFill) {
    const sc_core::sc_time took = delay - in;
    latencyHist_.sampleKeyed(took.value(), [&] { return took / clockPeriod(); });
  }
  return true;
}

template <bool kChain>
VMSIM_HIT_PATH bool Cache::linesLt(const Req& r, uint64_t addr, unsigned len,
                                   sc_core::sc_time& delay, tlm::tlm_response_status& err) {
  delay += added(r);
  const uint64_t first = core_->lineOf(addr), last = core_->lineOf(addr + len - 1);
  if (r.req == CacheRequest::Fill) {
    // Every requester's access and every fill from above: its lines without a switch per line.
    for (uint64_t line = first; line <= last; ++line) {
      if (!demandLt<kChain>(line, r, delay, err)) return false;
    }
    return true;
  }
  for (uint64_t line = first; line <= last; ++line) {
    switch (r.req) {
      case CacheRequest::Fill:
        break;  // above
      case CacheRequest::ExclusiveFill: {
        const Victim v = core_->extract(line);
        bool dirty = v.dirty;
        if (v.valid) {
          hits_[static_cast<size_t>(r.kind)] += 1;
        } else {
          misses_[static_cast<size_t>(r.kind)] += 1;
          if (!fetchLt(line, r, delay, err, dirty)) return false;
        }
        *r.dirtyOut = dirty;
        break;
      }
      case CacheRequest::WriteBack:
      case CacheRequest::Victim:
        arrived(line, r, &delay);
        break;
    }
  }
  return true;
}

VMSIM_HIT_PATH void Cache::respond(tlm::tlm_generic_payload& gp, const Req& r,
                                   const sc_core::sc_time& took) {
  // Both modes: the data moves, and a fill's time at this level is sampled.
  if (!moveData(gp, r)) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  if (r.req == CacheRequest::Fill || r.req == CacheRequest::ExclusiveFill) {
    latencyHist_.sampleKeyed(took.value(), [&] { return took / clockPeriod(); });
  }
}

template <bool kChain>
VMSIM_HIT_PATH bool Cache::demandLt(uint64_t line, const Req& r, sc_core::sc_time& delay,
                                    tlm::tlm_response_status& err) {
  if (core_->access(line, r.write)) {
    hitLt(line, r.kind, delay);
    return true;
  }
  if (kChain) return missLt(line, r, delay, err);
  return demandMissLt(line, r, delay, err);
}

void Cache::writeBackLt(const Victim& v, const sc_core::sc_time& delay) {
  const CacheRequest req = exclusive_ ? CacheRequest::Victim : CacheRequest::WriteBack;
  // Off the critical path (a write-back buffer): the access that caused it does not wait; the
  // write still books the level below (and the DRAM's banks and bus) at this time.
  sc_core::sc_time d = delay;
  if (directNext_) {
    Req q;
    q.req = req;
    q.kind = CacheKind::WriteBack;
    q.pageTable = v.pageTable;
    q.write = true;
    q.dirty = v.dirty;
    q.above = latency_;
    tlm::tlm_response_status ignored = tlm::TLM_OK_RESPONSE;
    directNext_->fromAboveLt(q, core_->lineBase(v.line), core_->lineBytes(), d, ignored);
    return;
  }
  tlm::tlm_generic_payload* wp =
      ownPayload(tlm::TLM_WRITE_COMMAND, v.line, req, CacheKind::WriteBack, v.pageTable, v.dirty);
  next->b_transport(*wp, d);
  wp->release();
}

// --- AT ------------------------------------------------------------------------------------------

tlm::tlm_sync_enum Cache::nb_transport_fw(int from, tlm::tlm_generic_payload& gp,
                                          tlm::tlm_phase& ph, sc_core::sc_time& delay) {
  return atFront_->forward(gp, ph, delay, from);  // the upstream rides with the transaction
}

tlm::tlm_sync_enum Cache::directNbTransportFw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                              sc_core::sc_time& delay, DirectAtInitiator& up,
                                              const VmAccess* who) {
  // Few upstreams (one, in every platform): a linear search.
  size_t i = 0;
  while (i < directUps_.size() && directUps_[i] != &up) ++i;
  if (i == directUps_.size()) directUps_.push_back(&up);
  directWho_.set(gp, who);
  const auto s = atFront_->forward(gp, ph, delay, -1 - static_cast<int>(i));
  directWho_.clear();
  return s;
}

bool Cache::directAtStart(tlm::tlm_generic_payload& gp, const sc_core::sc_time& delay,
                          DirectAtInitiator& up, void* arg, const VmAccess* who) {
  directWho_.set(gp, who);
  const bool taken = atFront_->tryStart(gp, delay, up, arg);
  directWho_.clear();
  return taken;
}

tlm::tlm_sync_enum Cache::next_nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                               sc_core::sc_time& delay) {
  return memAt_.backward(gp, ph, delay);
}

void Cache::processAt(tlm::tlm_generic_payload& gp) {
  if (!cacheable(gp)) {
    ++uncached_;
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    memAt_.transact(gp, d);
    return;
  }
  const Req r = classify(gp);
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  sc_core::wait(added(r));
  const uint64_t addr = gp.get_address();
  const uint64_t first = core_->lineOf(addr), last = core_->lineOf(addr + gp.get_data_length() - 1);
  for (uint64_t line = first; line <= last; ++line) {
    switch (r.req) {
      case CacheRequest::Fill:
        if (!demandAt(line, r, gp)) return;
        break;
      case CacheRequest::ExclusiveFill: {
        const Victim v = core_->extract(line);
        bool dirty = v.dirty;
        if (v.valid) {
          hits_[static_cast<size_t>(r.kind)] += 1;
        } else {
          misses_[static_cast<size_t>(r.kind)] += 1;
          if (!fetchAt(line, r, gp, dirty)) return;
        }
        *r.dirtyOut = dirty;
        break;
      }
      case CacheRequest::WriteBack:
      case CacheRequest::Victim:
        arrived(line, r, nullptr);
        break;
    }
  }
  respond(gp, r, sc_core::sc_time_stamp() - start);
}

bool Cache::demandAt(uint64_t line, const Req& r, tlm::tlm_generic_payload& gp) {
  const size_t k = static_cast<size_t>(r.kind);
  bool merged = false;
  // A line whose fill is in flight is not in the array yet: wait for that fill (a merge).
  while (mshr_->find(line, sc_core::sc_time_stamp().value()) >= 0) {
    if (!merged) mshrMerges_[k] += 1;
    merged = true;
    ++fillWaiting_;
    sc_core::wait(fillDone_);
    --fillWaiting_;
  }
  if (core_->access(line, r.write)) {
    (merged ? misses_ : hits_)[k] += 1;
    return true;
  }
  misses_[k] += 1;
  bool dirty = false;
  if (!fetchAt(line, r, gp, dirty)) return false;
  const Victim v = core_->fill(line, r.write || dirty, r.pageTable);
  if (v.valid) evictAt(v);
  return true;
}

bool Cache::fetchAt(uint64_t line, const Req& r, tlm::tlm_generic_payload& gp, bool& dirty) {
  const sc_core::sc_time asked = sc_core::sc_time_stamp();
  auto slot = mshr_->acquire(asked.value());
  if (slot.second > asked.value()) {
    ++mshrStalls_;
    while (slot.second > sc_core::sc_time_stamp().value()) {
      ++fillWaiting_;
      sc_core::wait(fillDone_);
      --fillWaiting_;
      slot = mshr_->acquire(sc_core::sc_time_stamp().value());
    }
    mshrStallCycles_ += (sc_core::sc_time_stamp() - asked) / clockPeriod();
  }
  const unsigned idx = slot.first;
  mshr_->occupy(idx, line, MshrFile::kPending);
  CacheReqExt* fe = nullptr;
  tlm::tlm_generic_payload* fp = ownPayload(
      tlm::TLM_READ_COMMAND, line, exclusive_ ? CacheRequest::ExclusiveFill : CacheRequest::Fill,
      r.kind, r.pageTable, false, &fe);
  fe->above = std::max(latency_, r.above);
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  memAt_.transact(*fp, d);
  const bool ok = fp->is_response_ok();
  if (ok) {
    dirty = exclusive_ && fe->dirty;
  } else {
    gp.set_response_status(fp->get_response_status());
  }
  fp->release();
  mshr_->release(idx, sc_core::sc_time_stamp().value());
  mshrReleased();
  return ok;
}

void Cache::evictAt(const Victim& v) {
  countVictim(v);
  if (!v.dirty && !exclusive_) return;
  wbQueue_.push_back(v);
  if (!wbPosted_) {  // sent from a step: evictAt may run inside the lower level's call
    wbPosted_ = true;
    atSched_->post(sc_core::SC_ZERO_TIME, this, nullptr, kIssueWb);
  }
}

void Cache::issueWritebacks() {
  // Off the critical path: at most kAtWritebacks in flight, the others in line, in order.
  while (wbInFlight_ < kAtWritebacks && !wbQueue_.empty()) {
    const Victim v = wbQueue_.front();
    wbQueue_.pop_front();
    tlm::tlm_generic_payload* wp = ownPayload(
        tlm::TLM_WRITE_COMMAND, v.line, exclusive_ ? CacheRequest::Victim : CacheRequest::WriteBack,
        CacheKind::WriteBack, v.pageTable, v.dirty);
    ++wbInFlight_;
    memAt_.send(*wp, sc_core::SC_ZERO_TIME, this, wp, kWbDone);
  }
}

// --- AT state machine ----------------------------------------------------------------------------

bool Cache::startAt(tlm::tlm_generic_payload& gp, const AtTargetFrontEnd::Reply& reply,
                    const sc_core::sc_time& delay) {
  // Declining changes nothing (tryStart's rule): the checks come before any state changes.
  if (!cacheable(gp)) return false;
  const VmAccess* const who = directWho_.of(gp);
  const Req r = who ? programReq(gp, *who) : classify(gp);
  if (r.req == CacheRequest::ExclusiveFill) return false;
  const uint64_t addr = gp.get_address();
  const uint64_t line = core_->lineOf(addr);
  if (core_->lineOf(addr + gp.get_data_length() - 1) != line) return false;
  AtJob* j = atJobs_.acquire();
  j->gp = &gp;
  j->reply = reply;
  j->r = r;
  j->line = line;
  j->start = sim_->time_stamp() + delay;
  j->merged = false;
  j->fp = nullptr;
  atSched_->post(delay + added(r), this, j, r.req == CacheRequest::Fill ? kLookup : kArrive);
  return true;
}

void Cache::atStep(void* arg, uintptr_t code) {
  switch (code) {
    case kLookup:
      lookupAt(static_cast<AtJob*>(arg));
      break;
    case kArrive: {
      AtJob* j = static_cast<AtJob*>(arg);
      arrived(j->line, j->r, nullptr);
      respond(*j->gp, j->r, sim_->time_stamp() - j->start);
      finishAt(j);
      break;
    }
    case kFillDone:
      fillDoneAt(static_cast<AtJob*>(arg));
      break;
    case kWake:
      wakeAt();
      break;
    case kWbDone:
      static_cast<tlm::tlm_generic_payload*>(arg)->release();
      --wbInFlight_;
      issueWritebacks();
      break;
    case kIssueWb:
      wbPosted_ = false;
      issueWritebacks();
      break;
  }
}

void Cache::lookupAt(AtJob* j) {
  // demandAt() for one line: a line whose fill is in flight is not in the array yet; the lookup
  // waits for that fill (a merge) in the waiters' list.
  const size_t k = static_cast<size_t>(j->r.kind);
  if (mshr_->find(j->line, sim_->time_stamp().value()) >= 0) {
    if (!j->merged) mshrMerges_[k] += 1;
    j->merged = true;
    mergeWaiters_.push_back(j);
    return;
  }
  if (core_->access(j->line, j->r.write)) {
    (j->merged ? misses_ : hits_)[k] += 1;
    respond(*j->gp, j->r, sim_->time_stamp() - j->start);
    finishAt(j);
    return;
  }
  misses_[k] += 1;
  missAt(j);
}

void Cache::missAt(AtJob* j) {
  // MSHRs are granted in the order misses ask for them: none overtakes a stalled one.
  const uint64_t now = sim_->time_stamp().value();
  const auto slot = mshr_->acquire(now);
  if (!stalled_.empty() || slot.second > now) {
    ++mshrStalls_;
    j->asked = sim_->time_stamp();
    stalled_.push_back(j);
    return;
  }
  sendFill(j, slot.first);
}

void Cache::sendFill(AtJob* j, unsigned mshr) {
  j->mshr = mshr;
  mshr_->occupy(mshr, j->line, MshrFile::kPending);
  j->fp = ownPayload(tlm::TLM_READ_COMMAND, j->line,
                     exclusive_ ? CacheRequest::ExclusiveFill : CacheRequest::Fill, j->r.kind,
                     j->r.pageTable, false, &j->fe);
  j->fe->above = std::max(latency_, j->r.above);
  // The fill's end is handled inside the lower level's call (fillDoneAt sends nothing down:
  // its write-backs go from a step). A level below that serves it from steps now takes it
  // directly (as Mmu::startAt hands its access to the L1D), answering with directAtResponse.
  if (directNext_ &&
      memAt_.handOver(*directNext_, *j->fp, sc_core::SC_ZERO_TIME, *this, j, nullptr)) {
    return;
  }
  memAt_.send(*j->fp, sc_core::SC_ZERO_TIME, this, j, kFillDone, true);
}

void Cache::directAtResponse(tlm::tlm_generic_payload&, void* arg) {
  fillDoneAt(static_cast<AtJob*>(arg));  // sendFill's only direct request: memAt_'s kFillDone
}

void Cache::fillDoneAt(AtJob* j) {
  // fetchAt()'s end and demandAt()'s fill.
  tlm::tlm_generic_payload& gp = *j->gp;
  const bool ok = j->fp->is_response_ok();
  bool dirty = false;
  if (ok) {
    dirty = exclusive_ && j->fe->dirty;
  } else {
    gp.set_response_status(j->fp->get_response_status());
  }
  j->fp->release();
  j->fp = nullptr;
  mshr_->release(j->mshr, sim_->time_stamp().value());
  mshrReleased();
  if (ok) {
    const Victim v = core_->fill(j->line, j->r.write || dirty, j->r.pageTable);
    if (v.valid) evictAt(v);
    respond(gp, j->r, sim_->time_stamp() - j->start);
  }
  finishAt(j);
}

void Cache::finishAt(AtJob* j) {
  atJobs_.release(j);
  atFront_->finish(*j->gp, j->reply);
}

void Cache::mshrReleased() {
  if (fillWaiting_) fillDone_.notify(sc_core::SC_ZERO_TIME);  // worker threads
  if (!wakePosted_ && (!mergeWaiters_.empty() || !stalled_.empty())) {
    wakePosted_ = true;
    atSched_->post(sc_core::SC_ZERO_TIME, this, nullptr, kWake);
  }
}

void Cache::wakeAt() {
  wakePosted_ = false;
  // Stalled misses first (they asked first), then the merged lookups, each in arrival order; a
  // lookup whose line is still being filled goes back into the list.
  const uint64_t now = sim_->time_stamp().value();
  while (!stalled_.empty()) {
    const auto slot = mshr_->acquire(now);
    if (slot.second > now) break;
    AtJob* j = stalled_.front();
    stalled_.pop_front();
    mshrStallCycles_ += (sim_->time_stamp() - j->asked) / clockPeriod();
    sendFill(j, slot.first);
  }
  waking_.swap(mergeWaiters_);
  for (AtJob* j : waking_) lookupAt(j);
  waking_.clear();
}

// --- debug ---------------------------------------------------------------------------------------

unsigned int Cache::transport_dbg(int, tlm::tlm_generic_payload& gp) {
  return dataIf_->transport_dbg(gp);  // the data lives in DRAM; no cache state changes
}

bool Cache::get_direct_mem_ptr(int, tlm::tlm_generic_payload&, tlm::tlm_dmi&) {
  return false;
}

}  // namespace vmsim::cache
