// The MMU: takes virtual-address accesses on `tsock`, translates them through its TLB hierarchy
// (instruction fetches via `itlb`, data via `dtlb`), hands page-not-present faults to the kernel
// on `fault`, retries, and forwards the physical access on `mem`. Faults it cannot resolve end
// the access with TLM_ADDRESS_ERROR_RESPONSE and a FaultExt naming kind and address.
// A payload without VmAccess is a kernel-privilege load/store of ASID 0 (foreign initiators).
// Both LT (b_transport) and AT (4-phase nb_transport) are native: in AT, up to `at_workers`
// accesses are translated concurrently and their physical accesses go on as 4-phase transactions,
// so the DRAM schedules them from its queues.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <deque>
#include <memory>
#include <unordered_map>

#include "vmsim/common/at_helpers.h"
#include "vmsim/common/direct_socket.h"
#include "vmsim/common/module.h"
#include "vmsim/common/object_pool.h"
#include "vmsim/common/payload_pool.h"
#include "vmsim/mmu/piecewise.h"
#include "vmsim/mmu/translation_join.h"
#include "vmsim/ptw/walker.h"
#include "vmsim/tlb/tlb.h"

namespace vmsim::mmu {

class Mmu : public Module,
            public InterruptTarget,
            public DirectTransport,
            public DirectAtTarget,
            private DirectAtInitiator,
            private AtClient {
 public:
  tlm_utils::simple_target_socket<Mmu> tsock;
  tlm_utils::simple_initiator_socket<Mmu> itlb;
  tlm_utils::simple_initiator_socket<Mmu> dtlb;
  tlm_utils::simple_initiator_socket<Mmu> fault;
  tlm_utils::simple_initiator_socket<Mmu> mem;
  /// Optional: where instruction fetches go (an L1 instruction cache); unbound, they use `mem`.
  tlm_utils::simple_initiator_socket_optional<Mmu> imem;

  /// With `buildHierarchy`, the MMU creates and wires its translation hierarchy as children, from
  /// the configuration (docs/tlb.md): the TLBs named in `<path>.tlbs` (default l1i, l1d and l2;
  /// without l2 when `<path>.l2.enabled` is false, whose keys are then accepted as ignored), each
  /// missing to its `next` (another of them, `walker`, or `shared.<name>`, a level the platform
  /// builds under system.shared), entered through `fetch_tlb` and `data_tlb`, and the walker.
  /// With `software_refill`, misses of the last level trap to the kernel's refill handler
  /// (refillSocket()) instead of the walker. Without `buildHierarchy`, the platform binds
  /// `itlb`/`dtlb` to TLBs of its own.
  SC_HAS_PROCESS(Mmu);
  Mmu(const sc_core::sc_module_name& nm, SimContext& ctx, bool buildHierarchy = true);

  /// The walker of the built hierarchy (its `mem` socket and page-table base need binding; with
  /// software refill it exists but no TLB misses to it).
  ptw::Walker* walker() { return walker_.get(); }
  /// Every TLB of the built hierarchy and the walker, for kernel shootdowns.
  std::vector<TranslationCache*> translationCaches();
  std::vector<tlb::Tlb*> tlbs();
  /// This MMU's TLBs whose `next` is a shared level, with that level's name (after "shared.").
  const std::vector<std::pair<tlb::Tlb*, std::string>>& sharedLinks() const { return sharedLinks_; }
  /// Where this core's misses to "walker" go (the walker, or the refill trap): a shared level
  /// binds one `down` port per core here. Only valid when the core uses a shared level or
  /// software refill.
  tlm::tlm_target_socket<32, tlm::tlm_base_protocol_types, 0>& missTarget();
  /// Software refill: the trap's socket, to bind to the kernel's `refill_tsock` (else nullptr).
  tlm_utils::simple_initiator_socket<TranslationJoin>* refillSocket() {
    return refillTrap_ ? &refillTrap_->next : nullptr;
  }
  bool softwareRefill() const { return softwareRefill_; }
  /// Where the frames of in-flight accesses are pinned (the kernel); optional.
  void setFramePins(FramePins* pins) { pins_ = pins; }
  /// An interrupt of this core (the kernel's shootdown IPI): its handler time is added to the
  /// core's next access (counted in `interrupts` and `interruptCycles`).
  void interrupt(uint64_t handlerPs) override;
  /// DirectTransport: b_transport on `tsock`, for the requester bound to it.
  void directTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override {
    access(gp, delay, false);
  }
  /// DirectTransport: b_transport on `tsock` of a requester's access whose VmAccess (`who`) it
  /// holds: no extension look-up here, and the L1D connected with setDirectMem() is handed
  /// `who` too (Cache::directAccess).
  void directAccess(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay,
                    const VmAccess& who) override;
  /// What `mem` is bound to, called directly by LT accesses (DirectTransport; nullptr: through
  /// `mem`). The platform sets it when `mem` is bound to that target.
  void setDirectMem(DirectTransport* t) {
    directMem_ = t;
    directMemAt_ = dynamic_cast<DirectAtTarget*>(t);  // AT's hops to it, where it offers them
  }
  /// DirectAtTarget: nb_transport_fw on `tsock` from the requester bound to it (`up`), which then
  /// gets this MMU's backward calls directly; `who` saves startAt() its extension look-up.
  tlm::tlm_sync_enum directNbTransportFw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                         sc_core::sc_time& delay, DirectAtInitiator& up,
                                         const VmAccess* who) override;

 private:
  DirectTransport* directMem_ = nullptr;
  DirectAtTarget* directMemAt_ = nullptr;  // memAt_'s target (the L1D), called without `mem`
  // tsock's only initiator, once it has called directNbTransportFw: tsock->nb_transport_bw
  // reaches it, so the front end's backward calls go to it directly.
  DirectAtInitiator* directUp_ = nullptr;
  DirectWho directWho_;  // during directNbTransportFw: the access's VmAccess
  // During startAt's send(): the VmAccess (the requester's, attached to the payload) memAt_
  // hands to the L1D's directNbTransportFw.
  DirectWho memWho_;
  /// DirectAtInitiator: `mem`'s backward callback, for the L1D's direct backward calls.
  tlm::tlm_sync_enum directNbTransportBw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                         sc_core::sc_time& delay) override {
    return mem_nb_transport_bw(gp, ph, delay);
  }
  /// DirectAtInitiator: the response of a physical access the L1D took with directAtStart
  /// (startAt): `arg` is its AtJob.
  void directAtResponse(tlm::tlm_generic_payload& gp, void* arg) override;
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  /// Translation and physical access of one access; `at` sends the physical part as 4-phase
  /// transactions (and may wait), otherwise as b_transport with annotated delay.
  void access(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, bool at);
  /// access() of an access issued by `who` (accessorOf(gp)); `program`: a program access as
  /// DirectTransport::directAccess describes it (the L1D may be given `who`).
  void accessAs(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, bool at, const VmAccess& who,
                bool program);
  /// access() in LT for an access within one 4 KiB page (the hit path of every access).
  void accessOnePageLt(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, const VmAccess& who,
                       const sc_core::sc_time& start, bool program);
  /// accessOnePageLt() after translating: the translation latency's sample, then the fault or
  /// the physical access at `pa`.
  void physicalOnePageLt(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, const VmAccess& who,
                         const sc_core::sc_time& start, bool program, FaultKind fk, uint64_t pa);
  // AT path.
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum mem_nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                         sc_core::sc_time& delay);
  tlm::tlm_sync_enum imem_nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                          sc_core::sc_time& delay);
  /// Translates one page's worth of `va`; returns the fault that ends the access, if any.
  /// `at`: the caller is an AT worker and may wait (the walker then reads PTEs with 4-phase).
  using PinList = boost::container::small_vector<PhysAddr, 4>;
  /// `faultPins` collects the frames the kernel pinned for the faults this translation took.
  /// `firstMiss`: the first attempt's lookup in the entry TLB was made (directAccess) and missed.
  FaultKind translate(const VmAccess& who, uint64_t va, uint64_t& pa, sc_core::sc_time& delay,
                      bool at, PinList& faultPins,
                      const tlb::Tlb::PendingMiss* firstMiss = nullptr);
  void reportFault(tlm::tlm_generic_payload& gp, FaultKind kind, uint64_t va, const VmAccess& who);
  /// Hands a not-present fault to the kernel; false if it could not be resolved (the kind is
  /// then in `why`). In AT, waits for the thread's earlier fault and for the handler.
  bool handleFault(const VmAccess& who, uint64_t va, sc_core::sc_time& delay, bool at,
                   PinList& faultPins, FaultKind& why);
  void releasePins(PinList& pinned);
  PieceTranslation debugTranslate(const VmAccess& who, uint64_t va, bool write);

  PayloadPool pool_{8};
  // The translation payload of the common case (one translation at a time, as in LT): no pool
  // round trip per access. Concurrent translations (AT workers, a fault mid-walk) use pool_.
  tlm::tlm_generic_payload ownTp_;
  unsigned char ownTpData_[8] = {};
  bool ownTpBusy_ = false;
  TranslationExt* ownX_ = nullptr;  // ownTp_'s extension, once attached
  sc_core::sc_time latency_;
  sc_core::sc_simcontext* simc_ = nullptr;  // its time_stamp() is inline
  unsigned maxFaultRetries_ = 3;
  unsigned maxConcurrentFaults_ = 1;
  unsigned faultsInFlight_ = 0;
  sc_core::sc_event faultDone_;
  /// AT: the pages (ASID, 4 KiB page number) whose faults this core's kernel calls are resolving.
  /// A younger access that faults on one of them waits for that fault and retries, as a core
  /// raises one fault for a page and replays the accesses behind it: no second trap.
  std::vector<std::pair<Asid, uint64_t>> faultPages_;
  /// Waits while this core resolves a fault of `va`'s page; true when it waited.
  bool awaitFaultOnPage(Asid asid, uint64_t va);
  FramePins* pins_ = nullptr;
  uint64_t pendingInterruptPs_ = 0;

  /// AT state-machine path (docs/timed-path.md, "How AT runs on the host"): an access within one
  /// page whose translation hits the entry TLB is translated at BEGIN_REQ and its physical
  /// access sent from the AtScheduler, without a worker thread. Others go to the workers.
  bool startAt(tlm::tlm_generic_payload& gp, const AtTargetFrontEnd::Reply& reply,
               const sc_core::sc_time& delay);
  /// The start of every access: counted, the MMU's latency and the interrupts taken since the
  /// last access added to `delay`; returns the access's start on the time line.
  sc_core::sc_time enter(sc_core::sc_time& delay);
  void atStep(void* arg, uintptr_t code) override;
  struct AtJob {
    tlm::tlm_generic_payload* gp = nullptr;
    AtTargetFrontEnd::Reply reply;  // where its response goes
    uint64_t va = 0;
    unsigned len = 0;
    PhysAddr frame{0};
    bool pinned = false;
  };
  ObjectPool<AtJob> atJobs_;
  std::unique_ptr<AtTargetFrontEnd> atFront_;  // AT: workers answering 4-phase requests
  AtInitiatorPort memAt_;                      // AT: physical accesses as 4-phase transactions
  AtInitiatorPort imemAt_;                     // AT: the same for fetches on `imem`

  void buildHierarchy(Params& p);

  std::vector<std::unique_ptr<tlb::Tlb>> tlbs_;
  /// The TLBs fetches and data accesses enter, when this MMU built and bound them (else null:
  /// translations go through `itlb`/`dtlb`), and the port number each gave the MMU.
  struct EntryTlb {
    tlb::Tlb* tlb = nullptr;
    int port = 0;
  };
  EntryTlb fetchTlb_, dataTlb_;
  /// translate() when the own payload is free (!ownTpBusy_ and ownX_ set): the entry TLB's
  /// lookup on its extension, translate() going on from there only on a miss.
  FaultKind translateOwn(const EntryTlb& direct, const VmAccess& who, uint64_t va, uint64_t& pa,
                         sc_core::sc_time& delay, bool at);
  std::vector<std::pair<tlb::Tlb*, std::string>> sharedLinks_;
  std::unique_ptr<ptw::Walker> walker_;
  std::unique_ptr<TranslationJoin> walkerJoin_;  // several TLBs to the walker
  std::unique_ptr<TranslationJoin> refillTrap_;  // software refill: misses trap to the kernel
  bool softwareRefill_ = false;
  tlm_utils::simple_initiator_socket_optional<Mmu> walkerIdle_{"walker_idle"};  // software refill

  stats::Scalar& accesses_;
  stats::Scalar& pageFaults_;
  stats::Scalar& faultMerges_;
  stats::Vector& faults_;
  stats::Histogram& translationLatency_;
  stats::Scalar& refillTraps_;
  stats::Scalar& interrupts_;
  stats::Scalar& interruptCycles_;
};

}  // namespace vmsim::mmu
