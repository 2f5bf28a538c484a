// Requester: workload construction from parameters, LT and AT issue loops, data checking.
#include "vmsim/cpu/requester.h"

#include <algorithm>
#include <cstring>
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
    case workloads::Op::System:
      break;
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

// storeByte(va + i, seq) for i in [0, 8): the same arithmetic modulo 2^64 ((va + i) * K is
// va * K + i * K, an addition per byte instead of a multiply), assembled into one 8-byte store
// (little-endian byte order, as the byte loop writes them).
[[gnu::always_inline]] inline void storeBytes8(unsigned char* d, uint64_t va, uint64_t seq) {
  constexpr uint64_t K = 0x9e3779b97f4a7c15ull;
  const uint64_t s = seq * 0xc2b2ae3d27d4eb4full;
  uint64_t p = va * K, word = 0;
  for (unsigned i = 0; i < 8; ++i, p += K) {
    uint64_t x = p ^ s;
    x ^= x >> 29;
    word |= (x & 0xff) << (8 * i);
  }
  unsigned char out[8];
  for (unsigned i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(word >> (8 * i));
  std::memcpy(d, out, 8);
}

}  // namespace

WorkloadSource readWorkload(Params w, bool given, std::function<void(const std::string&)> warn) {
  const auto type = w.getChoice("type", "synthetic", {"synthetic", "trace", "program"},
                                "workload source: synthetic generator, trace file, or a simulated "
                                "program calling malloc/free (keys under workload.program)");
  WorkloadSource out;
  out.isProgram = type == "program";
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
  if (given) return out;
  if (out.isProgram) {
    if (!w.config().problems().empty()) return out;  // the platform already said what is wrong
    w.config().addProblem("'" + w.key("type") +
                          "': program workloads need the platform to provide process memory "
                          "(brk/mmap), as the radix platform does");
    return out;
  }
  try {
    if (type == "trace") {
      if (trace.empty()) {
        w.config().addProblem("'" + w.key("trace") + "': workload type trace needs a file");
        return out;
      }
      out.isTrace = true;  // also when opening fails: the platform then lays out a trace's space
      out.tracePath = trace;
      workloads::TraceOptions opt;
      opt.format = workloads::traceFormatFromName(format);  // empty for auto
      opt.skip = skip;
      opt.count = s.count;
      opt.onStoppedEarly = warn;
      out.traceFormat = opt.format;
      out.traceSkip = skip;
      out.traceCount = s.count;
      out.wl = workloads::openTrace(trace, opt);
    } else {
      if (skip != 0)
        w.config().addProblem("'" + w.key("skip") + "': only trace workloads skip accesses");
      if (format != "auto")
        w.config().addProblem("'" + w.key("format") + "': only trace workloads have a format");
      if (s.count == 0)  // would run no access and report NaN averages
        w.config().addProblem("'" + w.key("count") +
                              "': 0 means 'to the end' for traces only; a synthetic workload needs "
                              "count >= 1");
      out.wl = workloads::makeSynthetic(s);
      out.footprint = {s.base, s.footprint};
    }
  } catch (const workloads::TraceError& e) {
    w.config().addProblem(e.what());
  } catch (const std::invalid_argument& e) {
    w.config().addProblem("'" + w.path() + "': " + e.what());
  }
  return out;
}

Requester::Requester(const sc_core::sc_module_name& nm, SimContext& ctx, Asid asid)
    : Requester(nm, ctx, asid, nullptr) {}

Requester::Requester(const sc_core::sc_module_name& nm, SimContext& ctx, Asid asid,
                     std::unique_ptr<workloads::Workload> wl)
    : Requester(nm, ctx, asid, std::move(wl), {}) {}

Requester::Requester(const sc_core::sc_module_name& nm, SimContext& ctx,
                     std::vector<Process*> processes)
    : Requester(nm, ctx, processes.empty() ? 0 : processes.front()->asid, nullptr,
                std::move(processes)) {}

Requester::Requester(const sc_core::sc_module_name& nm, SimContext& ctx, Asid asid,
                     std::unique_ptr<workloads::Workload> wl, std::vector<Process*> processes)
    : Module(nm, ctx),
      isock("isock"),
      asid_(asid),
      wl_(std::move(wl)),
      processes_(std::move(processes)),
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
  pids_ = {0, asid_};
  syscalls_ = &context().stats.vector(statName("systemCalls"),
                                      {"fork", "exit", "exec", "mmap", "munmap", "brk"}, "Count",
                                      "system calls of a multi-process trace run, by kind");

  if (!processes_.empty()) {
    // A time-sliced core: its processes bring their workloads (system.process.<name>).
    for (Process* pr : processes_) {
      Context& c = ctxs_.emplace_back();
      c.asid = pr->asid;
      c.wl = pr->workload();
      c.proc = pr;
    }
    cur_ = &ctxs_.front();
    return;
  }
  WorkloadSource src = readWorkload(p.child("workload"), wl_ != nullptr,
                                    [this](const std::string& m) { logWarning(m); });
  isProgram_ = src.isProgram;
  isTrace_ = src.isTrace;
  tracePath_ = src.tracePath;
  traceFormat_ = src.traceFormat;
  traceSkip_ = src.traceSkip;
  traceCount_ = src.traceCount;
  footprint_ = src.footprint;
  if (!wl_) wl_ = std::move(src.wl);
  Context& c = ctxs_.emplace_back();
  c.asid = asid_;
  c.wl = wl_.get();
  cur_ = &c;
}

bool Requester::stopProcess(Asid asid) {
  for (size_t i = 0; i < ctxs_.size(); ++i) {
    Context& c = ctxs_[i];
    if (c.asid != asid || c.done) continue;
    if (!sched_) {
      stop();
      return true;
    }
    c.stopped = true;
    // A waiting process leaves the run queue now; the running one when its accesses are done.
    if (&c != cur_) {
      c.done = true;
      if (verify_) shadowDrop(c.asid, 0, 0);
      sched_->remove(static_cast<int>(i));
    }
    return true;
  }
  return false;
}

void Requester::startContexts() {
  for (Context& c : ctxs_) {
    if (c.wl && c.wl->batchable()) c.batch.resize(kBatch);
    if (verify_ && c.wl) c.wl->trackDiscarded();  // the checker drains them (nextAccess)
  }
}

// Inline in both loops, as nextAccess() (each was a call of its own per access).
[[gnu::always_inline]] inline const workloads::Access* Requester::nextInSlice(workloads::Access& a,
                                                                              bool& preempt,
                                                                              uint64_t nowTicks) {
  preempt = false;
  const workloads::Access* p = &a;
  if (cur_->hasPending && !stopped_ && !cur_->stopped) {
    a = cur_->pending;
    cur_->hasPending = false;
  } else if (!(p = nextAccess(a))) {
    return nullptr;
  }
  if (sched_ && (sliceRan_ >= sliceAccesses_ || nowTicks >= sliceEnd_)) {
    cur_->pending = *p;
    cur_->hasPending = true;
    preempt = true;
    return nullptr;
  }
  ++sliceRan_;
  return p;
}

bool Requester::dispatch(bool exited, uint64_t nowTicks, sc_core::sc_time* local) {
  if (!sched_) return false;
  if (exited && cur_) {
    cur_->done = true;
    if (verify_) shadowDrop(cur_->asid, 0, 0);
  }
  const CoreScheduling::Slice s = sched_->next(nowTicks, sliceRan_, exited);
  sliceRan_ = 0;
  if (s.process < 0 || static_cast<size_t>(s.process) >= ctxs_.size()) return false;
  cur_ = &ctxs_[static_cast<size_t>(s.process)];
  sliceEnd_ = s.endTicks;
  sliceAccesses_ = s.accesses;
  const sc_core::sc_time sw = sc_core::sc_time::from_value(s.switchTicks);
  if (local) {
    *local += sw;
  } else if (s.switchTicks) {
    sc_core::wait(sw);
  }
  return true;
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

// prepare() and complete() are inline in the LT loop (a call of their own per access before).
[[gnu::always_inline]] inline void Requester::prepare(tlm::tlm_generic_payload& gp,
                                                      const workloads::Access& a) {
  if (&gp != extGp_) {
    // gp is one of pool_'s: its extensions are found once and kept with it (AT cycles through
    // many payloads, and an extension lookup is a library call).
    void** slots = PayloadPool::userSlots(gp);
    if (!slots[0]) {
      auto* w = gp.get_extension<VmAccess>();
      if (!w) {
        w = new VmAccess;
        gp.set_extension(w);
        gp.set_extension(new FaultExt);
      }
      slots[0] = w;
      slots[1] = gp.get_extension<FaultExt>();
    }
    extGp_ = &gp;
    extWho_ = static_cast<VmAccess*>(slots[0]);
    extFault_ = static_cast<FaultExt*>(slots[1]);
  }
  VmAccess* who = extWho_;
  who->asid = asidOf(a);  // the access's process (a multi-process trace's records: their pid)
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
  if (cur_->proc) cur_->proc->accessesByKind[static_cast<size_t>(who->kind)] += 1;
  ++seq_;
  if (a.op == workloads::Op::Store) {
    // In locals: a byte store may alias the fields, which the loop would read again per byte.
    unsigned char* d = gp.get_data_ptr();
    const uint64_t va = a.va, seq = seq_;
    const uint32_t n = a.size;
    if (n == 8) {
      storeBytes8(d, va, seq);  // the common size: vectorised
    } else {
      for (uint32_t i = 0; i < n; ++i) d[i] = storeByte(va + i, seq);
    }
  }
}

void Requester::expect(InFlight& f, const tlm::tlm_generic_payload& gp) {
  // Program order: a store's bytes are what later loads must see, a load must see the bytes of
  // the stores before it. Same-address accesses never overtake each other (canIssue), so the
  // memory system sees them in this order too.
  f.bytes.clear();
  if (!verify_) return;
  const unsigned char* d = gp.get_data_ptr();
  const Asid asid = extWho_ && extGp_ == &gp ? extWho_->asid : cur_->asid;
  for (uint32_t i = 0; i < f.size; ++i) {
    const uint64_t key = shadowKey(asid, f.va + i);
    auto it = shadow_.find(key);
    f.bytes.push_back(it == shadow_.end() ? 0 : it->second);  // store: the old byte
    if (f.store) shadow_[key] = d[i];
  }
}

[[gnu::always_inline]] inline void Requester::complete(tlm::tlm_generic_payload& gp,
                                                       const sc_core::sc_time& latency,
                                                       const InFlight& f) {
  ++completed_;
  const double cyc = latency_.sampleKeyed(latency.value(), [&] { return latency / clockPeriod(); });
  totalLatency_ += cyc;
  Process* pr = cur_->proc;  // accesses in flight are the current process's (drained at switches)
  if (pr) {
    ++pr->accesses;
    pr->totalLatency += cyc;
  }
  if (!gp.is_response_ok()) {
    completeFailed(gp, f, pr);
    return;
  }
  if (!verify_ || f.store) return;
  const unsigned char* d = gp.get_data_ptr();
  for (uint32_t i = 0; i < f.size && i < f.bytes.size(); ++i) {
    if (d[i] != f.bytes[i]) {
      ++mismatches_;
      if (pr) ++pr->dataMismatches;
      break;
    }
  }
}

void Requester::completeFailed(tlm::tlm_generic_payload& gp, const InFlight& f, Process* pr) {
  const auto* fx = gp.get_extension<FaultExt>();
  const bool fault = gp.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE;
  const FaultKind k = fault && fx ? fx->kind : FaultKind::BusError;
  const size_t idx = !fault                         ? 3
                     : k == FaultKind::Protection   ? 0
                     : k == FaultKind::Segmentation ? 1
                     : k == FaultKind::OutOfMemory  ? 2
                                                    : 3;
  faults_[idx] += 1;
  if (pr) pr->faults[idx] += 1;
  if (fault && reported_++ < maxReports_) {
    // The faulting byte (a page-crossing access may fault on its second page).
    const uint64_t at = fx && fx->kind != FaultKind::None ? fx->va.value() : gp.get_address();
    std::ostringstream os;
    os << toString(k) << " at VA 0x" << std::hex << at << std::dec << " ("
       << (gp.is_write() ? "store" : "load") << " of " << gp.get_data_length() << " bytes at 0x"
       << std::hex << gp.get_address() << std::dec << ", asid "
       << (gp.get_extension<VmAccess>() ? gp.get_extension<VmAccess>()->asid : cur_->asid) << ")";
    logWarning(os.str());
  }
  // Faults are precise: a failed store wrote nothing, so its bytes are not expected later.
  if (verify_ && f.store) {
    const Asid asid =
        gp.get_extension<VmAccess>() ? gp.get_extension<VmAccess>()->asid : cur_->asid;
    for (uint32_t i = 0; i < f.size && i < f.bytes.size(); ++i) {
      shadow_[shadowKey(asid, f.va + i)] = f.bytes[i];
    }
  }
}

void Requester::runLt() {
  startContexts();
  tlm::tlm_generic_payload* gp = pool_.allocate();
  workloads::Access scratch;  // an access that is not in the workload's batch
  InFlight f;
  auto now = [this] { return (sc_core::sc_time_stamp() + qk_.get_local_time()).value(); };
  bool preempt = false;
  bool running = true;
  bool failed = false;  // a system call of a multi-process trace failed: the requester stops
  if (sched_) {
    sc_core::sc_time local = qk_.get_local_time();
    running = dispatch(false, now(), &local);
    qk_.set(local);
  }
  while (running) {
    while (const workloads::Access* next = nextInSlice(scratch, preempt, sched_ ? now() : 0)) {
      const workloads::Access& a = *next;
      if (a.op == workloads::Op::System) {
        sc_core::sc_time delay = qk_.get_local_time();
        failed = !systemCall(a, delay);
        qk_.set(delay);
        if (failed) break;
        if (qk_.need_sync()) qk_.sync();
        continue;
      }
      prepare(*gp, a);
      f.va = a.va;
      f.size = a.size;
      f.store = a.op == workloads::Op::Store;
      if (verify_) {
        expect(f, *gp);
      } else {
        f.bytes.clear();  // what expect() does without a data checker, without its call
      }
      sc_core::sc_time delay = qk_.get_local_time();
      const sc_core::sc_time start = delay;
      if (direct_) {
        // isock's target's b_transport without the hop, with the access's issuer as a value
        direct_->directAccess(*gp, delay, *extWho_);
      } else {
        isock->b_transport(*gp, delay);
      }
      complete(*gp, delay - start, f);
      // think_cycles spaces issues (as in AT): the next access starts think cycles after this
      // one started, or when it completed if that is later (one access at a time).
      qk_.set(std::max(delay, start + think_));
      if (qk_.needSync(simc_)) qk_.sync();
    }
    if (!sched_ || failed) break;
    // The slice or the process ended: the scheduler switches (its cost advances the local time).
    sc_core::sc_time local = qk_.get_local_time();
    running = dispatch(!preempt, now(), &local);
    qk_.set(local);
    if (qk_.need_sync()) qk_.sync();
  }
  qk_.sync();
  gp->release();
  finish();
}

void Requester::drainAt() {
  drainWaiting_ = true;
  while (outstanding_ > 0) sc_core::wait(slotFree_);
  drainWaiting_ = false;
}

void Requester::runAt() {
  startContexts();
  if (sched_ && !dispatch(false, sc_core::sc_time_stamp().value(), nullptr)) {
    finish();
    return;
  }
  // The accesses run from steps (atIssue); this thread takes the cases that wait for every
  // access in flight, in the order and at the times the single-thread loop had them.
  atSched_->post(sc_core::SC_ZERO_TIME, this, nullptr, kAtIssue);
  for (;;) {
    sc_core::wait(threadTurn_);
    bool checkSystemCall = true;
    if (handoff_ == Handoff::SystemCallNext) {
      // A system call (the program unmapping memory) waits until every access in flight is done.
      drainAt();
      checkSystemCall = false;
    } else if (handoff_ == Handoff::NoNext) {
      if (!sched_) break;
      // A switch (or an exit) enters the kernel: the accesses in flight complete first.
      drainAt();
      if (!dispatch(!atPreempt_, sc_core::sc_time_stamp().value(), nullptr)) break;
    } else {
      // A system call serializes the core: the accesses before it complete first.
      drainAt();
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      if (!systemCall(atNext_, delay)) break;
      sc_core::wait(delay);
    }
    atSched_->post(sc_core::SC_ZERO_TIME, this, nullptr,
                   checkSystemCall ? kAtIssue : kAtIssueNoSys);
  }
  drainAt();
  finish();
}

void Requester::atStep(void* arg, uintptr_t code) {
  switch (code) {
    case kAtEndReq:
    case kAtBeginResp:
      peqCallback(*static_cast<tlm::tlm_generic_payload*>(arg),
                  code == kAtBeginResp ? tlm::BEGIN_RESP : tlm::END_REQ);
      break;
    case kAtIssue:
    case kAtIssueNoSys:
      atIssue(code == kAtIssue);
      break;
    case kAtAfterDelay:
      // Base protocol: no new request until this one's END_REQ (request exclusion rule).
      if (waitingEndReq_) {
        atWaitEndReq_ = true;
      } else {
        atThink();
      }
      break;
    case kAtCompleted:
      retire(*static_cast<tlm::tlm_generic_payload*>(arg));
      atThink();
      break;
  }
}

void Requester::atThink() {
  atSched_->post(think_, this, nullptr, kAtIssue);
}

void Requester::atIssue(bool checkSystemCall) {
  // One access per pass; the loop of the former thread, whose waits end this function and
  // resume it from a step.
  workloads::Access& a = atNext_;
  if (!atHave_) {
    if (checkSystemCall && cur_->wl && cur_->wl->systemCallNext()) {
      handToThread(Handoff::SystemCallNext);
      return;
    }
    const workloads::Access* next =
        nextInSlice(a, atPreempt_, sched_ ? simc_->time_stamp().value() : 0);
    if (!next) {
      handToThread(Handoff::NoNext);
      return;
    }
    if (next != &a) a = *next;
    if (a.op == workloads::Op::System) {
      handToThread(Handoff::SystemCall);
      return;
    }
    atHave_ = true;
  }
  if (!canIssue(a)) {
    atWaitSlot_ = true;  // retire() resumes here
    return;
  }
  atHave_ = false;
  tlm::tlm_generic_payload* gp = pool_.allocate();
  prepare(*gp, a);
  ++outstanding_;
  InFlight& f = inflight_.pushBack();  // every field is set below (bytes by expect())
  f.gp = gp;
  f.issued = simc_->time_stamp();
  f.seq = seq_;
  f.va = a.va;
  f.size = a.size;
  f.store = a.op == workloads::Op::Store;
  expect(f, *gp);
  tlm::tlm_phase ph = tlm::BEGIN_REQ;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  waitingEndReq_ = gp;
  // isock's target's nb_transport_fw, without the hop where it is the MMU (DirectAtTarget)
  const auto s = directAt_ ? directAt_->directNbTransportFw(*gp, ph, delay, *this, extWho_)
                           : isock->nb_transport_fw(*gp, ph, delay);
  if (s == tlm::TLM_COMPLETED) {
    waitingEndReq_ = nullptr;
    atSched_->post(delay, this, gp, kAtCompleted);
    return;
  }
  if (s == tlm::TLM_UPDATED) {
    if (ph == tlm::END_REQ) waitingEndReq_ = nullptr;
    if (ph == tlm::BEGIN_RESP) {
      waitingEndReq_ = nullptr;
      endRespOwed_ = gp;  // answered on the return path: END_RESP goes back with completion
      atSched_->post(delay, this, gp, kAtBeginResp);
    }
    if (delay != sc_core::SC_ZERO_TIME) {
      atSched_->post(delay, this, nullptr, kAtAfterDelay);
      return;
    }
  }
  atStep(nullptr, kAtAfterDelay);
}

tlm::tlm_sync_enum Requester::nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                              sc_core::sc_time& delay) {
  if (ph == tlm::END_REQ || ph == tlm::BEGIN_RESP) {
    if (delay == sc_core::SC_ZERO_TIME) {
      peqCallback(gp, ph);  // on arrival (the issue loop resumes from a step, not in this call)
    } else {
      atSched_->post(delay, this, &gp, ph == tlm::BEGIN_RESP);
    }
  }
  // A response ends here (END_RESP implied, IEEE 1666-2011 15.2): the target's response channel
  // is free at once, and the access completes when the queue delivers it, as before. Answering
  // TLM_ACCEPTED and sending END_RESP from the queue's callback kept every later response of the
  // target waiting a delta for it (and woke every worker waiting to respond).
  return ph == tlm::BEGIN_RESP ? tlm::TLM_COMPLETED : tlm::TLM_ACCEPTED;
}

void Requester::peqCallback(tlm::tlm_generic_payload& gp, const tlm::tlm_phase& ph) {
  if (ph == tlm::END_REQ || (ph == tlm::BEGIN_RESP && waitingEndReq_ == &gp)) {
    waitingEndReq_ = nullptr;
    if (atWaitEndReq_) {
      atWaitEndReq_ = false;
      atThink();
    }
  }
  if (ph == tlm::BEGIN_RESP) retire(gp);
}

void Requester::retire(tlm::tlm_generic_payload& gp) {
  size_t i = 0;
  while (inflight_[i].gp != &gp) ++i;
  const InFlight& f = inflight_[i];
  complete(gp, simc_->time_stamp() - f.issued, f);
  if (i == 0) {
    inflight_.popFront();  // the common case: in issue order
  } else {
    inflight_.erase(i);
  }
  if (&gp == endRespOwed_) {
    endRespOwed_ = nullptr;
    tlm::tlm_phase end = tlm::END_RESP;
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    isock->nb_transport_fw(gp, end, zero);
  }
  gp.release();
  --outstanding_;
  // Only the runAt thread waits on it, and only while it drains: an immediate notification
  // nobody waits for is a kernel call per access that does nothing.
  if (drainWaiting_) slotFree_.notify();
  if (atWaitSlot_) {
    atWaitSlot_ = false;
    atSched_->post(sc_core::SC_ZERO_TIME, this, nullptr, kAtIssue);  // at canIssue
  }
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
  for (size_t i = 0; i < inflight_.size(); ++i) {
    const InFlight& f = inflight_[i];
    if ((store || f.store) && a.va < f.va + f.size && f.va < a.va + a.size) return false;
  }
  return true;
}

[[gnu::always_inline]] inline const workloads::Access* Requester::nextAccess(workloads::Access& a) {
  if (!cur_->wl || stopped_ || cur_->stopped) return nullptr;
  Context& c = *cur_;
  if (!c.batch.empty()) {
    // Read ahead: nothing that happens meanwhile changes what the workload would return, it
    // raises no input errors and gives no memory back (batchable()).
    if (c.batchPos == c.batchLen) {
      c.batchLen = c.wl->nextBatch(c.batch.data(), c.batch.size());
      c.batchPos = 0;
      if (c.batchLen == 0) return nullptr;
    }
    return &c.batch[c.batchPos++];  // not copied: used before the next call
  }
  try {
    const bool more = cur_->wl->next(a);
    if (verify_) forgetDiscarded();
    return more ? &a : nullptr;
  } catch (const workloads::TraceError& e) {
    inputError_ = e.what();
    return nullptr;
  }
}

void Requester::forgetDiscarded() {
  // Memory the program gave back (munmap, brk shrink) reads as zeros when it is mapped again:
  // its old bytes are no longer expected.
  uint64_t start = 0, size = 0;
  while (cur_->wl->takeDiscarded(start, size)) shadowDrop(cur_->asid, start, size);
}

namespace {
constexpr unsigned kShadowIdShift = 56;  // user VAs are below 2^56 in every page-table format
constexpr uint64_t kShadowVaMask = (uint64_t{1} << kShadowIdShift) - 1;
constexpr uint64_t kShadowIds = 256;
}  // namespace

uint64_t Requester::shadowKey(Asid asid, uint64_t va) const {
  // The expected bytes of process `asid` live under its ASID; those of a shared mapping under
  // the mapping's group (counted down from the top id), as every process sees the same bytes.
  for (const SharedRange& r : sharedRanges_) {
    if (r.asid == asid && va >= r.start && va < r.end) {
      return (uint64_t{kShadowIds - 1 - r.group} << kShadowIdShift) | (va & kShadowVaMask);
    }
  }
  return (uint64_t{asid} << kShadowIdShift) | (va & kShadowVaMask);
}

void Requester::shadowFork(Asid parent, Asid child) {
  // The child sees the parent's bytes (copy-on-write), and shares its shared mappings.
  std::vector<std::pair<uint64_t, unsigned char>> copy;
  const uint64_t pid = uint64_t{parent} << kShadowIdShift;
  for (const auto& [k, v] : shadow_) {
    if ((k & ~kShadowVaMask) == pid) copy.emplace_back(k, v);
  }
  for (const auto& [k, v] : copy) {
    shadow_[(uint64_t{child} << kShadowIdShift) | (k & kShadowVaMask)] = v;
  }
  const size_t n = sharedRanges_.size();
  for (size_t i = 0; i < n; ++i) {
    if (sharedRanges_[i].asid == parent) {
      SharedRange r = sharedRanges_[i];
      r.asid = child;
      sharedRanges_.push_back(r);
    }
  }
}

void Requester::shadowDrop(Asid asid, uint64_t start, uint64_t size) {
  const uint64_t end = size ? start + size : ~uint64_t{0};
  // The process's own bytes there are gone (the pages read as zeros when mapped again).
  const uint64_t id = uint64_t{asid} << kShadowIdShift;
  for (auto it = shadow_.begin(); it != shadow_.end();) {
    const uint64_t va = it->first & kShadowVaMask;
    const bool drop = (it->first & ~kShadowVaMask) == id && va >= start && va < end;
    it = drop ? shadow_.erase(it) : std::next(it);
  }
  // Its shared mappings there end (the other processes keep theirs, and the bytes).
  std::vector<SharedRange> keep;
  for (const SharedRange& r : sharedRanges_) {
    if (r.asid != asid || r.end <= start || r.start >= end) {
      keep.push_back(r);
      continue;
    }
    if (r.start < start) keep.push_back({r.asid, r.start, start, r.group});
    if (r.end > end) keep.push_back({r.asid, end, r.end, r.group});
  }
  sharedRanges_ = std::move(keep);
}

bool Requester::systemCall(const workloads::Access& a, sc_core::sc_time& delay) {
  std::ostringstream where;
  where << tracePath_ << ":" << a.line << ": " << toString(a.sys) << " of pid " << a.pid;
  if (!procCtl_) {
    inputError_ =
        where.str() + ": system calls need the kernel (the radix MMU mode); this core has none";
    return false;
  }
  const Asid asid = asidOf(a);
  std::string error;
  bool ok = true;
  switch (a.sys) {
    case workloads::Syscall::Fork: {
      // Named after the core and the trace's pid (cpu0_pid2) in the kernel's stats.
      const sc_core::sc_object* core = get_parent_object();
      const std::string name =
          std::string(core ? core->basename() : basename()) + "_pid" + std::to_string(a.child);
      const auto child = procCtl_->fork(asid, name, delay, at_, error);
      ok = child.has_value();
      if (ok) {
        if (pids_.size() <= a.child) pids_.resize(a.child + 1, 0);
        pids_[a.child] = *child;
        if (verify_) shadowFork(asid, *child);
      }
      (*syscalls_)[0] += 1;
      break;
    }
    case workloads::Syscall::Exit:
      procCtl_->exit(asid);
      if (a.pid < pids_.size() && a.pid > 1) pids_[a.pid] = 0;
      if (verify_) shadowDrop(asid, 0, 0);
      (*syscalls_)[1] += 1;
      break;
    case workloads::Syscall::Exec:
      ok = procCtl_->exec(asid, delay, at_, error);
      if (verify_) shadowDrop(asid, 0, 0);
      (*syscalls_)[2] += 1;
      break;
    case workloads::Syscall::Mmap: {
      const Perms perms{(a.prot & workloads::kProtRead) != 0, (a.prot & workloads::kProtWrite) != 0,
                        (a.prot & workloads::kProtExec) != 0, true};
      ok = procCtl_->mmap(asid, a.va, a.len, perms, a.shared, delay, at_, error);
      if (ok && verify_) {
        shadowDrop(asid, a.va, (a.len + 4095) & ~uint64_t{4095});
        if (a.shared) {
          sharedRanges_.push_back(
              {asid, a.va, a.va + ((a.len + 4095) & ~uint64_t{4095}), sharedGroups_++});
        }
      }
      (*syscalls_)[3] += 1;
      break;
    }
    case workloads::Syscall::Munmap:
      ok = procCtl_->munmap(asid, a.va, a.len, delay, at_, error);
      if (ok && verify_) shadowDrop(asid, a.va, (a.len + 4095) & ~uint64_t{4095});
      (*syscalls_)[4] += 1;
      break;
    case workloads::Syscall::Brk:
      ok = procCtl_->brk(asid, a.va, delay, at_, error);
      // A shrink discards the pages above the new break; growing maps fresh (zero) pages.
      if (ok && verify_) shadowDrop(asid, (a.va + 4095) & ~uint64_t{4095}, uint64_t{1} << 47);
      (*syscalls_)[5] += 1;
      break;
    case workloads::Syscall::None:
      break;
  }
  if (ok) return true;
  inputError_ = where.str() + ": " + error;
  logWarning(inputError_ + " (the requester stops)");
  return false;
}

void Requester::finish() {
  // Processes the trace forked and did not end exit with it.
  if (procCtl_) {
    for (size_t pid = 2; pid < pids_.size(); ++pid) {
      if (pids_[pid]) procCtl_->exit(pids_[pid]);
      pids_[pid] = 0;
    }
  }
  done_ = true;
  if (onDone_) onDone_();
}

}  // namespace vmsim::cpu
