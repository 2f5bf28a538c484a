// Requester: workload construction from parameters, LT and AT issue loops, data checking.
#include "vmsim/cpu/requester.h"

#include <algorithm>
#include <sstream>

#include "vmsim/workloads/synthetic.h"
#include "vmsim/workloads/trace.h"

namespace vmsim::cpu {
namespace {

AccessKind kindOf(workloads::Op op) {
  switch (op) {
    case workloads::Op::Load:
      return AccessKind::Load;
    case workloads::Op::Store:
      return AccessKind::Store;
    case workloads::Op::Fetch:
      return AccessKind::Fetch;
  }
  return AccessKind::Load;
}

// The byte a store writes: a function of address and store number, so that lost or misplaced
// data (a wrong frame, a page that was not swapped back) shows up as a mismatch.
unsigned char storeByte(uint64_t addr, uint64_t seq) {
  uint64_t x = addr * 0x9e3779b97f4a7c15ull ^ seq * 0xc2b2ae3d27d4eb4full;
  x ^= x >> 29;
  return static_cast<unsigned char>(x);
}

}  // namespace

Requester::Requester(const sc_core::sc_module_name& nm, SimContext& ctx, Asid asid)
    : Requester(nm, ctx, asid, nullptr) {}

Requester::Requester(const sc_core::sc_module_name& nm, SimContext& ctx, Asid asid,
                     std::unique_ptr<workloads::Workload> wl)
    : Module(nm, ctx),
      isock("isock"),
      asid_(asid),
      wl_(std::move(wl)),
      peq_(this, &Requester::peqCallback),
      completed_(ctx.stats.scalar(statName("accesses"), "Count", "accesses completed")),
      byKind_(ctx.stats.vector(statName("accessesByKind"), {"load", "store", "fetch"}, "Count",
                               "accesses issued, by kind")),
      faults_(ctx.stats.vector(statName("faults"),
                               {"protection", "segmentation", "outOfMemory", "other"}, "Count",
                               "accesses that ended in a fault")),
      mismatches_(ctx.stats.scalar(statName("dataMismatches"), "Count",
                                   "loads that did not return the bytes last stored")),
      latency_(ctx.stats.histogram(statName("accessLatency"), 16, "Cycle",
                                   "cycles from issue to completion")),
      totalLatency_(
          ctx.stats.scalar(statName("totalLatency"), "Cycle", "sum of access latencies")) {
  init();
  isock.register_nb_transport_bw(this, &Requester::nb_transport_bw);
  ctx.stats.formula(
      statName("avgLatency"),
      [this] { return completed_.value() ? totalLatency_.value() / completed_.value() : 0.0; },
      "Cycle", "average access latency");
  if (at_) {
    SC_THREAD(runAt);
  } else {
    SC_THREAD(runLt);
  }
}

void Requester::init() {
  declareClock("2GHz");
  auto& p = params();
  at_ = p.getChoice("mode", "lt", {"lt", "at"},
                    "lt: blocking + temporal decoupling; at: 4-phase") == "at";
  maxOutstanding_ = static_cast<unsigned>(p.getUint(
      "max_outstanding", 8, "Count", "AT mode: accesses in flight at once", Range{1, 1024}));
  think_ = cycles(p.getUint("think_cycles", 1, "Cycle", "cycles between the issue of two accesses",
                            Range{0, 1e9}));
  const uint64_t quantumPs =
      p.getTimePs("quantum", "10us", "LT mode: global quantum of temporal decoupling");
  tlm_utils::tlm_quantumkeeper::set_global_quantum(
      sc_core::sc_time(static_cast<double>(quantumPs), sc_core::SC_PS));
  qk_.reset();
  verify_ =
      p.getBool("verify_data", false, "check that every load returns the bytes last stored (slow)");
  maxReports_ = p.getUint("fault_reports", 10, "Count", "faults reported individually");

  auto w = p.child("workload");
  const auto type = w.getChoice("type", "synthetic", {"synthetic", "trace", "program"},
                                "workload source: synthetic generator, trace file, or a simulated "
                                "program calling malloc/free (keys under workload.program)");
  isProgram_ = type == "program";
  workloads::SyntheticSpec s;
  s.pattern =
      w.getChoice("pattern", "random", workloads::syntheticPatterns(), "synthetic access pattern");
  s.base = w.getUint("base", 0x10000000, "Byte", "first virtual address of the footprint");
  s.footprint =
      w.getSize("footprint", "16MiB", "bytes the synthetic workload touches", Range{1, 1ull << 46});
  s.stride = w.getUint("stride", 64, "Byte", "strided: step; pointer_chase, zipf: slot size");
  // The platform declares the same key again with the mapping's meaning (radix mode: the region
  // is mapped with this page size; only 4KiB, 2MiB and 1GiB are valid there).
  s.page_size = w.getSize("page_size", "4KiB",
                          "page size of the footprint: page_chase touches one 64-byte line per "
                          "page, at offset (page index mod page_size/64) * 64; in radix mode the "
                          "region is also mapped with it (4KiB, 2MiB or 1GiB)",
                          Range{64, 1ull << 30});
  // Traces: count limits the replay (after `skip`), and by default a trace runs to its end.
  const bool isTraceType = type == "trace";
  s.count = w.getUint("count", isTraceType ? 0 : 1000000, "Count",
                      "accesses to issue (trace: at most this many after skip; 0 = to the end); "
                      "at most 10^12 (days of host time at ~1 M accesses/s)",
                      Range{0, 1e12});
  const uint64_t skip =
      w.getUint("skip", 0, "Count", "trace: accesses read and passed over before the run starts",
                Range{0, 1e15});
  s.write_fraction = w.getDouble("write_fraction", 0.3, "Ratio", "share of stores", Range{0, 1});
  s.access_size =
      static_cast<uint32_t>(w.getUint("access_size", 8, "Byte", "bytes per access", Range{1, 64}));
  s.seed = w.getUint("seed", 1, "", "seed of the synthetic generator");
  s.zipf_alpha = w.getDouble("zipf_alpha", 0.99, "",
                             "zipf: exponent s of P(rank k) ~ 1/k^s over the footprint's slots of "
                             "`stride` bytes (0.99 as YCSB)",
                             Range{1e-3, 10});
  s.hot_fraction =
      w.getDouble("hot_fraction", 0.1, "Ratio",
                  "hot_cold: share of the footprint (its start) that is hot", Range{1e-9, 1});
  s.hot_probability =
      w.getDouble("hot_probability", 0.9, "Ratio",
                  "hot_cold: share of the accesses that go to the hot part", Range{0, 1});
  s.phase_footprint =
      w.getSize("phase_footprint", "1MiB", "phases: bytes of the working set of one phase",
                Range{1, 1ull << 46});
  s.phase_accesses =
      w.getUint("phase_accesses", 100000, "Count",
                "phases: accesses per phase before the working set moves", Range{1, 1e15});
  s.phase_shift = w.getSize("phase_shift", "0",
                            "phases: bytes the working set moves each phase (wrapping around the "
                            "footprint); 0 = phase_footprint (disjoint sets)",
                            Range{0, 1ull << 46});
  const auto trace = w.getPath("trace", "",
                               "trace file (vmsim text, valgrind lackey or ChampSim; plain, .gz, "
                               ".xz or .zst); relative to the config file naming it");
  std::vector<std::string> formats{"auto"};
  for (const auto& f : workloads::traceFormatNames()) formats.push_back(f);
  const auto format = w.getChoice("format", "auto", formats,
                                  "trace format: vmsim (OP VADDR SIZE text), lackey (valgrind "
                                  "--tool=lackey --trace-mem=yes), champsim (64-byte binary "
                                  "records); auto detects it from the content");
  if (wl_) return;
  if (isProgram_) {
    if (!p.config().problems().empty()) return;  // the platform already said what is wrong
    p.config().addProblem("'" + w.key("type") +
                          "': program workloads need the platform to provide process memory "
                          "(brk/mmap), as the radix platform does");
    return;
  }
  try {
    if (type == "trace") {
      if (trace.empty()) {
        p.config().addProblem("'" + w.key("trace") + "': workload type trace needs a file");
        return;
      }
      isTrace_ = true;  // also when opening fails: the platform then lays out a trace's space
      workloads::TraceOptions opt;
      opt.format = workloads::traceFormatFromName(format);  // empty for auto
      opt.skip = skip;
      opt.count = s.count;
      opt.onStoppedEarly = [this](const std::string& msg) { logWarning(msg); };
      tracePath_ = trace;
      traceFormat_ = opt.format;
      traceSkip_ = skip;
      traceCount_ = s.count;
      wl_ = workloads::openTrace(trace, opt);
    } else {
      if (skip != 0)
        p.config().addProblem("'" + w.key("skip") + "': only trace workloads skip accesses");
      if (format != "auto")
        p.config().addProblem("'" + w.key("format") + "': only trace workloads have a format");
      if (s.count == 0)  // would run no access and report NaN averages
        p.config().addProblem("'" + w.key("count") +
                              "': 0 means 'to the end' for traces only; a synthetic workload needs "
                              "count >= 1");
      wl_ = workloads::makeSynthetic(s);
      footprint_ = {s.base, s.footprint};
    }
  } catch (const workloads::TraceError& e) {
    p.config().addProblem(e.what());
  } catch (const std::invalid_argument& e) {
    p.config().addProblem("'" + w.path() + "': " + e.what());
  }
}

std::vector<uint64_t> Requester::tracePageReferences() const {
  std::vector<uint64_t> vpns;
  if (tracePath_.empty()) return vpns;
  workloads::TraceOptions opt;
  opt.format = traceFormat_;
  opt.skip = traceSkip_;
  opt.count = traceCount_;
  auto wl = workloads::openTrace(tracePath_, opt);
  workloads::Access a;
  while (wl->next(a)) vpns.push_back(a.va >> 12);
  return vpns;
}

void Requester::prepare(tlm::tlm_generic_payload& gp, const workloads::Access& a) {
  if (&gp != extGp_) {
    auto* w = gp.get_extension<VmAccess>();
    if (!w) {
      w = new VmAccess;
      gp.set_extension(w);
      gp.set_extension(new FaultExt);
    }
    extGp_ = &gp;
    extWho_ = w;
    extFault_ = gp.get_extension<FaultExt>();
  }
  VmAccess* who = extWho_;
  who->asid = asid_;
  who->kind = kindOf(a.op);
  who->privilege = Privilege::User;
  extFault_->kind = FaultKind::None;
  gp.set_command(a.op == workloads::Op::Store ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  gp.set_address(a.va);
  gp.set_data_length(a.size);
  gp.set_streaming_width(a.size);
  gp.set_byte_enable_ptr(nullptr);
  gp.set_dmi_allowed(false);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  byKind_[static_cast<size_t>(who->kind)] += 1;
  ++seq_;
  if (a.op == workloads::Op::Store) {
    unsigned char* d = gp.get_data_ptr();
    for (uint32_t i = 0; i < a.size; ++i) d[i] = storeByte(a.va + i, seq_);
  }
}

void Requester::expect(InFlight& f, const tlm::tlm_generic_payload& gp) {
  // Program order: a store's bytes are what later loads must see, a load must see the bytes of
  // the stores before it. Same-address accesses never overtake each other (canIssue), so the
  // memory system sees them in this order too.
  f.bytes.clear();
  if (!verify_) return;
  const unsigned char* d = gp.get_data_ptr();
  for (uint32_t i = 0; i < f.size; ++i) {
    auto it = shadow_.find(f.va + i);
    f.bytes.push_back(it == shadow_.end() ? 0 : it->second);  // store: the old byte
    if (f.store) shadow_[f.va + i] = d[i];
  }
}

void Requester::complete(tlm::tlm_generic_payload& gp, const sc_core::sc_time& latency,
                         const InFlight& f) {
  ++completed_;
  const double cyc = latency_.sampleKeyed(latency.value(), [&] { return latency / clockPeriod(); });
  totalLatency_ += cyc;
  if (!gp.is_response_ok()) {
    const auto* fx = gp.get_extension<FaultExt>();
    const bool fault = gp.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE;
    const FaultKind k = fault && fx ? fx->kind : FaultKind::BusError;
    const size_t idx = !fault                         ? 3
                       : k == FaultKind::Protection   ? 0
                       : k == FaultKind::Segmentation ? 1
                       : k == FaultKind::OutOfMemory  ? 2
                                                      : 3;
    faults_[idx] += 1;
    if (fault && reported_++ < maxReports_) {
      // The faulting byte (a page-crossing access may fault on its second page).
      const uint64_t at = fx && fx->kind != FaultKind::None ? fx->va.value() : gp.get_address();
      std::ostringstream os;
      os << toString(k) << " at VA 0x" << std::hex << at << std::dec << " ("
         << (gp.is_write() ? "store" : "load") << " of " << gp.get_data_length() << " bytes at 0x"
         << std::hex << gp.get_address() << std::dec << ", asid " << asid_ << ")";
      logWarning(os.str());
    }
    // Faults are precise: a failed store wrote nothing, so its bytes are not expected later.
    if (verify_ && f.store) {
      for (uint32_t i = 0; i < f.size && i < f.bytes.size(); ++i) shadow_[f.va + i] = f.bytes[i];
    }
    return;
  }
  if (!verify_ || f.store) return;
  const unsigned char* d = gp.get_data_ptr();
  for (uint32_t i = 0; i < f.size && i < f.bytes.size(); ++i) {
    if (d[i] != f.bytes[i]) {
      ++mismatches_;
      break;
    }
  }
}

void Requester::runLt() {
  if (verify_ && wl_) wl_->trackDiscarded();  // the checker drains them (nextAccess)
  tlm::tlm_generic_payload* gp = pool_.allocate();
  workloads::Access a;
  InFlight f;
  while (nextAccess(a)) {
    prepare(*gp, a);
    f.va = a.va;
    f.size = a.size;
    f.store = a.op == workloads::Op::Store;
    expect(f, *gp);
    sc_core::sc_time delay = qk_.get_local_time();
    const sc_core::sc_time start = delay;
    isock->b_transport(*gp, delay);
    complete(*gp, delay - start, f);
    // think_cycles spaces issues (as in AT): the next access starts think cycles after this
    // one started, or when it completed if that is later (one access at a time).
    qk_.set(std::max(delay, start + think_));
    if (qk_.need_sync()) qk_.sync();
  }
  qk_.sync();
  gp->release();
  finish();
}

void Requester::runAt() {
  if (verify_ && wl_) wl_->trackDiscarded();  // the checker drains them (nextAccess)
  workloads::Access a;
  for (;;) {
    // A system call (the program unmapping memory) waits until every access in flight is done.
    if (wl_ && wl_->systemCallNext()) {
      while (outstanding_ > 0) sc_core::wait(slotFree_);
    }
    if (!nextAccess(a)) break;
    while (!canIssue(a)) sc_core::wait(slotFree_);
    tlm::tlm_generic_payload* gp = pool_.allocate();
    prepare(*gp, a);
    ++outstanding_;
    InFlight& f = inflight_.emplace_back();
    f.gp = gp;
    f.issued = sc_core::sc_time_stamp();
    f.seq = seq_;
    f.va = a.va;
    f.size = a.size;
    f.store = a.op == workloads::Op::Store;
    expect(f, *gp);
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    waitingEndReq_ = gp;
    const auto s = isock->nb_transport_fw(*gp, ph, delay);
    if (s == tlm::TLM_COMPLETED) {
      waitingEndReq_ = nullptr;
      sc_core::wait(delay);
      retire(*gp, false);
    } else if (s == tlm::TLM_UPDATED) {
      if (ph == tlm::END_REQ) waitingEndReq_ = nullptr;
      if (ph == tlm::BEGIN_RESP) {
        waitingEndReq_ = nullptr;
        peq_.notify(*gp, ph, delay);
      }
      sc_core::wait(delay);
    }
    // Base protocol: no new request until this one's END_REQ (request exclusion rule).
    while (waitingEndReq_) sc_core::wait(endReq_);
    sc_core::wait(think_);
  }
  while (outstanding_ > 0) sc_core::wait(slotFree_);
  finish();
}

tlm::tlm_sync_enum Requester::nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                              sc_core::sc_time& delay) {
  peq_.notify(gp, ph, delay);
  return tlm::TLM_ACCEPTED;
}

void Requester::peqCallback(tlm::tlm_generic_payload& gp, const tlm::tlm_phase& ph) {
  if (ph == tlm::END_REQ || (ph == tlm::BEGIN_RESP && waitingEndReq_ == &gp)) {
    waitingEndReq_ = nullptr;
    endReq_.notify();
  }
  if (ph == tlm::BEGIN_RESP) retire(gp, true);
}

bool Requester::canIssue(const workloads::Access& a) const {
  if (inflight_.empty()) return true;
  // An in-order window: no access more than max_outstanding past the oldest incomplete one, so
  // a long access (a page fault, a swap-in) holds the core up as it would at retirement.
  if (seq_ + 1 - inflight_.front().seq >= maxOutstanding_) return false;
  // The next address came from the previous load's data.
  if (a.dependent) return false;
  // Same-address order (as a core's memory disambiguation keeps it): no access overtakes an
  // older overlapping one when either writes.
  const bool store = a.op == workloads::Op::Store;
  for (const InFlight& f : inflight_) {
    if ((store || f.store) && a.va < f.va + f.size && f.va < a.va + a.size) return false;
  }
  return true;
}

void Requester::retire(tlm::tlm_generic_payload& gp, bool sendEndResp) {
  auto it = std::find_if(inflight_.begin(), inflight_.end(),
                         [&](const InFlight& f) { return f.gp == &gp; });
  complete(gp, sc_core::sc_time_stamp() - it->issued, *it);
  inflight_.erase(it);
  if (sendEndResp) {
    tlm::tlm_phase end = tlm::END_RESP;
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    isock->nb_transport_fw(gp, end, zero);
  }
  gp.release();
  --outstanding_;
  slotFree_.notify();
}

bool Requester::nextAccess(workloads::Access& a) {
  if (!wl_ || stopped_) return false;
  try {
    const bool more = wl_->next(a);
    if (verify_) forgetDiscarded();
    return more;
  } catch (const workloads::TraceError& e) {
    inputError_ = e.what();
    return false;
  }
}

void Requester::forgetDiscarded() {
  // Memory the program gave back (munmap, brk shrink) reads as zeros when it is mapped again:
  // its old bytes are no longer expected. Cost: the smaller of the range and the checker's map.
  uint64_t start = 0, size = 0;
  while (wl_->takeDiscarded(start, size)) {
    if (size < shadow_.size()) {
      for (uint64_t i = 0; i < size; ++i) shadow_.erase(start + i);
      continue;
    }
    for (auto it = shadow_.begin(); it != shadow_.end();) {
      it = it->first - start < size ? shadow_.erase(it) : std::next(it);
    }
  }
}

void Requester::finish() {
  done_ = true;
  if (onDone_) onDone_();
}

}  // namespace vmsim::cpu
