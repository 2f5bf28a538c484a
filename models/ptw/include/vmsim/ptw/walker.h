// Hardware page-table walker for x86-64 4-level paging: reads real PTE bytes from simulated
// memory through `mem`, sets accessed/dirty bits by writing the entries back, caches upper-level
// entries in per-level paging-structure caches (Intel SDM Vol. 3A 4.10.3; ChampSim's PSCs), and
// bounds the number of walks in flight (busy-until timing in LT).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <memory>

#include "vmsim/common/at_helpers.h"
#include "vmsim/common/interfaces.h"
#include "vmsim/common/module.h"
#include "vmsim/common/payload_pool.h"
#include "vmsim/tlb/tlb_core.h"

namespace vmsim::ptw {

/// One paging-structure cache: maps the VA prefix translated by a level-L entry to the physical
/// address of the next table.
class WalkCache {
 public:
  WalkCache(unsigned level, size_t entries, unsigned ways);
  /// Next-table PA for `va`, if cached.
  std::optional<uint64_t> lookup(Asid asid, uint64_t va);
  void insert(Asid asid, uint64_t va, uint64_t nextTable);
  void invalidatePage(Asid asid, uint64_t va) { core_.invalidatePage(asid, va); }
  void invalidateAsid(Asid asid) { core_.invalidateAsid(asid); }
  void invalidateAll() { core_.invalidateAll(); }
  unsigned level() const { return level_; }

 private:
  unsigned level_;
  tlb::TlbCore core_;
};

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
};

class Walker : public Module, public TranslationCache {
 public:
  tlm_utils::simple_target_socket<Walker> tsock;
  tlm_utils::simple_initiator_socket<Walker> mem;

  Walker(const sc_core::sc_module_name& nm, SimContext& ctx);

  /// The CR3 source (the kernel); must be set before simulation.
  void setPageTableBase(const PageTableBase* base) { base_ = base; }

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
  /// `at`: through the 4-phase port (the caller may wait) instead of b_transport.
  uint64_t readEntry(uint64_t pa, sc_core::sc_time& delay, bool debug, bool at);
  void writeEntry(uint64_t pa, uint64_t value, sc_core::sc_time& delay, bool at);
  /// Sets `bits` in the entry at `pa` atomically if it still maps `expectFrame`; the entry's
  /// value afterwards in `entry`. False if the entry no longer maps that frame.
  bool updateEntry(uint64_t pa, uint64_t expectFrame, uint64_t bits, uint64_t& entry);
  void memAccess(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, bool at);
  tlm::tlm_sync_enum mem_nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                         sc_core::sc_time& delay);

  const PageTableBase* base_ = nullptr;
  std::vector<std::unique_ptr<WalkCache>> caches_;  // index by level: 2, 3, 4
  std::vector<sc_core::sc_time> walkerFree_;        // busy-until of each walker
  // walkerFree_ of a walker whose walk has started and not yet ended (AT: its end is unknown).
  const sc_core::sc_time kInProgress = sc_core::sc_time::from_value(~uint64_t{0});
  sc_core::sc_event walkerDone_;
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
};

}  // namespace vmsim::ptw
