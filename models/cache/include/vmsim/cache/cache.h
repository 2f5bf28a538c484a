// One cache level as an sc_module (docs/caches.md). Physical accesses arrive on `tsock` (any
// number of upstreams: L1 caches, MMUs, walkers, the kernel) and misses go on through `next`
// (the next cache level, or the router). Tags, state and timing only: the data stays in DRAM,
// so an access's bytes move by debug transport to the memory once its timing is known, and a
// write-back is a timed, data-less write (TimingOnlyExt).
//
// LT: b_transport adds the hit latency; a miss adds the next level's time (and MSHR stalls);
// write-backs go down off the critical path. AT: 4-phase on both sides; a hit is answered after
// the hit latency; misses hold an MSHR until their fill returns; misses to a line in flight
// merge with it; a miss that finds every MSHR busy waits. Debug transport passes through.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <array>
#include <deque>
#include <memory>
#include <unordered_map>

#include "vmsim/cache/cache_core.h"
#include "vmsim/common/at_helpers.h"
#include "vmsim/common/direct_socket.h"
#include "vmsim/common/interfaces.h"
#include "vmsim/common/module.h"
#include "vmsim/common/object_pool.h"
#include "vmsim/common/payload_pool.h"

namespace vmsim::cache {

/// What a cache asks of the level below it, on its own (data-less) payloads.
enum class CacheRequest : uint8_t {
  Fill = 0,           // read a line; the level below allocates it too (non-inclusive/inclusive)
  ExclusiveFill = 1,  // read a line that moves up: the level below gives up its copy
  WriteBack = 2,      // a dirty line written back (the level below allocates it, dirty)
  Victim = 3,         // a line moving down from an exclusive upper level (clean or dirty)
};

/// Rides on a cache's own payloads to the level below. Ignorable (the router and the DRAM see a
/// plain timed read or write with TimingOnlyExt).
class CacheReqExt : public tlm::tlm_extension<CacheReqExt> {
 public:
  CacheRequest req = CacheRequest::Fill;
  CacheKind kind = CacheKind::Load;  // the access that caused it, for the lower level's stats
  bool pageTable = false;
  bool dirty =
      false;  // WriteBack/Victim: the line is dirty; ExclusiveFill answer: it moved up dirty
  /// Load-to-use time of the level that sent it: the level below adds only its latency beyond.
  sc_core::sc_time above;

  tlm::tlm_extension_base* clone() const override { return new CacheReqExt(*this); }
  void copy_from(const tlm::tlm_extension_base& o) override {
    *this = static_cast<const CacheReqExt&>(o);
  }
};

class Cache : public Module,
              public DirectTransport,
              public TimingOnlyTransport,
              public DirectAtTarget,
              private DirectAtInitiator,
              private AtClient {
 public:
  DirectMultiTargetSocket<Cache> tsock;
  tlm_utils::simple_initiator_socket<Cache> next;
  /// Optional: where the bytes live (the router in front of the DRAM). An access's data moves
  /// there by debug transport in one hop instead of through every level below; unbound, the
  /// data goes through `next`.
  tlm_utils::simple_initiator_socket_optional<Cache> data;

  /// Defaults of one level (the platform passes L1D, L1I, L2 or LLC figures).
  struct Defaults {
    std::string size = "32KiB";
    uint64_t ways = 8;
    uint64_t latency = 4;
    uint64_t mshrs = 12;
    std::string inclusion = "non_inclusive";
  };
  SC_HAS_PROCESS(Cache);
  Cache(const sc_core::sc_module_name& nm, SimContext& ctx, const Defaults& d);

  /// The platform says what `next` is bound to: another cache (its core learns about inclusive
  /// upper levels) or memory (nullptr; an exclusive policy then is a configuration problem).
  void linkNext(Cache* lower);
  /// Where `data` (or `next`) ends: the memory whose bytes the accesses move (the router in
  /// front of the DRAM). With it, an access's bytes are copied to or from the host page the
  /// memory offers with DirectMemory::peekPage (a page it keeps as one block) instead of by debug
  /// transport; the same bytes move either way, and timing is not involved (docs/lt-hit-path.md).
  /// Connect only a memory that is what `data` (or `next`) reaches with nothing holding data in
  /// between. nullptr (the default): every access's bytes go by debug transport.
  void setDirectData(DirectMemory* m) { directData_ = m; }
  /// `next` is bound straight to `lower`'s tsock (nothing in between): LT fills and write-backs
  /// then call `lower` directly with the request as plain values instead of sending a pooled
  /// payload with a CacheReqExt through the socket. The lower level does exactly what its
  /// b_transport does for that payload (docs/performance.md, "Walk-heavy: the caches' miss
  /// path"). nullptr (the default): every LT request to the level below goes through `next`.
  /// AT always goes through the sockets.
  void setDirectNext(Cache* lower) { directNext_ = lower; }
  /// DirectTransport: b_transport on `tsock` (an upstream's LT call without the socket hop;
  /// the binding index, which b_transport does not use, is 0).
  void directTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override {
    b_transport(0, gp, delay);
  }
  /// TimingOnlyTransport: b_transport of a model's own timing-only access, as plain values.
  bool timingOnlyTransport(uint64_t addr, unsigned len, bool write, bool pageTable,
                           sc_core::sc_time& delay) override;
  /// DirectTransport: the same as directTransport() for a program access whose issuer `who`
  /// the caller holds: the access's kind without the extension look-ups of classify().
  void directAccess(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay,
                    const VmAccess& who) override;
  /// DirectAtTarget: nb_transport_fw on `tsock` from the upstream `up` (the MMU, or the level
  /// above through setDirectNext), whose backward calls then go to it directly.
  tlm::tlm_sync_enum directNbTransportFw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                         sc_core::sc_time& delay, DirectAtInitiator& up,
                                         const VmAccess* who) override;
  /// DirectAtTarget: a BEGIN_REQ the state-machine path serves now (a one-line cacheable
  /// access while the front end has room), answered to `up` with directAtResponse.
  bool directAtStart(tlm::tlm_generic_payload& gp, const sc_core::sc_time& delay,
                     DirectAtInitiator& up, void* arg, const VmAccess* who) override;
  CacheCore& core() { return *core_; }
  const sc_core::sc_time& latency() const { return latency_; }

  /// Valid values of `<cache>.inclusion`.
  static const std::vector<std::string>& inclusionNames();

 private:
  struct Req {
    CacheRequest req = CacheRequest::Fill;
    CacheKind kind = CacheKind::Load;
    bool pageTable = false;
    bool write = false;
    bool movesData = false;    // the access that entered the hierarchy: its bytes move
    bool dirty = false;        // WriteBack/Victim: the line arrives dirty
    bool* dirtyOut = nullptr;  // ExclusiveFill: where the answer says the line moved up dirty
    sc_core::sc_time above;
  };
  static bool cacheable(const tlm::tlm_generic_payload& gp) {
    return !gp.get_byte_enable_ptr() && gp.get_data_length() > 0 &&
           gp.get_streaming_width() >= gp.get_data_length() &&
           gp.get_command() != tlm::TLM_IGNORE_COMMAND;
  }
  Req classify(tlm::tlm_generic_payload& gp) const;
  sc_core::sc_time added(const Req& r) const {
    return latency_ > r.above ? latency_ - r.above : sc_core::SC_ZERO_TIME;
  }
  /// The payload for a fill or write-back of `line` to the level below.
  tlm::tlm_generic_payload* ownPayload(tlm::tlm_command cmd, uint64_t line, CacheRequest req,
                                       CacheKind kind, bool pageTable, bool dirty,
                                       CacheReqExt** ext = nullptr);
  /// Moves the bytes of a top-level access (functional, at once); false on an address error.
  bool moveData(tlm::tlm_generic_payload& gp, const Req& r);
  /// Moves the data and sets the response; samples a fill's time `took` at this level.
  void respond(tlm::tlm_generic_payload& gp, const Req& r, const sc_core::sc_time& took);
  void end_of_elaboration() override;

  // LT
  void b_transport(int from, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  /// b_transport of a cacheable access classified as `r`.
  void accessLt(tlm::tlm_generic_payload& gp, const Req& r, sc_core::sc_time& delay);
  /// The lines of [addr, addr + len) for `r`, the hit latency added first; false on an error
  /// from below (its status in `err`). kChain: a demand miss's fetch, fill and victim are inline
  /// (fromAboveLt, so that a miss chain down the levels is one call per level); otherwise they
  /// are the call demandMissLt (the top level's entry points keep their hit path lean).
  template <bool kChain>
  [[gnu::always_inline]] inline bool linesLt(const Req& r, uint64_t addr, unsigned len,
                                             sc_core::sc_time& delay,
                                             tlm::tlm_response_status& err);
  /// What b_transport does for an upper cache's own payload (timing only), called directly by
  /// the level above (setDirectNext); false on an error from below (its status in `err`).
  bool fromAboveLt(const Req& r, uint64_t addr, unsigned len, sc_core::sc_time& delay,
                   tlm::tlm_response_status& err);
  template <bool kChain>
  [[gnu::always_inline]] inline bool demandLt(uint64_t line, const Req& r, sc_core::sc_time& delay,
                                              tlm::tlm_response_status& err);
  /// demandLt() of a line that is not present: the fetch, the fill and its victim (missLt, out
  /// of line).
  bool demandMissLt(uint64_t line, const Req& r, sc_core::sc_time& delay,
                    tlm::tlm_response_status& err);
  void hitLt(uint64_t line, CacheKind kind, sc_core::sc_time& delay);
  bool missLt(uint64_t line, const Req& r, sc_core::sc_time& delay, tlm::tlm_response_status& err);
  /// The fetch of a missed line: the MSHR, then the level below (directly through
  /// setDirectNext, or by fetchPayloadLt).
  bool fetchLt(uint64_t line, const Req& r, sc_core::sc_time& delay, tlm::tlm_response_status& err,
               bool& dirty);
  /// fetchLt()'s request to the level below on a pooled payload through `next`.
  bool fetchPayloadLt(uint64_t line, const Req& r, unsigned idx, sc_core::sc_time& delay,
                      tlm::tlm_response_status& err, bool& dirty);
  /// A victim of an LT fill or arrival: counted; a dirty one (any, exclusive) goes down by
  /// writeBackLt.
  void evictLt(const Victim& v, const sc_core::sc_time& delay);
  void writeBackLt(const Victim& v, const sc_core::sc_time& delay);
  // AT
  tlm::tlm_sync_enum nb_transport_fw(int from, tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum next_nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                          sc_core::sc_time& delay);
  void processAt(tlm::tlm_generic_payload& gp);
  bool demandAt(uint64_t line, const Req& r, tlm::tlm_generic_payload& gp);
  bool fetchAt(uint64_t line, const Req& r, tlm::tlm_generic_payload& gp, bool& dirty);
  void evictAt(const Victim& v);
  /// Sends queued write-backs while fewer than kAtWritebacks are in flight.
  void issueWritebacks();
  /// The state-machine path (docs/timed-path.md, "How AT runs on the host"): a one-line fill,
  /// write-back or victim is served from AtScheduler steps: the lookup at the end of the added
  /// latency, a merge as an entry in the list of waiters for fills, a miss's fill sent without a
  /// thread. Others (uncached, exclusive fills, accesses over several lines) go to the workers.
  struct AtJob {
    tlm::tlm_generic_payload* gp = nullptr;
    AtTargetFrontEnd::Reply reply;  // where its response goes
    Req r;
    uint64_t line = 0;
    sc_core::sc_time start;
    sc_core::sc_time asked;  // a stalled miss: when it asked for an MSHR
    bool merged = false;
    unsigned mshr = 0;
    tlm::tlm_generic_payload* fp = nullptr;  // the fill in flight
    CacheReqExt* fe = nullptr;
  };
  bool startAt(tlm::tlm_generic_payload& gp, const AtTargetFrontEnd::Reply& reply,
               const sc_core::sc_time& delay);
  void atStep(void* arg, uintptr_t code) override;
  void lookupAt(AtJob* j);
  void missAt(AtJob* j);
  void sendFill(AtJob* j, unsigned mshr);
  void fillDoneAt(AtJob* j);
  void finishAt(AtJob* j);
  /// An MSHR was released: merged lookups and stalled misses retry (from a step at this instant).
  void mshrReleased();
  void wakeAt();
  ObjectPool<AtJob> atJobs_;
  std::vector<AtJob*> mergeWaiters_, waking_;  // lookups waiting for a fill, in arrival order
  std::deque<AtJob*> stalled_;                 // misses waiting for an MSHR, in arrival order
  bool wakePosted_ = false;
  unsigned fillWaiting_ = 0;  // worker threads waiting on fillDone_
  unsigned wbInFlight_ = 0;
  bool wbPosted_ = false;

  unsigned int transport_dbg(int from, tlm::tlm_generic_payload& gp);
  bool get_direct_mem_ptr(int from, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);

  void arrived(uint64_t line, const Req& r, const sc_core::sc_time* ltDelay);
  void countVictim(const Victim& v);

  tlm::tlm_fw_transport_if<>* dataIf_ = nullptr;  // data's or next's interface
  Cache* directNext_ = nullptr;                   // setDirectNext
  /// The direct path for data bytes (setDirectData): recent pages' answers of peekPage, by page
  /// number (direct-mapped), each kept while its memory's layout epoch is the one it had.
  DirectMemory* directData_ = nullptr;
  struct DirectSlot {
    uint64_t tag = 0;  // page number + 1; 0: empty
    unsigned char* bytes = nullptr;
    const uint64_t* epoch = nullptr;
    uint64_t seen = 0;  // *epoch when asked
  };
  static constexpr unsigned kDirectSlotBits = 6;
  std::array<DirectSlot, size_t{1} << kDirectSlotBits> directSlots_{};
  /// The host bytes of `addr`'s page from the direct path, or nullptr.
  unsigned char* directBytes(uint64_t addr) {
    const uint64_t pn = addr >> 12;
    DirectSlot& s = directSlots_[pn & ((1u << kDirectSlotBits) - 1)];
    if (s.tag == pn + 1 && *s.epoch == s.seen) return s.bytes;
    return directRefresh(s, addr);
  }
  unsigned char* directRefresh(DirectSlot& s, uint64_t addr);
  sc_core::sc_simcontext* sim_;                       // its time_stamp() is inline
  AtScheduler* const atSched_ = &AtScheduler::get();  // this simulation's (a lookup per post)
  std::unique_ptr<CacheCore> core_;
  std::unique_ptr<MshrFile> mshr_;
  sc_core::sc_time latency_;
  std::string inclusion_;
  bool exclusive_ = false;  // exclusive with respect to the level below
  std::unique_ptr<PayloadPool> pool_;
  std::unique_ptr<AtTargetFrontEnd> atFront_;
  AtInitiatorPort memAt_;
  // The upstreams that called directNbTransportFw; the transactions of the i-th carry the front
  // end's tag -1 - i (a socket binding's is its index, >= 0).
  std::vector<DirectAtInitiator*> directUps_;
  // During directNbTransportFw of a program access: its payload and issuer (startAt then need
  // not classify it).
  DirectWho directWho_;
  /// classify() of a program access issued by `who` (VmAccess attached, no TimingOnlyExt), as
  /// directAccess() finds it.
  static Req programReq(const tlm::tlm_generic_payload& gp, const VmAccess& who) {
    Req r;
    r.write = gp.is_write();
    r.kind = r.write ? CacheKind::Store
                     : (who.kind == AccessKind::Fetch ? CacheKind::Fetch : CacheKind::Load);
    r.movesData = true;
    return r;
  }
  /// DirectAtInitiator: `next`'s backward callback, for the lower level's direct calls.
  tlm::tlm_sync_enum directNbTransportBw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                         sc_core::sc_time& delay) override {
    return next_nb_transport_bw(gp, ph, delay);
  }
  /// DirectAtInitiator: the end of a fill the level below took with directAtStart (sendFill).
  void directAtResponse(tlm::tlm_generic_payload& gp, void* arg) override;
  std::deque<Victim> wbQueue_;
  sc_core::sc_event fillDone_;

  stats::Vector& hits_;
  stats::Vector& misses_;
  stats::Vector& mshrMerges_;
  stats::Scalar& mshrStalls_;
  stats::Scalar& mshrStallCycles_;
  stats::Scalar& writebacks_;
  stats::Scalar& victimsDown_;
  stats::Scalar& evictions_;
  stats::Scalar& uncached_;
  stats::Histogram& latencyHist_;
};

}  // namespace vmsim::cache
