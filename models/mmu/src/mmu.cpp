// MMU: translation through the TLB hierarchy, fault handling by the kernel with retry, page
// splitting of accesses that cross a page boundary, and the physical access.
#include "vmsim/mmu/mmu.h"

#include "vmsim/mmu/piecewise.h"

#include <sstream>

namespace vmsim::mmu {

Mmu::Mmu(const sc_core::sc_module_name& nm, SimContext& ctx, bool buildHierarchy)
    : Module(nm, ctx),
      tsock("tsock"),
      itlb("itlb"),
      dtlb("dtlb"),
      fault("fault"),
      mem("mem"),
      imem("imem"),
      memAt_([this](tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time& t) {
        return mem->nb_transport_fw(gp, ph, t);
      }),
      imemAt_([this](tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time& t) {
        return imem->nb_transport_fw(gp, ph, t);
      }),
      accesses_(ctx.stats.scalar(statName("accesses"), "Count", "accesses translated")),
      pageFaults_(ctx.stats.scalar(statName("pageFaults"), "Count",
                                   "page-not-present faults handed to the kernel")),
      faults_(ctx.stats.vector(statName("faults"),
                               {"protection", "segmentation", "outOfMemory", "busError"}, "Count",
                               "accesses ended by a fault")),
      translationLatency_(ctx.stats.histogram(statName("translationLatency"), 16, "Cycle",
                                              "cycles to translate, faults included")) {
  declareClock("2GHz");
  auto& p = params();
  latency_ = cycles(
      p.getUint("latency", 0, "Cycle", "cycles the MMU adds to every access", Range{0, 1e6}));
  maxFaultRetries_ = static_cast<unsigned>(
      p.getUint("fault_retries", 3, "Count",
                "times an access is retried after the kernel resolved its fault", Range{1, 16}));
  maxConcurrentFaults_ = static_cast<unsigned>(p.getUint(
      "concurrent_faults", 1, "Count",
      "AT mode: page faults of this core resolved at once (a thread blocks on its fault; more "
      "model a core that keeps running other threads' faults)",
      Range{1, 1024}));
  const auto atWorkers = static_cast<unsigned>(p.getUint(
      "at_workers", 16, "Count", "AT mode: accesses translated concurrently", Range{1, 1024}));
  ownTp_.set_data_ptr(ownTpData_);
  tsock.register_b_transport(this, &Mmu::b_transport);
  tsock.register_transport_dbg(this, &Mmu::transport_dbg);
  tsock.register_nb_transport_fw(this, &Mmu::nb_transport_fw);
  mem.register_nb_transport_bw(this, &Mmu::mem_nb_transport_bw);
  imem.register_nb_transport_bw(this, &Mmu::imem_nb_transport_bw);
  atFront_ = std::make_unique<AtTargetFrontEnd>(
      atWorkers,
      [this](tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time& t) {
        return tsock->nb_transport_bw(gp, ph, t);
      },
      [this](tlm::tlm_generic_payload& gp) {
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        access(gp, delay, true);
        sc_core::wait(delay);
      });
  if (!buildHierarchy) return;
  l1i_ = std::make_unique<tlb::Tlb>("l1i", ctx, 1, 64, 4);
  l1d_ = std::make_unique<tlb::Tlb>("l1d", ctx, 1, 64, 4);
  walker_ = std::make_unique<ptw::Walker>("walker", ctx);
  itlb.bind(l1i_->tsock);
  dtlb.bind(l1d_->tsock);
  auto l2p = p.child("l2");
  constexpr size_t kL2Entries = 1536;
  constexpr unsigned kL2Ways = 12;
  if (l2p.getBool("enabled", true, "include the shared second-level TLB")) {
    l2_ = std::make_unique<tlb::Tlb>("l2", ctx, 2, kL2Entries, kL2Ways);
    l1i_->next.bind(l2_->tsock);
    l1d_->next.bind(l2_->tsock);
    l2_->next.bind(walker_->tsock);
  } else {
    // Both L1s miss to the walker, whose target socket takes one initiator: join them first.
    walkerJoin_ = std::make_unique<TranslationJoin>("walker_join");
    l1i_->next.bind(walkerJoin_->tsock);
    l1d_->next.bind(walkerJoin_->tsock);
    walkerJoin_->next.bind(walker_->tsock);
    const auto ignored = tlb::Tlb::declareDisabled(l2p, kL2Entries, kL2Ways);
    if (!ignored.empty()) {
      std::string names;
      for (const auto& k : ignored) names += (names.empty() ? "" : ", ") + k;
      logWarning("the L2 TLB is disabled ('" + l2p.key("enabled") + "' is false); ignoring " +
                 names);
    }
  }
}

std::vector<tlb::Tlb*> Mmu::tlbs() {
  std::vector<tlb::Tlb*> v;
  for (auto* t : {l1i_.get(), l1d_.get(), l2_.get()}) {
    if (t) v.push_back(t);
  }
  return v;
}

std::vector<TranslationCache*> Mmu::translationCaches() {
  std::vector<TranslationCache*> v;
  for (auto* t : tlbs()) v.push_back(t);
  if (walker_) v.push_back(walker_.get());
  return v;
}

FaultKind Mmu::translate(const VmAccess& who, uint64_t va, uint64_t& pa, sc_core::sc_time& delay,
                         bool at, PinList& faultPins) {
  const bool own = !ownTpBusy_;
  tlm::tlm_generic_payload* tp = own ? &ownTp_ : pool_.allocate();
  ownTpBusy_ = true;
  auto* x = own && ownX_ ? ownX_ : tp->get_extension<TranslationExt>();
  if (!x) {
    x = new TranslationExt;
    tp->set_extension(x);  // sticky: stays with the pooled payload
  }
  if (own) ownX_ = x;
  tp->set_command(tlm::TLM_READ_COMMAND);
  tp->set_address(va);
  tp->set_data_length(8);
  tp->set_streaming_width(8);
  x->va = VirtAddr(va);
  x->asid = who.asid;
  x->kind = who.kind;
  x->privilege = who.privilege;
  x->mayWait = at;
  auto& tlbSocket = who.kind == AccessKind::Fetch ? itlb : dtlb;
  FaultKind result = FaultKind::None;
  for (unsigned attempt = 0;; ++attempt) {
    x->fault = FaultKind::None;
    tp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    tlbSocket->b_transport(*tp, delay);
    if (!tp->is_response_ok()) {
      result = FaultKind::BusError;
      break;
    }
    if (x->fault == FaultKind::None && !permits(x->perms, who.kind, who.privilege)) {
      x->fault = FaultKind::Protection;
    }
    if (x->fault != FaultKind::NotPresent || attempt >= maxFaultRetries_) {
      result = x->fault == FaultKind::NotPresent ? FaultKind::OutOfMemory : x->fault;
      break;
    }
    // Page not present: the kernel maps it (demand zero or swap-in) or says why it cannot.
    ++pageFaults_;
    if (!handleFault(who, va, delay, at, faultPins, result)) break;
  }
  pa = x->pa.value();
  if (own) {
    // What PayloadPool::free resets, so the next translation starts from the same state.
    tp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    tp->set_dmi_allowed(false);
    tp->set_byte_enable_ptr(nullptr);
    tp->set_byte_enable_length(0);
    tp->set_streaming_width(0);
    tp->set_data_ptr(ownTpData_);
    ownTpBusy_ = false;
  } else {
    tp->release();
  }
  return result;
}

bool Mmu::handleFault(const VmAccess& who, uint64_t va, sc_core::sc_time& delay, bool at,
                      PinList& faultPins, FaultKind& why) {
  // One thread's faults do not overlap: a second fault waits until the kernel has resolved the
  // first (at most `concurrent_faults` at once). In LT nothing else runs meanwhile anyway.
  if (at) {
    while (faultsInFlight_ >= maxConcurrentFaults_) sc_core::wait(faultDone_);
  }
  ++faultsInFlight_;
  tlm::tlm_generic_payload* fp = pool_.allocate();
  auto* f = fp->get_extension<FaultExt>();
  if (!f) {
    f = new FaultExt;
    fp->set_extension(f);
  }
  f->kind = FaultKind::NotPresent;
  f->va = VirtAddr(va);
  f->asid = who.asid;
  f->access = who.kind;
  f->wantPin = at && pins_;  // concurrent faults must not evict the page before the retry
  f->pinned = false;
  fp->set_command(tlm::TLM_IGNORE_COMMAND);
  fp->set_address(va);
  fp->set_data_length(0);
  fp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  fault->b_transport(*fp, delay);
  const bool resolved = fp->is_response_ok();
  why = f->kind == FaultKind::None ? FaultKind::Segmentation : f->kind;
  if (f->pinned) faultPins.push_back(f->pinnedFrame);
  fp->release();
  if (at) {
    // The handler's time passes before the thread's next fault may start.
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  --faultsInFlight_;
  faultDone_.notify(sc_core::SC_ZERO_TIME);
  return resolved;
}

void Mmu::releasePins(PinList& pinned) {
  if (!pins_) return;
  for (const PhysAddr f : pinned) pins_->unpinFrame(f);
  pinned.clear();
}

void Mmu::reportFault(tlm::tlm_generic_payload& gp, FaultKind kind, uint64_t va,
                      const VmAccess& who) {
  switch (kind) {
    case FaultKind::Protection:
      faults_[0] += 1;
      break;
    case FaultKind::Segmentation:
      faults_[1] += 1;
      break;
    case FaultKind::OutOfMemory:
      faults_[2] += 1;
      break;
    default:
      faults_[3] += 1;
      break;
  }
  endWithFault(gp, kind, va, who);
  if (logging(LogLevel::Info)) {
    std::ostringstream os;
    os << toString(kind) << " at VA 0x" << std::hex << va << std::dec << " (asid " << who.asid
       << ", " << toString(who.kind) << ")";
    logInfo(os.str());
  }
}

void Mmu::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  access(gp, delay, false);
}

void Mmu::access(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, bool at) {
  ++accesses_;
  const VmAccess who = accessorOf(gp);
  delay += latency_;
  // Measured on the time line (now + annotated delay): in AT the 4-phase calls inside the walk
  // let the delay pass and zero it, so a difference of delays would underflow.
  const sc_core::sc_time start = sc_core::sc_time_stamp() + delay;
  PinList pinned, faultPins;
  const unsigned len = gp.get_data_length();
  const uint64_t last = gp.get_address() + (len ? len - 1 : 0);
  uint64_t faultVa = 0;
  // Split at 4 KiB boundaries (the smallest page), one translation per piece, all pieces
  // translated before any byte moves (precise faults).
  const FaultKind fk = accessPiecewise(
      gp,
      [&](uint64_t cur) {
        PieceTranslation t;
        t.fault = translate(who, cur, t.pa, delay, at, faultPins);
        t.contiguous = ((cur | 0xfff) + 1) - cur;
        // The frame stays ours until the physical access is done: in AT other accesses and
        // faults run meanwhile, and in both modes the next page's fault could evict it.
        const bool more = (cur | 0xfff) < last;
        if (t.fault == FaultKind::None && pins_ && (at || more)) {
          const PhysAddr frame(t.pa & ~uint64_t{0xfff});
          pins_->pinFrame(frame);
          pinned.push_back(frame);
        }
        // A fault's own pin is released once the access holds a pin of its own.
        releasePins(faultPins);
        if (t.fault != FaultKind::None || !more) {
          const sc_core::sc_time d = sc_core::sc_time_stamp() + delay - start;
          translationLatency_.sampleKeyed(d.value(), [&] { return d / clockPeriod(); });
        }
        return t;
      },
      [&](tlm::tlm_generic_payload& piece) {
        // Fetches go to `imem` (an instruction cache) when it is bound.
        const bool i = who.kind == AccessKind::Fetch && imem.size();
        if (at) {
          (i ? imemAt_ : memAt_).transact(piece, delay);
        } else if (i) {
          imem->b_transport(piece, delay);
        } else {
          mem->b_transport(piece, delay);
        }
      },
      faultVa);
  releasePins(pinned);
  if (fk != FaultKind::None) reportFault(gp, fk, faultVa, who);
}

// --- AT ------------------------------------------------------------------------------------------

tlm::tlm_sync_enum Mmu::nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                        sc_core::sc_time& delay) {
  return atFront_->forward(gp, ph, delay);
}

tlm::tlm_sync_enum Mmu::mem_nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                            sc_core::sc_time& delay) {
  return memAt_.backward(gp, ph, delay);
}

tlm::tlm_sync_enum Mmu::imem_nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                             sc_core::sc_time& delay) {
  return imemAt_.backward(gp, ph, delay);
}

PieceTranslation Mmu::debugTranslate(const VmAccess& who, uint64_t va, bool write) {
  // Functional: the TLBs pass debug translations to the walker, which answers from the page
  // tables without timing or side effects.
  TranslationExt x;
  x.va = VirtAddr(va);
  x.asid = who.asid;
  x.kind = write ? AccessKind::Store : AccessKind::Load;
  x.privilege = Privilege::Kernel;
  tlm::tlm_generic_payload tp;
  tp.set_extension(&x);
  dtlb->transport_dbg(tp);
  tp.clear_extension(&x);
  PieceTranslation t;
  t.fault = x.fault;
  t.pa = x.pa.value();
  // Contiguous up to the end of the translated page.
  const uint64_t pageEnd = (va | ((uint64_t{1} << x.pageShift) - 1)) + 1;
  t.contiguous = pageEnd - va;
  return t;
}

unsigned int Mmu::transport_dbg(tlm::tlm_generic_payload& gp) {
  // Page by page, like b_transport: each page of the access goes to its own frame, and the
  // transfer stops at the first page that does not translate (the count says how far it got).
  const VmAccess who = accessorOf(gp);
  const bool write = gp.is_write();
  return debugPiecewise(
      gp, [&](uint64_t va) { return debugTranslate(who, va, write); },
      [&](tlm::tlm_generic_payload& piece) { return mem->transport_dbg(piece); });
}

}  // namespace vmsim::mmu
