// MMU: translation through the TLB hierarchy, fault handling by the kernel with retry, page
// splitting of accesses that cross a page boundary, and the physical access.
#include "vmsim/mmu/mmu.h"

#include "vmsim/mmu/piecewise.h"

#include <algorithm>
#include <cctype>
#include <map>
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
        // mem's target's nb_transport_fw, without the hop where it offers one (the L1D)
        return directMemAt_ ? directMemAt_->directNbTransportFw(gp, ph, t, *this, memWho_.of(gp))
                            : mem->nb_transport_fw(gp, ph, t);
      }),
      imemAt_([this](tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time& t) {
        return imem->nb_transport_fw(gp, ph, t);
      }),
      accesses_(ctx.stats.scalar(statName("accesses"), "Count", "accesses translated")),
      pageFaults_(ctx.stats.scalar(statName("pageFaults"), "Count",
                                   "page-not-present faults handed to the kernel")),
      faultMerges_(ctx.stats.scalar(statName("faultMerges"), "Count",
                                    "AT: not-present translations of a page whose fault this "
                                    "core was already resolving: they waited for it and "
                                    "retried instead of trapping again")),
      faults_(ctx.stats.vector(statName("faults"),
                               {"protection", "segmentation", "outOfMemory", "busError"}, "Count",
                               "accesses ended by a fault")),
      translationLatency_(ctx.stats.histogram(statName("translationLatency"), 16, "Cycle",
                                              "cycles to translate, faults included")),
      refillTraps_(ctx.stats.scalar(statName("refillTraps"), "Count",
                                    "software refill: misses of the last TLB level that trapped "
                                    "to the kernel's refill handler")),
      interrupts_(ctx.stats.scalar(statName("interrupts"), "Count",
                                   "interrupts this core took (TLB shootdown IPIs)")),
      interruptCycles_(ctx.stats.scalar(statName("interruptCycles"), "Cycle",
                                        "cycles this core spent in interrupt handlers, added "
                                        "to its next access")) {
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
  simc_ = sc_core::sc_get_curr_simcontext();
  tsock.register_b_transport(this, &Mmu::b_transport);
  tsock.register_transport_dbg(this, &Mmu::transport_dbg);
  tsock.register_nb_transport_fw(this, &Mmu::nb_transport_fw);
  mem.register_nb_transport_bw(this, &Mmu::mem_nb_transport_bw);
  imem.register_nb_transport_bw(this, &Mmu::imem_nb_transport_bw);
  atFront_ = std::make_unique<AtTargetFrontEnd>(
      atWorkers,
      // Tagged: the front end calls it directly (the untagged constructor wraps it in one more
      // std::function).
      AtTargetFrontEnd::TaggedCall(
          [this](int, tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time& t) {
            return directUp_ ? directUp_->directNbTransportBw(gp, ph, t)
                             : tsock->nb_transport_bw(gp, ph, t);
          }),
      [this](tlm::tlm_generic_payload& gp) {
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        access(gp, delay, true);
        sc_core::wait(delay);
      });
  atFront_->setStart([this](tlm::tlm_generic_payload& gp, const AtTargetFrontEnd::Reply& reply,
                            const sc_core::sc_time& delay) { return startAt(gp, reply, delay); });
  if (buildHierarchy) this->buildHierarchy(p);
}

namespace {
// Defaults per TLB name (docs/tlb.md gives the sources). L1 TLBs: Intel Skylake and its
// successors look the L1 DTLB up in parallel with the L1D tags (a VIPT cache), so its hit is
// folded into the 4-5 cycle load-to-use latency (Intel 64 and IA-32 Architectures Optimization
// Reference Manual, Skylake section 2.2); vmsim charges it one cycle so that a TLB hit is not
// free without a cache model. L2 (STLB): 1536 entries, 12 ways (Optimization Manual, table
// "TLB Parameters of the Skylake Microarchitecture"); a hit costs about 9 cycles more than an
// L1 DTLB hit (7-cpu.com's Skylake page; PC Watch measured 11-12 cycles for the whole load on
// Ivy Bridge/Haswell against 4-5 with an L1 DTLB hit; docs/tlb.md). Lookups per cycle: two loads
// and one store address per cycle on Skylake's L1 DTLB (ports 2, 3 and 7), one fetch block per
// cycle on the ITLB; the STLB takes one lookup per cycle (an estimate). MSHRs: Intel does not
// publish a count; 4 for the L1s and 2 for the STLB (matching Skylake's two concurrent page walks,
// Optimization Manual 2.2.5) are estimates, no fewer than the walker needs to stay busy.
tlb::TlbDefaults defaultsFor(const std::string& name, bool hasL2) {
  tlb::TlbDefaults d;
  d.next = hasL2 ? "l2" : "walker";
  if (name == "l1d") {
    d.lookupsPerCycle = 3;
    d.mshrs = 4;
  } else if (name == "l1i") {
    d.lookupsPerCycle = 1;
    d.mshrs = 4;
  } else if (name == "l2") {
    d.entries = 1536;
    d.ways = 12;
    d.latency = 9;
    d.lookupsPerCycle = 1;
    d.mshrs = 2;
    d.next = "walker";
  } else {
    d.next = "walker";
    d.mshrs = 4;
  }
  return d;
}

bool validTlbName(const std::string& n) {
  if (n.empty() || n == "walker" || n == "shared" || n == "walker_join" || n == "refill_trap") {
    return false;
  }
  for (char c : n) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}
}  // namespace

void Mmu::buildHierarchy(Params& p) {
  SimContext& ctx = context();
  Config& cfg = p.config();
  auto l2p = p.child("l2");
  const bool l2Enabled = l2p.getBool("enabled", true, "include the second-level TLB l2");
  std::vector<std::string> deflt = {"l1i", "l1d"};
  if (l2Enabled) deflt.push_back("l2");
  const auto names = p.getStringList(
      "tlbs", deflt, "names of this core's TLB structures (each configured under its name)");
  const std::string fetch =
      p.getString("fetch_tlb", "l1i", "the TLB instruction fetches enter (a name in tlbs)");
  const std::string data = p.getString(
      "data_tlb", "l1d", "the TLB loads and stores enter (a name in tlbs; = fetch_tlb: unified)");
  softwareRefill_ = p.getBool("software_refill", false,
                              "MIPS-style software-managed TLB: a miss in the last level traps "
                              "to the kernel's refill handler; the walker is not used");
  // Nagle et al., "Design Tradeoffs for Software-Managed TLBs", ISCA 1993: the MIPS R2000's
  // user TLB-miss handler (uTLB vector) costs in the order of 20 cycles under Ultrix, exception
  // entry and return included (an estimate of that order, docs/tlb.md); its page-table load is
  // simulated separately here.
  const uint64_t trapCycles =
      p.getUint("refill_trap_cycles", 20, "Cycle",
                "software refill: cycles of the trap into the refill handler and back (besides the "
                "handler's page-table reads)",
                Range{0, 1e6});
  const std::string tlbsKey = "'" + p.key("tlbs") + "'";
  std::string valid;
  for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
  if (names.empty()) cfg.addProblem(tlbsKey + ": the list is empty; a core needs a TLB");
  if (!l2Enabled && std::find(names.begin(), names.end(), "l2") != names.end()) {
    cfg.addProblem(tlbsKey + " lists l2, but '" + l2p.key("enabled") +
                   "' is false; remove one of them");
  }
  const bool hasL2 = std::find(names.begin(), names.end(), "l2") != names.end();
  std::map<std::string, tlb::Tlb*> byName;
  for (const auto& n : names) {
    if (!validTlbName(n)) {
      cfg.addProblem(tlbsKey + ": '" + n +
                     "' is not a valid TLB name (letters, digits, _; not walker or shared)");
      continue;
    }
    if (byName.count(n)) {
      cfg.addProblem(tlbsKey + ": '" + n + "' is listed twice");
      continue;
    }
    tlbs_.push_back(std::make_unique<tlb::Tlb>(n.c_str(), ctx, 1, defaultsFor(n, hasL2)));
    byName[n] = tlbs_.back().get();
  }
  if (!l2Enabled) {
    const auto ignored = tlb::Tlb::declareDisabled(l2p, defaultsFor("l2", false));
    if (!ignored.empty()) {
      std::string list;
      for (const auto& k : ignored) list += (list.empty() ? "" : ", ") + k;
      logWarning("the L2 TLB is disabled ('" + l2p.key("enabled") + "' is false); ignoring " +
                 list);
    }
  }
  // Links: each TLB's misses go to another of this MMU's TLBs, the walker, or a shared level.
  std::vector<tlb::Tlb*> toWalker;
  for (auto& t : tlbs_) {
    const std::string& nx = t->nextName();
    const std::string key = "'" + std::string(t->name()) + ".next'";
    if (nx == "walker") {
      toWalker.push_back(t.get());
      if (t->exclusive()) {
        logWarning("'" + std::string(t->name()) +
                   ".fill' is exclusive, but its next level is the walker, which holds no "
                   "victims: the fill is inclusive in effect");
      }
    } else if (nx.rfind("shared.", 0) == 0 && nx.size() > 7) {
      sharedLinks_.emplace_back(t.get(), nx.substr(7));
    } else if (auto it = byName.find(nx); it != byName.end() && it->second != t.get()) {
      const unsigned port = it->second->bindUpstream(t->next, 0, t->exclusive());
      t->setLowerLevel(it->second);
      t->setDirectNext(it->second, static_cast<int>(port));  // bound here: called directly
    } else {
      cfg.addProblem(key + ": '" + nx + "' is no other TLB of " + name() + " (" + valid +
                     "), walker, or shared.<name>");
    }
  }
  // Levels, and the check that the links form chains (no cycle) reached from the entry TLBs.
  std::map<tlb::Tlb*, unsigned> level;
  for (const auto& [which, entry] : {std::pair<const char*, std::string>{"fetch_tlb", fetch},
                                     std::pair<const char*, std::string>{"data_tlb", data}}) {
    auto it = byName.find(entry);
    if (it == byName.end()) {
      cfg.addProblem("'" + p.key(which) + "': '" + entry + "' is not in " + tlbsKey + " (" + valid +
                     ")");
      continue;
    }
    unsigned depth = 1;
    for (tlb::Tlb* t = it->second; t; ++depth) {
      if (depth > tlbs_.size()) {
        cfg.addProblem("'" + p.path() + "': the TLB links (next) form a cycle through " +
                       t->name());
        break;
      }
      level[t] = std::max(level[t], depth);
      auto nx = byName.find(t->nextName());
      t = nx == byName.end() ? nullptr : nx->second;
    }
  }
  for (auto& t : tlbs_) {
    if (!level.count(t.get())) {
      cfg.addProblem(tlbsKey + ": " + std::string(t->basename()) +
                     " is reached neither from fetch_tlb nor from data_tlb");
    } else {
      t->setLevel(level[t.get()]);
    }
  }
  // The entry TLBs are bound here and nowhere else: translations call them directly.
  if (auto it = byName.find(fetch); it != byName.end()) {
    fetchTlb_ = {it->second, static_cast<int>(it->second->bindUpstream(itlb))};
  }
  if (auto it = byName.find(data); it != byName.end()) {
    dataTlb_ = {it->second, static_cast<int>(it->second->bindUpstream(dtlb))};
  }

  walker_ = std::make_unique<ptw::Walker>("walker", ctx);
  if (softwareRefill_) {
    refillTrap_ =
        std::make_unique<TranslationJoin>("refill_trap", cycles(trapCycles), &refillTraps_);
    for (auto* t : toWalker) t->next.bind(refillTrap_->tsock);
    // The walker is built (so that platforms wire it as always) but takes no translation: its
    // keys are accepted and marked ignored.
    const std::string prefix = std::string(walker_->name()) + ".";
    std::vector<std::pair<std::string, ParamDecl>> marked;
    std::string set;
    for (const auto& [k, d] : cfg.declared()) {
      if (k.rfind(prefix, 0) != 0) continue;
      ParamDecl m = d;
      m.desc = "ignored ('" + p.key("software_refill") + "' is true): " + d.desc;
      marked.emplace_back(k, std::move(m));
      if (cfg.hasValue(k) && k != prefix + "clock" && k != prefix + "log_level") {
        set += (set.empty() ? "" : ", ") + k;
      }
    }
    for (auto& [k, d] : marked) cfg.declare(k, std::move(d));
    if (!set.empty()) {
      logWarning("software refill replaces the hardware walker ('" + p.key("software_refill") +
                 "' is true); ignoring " + set);
    }
    walkerIdle_.bind(walker_->tsock);  // a target socket must be bound
  } else if (toWalker.size() == 1 && sharedLinks_.empty()) {
    toWalker.front()->next.bind(walker_->tsock);
    toWalker.front()->setDirectNext(walker_.get(), 0);
  } else {
    // The walker's target socket takes one initiator: join the TLBs (and shared routes) first.
    walkerJoin_ = std::make_unique<TranslationJoin>("walker_join");
    for (auto* t : toWalker) {
      t->next.bind(walkerJoin_->tsock);
      // The join adds nothing (no cost, no count): this MMU's TLBs call the walker directly.
      t->setDirectNext(walker_.get(), 0);
    }
    walkerJoin_->next.bind(walker_->tsock);
  }
}

tlm::tlm_target_socket<32, tlm::tlm_base_protocol_types, 0>& Mmu::missTarget() {
  if (refillTrap_) return refillTrap_->tsock;
  if (!walkerJoin_) {
    SC_REPORT_FATAL(name(), "missTarget(): the walker is bound directly (no shared level)");
  }
  return walkerJoin_->tsock;
}

std::vector<tlb::Tlb*> Mmu::tlbs() {
  std::vector<tlb::Tlb*> v;
  for (auto& t : tlbs_) v.push_back(t.get());
  return v;
}

std::vector<TranslationCache*> Mmu::translationCaches() {
  std::vector<TranslationCache*> v;
  for (auto* t : tlbs()) v.push_back(t);
  if (walker_ && !softwareRefill_) v.push_back(walker_.get());
  return v;
}

FaultKind Mmu::translate(const VmAccess& who, uint64_t va, uint64_t& pa, sc_core::sc_time& delay,
                         bool at, PinList& faultPins, const tlb::Tlb::PendingMiss* firstMiss) {
  // firstMiss: directAccess() made the first attempt's lookup (with the own payload's extension,
  // its request fields set) and it missed; the attempt goes on from there.
  const bool own = firstMiss || !ownTpBusy_;
  tlm::tlm_generic_payload* tp = own ? &ownTp_ : pool_.allocate();
  ownTpBusy_ = true;
  auto* x = own && ownX_ ? ownX_ : tp->get_extension<TranslationExt>();
  if (!x) {
    x = new TranslationExt;
    tp->set_extension(x);  // sticky: stays with the pooled payload
  }
  if (own) ownX_ = x;
  // The payload is set up when a level needs it: a hit of an entry TLB the MMU calls directly
  // answers in `x` alone (Tlb::lookup), so the hit path neither sets it up nor resets it.
  bool tpSet = false;
  auto setUp = [&] {
    if (tpSet) return;
    tpSet = true;
    tp->set_command(tlm::TLM_READ_COMMAND);
    tp->set_address(va);
    tp->set_data_length(8);
    tp->set_streaming_width(8);
  };
  if (!firstMiss) {
    x->va = VirtAddr(va);
    x->asid = who.asid;
    x->kind = who.kind;
    x->privilege = who.privilege;
    x->mayWait = at;
  }
  const bool fetch = who.kind == AccessKind::Fetch;
  auto& tlbSocket = fetch ? itlb : dtlb;
  const EntryTlb& direct = fetch ? fetchTlb_ : dataTlb_;
  FaultKind result = FaultKind::None;
  unsigned merged = 0;
  for (unsigned attempt = 0;; ++attempt) {
    bool ok = true;
    tlb::Tlb::PendingMiss m;
    bool missed = false;
    if (firstMiss) {
      m = *firstMiss;
      firstMiss = nullptr;
      missed = true;
    } else {
      x->fault = FaultKind::None;
    }
    if (missed || !direct.tlb || !direct.tlb->lookup(direct.port, *x, delay, m)) {
      setUp();
      tp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      if (direct.tlb) {
        direct.tlb->completeMiss(direct.port, *x, *tp, delay, m);
      } else {
        tlbSocket->b_transport(*tp, delay);
      }
      ok = tp->is_response_ok();
    }
    if (!ok) {
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
    // The page's fault is under way (an older access of this core): wait for it, then retry.
    if (at && merged < maxFaultRetries_ && awaitFaultOnPage(who.asid, va)) {
      ++merged;
      ++faultMerges_;
      --attempt;
      continue;
    }
    // Page not present: the kernel maps it (demand zero or swap-in) or says why it cannot.
    ++pageFaults_;
    if (!handleFault(who, va, delay, at, faultPins, result)) break;
  }
  pa = x->pa.value();
  if (own) {
    // What PayloadPool::free resets, so the next translation starts from the same state.
    if (!tpSet) {
      ownTpBusy_ = false;  // untouched: it is in that state still
      return result;
    }
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
  if (at) faultPages_.emplace_back(who.asid, va >> 12);
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
  f->mayWait = at;
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
  if (at) {
    const auto it =
        std::find(faultPages_.begin(), faultPages_.end(), std::make_pair(who.asid, va >> 12));
    faultPages_.erase(it);
  }
  faultDone_.notify(sc_core::SC_ZERO_TIME);
  return resolved;
}

bool Mmu::awaitFaultOnPage(Asid asid, uint64_t va) {
  const auto key = std::make_pair(asid, va >> 12);
  if (std::find(faultPages_.begin(), faultPages_.end(), key) == faultPages_.end()) return false;
  do {
    sc_core::wait(faultDone_);
  } while (std::find(faultPages_.begin(), faultPages_.end(), key) != faultPages_.end());
  return true;
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

void Mmu::interrupt(uint64_t handlerPs) {
  pendingInterruptPs_ += handlerPs;
  ++interrupts_;
  interruptCycles_ += static_cast<double>(handlerPs) / clockPeriod().to_seconds() * 1e-12;
}

[[gnu::always_inline]] inline sc_core::sc_time Mmu::enter(sc_core::sc_time& delay) {
  ++accesses_;
  delay += latency_;
  if (pendingInterruptPs_) {  // interrupts taken since the last access run first
    delay += sc_core::sc_time(static_cast<double>(pendingInterruptPs_), sc_core::SC_PS);
    pendingInterruptPs_ = 0;
  }
  return simc_->time_stamp() + delay;
}

void Mmu::access(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, bool at) {
  accessAs(gp, delay, at, accessorOf(gp), false);
}

void Mmu::accessAs(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, bool at,
                   const VmAccess& who, bool program) {
  // Measured on the time line (now + annotated delay): in AT the 4-phase calls inside the walk
  // let the delay pass and zero it, so a difference of delays would underflow.
  const sc_core::sc_time start = enter(delay);
  const unsigned len = gp.get_data_length();
  const uint64_t va = gp.get_address();
  if (!at && len && (va & 0xfff) + len <= 0x1000) {
    accessOnePageLt(gp, delay, who, start, program);
    return;
  }
  PinList pinned, faultPins;
  const uint64_t last = va + (len ? len - 1 : 0);
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
        if (!faultPins.empty()) releasePins(faultPins);
        if (t.fault != FaultKind::None || !more) {
          const sc_core::sc_time d = simc_->time_stamp() + delay - start;
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
  if (!pinned.empty()) releasePins(pinned);  // (no call on the hit path, which pins nothing)
  if (fk != FaultKind::None) reportFault(gp, fk, faultVa, who);
}

void Mmu::directAccess(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, const VmAccess& who) {
  // accessAs(gp, delay, false, who, true) for its common case, in one function: an access within
  // one 4 KiB page, translated by an entry TLB this MMU calls directly with its own translation
  // payload free, its data access going to the L1D connected with setDirectMem(). The same
  // steps in the same order as accessAs -> accessOnePageLt -> translate; a TLB miss goes on in
  // translate() from the lookup made here. Anything else takes the general path before any
  // state changes.
  const uint64_t va = gp.get_address();
  const unsigned len = gp.get_data_length();
  const bool fetch = who.kind == AccessKind::Fetch;
  const EntryTlb& direct = fetch ? fetchTlb_ : dataTlb_;
  if (!len || (va & 0xfff) + len > 0x1000 || !direct.tlb || ownTpBusy_ || !ownX_ || !directMem_ ||
      (fetch && imem.size())) {
    accessAs(gp, delay, false, who, true);
    return;
  }
  const sc_core::sc_time start = enter(delay);
  uint64_t pa = 0;
  const FaultKind fk = translateOwn(direct, who, va, pa, delay, false);
  physicalOnePageLt(gp, delay, who, start, true, fk, pa);
}

[[gnu::always_inline]] inline FaultKind Mmu::translateOwn(const EntryTlb& direct,
                                                          const VmAccess& who, uint64_t va,
                                                          uint64_t& pa, sc_core::sc_time& delay,
                                                          bool at) {
  // translate()'s first attempt: the request in the own payload's extension, the entry TLB's
  // lookup; a hit needs no payload. A hit's answer has no fault, so translate() would return at
  // once: Protection when the permissions deny the access.
  TranslationExt* const x = ownX_;
  ownTpBusy_ = true;
  x->va = VirtAddr(va);
  x->asid = who.asid;
  x->kind = who.kind;
  x->privilege = who.privilege;
  x->mayWait = at;
  x->fault = FaultKind::None;
  tlb::Tlb::PendingMiss m;
  if (direct.tlb->lookup(direct.port, *x, delay, m)) {
    ownTpBusy_ = false;
    pa = x->pa.value();
    if (!permits(x->perms, who.kind, who.privilege)) return x->fault = FaultKind::Protection;
    return FaultKind::None;
  }
  PinList faultPins;
  const FaultKind fk = translate(who, va, pa, delay, at, faultPins, &m);
  if (!faultPins.empty()) releasePins(faultPins);
  return fk;
}

void Mmu::accessOnePageLt(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay,
                          const VmAccess& who, const sc_core::sc_time& start, bool program) {
  // access() for the common LT case, an access within one 4 KiB page: accessPiecewise with one
  // piece, without its piece list and callbacks. The same steps in the same order: translate,
  // sample the translation latency, then the physical access (no pin: nothing else runs in LT
  // and no later page can fault), and the payload given back as it came.
  PinList faultPins;
  const uint64_t va = gp.get_address();
  uint64_t pa = 0;
  const FaultKind fk = translate(who, va, pa, delay, false, faultPins);
  if (!faultPins.empty()) releasePins(faultPins);
  physicalOnePageLt(gp, delay, who, start, program, fk, pa);
}

// Inline in both callers: on the hit path it was a call of its own per access.
[[gnu::always_inline]] inline void Mmu::physicalOnePageLt(tlm::tlm_generic_payload& gp,
                                                          sc_core::sc_time& delay,
                                                          const VmAccess& who,
                                                          const sc_core::sc_time& start,
                                                          bool program, FaultKind fk, uint64_t pa) {
  const uint64_t va = gp.get_address();
  const sc_core::sc_time d = simc_->time_stamp() + delay - start;
  translationLatency_.sampleKeyed(d.value(), [&] { return d / clockPeriod(); });
  if (fk != FaultKind::None) {
    reportFault(gp, fk, va, who);
    return;
  }
  const unsigned len = gp.get_data_length();
  gp.set_address(pa);
  gp.set_streaming_width(len);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  if (who.kind == AccessKind::Fetch && imem.size()) {
    imem->b_transport(gp, delay);
  } else if (directMem_) {
    // mem's target's b_transport, without the hop (a program access: with its issuer)
    if (program) {
      directMem_->directAccess(gp, delay, who);
    } else {
      directMem_->directTransport(gp, delay);
    }
  } else {
    mem->b_transport(gp, delay);
  }
  gp.set_address(va);
  gp.set_streaming_width(len);
}

// --- AT ------------------------------------------------------------------------------------------

tlm::tlm_sync_enum Mmu::nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                        sc_core::sc_time& delay) {
  return atFront_->forward(gp, ph, delay);
}

tlm::tlm_sync_enum Mmu::directNbTransportFw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                            sc_core::sc_time& delay, DirectAtInitiator& up,
                                            const VmAccess* who) {
  directUp_ = &up;  // tsock is a simple target socket: `up` is its only initiator
  directWho_.set(gp, who);
  // A transaction served from steps answers `up` with directAtResponse (one a worker serves,
  // through the backward call).
  const auto s = atFront_->forward(gp, ph, delay, 0, &up, nullptr);
  directWho_.clear();
  return s;
}

namespace {
enum AtStepCode : uintptr_t { kPhysicalDone = 0, kFaultAnswered = 1 };
}  // namespace

bool Mmu::startAt(tlm::tlm_generic_payload& gp, const AtTargetFrontEnd::Reply& reply,
                  const sc_core::sc_time& reqDelay) {
  // The thread path's steps for this case (access() with one piece), in the same order, except
  // that nothing waits: translate now, on the time line at now + delay, and send the physical
  // access at the end of the translation's delay.
  const unsigned len = gp.get_data_length();
  const uint64_t va = gp.get_address();
  if (!len || (va & 0xfff) + len > 0x1000) return false;
  // The requester's direct call hands its VmAccess over: the extension accessorOf() would find.
  const VmAccess* const program = directWho_.of(gp);
  const VmAccess who = program ? *program : accessorOf(gp);
  directWho_.clear();
  const bool fetch = who.kind == AccessKind::Fetch;
  const EntryTlb& direct = fetch ? fetchTlb_ : dataTlb_;
  if (!direct.tlb || !direct.tlb->wouldHit(who.asid, va, who.kind)) return false;
  sc_core::sc_time delay = reqDelay;
  const sc_core::sc_time start = enter(delay);
  uint64_t pa = 0;
  FaultKind fk = FaultKind::None;
  if (!ownTpBusy_ && ownX_) {
    fk = translateOwn(direct, who, va, pa, delay, true);  // as directAccess() (a hit: no wait)
  } else {
    PinList faultPins;
    fk = translate(who, va, pa, delay, true, faultPins);  // a hit: no wait
    if (!faultPins.empty()) releasePins(faultPins);
  }
  const sc_core::sc_time d = simc_->time_stamp() + delay - start;
  translationLatency_.sampleKeyed(d.value(), [&] { return d / clockPeriod(); });
  AtJob* j = atJobs_.acquire();
  j->gp = &gp;
  j->reply = reply;
  j->va = va;
  j->len = len;
  j->pinned = false;
  if (fk != FaultKind::None) {  // a protection fault: answered after the translation's time
    reportFault(gp, fk, va, who);
    AtScheduler::get().post(delay, this, j, kFaultAnswered);
    return true;
  }
  if (pins_) {
    j->frame = PhysAddr(pa & ~uint64_t{0xfff});
    pins_->pinFrame(j->frame);
    j->pinned = true;
  }
  gp.set_address(pa);
  gp.set_streaming_width(len);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  // The response is handled inside the cache's call: atStep sends nothing to the cache.
  if (fetch && imem.size()) {
    imemAt_.send(gp, delay, this, j, kPhysicalDone, true);
    return true;
  }
  // The request the port would send at once, handed to the L1D directly when it serves it from
  // steps (the port's request channel then as send() leaves it; the response comes as
  // directAtResponse instead of through the port's list of transactions waiting for theirs).
  if (directMemAt_ && memAt_.handOver(*directMemAt_, gp, delay, *this, j, program)) return true;
  // A program access's VmAccess goes along to the L1D if the request is sent at once (memAt_'s
  // forward call checks the payload: a request sent later, or another sent meanwhile, has none).
  memWho_.set(gp, program);
  memAt_.send(gp, delay, this, j, kPhysicalDone, true);
  memWho_.clear();
  return true;
}

void Mmu::directAtResponse(tlm::tlm_generic_payload&, void* arg) {
  atStep(arg, kPhysicalDone);  // what memAt_.backward() does for it, on arrival
}

void Mmu::atStep(void* arg, uintptr_t code) {
  AtJob* j = static_cast<AtJob*>(arg);
  tlm::tlm_generic_payload& gp = *j->gp;
  if (code == kPhysicalDone) {
    gp.set_address(j->va);  // given back as it came (accessPiecewise)
    gp.set_data_length(j->len);
    gp.set_streaming_width(j->len);
    if (j->pinned) pins_->unpinFrame(j->frame);
  }
  const AtTargetFrontEnd::Reply reply = j->reply;
  atJobs_.release(j);
  atFront_->finish(gp, reply);
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
