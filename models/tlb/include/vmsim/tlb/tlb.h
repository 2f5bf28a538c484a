// One TLB structure as an sc_module: translation requests (payloads carrying TranslationExt)
// arrive on `tsock`; misses go on through `next` (a private level: another TLB or the walker) or,
// for a level shared by several cores, through `down[route]` (each core's route leads to its own
// walker or next shared level). The structure holds one array with several page sizes (as
// TlbCore) or several arrays, one per page-size group, probed in parallel (Intel's L1 DTLB).
// Timing, in this TLB's own clock: a hit latency, a bound on lookups per cycle (busy-until, so
// LT and AT), and MSHRs that bound outstanding misses and merge misses to the same page.
// Fill is inclusive (the default: every level that misses fills) or exclusive with respect to
// the next TLB level (the next level fills only from this level's victims, and gives up an entry
// it hands to this level). docs/tlb.md describes every parameter and stat.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <array>
#include <string>
#include <vector>

#include "vmsim/common/interfaces.h"
#include "vmsim/common/module.h"
#include "vmsim/tlb/tlb_core.h"

namespace vmsim::tlb {

/// The defaults a builder gives one TLB structure (per name in the MMU; shared levels in the
/// platform). Sources of the values the MMU uses: docs/tlb.md.
struct TlbDefaults {
  uint64_t entries = 64;
  uint64_t ways = 4;
  std::vector<uint64_t> pageSizes = {4096, 2097152};
  uint64_t latency = 1;
  uint64_t lookupsPerCycle = 1;
  uint64_t mshrs = 8;
  std::string next = "walker";
};

/// What a private TLB level's misses go to (another TLB, the walker), called directly by a TLB
/// whose builder bound `next` to it and said so (Tlb::setDirectNext): the b_transport of that
/// target's socket for a payload whose TranslationExt is `x`, without the socket hop and the
/// extension look-up.
class MissTarget {
 public:
  virtual void translateMiss(int from, TranslationExt& x, tlm::tlm_generic_payload& gp,
                             sc_core::sc_time& delay) = 0;

 protected:
  ~MissTarget() = default;
};

class Tlb : public Module, public TranslationCache, public MissTarget {
 public:
  using DownSocket =
      tlm_utils::multi_passthrough_initiator_socket<Tlb, 32, tlm::tlm_base_protocol_types, 0,
                                                    sc_core::SC_ZERO_OR_MORE_BOUND>;

  tlm_utils::multi_passthrough_target_socket<Tlb> tsock;
  /// Misses of a private level (bound by the builder; unbound in a shared level).
  tlm_utils::simple_initiator_socket_optional<Tlb> next;
  /// Misses of a shared level: one port per route (addRoute()).
  DownSocket down;

  /// `level` is reported in TranslationExt::resolvedLevel (1 = L1, 2 = L2, ...).
  Tlb(const sc_core::sc_module_name& nm, SimContext& ctx, unsigned level,
      size_t defaultEntries = 64, unsigned defaultWays = 4);
  /// `shared`: misses leave through `down` by route instead of `next`.
  Tlb(const sc_core::sc_module_name& nm, SimContext& ctx, unsigned level, const TlbDefaults& d,
      bool shared = false);

  /// For a level the configuration turns off (e.g. `<mmu>.l2.enabled: false`): declares the keys
  /// a TLB at `p` would read (values still checked), marks them ignored in their descriptions,
  /// and returns the ones the user set, for a warning. They are then no "unknown keys".
  static std::vector<std::string> declareDisabled(Params p, size_t defaultEntries,
                                                  unsigned defaultWays);
  static std::vector<std::string> declareDisabled(Params p, const TlbDefaults& d);

  /// Warns when none of this TLB's page sizes (log2) is among those the OS maps (`mapped`,
  /// empty when the OS does not say): every lookup would miss.
  void checkMappedPageSizes(const std::vector<unsigned>& mapped) const;

  /// Binds an upper level's initiator socket (simple or multi) to `tsock`. Its requests take
  /// `route` (shared levels: the port of `down` of the requesting core); `exclusive`: the upper
  /// level is exclusive with respect to this one (this level then fills only from its victims
  /// and gives up an entry it hands up). Upper levels must be bound through this function.
  /// Returns the upstream's port number (its `from` in translate()).
  template <class Socket>
  unsigned bindUpstream(Socket& up, unsigned route = 0, bool exclusive = false) {
    up.bind(tsock);
    ports_.push_back({route, exclusive});
    anyExclusivePort_ |= exclusive;
    return static_cast<unsigned>(ports_.size() - 1);
  }
  /// b_transport of a translation request from upstream port `from` whose TranslationExt the
  /// caller holds: for the MMU that built and bound this TLB (a direct call instead of the
  /// socket hop and the extension lookup; the same lookup, timing and stats).
  void translate(int from, TranslationExt& x, tlm::tlm_generic_payload& gp,
                 sc_core::sc_time& delay);
  /// MissTarget: translate(), for an upper level's miss.
  void translateMiss(int from, TranslationExt& x, tlm::tlm_generic_payload& gp,
                     sc_core::sc_time& delay) override {
    translate(from, x, gp, delay);
  }
  /// For the builder that bound `next` to `t` (`port`: the `from` that binding gave this level,
  /// 0 for a simple target socket): misses call `t` directly. The socket stays bound (debug
  /// translations use it). Not for a shared level (its misses go by route).
  void setDirectNext(MissTarget* t, int port) {
    directNext_ = t;
    directNextPort_ = port;
  }
  /// Whether translate() of (`asid`, `va`) for an access of `kind` would be answered here by a
  /// hit (no miss, so no wait), without touching any state: an AT caller that cannot wait (the
  /// MMU's state-machine path) sends only such translations.
  bool wouldHit(Asid asid, uint64_t va, AccessKind kind) const {
    // translate()'s choice: the first array's entry, else the first of the others in probe
    // order; a store needs a dirty entry. Inline: the AT hit path asks it for every access.
    const TlbEntry* e = first_->peek(asid, va);
    for (size_t k = 1; !e && othersValid_ && k < probeOrder_.size(); ++k) {
      e = arrays_[probeOrder_[k]]->peek(asid, va);
    }
    return e && !(kind == AccessKind::Store && !e->dirty);
  }
  /// translate() in two steps, for a caller that sets a payload up only when a miss needs one:
  /// lookup() is its lookup (lookup slot, latency, hit, merge with a pending miss); true when
  /// `x` holds the answer (translate() would then answer TLM_OK_RESPONSE), false on a miss,
  /// which completeMiss() then takes on with the payload, as translate() does.
  struct PendingMiss {
    uint64_t arrival = 0;
    bool cleanHit = false;
  };
  [[gnu::always_inline]] bool lookup(int from, TranslationExt& x, sc_core::sc_time& delay,
                                     PendingMiss& m) {
    // Inline: the L1 TLB hit of every access. On the time line (now + annotated delay), in
    // time-resolution ticks.
    uint64_t arrival = simc_->time_stamp().value() + delay.value();
    if (lookupsPerCycle_) {
      // Busy-until per cycle slot. A lookup before the current slot began comes from a requester
      // behind in simulated time (LT temporal decoupling of another core): it is not held up.
      if (arrival >= slotEnd_) {
        slotEnd_ = arrival + periodTicks_;
        slotUsed_ = 1;
      } else if (arrival + periodTicks_ >= slotEnd_ && ++slotUsed_ > lookupsPerCycle_) {
        arrival = lookupStall(delay, arrival);
      }
    }
    delay += latency_;
    const uint64_t va = x.va.value();
    unsigned array = firstIndex_;
    const TlbEntry* e = first_->lookup(x.asid, va);
    if (!e && othersValid_) e = findInOthers(x.asid, va, array);
    if (usable(e, x)) {
      if (arrival < mshrLatest_ && mergedHit(x, *e, delay, arrival)) return true;
      ++hits_;
      if (!single_) arrayHitSlots_[array] += 1;
      answerFrom(x, *e, static_cast<uint8_t>(level_));
      if (anyExclusivePort_) handUp(from, array, *e);
      return true;
    }
    m.arrival = arrival;
    m.cleanHit = e != nullptr;
    return false;
  }
  void completeMiss(int from, TranslationExt& x, tlm::tlm_generic_payload& gp,
                    sc_core::sc_time& delay, const PendingMiss& m) {
    miss(from, gp, delay, x, m.cleanHit, m.arrival);  // inline: no call level of its own
  }
  /// Shared levels: a new route; the caller binds `down` once per route, in route order.
  unsigned addRoute() { return routes_++; }
  unsigned routes() const { return routes_; }

  /// The configured `next`: a TLB name, "walker" or "shared.<name>".
  const std::string& nextName() const { return nextName_; }
  bool exclusive() const { return exclusive_; }
  bool shared() const { return shared_; }
  void setLevel(unsigned level) { level_ = level; }
  unsigned level() const { return level_; }
  /// The TLB level misses go to (nullptr: the walker or kernel): where victims of an exclusive
  /// level move.
  void setLowerLevel(Tlb* lower) { lower_ = lower; }

  void invalidatePage(Asid asid, VirtAddr va) override;
  void invalidateAsid(Asid asid) override;
  void invalidateNonGlobal() override;
  void invalidateAll() override;
  uint64_t invalidationCostPs(Invalidation kind) const override;

  /// The first (or only) array.
  TlbCore& core() { return *arrays_.front(); }
  size_t arrayCount() const { return arrays_.size(); }
  TlbCore& array(size_t i) { return *arrays_.at(i); }
  bool holdsShift(unsigned shift) const;
  /// Inserts `e` as a victim moved down from an exclusive upper level.
  void acceptVictim(const TlbEntry& e);

 private:
  struct ArraySpec {
    std::string name;
    uint64_t entries = 0, ways = 0;
    std::string policy;
    std::vector<unsigned> shifts;
  };
  struct Mshr {
    bool inProgress = false;
    Asid asid = 0;
    uint64_t va = 0;
    unsigned shift = 12;
    uint64_t start = 0, ready = 0;  // time-resolution ticks
  };
  struct Port {
    unsigned route;
    bool exclusive;
  };

  void build(const TlbDefaults& d);
  static std::vector<ArraySpec> readArrays(Params& p, const TlbDefaults& d);
  static uint64_t readLatency(Params& p, uint64_t deflt);
  static std::string readPolicy(Params& p);
  static void readTiming(Params& p, const TlbDefaults& d, uint64_t& lookups, uint64_t& mshrs,
                         std::string& fill, std::string& next,
                         std::array<uint64_t, kInvalidationKinds>& costs);

  /// The answer of a hit.
  static void answerFrom(TranslationExt& x, const TlbEntry& e, uint8_t level) {
    x.fault = FaultKind::None;
    x.pageShift = e.shift;
    x.pa = PhysAddr((e.frame << e.shift) | pageOffset(x.va.value(), e.shift));
    x.perms = e.perms;
    x.dirty = e.dirty;
    x.global = e.global;
    x.resolvedLevel = level;
  }
  /// An entry that answers `x`: a store needs one whose dirty bit is set.
  static bool usable(const TlbEntry* e, const TranslationExt& x) {
    return e && !(x.kind == AccessKind::Store && !e->dirty);
  }
  void b_transport(int from, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(int from, tlm::tlm_generic_payload& gp);
  void forward(int from, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  const TlbEntry* find(Asid asid, uint64_t va, unsigned& array);
  const TlbEntry* findInOthers(Asid asid, uint64_t va, unsigned& array);
  void answer(TranslationExt& x, const TlbEntry& e, tlm::tlm_generic_payload& gp);
  /// A pending miss to `va`'s page that has not completed by `at` (ticks), or nullptr.
  const Mshr* pendingMiss(Asid asid, uint64_t va, uint64_t at) const;
  // Off the hit path: a full lookup cycle, a hit merged into a pending miss, an entry handed up
  // to an exclusive level, and the miss path.
  uint64_t lookupStall(sc_core::sc_time& delay, uint64_t arrival);
  bool mergedHit(TranslationExt& x, const TlbEntry& e, sc_core::sc_time& delay, uint64_t arrival);
  void handUp(int from, unsigned array, const TlbEntry& e);
  void miss(int from, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, TranslationExt& x,
            bool cleanHit, uint64_t arrival);
  Mshr* inFlightMiss(Asid asid, uint64_t va);
  bool insertEntry(const TlbEntry& e, TlbEntry* victim);
  void countInvalidation(Invalidation kind, size_t entries);

  unsigned level_;
  bool shared_;
  std::string nextName_;
  bool exclusive_ = false;
  Tlb* lower_ = nullptr;
  MissTarget* directNext_ = nullptr;  // what `next` is bound to, when called directly
  int directNextPort_ = 0;
  std::vector<std::unique_ptr<TlbCore>> arrays_;
  TlbCore* first_ = nullptr;  // arrays_[firstIndex_], probed first
  unsigned firstIndex_ = 0;
  std::vector<unsigned> probeOrder_;  // indices into arrays_, the first one first
  bool single_ = true;
  // By page shift: the array a fill of that size goes to (kNoArray: none holds it).
  static constexpr uint8_t kNoArray = 0xff;
  uint8_t arrayOfShift_[64] = {};
  size_t othersValid_ = 0;  // valid entries in the arrays after the first: 0 skips probing them
  unsigned minShift_ = 12;  // smallest page size held: the granule misses merge at
  sc_core::sc_time latency_;
  // Lookups per cycle: the slot (cycle) now being filled and how many lookups it holds.
  unsigned lookupsPerCycle_ = 1;  // 0 = unbounded
  uint64_t slotEnd_ = 0;          // ticks
  unsigned slotUsed_ = 0;
  uint64_t periodTicks_ = 1;
  sc_core::sc_simcontext* simc_ = nullptr;
  // MSHRs: outstanding misses; a hit before `mshrLatest_` checks for a miss it merges with.
  std::vector<Mshr> mshrs_;
  uint64_t mshrLatest_ = 0;  // ticks
  unsigned inFlight_ = 0;
  unsigned waiters_ = 0;  // AT requests waiting on mshrDone_
  sc_core::sc_event mshrDone_;
  std::vector<Port> ports_;
  bool anyExclusivePort_ = false;
  unsigned routes_ = 0;
  std::array<uint64_t, kInvalidationKinds> invalidationCycles_{};

  stats::Scalar& hits_;
  stats::Scalar& misses_;
  stats::Scalar& dirtyMisses_;
  stats::Scalar& evictions_;
  stats::Scalar& invalidations_;
  stats::Scalar& merges_;
  stats::Scalar& mshrStalls_;
  stats::Scalar& mshrStallCycles_;
  stats::Scalar& lookupStalls_;
  stats::Scalar& lookupStallCycles_;
  stats::Scalar& victimFills_;
  stats::Scalar& movedUp_;
  stats::Vector* invalidationOps_ = nullptr;
  stats::Vector* invalidationCyclesStat_ = nullptr;
  stats::Vector* arrayHits_ = nullptr;
  double* arrayHitSlots_ = nullptr;
};

}  // namespace vmsim::tlb
