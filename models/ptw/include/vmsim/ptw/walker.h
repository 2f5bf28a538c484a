// Hardware page-table walker: reads real PTE bytes from simulated memory through `mem`, in the
// page-table format of its PageTableBase (x86-64 4/5-level, RISC-V Sv39/48/57; vmsim/paging),
// sets accessed/dirty bits by writing the entries back, caches non-leaf entries in walk caches
// (`walk_cache`: Intel-style per-level paging-structure caches, SDM Vol. 3A 4.10.3, or one
// unified page-walk cache; a walk starts below the deepest hit), bounds the number of walks in
// flight (busy-until timing in LT), and in AT lets a walk of a page whose walk is in flight wait
// for that walk's result instead of reading the PTEs again (merging). See docs/paging.md.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "vmsim/common/at_helpers.h"
#include "vmsim/common/direct_socket.h"
#include "vmsim/common/extensions.h"
#include "vmsim/common/interfaces.h"
#include "vmsim/common/module.h"
#include "vmsim/common/payload_pool.h"
#include "vmsim/paging/format.h"
#include "vmsim/ptw/walk_cache.h"
#include "vmsim/tlb/tlb.h"

namespace vmsim::ptw {

/// Result of one functional walk.
struct WalkResult {
  FaultKind fault = FaultKind::None;
  uint64_t pa = 0;
  unsigned shift = 12;
  Perms perms;
  bool dirty = false;
  bool global = false;  // the leaf's G bit (x86 bit 8)
  unsigned memReads = 0;
  unsigned memWrites = 0;
  unsigned cachedLevel = 0;  // level whose walk cache hit (0 = none)
  bool cacheProbed = false;  // the walk caches were looked up
  bool malformed = false;    // ended at a reserved encoding or a misaligned superpage
  bool cow = false;          // the leaf is copy-on-write (paging::Format::isCow)
};

class Walker : public Module, public TranslationCache, public tlb::MissTarget {
 public:
  tlm_utils::simple_target_socket<Walker> tsock;
  tlm_utils::simple_initiator_socket<Walker> mem;

  Walker(const sc_core::sc_module_name& nm, SimContext& ctx);

  /// The CR3 source (the kernel); must be set before simulation. The walker reads the tables in
  /// the format it reports (PageTableBase::pageTableFormat()).
  void setPageTableBase(const PageTableBase* base);
  const paging::Format& format() const { return *fmt_; }
  /// The direct path for the PTE bytes (docs/direct-memory.md): entries are read and A/D bits
  /// set in host memory through `m`, and the timed reads and writes through `mem` carry
  /// TimingOnlyExt (same transactions, same timing; no bytes move through the sockets). Set
  /// before simulation, and only when every module between `mem` and the memory keeps no data.
  /// nullptr (the default): the bytes move through `mem` (transport_dbg and the timed access).
  void setDirectMemory(DirectMemory* m) {
    direct_ = m;
    directPages_.connect(m);
  }

  /// With the direct path (setDirectMemory): `t` is what `mem` is bound to, and the LT timed
  /// PTE reads and A/D writes call it with plain values instead of sending a payload through
  /// `mem` (the same access, TimingOnlyTransport). AT, debug and a walker without the direct
  /// path use the socket. nullptr (the default): always the socket.
  void setDirectTiming(TimingOnlyTransport* t) { timing_ = t; }

  /// MissTarget: b_transport on `tsock` of a payload whose TranslationExt is `x` (a TLB whose
  /// `next` the builder bound to `tsock` calls it directly).
  void translateMiss(int from, TranslationExt& x, tlm::tlm_generic_payload& gp,
                     sc_core::sc_time& delay) override;

  void invalidatePage(Asid asid, VirtAddr va) override;
  void invalidateAsid(Asid asid) override;
  /// Paging-structure caches hold no global entries: a CR3 write flushes them all (Intel SDM
  /// Vol. 3A 4.10.4.1), as does a CR4.PGE toggle.
  void invalidateAll() override;

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  void end_of_elaboration() override;

  /// Walks the tables for `x`; timed (through b_transport) unless `debug`.
  WalkResult walk(const TranslationExt& x, sc_core::sc_time& delay, bool debug);
  /// Builds the walk caches for the levels of the format (setPageTableBase()).
  void buildWalkCaches();
  /// A walk of the same page (ASID, 4 KiB VPN, privilege) in flight that `x` may wait for.
  struct InFlight;
  InFlight* findInFlight(const TranslationExt& x);
  InFlight* startInFlight(const TranslationExt& x);
  /// `r` (a walk of the same page) as the answer to `x`; false if `x` needs its own walk (a
  /// store that must set D, or a permission the first walk did not evaluate).
  static bool reuse(const WalkResult& r, const TranslationExt& x, WalkResult& out);
  static bool cowStore(const WalkResult& r, const TranslationExt& x);
  void answer(TranslationExt& x, const WalkResult& r);
  /// `at`: through the 4-phase port (the caller may wait) instead of b_transport.
  uint64_t readEntry(uint64_t pa, sc_core::sc_time& delay, bool debug, bool at);
  void writeEntry(uint64_t pa, uint64_t value, sc_core::sc_time& delay, bool at);
  /// Sets `bits` in the entry at `pa` atomically if it still maps `expectFrame`; the entry's
  /// value afterwards in `entry`. False if the entry no longer maps that frame.
  bool updateEntry(uint64_t pa, uint64_t expectFrame, uint64_t bits, uint64_t& entry);
  void memAccess(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, bool at);
  /// The host bytes of the entry at `pa` through the direct path (a fatal error if the memory
  /// behind it does not serve `pa`).
  uint64_t* directEntry(uint64_t pa);
  /// A pooled payload for one 8-byte entry access at `pa` with its bytes in `*data`.
  tlm::tlm_generic_payload* entryPayload(tlm::tlm_command cmd, uint64_t pa, uint64_t* data);
  tlm::tlm_sync_enum mem_nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                         sc_core::sc_time& delay);

  const PageTableBase* base_ = nullptr;
  /// base_'s live root table when it publishes one (read at every walk, never copied: the OS
  /// changes a slot when the root changes, so a walk after exec or exit sees the new state);
  /// null: ask base_->pageTableRoot.
  const PageTableRoots* roots_ = nullptr;
  DirectMemory* direct_ = nullptr;
  DirectPages directPages_;  // direct_'s pages, remembered
  TimingOnlyTransport* timing_ = nullptr;
  const paging::Format* fmt_ = &paging::Format::get(paging::Kind::X86_64_4);
  enum class CacheKind : uint8_t { None, Psc, Pwc };
  CacheKind cacheKind_ = CacheKind::Psc;
  struct CacheParams {
    uint64_t entries = 0, ways = 0, latency = 0;
  };
  // psc: by level 2..5 (pde, pdpte, pml4e, pml5e); pwc: [0].
  std::vector<CacheParams> cacheParams_;
  std::vector<std::unique_ptr<WalkCacheArray>> arrays_;
  std::vector<WalkCacheArray*> cacheOf_;  // by level: the array caching that level's entries
  sc_core::sc_time cacheLatency_;         // one lookup of the walk caches (probed in parallel)
  uint64_t cacheLatencyCycles_ = 0;
  struct InFlight {
    bool done = false;
    bool used = false;
    Asid asid = 0;
    uint64_t vpn = 0;
    Privilege privilege = Privilege::User;
    unsigned waiters = 0;
    sc_core::sc_time readyAt;  // when the first walk's answer reaches its requester
    WalkResult result;
    sc_core::sc_event finished;
  };
  std::vector<std::unique_ptr<InFlight>> inFlight_;
  std::vector<sc_core::sc_time> walkerFree_;  // busy-until of each walker
  // walkerFree_ of a walker whose walk has started and not yet ended (AT: its end is unknown).
  const sc_core::sc_time kInProgress = sc_core::sc_time::from_value(~uint64_t{0});
  sc_core::sc_event walkerDone_;
  bool atWalks_ = false;  // an AT walk (one that may wait) has come: walkerDone_ is notified
  sc_core::sc_simcontext* simc_ = nullptr;  // its time_stamp() is inline
  sc_core::sc_time overhead_;
  PayloadPool pool_{8};
  AtInitiatorPort memAt_;
  bool setAccessed_ = true;

  stats::Scalar& walks_;
  stats::Scalar& memReads_;
  stats::Scalar& adWrites_;
  stats::Scalar& faults_;
  stats::Vector& cacheHits_;
  stats::Scalar& queueCycles_;
  stats::Scalar& queuedWalks_;
  stats::Histogram& latency_;
  stats::Scalar& cacheMisses_;
  stats::Scalar& cacheCycles_;
  stats::Scalar& mergedWalks_;
  stats::Scalar& reservedFaults_;
};

}  // namespace vmsim::ptw
