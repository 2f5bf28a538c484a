// TLB structure module: lookup in every array, throughput and MSHR bounds, forward on miss,
// fill on return (inclusive or exclusive), invalidations by kind. A store that hits an entry
// whose dirty bit is clear goes on to the walker too, which sets D in the PTE (as x86 does).
#include "vmsim/tlb/tlb.h"

#include <algorithm>

namespace vmsim::tlb {
namespace {
std::vector<unsigned> shiftsOf(const std::vector<uint64_t>& sizes, Params& p) {
  std::vector<unsigned> shifts;
  if (sizes.empty()) {
    p.config().addProblem("'" + p.key("page_sizes") +
                          "': the list is empty; a TLB holds at least one page size");
  }
  for (uint64_t s : sizes) {
    if (s < 4096 || (s & (s - 1))) {
      p.config().addProblem("'" + p.key("page_sizes") + "': " + std::to_string(s) +
                            " is not a power of two >= 4096");
      continue;
    }
    unsigned sh = 0;
    while ((uint64_t{1} << sh) < s) ++sh;
    if (std::find(shifts.begin(), shifts.end(), sh) != shifts.end()) {
      p.config().addProblem("'" + p.key("page_sizes") + "': " + std::to_string(s) +
                            " is listed twice");
      continue;
    }
    shifts.push_back(sh);
  }
  if (shifts.empty()) shifts.push_back(12);
  return shifts;
}

std::string sizeText(unsigned shift) {
  if (shift >= 30) return std::to_string(uint64_t{1} << (shift - 30)) + " GiB";
  if (shift >= 20) return std::to_string(uint64_t{1} << (shift - 20)) + " MiB";
  return std::to_string(uint64_t{1} << (shift - 10)) + " KiB";
}

std::string sizesText(const std::vector<unsigned>& shifts) {
  std::string t;
  for (unsigned s : shifts) t += (t.empty() ? "" : ", ") + sizeText(s);
  return t;
}

const std::vector<std::string> kFillNames = {"inclusive", "exclusive"};
const char* const kInvalidationKeys[kInvalidationKinds] = {"page", "asid", "non_global", "all"};
// Default cost of each invalidation kind, in this structure's cycles. Dave Hansen (Intel),
// LKML 2017-12-05, "x86 TLB flushing: INVPCID vs. deferred CR3 write", measured a TLB-flush
// cost of ~350 cycles per page on a Skylake desktop. The other kinds are one instruction each
// too (INVPCID, MOV to CR3, MOV to CR4); the same figure is an estimate for them. The cost of
// refilling the TLB afterwards is not in it: the misses that follow are simulated.
constexpr uint64_t kInvalidationDefault = 350;
}  // namespace

std::string Tlb::readPolicy(Params& p) {
  // `policy` is accepted as another name of `replacement` (the cache models' word).
  std::string d = "lru";
  if (p.has("policy")) {
    d = p.getChoice("policy", "lru", setReplacementNames(), "another name of 'replacement'");
    if (p.has("replacement")) {
      p.config().addProblem("'" + p.key("policy") + "' and '" + p.key("replacement") +
                            "' are the same parameter; set only 'replacement'");
    }
  }
  return p.getChoice("replacement", d, setReplacementNames(), "replacement within a set");
}

uint64_t Tlb::readLatency(Params& p, uint64_t deflt) {
  // `lookup_latency` is the older name of `latency`; either may be set, not both.
  uint64_t d = deflt;
  if (p.has("lookup_latency")) {
    d = p.getUint("lookup_latency", deflt, "Cycle", "older name of 'latency'", Range{0, 1e6});
    if (p.has("latency")) {
      p.config().addProblem("'" + p.key("lookup_latency") + "' and '" + p.key("latency") +
                            "' are the same parameter (hit latency); set only 'latency'");
    }
  }
  return p.getUint("latency", d, "Cycle",
                   "cycles per lookup, hit or miss (a miss adds the next level's time)",
                   Range{0, 1e6});
}

std::vector<Tlb::ArraySpec> Tlb::readArrays(Params& p, const TlbDefaults& d) {
  std::vector<ArraySpec> out;
  const auto node = p.config().lookup(p.key("arrays"));
  if (!node) {
    ArraySpec a;
    a.name = "main";
    a.entries = p.getUint("entries", d.entries, "Count", "number of entries", Range{1, 1 << 20});
    a.ways =
        p.getUint("ways", d.ways, "Count", "associativity (entries = fully)", Range{1, 1 << 20});
    a.policy = readPolicy(p);
    const auto sizes = p.getSizeList(
        "page_sizes", d.pageSizes, "page sizes this TLB holds (each once, powers of two >= 4096)");
    a.shifts = shiftsOf(sizes, p);
    out.push_back(std::move(a));
    return out;
  }
  for (const char* k : {"entries", "ways", "replacement", "policy", "page_sizes"}) {
    if (p.has(k)) {
      p.config().addProblem("'" + p.key(k) + "': this TLB has 'arrays'; set " + k +
                            " per array ('" + p.key("arrays") + ".<name>." + k + "')");
      p.config().declare(p.key(k), {"", "", "", "ignored: the TLB has arrays", "ignored"});
    }
  }
  if (!node->IsMap() || node->size() == 0) {
    p.config().addProblem("'" + p.key("arrays") +
                          "': expected a map of array names to {entries, ways, page_sizes, "
                          "replacement}");
    ArraySpec a{"main", d.entries, d.ways, "lru", {12}};
    out.push_back(a);
    return out;
  }
  auto ap = p.child("arrays");
  // Arrays in name order, not file order: config.json (whose maps are sorted) then re-runs with
  // the same probe order and the same order of per-array stats.
  std::vector<std::string> names;
  for (auto it = node->begin(); it != node->end(); ++it) names.push_back(it->first.Scalar());
  std::sort(names.begin(), names.end());
  std::vector<unsigned> seen;
  for (const auto& name : names) {
    ArraySpec a;
    a.name = name;
    auto c = ap.child(a.name);
    a.entries =
        c.getUint("entries", d.entries, "Count", "entries of this array", Range{1, 1 << 20});
    a.ways = c.getUint("ways", std::min<uint64_t>(d.ways, a.entries), "Count",
                       "associativity of this array (entries = fully)", Range{1, 1 << 20});
    a.policy = readPolicy(c);
    const auto sizes =
        c.getSizeList("page_sizes", {4096}, "page sizes this array holds (each in one array only)");
    a.shifts = shiftsOf(sizes, c);
    for (unsigned s : a.shifts) {
      if (std::find(seen.begin(), seen.end(), s) != seen.end()) {
        p.config().addProblem("'" + c.key("page_sizes") + "': " + sizeText(s) +
                              " pages are already held by another array of " + p.path() +
                              "; each page size belongs to one array");
      }
      seen.push_back(s);
    }
    out.push_back(std::move(a));
  }
  return out;
}

void Tlb::readTiming(Params& p, const TlbDefaults& d, uint64_t& lookups, uint64_t& mshrs,
                     std::string& fill, std::string& next,
                     std::array<uint64_t, kInvalidationKinds>& costs) {
  lookups = p.getUint("lookups_per_cycle", d.lookupsPerCycle, "Count",
                      "lookups this structure starts per cycle (0: unbounded); more wait for "
                      "the next cycle",
                      Range{0, 64});
  mshrs = p.getUint("mshrs", d.mshrs, "Count",
                    "misses outstanding at once (misses to the same page merge into one)",
                    Range{1, 1024});
  fill = p.getChoice("fill", "inclusive", kFillNames,
                     "inclusive: every level that misses fills; exclusive: the next TLB level "
                     "holds only this level's victims");
  next = p.getString("next", d.next,
                     "where misses go: a TLB of this MMU (by name), walker, or shared.<name> "
                     "(a level under system.shared)");
  auto ip = p.child("invalidation_cycles");
  for (unsigned k = 0; k < kInvalidationKinds; ++k) {
    costs[k] = ip.getUint(kInvalidationKeys[k], kInvalidationDefault, "Cycle",
                          "cycles the invalidating CPU spends on this kind of invalidation",
                          Range{0, 1e9});
  }
}

std::vector<std::string> Tlb::declareDisabled(Params p, size_t defaultEntries,
                                              unsigned defaultWays) {
  TlbDefaults d;
  d.entries = defaultEntries;
  d.ways = defaultWays;
  return declareDisabled(std::move(p), d);
}

std::vector<std::string> Tlb::declareDisabled(Params p, const TlbDefaults& d) {
  // What the Module base and the constructor would read, so that the keys stay valid.
  p.getChoice("log_level", "warning", logLevelNames(), "verbosity of this module's messages");
  p.getTimePs("clock", "2GHz", "clock frequency or period of this module");
  readArrays(p, d);
  readLatency(p, d.latency);
  uint64_t lookups = 0, mshrs = 0;
  std::string fill, next;
  std::array<uint64_t, kInvalidationKinds> costs{};
  readTiming(p, d, lookups, mshrs, fill, next, costs);
  p.getUint("seed", 1, "", "seed of the random replacement policy");
  Config& cfg = p.config();
  const std::string prefix = p.path() + ".";
  const std::string enabled = p.key("enabled");
  std::vector<std::string> set;
  std::vector<std::pair<std::string, ParamDecl>> marked;
  for (const auto& [k, decl] : cfg.declared()) {
    if (k.rfind(prefix, 0) != 0 || k == enabled) continue;
    ParamDecl m = decl;
    m.desc = "ignored (" + p.path() + " is disabled): " + decl.desc;
    marked.emplace_back(k, std::move(m));
    if (cfg.hasValue(k)) set.push_back(k);
  }
  for (auto& [k, decl] : marked) cfg.declare(k, std::move(decl));
  return set;
}

void Tlb::checkMappedPageSizes(const std::vector<unsigned>& mapped) const {
  if (mapped.empty()) return;  // the OS does not say
  std::vector<unsigned> held;
  for (const auto& a : arrays_) {
    for (unsigned s : a->pageShifts()) {
      held.push_back(s);
      if (std::find(mapped.begin(), mapped.end(), s) != mapped.end()) return;
    }
  }
  logWarning("holds only " + sizesText(held) + " pages, but the kernel maps only " +
             sizesText(mapped) + " pages: every lookup will miss ('" + name() + ".page_sizes')");
}

Tlb::Tlb(const sc_core::sc_module_name& nm, SimContext& ctx, unsigned level, size_t defaultEntries,
         unsigned defaultWays)
    : Tlb(nm, ctx, level, [&] {
        TlbDefaults d;
        d.entries = defaultEntries;
        d.ways = defaultWays;
        return d;
      }()) {}

Tlb::Tlb(const sc_core::sc_module_name& nm, SimContext& ctx, unsigned level, const TlbDefaults& d,
         bool shared)
    : Module(nm, ctx),
      tsock("tsock"),
      next("next"),
      down("down"),
      level_(level),
      shared_(shared),
      hits_(ctx.stats.scalar(statName("hits"), "Count", "lookups that hit")),
      misses_(ctx.stats.scalar(statName("misses"), "Count",
                               "lookups that missed (merged ones included)")),
      dirtyMisses_(ctx.stats.scalar(statName("dirtyMisses"), "Count",
                                    "stores that hit a clean entry and went on to set D")),
      evictions_(ctx.stats.scalar(statName("evictions"), "Count", "valid entries replaced")),
      invalidations_(
          ctx.stats.scalar(statName("invalidations"), "Count", "entries dropped by shootdowns")),
      merges_(ctx.stats.scalar(statName("mshrMerges"), "Count",
                               "misses merged into an outstanding miss to the same page")),
      mshrStalls_(ctx.stats.scalar(statName("mshrStalls"), "Count",
                                   "misses that found every MSHR busy and waited")),
      mshrStallCycles_(ctx.stats.scalar(statName("mshrStallCycles"), "Cycle",
                                        "cycles misses waited for a free MSHR")),
      lookupStalls_(ctx.stats.scalar(statName("lookupStalls"), "Count",
                                     "lookups delayed by the lookups_per_cycle bound")),
      lookupStallCycles_(ctx.stats.scalar(statName("lookupStallCycles"), "Cycle",
                                          "cycles lookups waited for a lookup slot")),
      victimFills_(ctx.stats.scalar(statName("victimFills"), "Count",
                                    "entries filled as victims of an exclusive upper level")),
      movedUp_(ctx.stats.scalar(statName("movedUp"), "Count",
                                "hits handed to an exclusive upper level (and dropped here)")) {
  declareClock("2GHz");
  build(d);
  tsock.register_b_transport(this, &Tlb::b_transport);
  tsock.register_transport_dbg(this, &Tlb::transport_dbg);
}

void Tlb::build(const TlbDefaults& d) {
  auto& p = params();
  auto specs = readArrays(p, d);
  latency_ = cycles(readLatency(p, d.latency));
  uint64_t lookups = 0, mshrs = 0;
  std::string fill;
  readTiming(p, d, lookups, mshrs, fill, nextName_, invalidationCycles_);
  lookupsPerCycle_ = static_cast<unsigned>(lookups);
  mshrs_.resize(mshrs);
  exclusive_ = fill == "exclusive";
  const uint64_t seed = p.getUint("seed", 1, "", "seed of the random replacement policy");
  std::vector<std::string> names;
  for (auto& a : specs) {
    const std::string where =
        specs.size() == 1 && a.name == "main" ? p.path() : p.child("arrays").child(a.name).path();
    uint64_t ways = a.ways;
    if (ways > a.entries || a.entries % ways) {
      p.config().addProblem("'" + where + ".ways': " + std::to_string(ways) +
                            " does not divide entries (" + std::to_string(a.entries) + ")");
      ways = a.entries;
    }
    try {
      arrays_.push_back(std::make_unique<TlbCore>(a.entries, static_cast<unsigned>(ways), a.shifts,
                                                  a.policy, seed));
    } catch (const std::invalid_argument& e) {
      p.config().addProblem("'" + where + "': " + e.what());
      arrays_.push_back(std::make_unique<TlbCore>(a.entries, static_cast<unsigned>(a.entries),
                                                  std::vector<unsigned>{12}, "lru", seed));
    }
    names.push_back(a.name);
  }
  // Probe order: the array of the smallest page size first (most hits are 4 KiB hits), then the
  // others in name order. A page is in at most one array, so the order changes no result, only
  // how many arrays a hit costs the host; stats stay in name order.
  for (unsigned i = 0; i < arrays_.size(); ++i) probeOrder_.push_back(i);
  auto smallest = [&](unsigned i) {
    const auto& s = arrays_[i]->pageShifts();
    return s.empty() ? 64u : *std::min_element(s.begin(), s.end());
  };
  std::stable_sort(probeOrder_.begin(), probeOrder_.end(),
                   [&](unsigned a, unsigned b) { return smallest(a) < smallest(b); });
  std::fill(std::begin(arrayOfShift_), std::end(arrayOfShift_), kNoArray);
  for (size_t i = arrays_.size(); i-- > 0;) {  // the first array holding a size wins
    for (unsigned s : arrays_[i]->pageShifts()) arrayOfShift_[s] = static_cast<uint8_t>(i);
  }
  firstIndex_ = probeOrder_.front();
  first_ = arrays_[firstIndex_].get();
  single_ = arrays_.size() == 1;
  for (size_t k = 1; k < probeOrder_.size(); ++k)
    arrays_[probeOrder_[k]]->shareCount(&othersValid_);
  simc_ = sc_core::sc_get_curr_simcontext();
  periodTicks_ = clockPeriod().value();
  minShift_ = 63;
  for (const auto& a : arrays_) {
    for (unsigned s : a->pageShifts()) minShift_ = std::min(minShift_, s);
  }
  auto& st = statsRegistry();
  if (!single_) {
    arrayHits_ = &st.vector(statName("arrayHits"), names, "Count", "hits per array");
    arrayHitSlots_ = &(*arrayHits_)[0];
  }
  invalidationOps_ = &st.vector(statName("invalidationOps"), {"page", "asid", "nonGlobal", "all"},
                                "Count", "invalidation requests received, by kind");
  invalidationCyclesStat_ =
      &st.vector(statName("invalidationCycles"), {"page", "asid", "nonGlobal", "all"}, "Cycle",
                 "cycles charged for invalidations, by kind (invalidation_cycles each)");
  st.formula(
      statName("hitRate"),
      [this] {
        const double n = hits_.value() + misses_.value();
        return n ? hits_.value() / n : 0.0;
      },
      "Ratio", "hits / lookups");
}

bool Tlb::holdsShift(unsigned shift) const {
  for (const auto& a : arrays_) {
    if (a->holdsShift(shift)) return true;
  }
  return false;
}

const TlbEntry* Tlb::findInOthers(Asid asid, uint64_t va, unsigned& array) {
  // The other arrays are probed in the same cycle (in parallel): no extra latency.
  for (size_t k = 1; k < probeOrder_.size(); ++k) {
    const unsigned i = probeOrder_[k];
    if (const TlbEntry* e = arrays_[i]->lookup(asid, va)) {
      array = i;
      return e;
    }
  }
  return nullptr;
}

const TlbEntry* Tlb::find(Asid asid, uint64_t va, unsigned& array) {
  array = firstIndex_;
  const TlbEntry* e = first_->lookup(asid, va);
  return e || !othersValid_ ? e : findInOthers(asid, va, array);
}

void Tlb::answer(TranslationExt& x, const TlbEntry& e, tlm::tlm_generic_payload& gp) {
  answerFrom(x, e, static_cast<uint8_t>(level_));
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

const Tlb::Mshr* Tlb::pendingMiss(Asid asid, uint64_t va, uint64_t at) const {
  for (const auto& m : mshrs_) {
    if (!m.inProgress && m.start <= at && at < m.ready && m.asid == asid &&
        (m.va >> m.shift) == (va >> m.shift)) {
      return &m;
    }
  }
  return nullptr;
}

Tlb::Mshr* Tlb::inFlightMiss(Asid asid, uint64_t va) {
  for (auto& m : mshrs_) {
    if (m.inProgress && m.asid == asid && (m.va >> m.shift) == (va >> m.shift)) return &m;
  }
  return nullptr;
}

uint64_t Tlb::lookupStall(sc_core::sc_time& delay, uint64_t arrival) {
  // The lookup's cycle is full: it takes the first slot of the next cycle.
  const uint64_t wait = slotEnd_ - arrival;
  delay += sc_core::sc_time::from_value(wait);
  slotEnd_ += periodTicks_;
  slotUsed_ = 1;
  ++lookupStalls_;
  lookupStallCycles_ += static_cast<double>(wait) / static_cast<double>(periodTicks_);
  return slotEnd_ - periodTicks_;
}

bool Tlb::mergedHit(TranslationExt& x, const TlbEntry& e, sc_core::sc_time& delay,
                    uint64_t arrival) {
  // The entry was filled by a miss that completes after this lookup: the lookup merges with it
  // and gets the translation when that miss does.
  const Mshr* m = pendingMiss(x.asid, x.va.value(), arrival);
  if (!m) return false;
  ++misses_;
  ++merges_;
  const uint64_t now = simc_->time_stamp().value();
  if (m->ready - now > delay.value()) delay = sc_core::sc_time::from_value(m->ready - now);
  answerFrom(x, e, static_cast<uint8_t>(level_));
  return true;
}

void Tlb::b_transport(int from, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  auto* x = gp.get_extension<TranslationExt>();
  if (!x) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  translate(from, *x, gp, delay);
}

void Tlb::translate(int from, TranslationExt& x, tlm::tlm_generic_payload& gp,
                    sc_core::sc_time& delay) {
  PendingMiss m;
  if (lookup(from, x, delay, m)) {
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  } else {
    miss(from, gp, delay, x, m.cleanHit, m.arrival);
  }
}

void Tlb::handUp(int from, unsigned array, const TlbEntry& e) {
  if (static_cast<size_t>(from) >= ports_.size() || !ports_[from].exclusive) return;
  // The entry moves up into the exclusive upper level, which fills it on the way back.
  const TlbEntry moved = e;
  arrays_[array]->remove(moved);
  ++movedUp_;
}

void Tlb::miss(int from, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, TranslationExt& x,
               bool cleanHit, uint64_t arrival) {
  const uint64_t va = x.va.value();
  if (cleanHit) ++dirtyMisses_;
  ++misses_;
  if (x.mayWait && inFlight_ > 0) {
    // AT: a miss to a page whose miss is in flight waits for it, then takes its translation.
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
    while (inFlightMiss(x.asid, va)) {
      ++waiters_;
      sc_core::wait(mshrDone_);
      --waiters_;
      unsigned array = 0;
      const TlbEntry* f = find(x.asid, va, array);
      if (usable(f, x)) {
        ++merges_;
        answer(x, *f, gp);
        return;
      }
    }
    arrival = simc_->time_stamp().value();
  }
  // An MSHR: free if its miss completed by this arrival (or starts after it: another core's
  // future in LT), else wait for the earliest to complete.
  Mshr* slot = nullptr;
  for (auto& m : mshrs_) {
    if (!m.inProgress && (m.ready <= arrival || m.start > arrival)) {
      slot = &m;
      break;
    }
  }
  if (!slot) {
    while (inFlight_ == mshrs_.size()) {
      if (!x.mayWait) SC_REPORT_FATAL(name(), "every MSHR in flight in a caller that cannot wait");
      sc_core::wait(delay);
      delay = sc_core::SC_ZERO_TIME;
      ++waiters_;
      sc_core::wait(mshrDone_);
      --waiters_;
      arrival = simc_->time_stamp().value();
    }
    for (auto& m : mshrs_) {
      if (!m.inProgress && (!slot || m.ready < slot->ready)) slot = &m;
    }
    if (slot->ready > arrival) {
      const uint64_t wait = slot->ready - arrival;
      delay += sc_core::sc_time::from_value(wait);
      arrival = slot->ready;
      ++mshrStalls_;
      mshrStallCycles_ += static_cast<double>(wait) / static_cast<double>(periodTicks_);
    }
  }
  slot->inProgress = true;
  slot->asid = x.asid;
  slot->va = va;
  slot->shift = minShift_;
  slot->start = arrival;
  ++inFlight_;
  if (shared_) {
    forward(from, gp, delay);
  } else if (directNext_) {
    directNext_->translateMiss(directNextPort_, x, gp, delay);
  } else {
    next->b_transport(gp, delay);
  }
  --inFlight_;
  slot->inProgress = false;
  slot->ready = simc_->time_stamp().value() + delay.value();
  if (slot->ready > mshrLatest_) mshrLatest_ = slot->ready;
  if (gp.is_response_ok() && x.fault == FaultKind::None) slot->shift = x.pageShift;
  if (waiters_) mshrDone_.notify(sc_core::SC_ZERO_TIME);  // (AT only: LT never waits)
  const bool exclusivePort =
      static_cast<size_t>(from) < ports_.size() && ports_[static_cast<size_t>(from)].exclusive;
  if (exclusivePort) return;  // the exclusive upper level keeps the entry; this level holds victims
  if (gp.is_response_ok() && x.fault == FaultKind::None) {  // sizes not held are not filled
    TlbEntry n;
    n.asid = x.asid;
    n.global = x.global;
    n.shift = static_cast<uint8_t>(x.pageShift);
    n.vpn = va >> x.pageShift;
    n.frame = x.pa.value() >> x.pageShift;
    n.perms = x.perms;
    n.dirty = x.dirty;
    // The victim is copied out only when it moves down (an exclusive level above another), and
    // only then is there one to set up.
    if (exclusive_ && lower_) {
      TlbEntry victim;
      if (insertEntry(n, &victim)) {
        ++evictions_;
        lower_->acceptVictim(victim);
      }
    } else if (insertEntry(n, nullptr)) {
      ++evictions_;
    }
  }
}

bool Tlb::insertEntry(const TlbEntry& e, TlbEntry* victim) {
  if (single_) return first_->insert(e, victim);  // false for a size it does not hold
  const uint8_t a = e.shift < 64 ? arrayOfShift_[e.shift] : kNoArray;
  return a != kNoArray && arrays_[a]->insert(e, victim);
}

void Tlb::acceptVictim(const TlbEntry& e) {
  if (!holdsShift(e.shift)) return;
  ++victimFills_;
  TlbEntry victim;
  if (insertEntry(e, &victim)) {
    ++evictions_;
    if (exclusive_ && lower_) lower_->acceptVictim(victim);
  }
}

void Tlb::forward(int from, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (shared_) {
    const unsigned route = static_cast<size_t>(from) < ports_.size() ? ports_[from].route : 0;
    down[route]->b_transport(gp, delay);
  } else {
    next->b_transport(gp, delay);
  }
}

unsigned int Tlb::transport_dbg(int from, tlm::tlm_generic_payload& gp) {
  // Debug translations bypass the TLBs: the walker answers them from the page tables.
  if (shared_) {
    const unsigned route = static_cast<size_t>(from) < ports_.size() ? ports_[from].route : 0;
    return down[route]->transport_dbg(gp);
  }
  return next->transport_dbg(gp);
}

void Tlb::countInvalidation(Invalidation kind, size_t entries) {
  const auto k = static_cast<unsigned>(kind);
  invalidations_ += static_cast<double>(entries);
  (*invalidationOps_)[k] += 1;
  (*invalidationCyclesStat_)[k] += static_cast<double>(invalidationCycles_[k]);
}

void Tlb::invalidatePage(Asid asid, VirtAddr va) {
  size_t n = 0;
  for (auto& a : arrays_) n += a->invalidatePage(asid, va.value());
  countInvalidation(Invalidation::Page, n);
}

void Tlb::invalidateAsid(Asid asid) {
  size_t n = 0;
  for (auto& a : arrays_) n += a->invalidateAsid(asid);
  countInvalidation(Invalidation::Asid, n);
}

void Tlb::invalidateNonGlobal() {
  size_t n = 0;
  for (auto& a : arrays_) n += a->invalidateNonGlobal();
  countInvalidation(Invalidation::NonGlobal, n);
}

void Tlb::invalidateAll() {
  size_t n = 0;
  for (auto& a : arrays_) n += a->invalidateAll();
  countInvalidation(Invalidation::All, n);
}

uint64_t Tlb::invalidationCostPs(Invalidation kind) const {
  return static_cast<uint64_t>(
      (cycles(invalidationCycles_[static_cast<unsigned>(kind)])).to_seconds() * 1e12 + 0.5);
}

}  // namespace vmsim::tlb
