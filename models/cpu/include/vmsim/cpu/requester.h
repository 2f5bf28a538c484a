// A CPU-side requester: replays a workload (synthetic generator or trace) of virtual-address
// loads, stores and fetches into the MMU. LT mode: b_transport with temporal decoupling
// (tlm_quantumkeeper), no wait() per access. AT mode: the 4-phase base protocol with up to
// `max_outstanding` accesses in flight. Faults come back as TLM_ADDRESS_ERROR_RESPONSE with a
// FaultExt and are counted and reported with their address; the workload goes on.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <boost/container/small_vector.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "vmsim/common/at_helpers.h"
#include "vmsim/common/direct_socket.h"
#include "vmsim/common/extensions.h"
#include "vmsim/common/interfaces.h"
#include "vmsim/common/module.h"
#include "vmsim/common/payload_pool.h"
#include "vmsim/common/process_control.h"
#include "vmsim/common/ring.h"
#include "vmsim/cpu/process.h"
#include "vmsim/workloads/trace.h"
#include "vmsim/workloads/workload.h"

namespace vmsim::cpu {

class Requester : public Module, private AtClient, private DirectAtInitiator {
 public:
  tlm_utils::simple_initiator_socket<Requester> isock;

  /// Builds its workload from `<path>.workload.*`.
  SC_HAS_PROCESS(Requester);
  Requester(const sc_core::sc_module_name& nm, SimContext& ctx, Asid asid);
  /// Uses the given workload (C++ platforms and tests).
  Requester(const sc_core::sc_module_name& nm, SimContext& ctx, Asid asid,
            std::unique_ptr<workloads::Workload> wl);
  /// A time-sliced core: runs `processes` (their workloads, each under its own ASID) as the
  /// scheduler given with setScheduler() says; reads no workload keys of its own. Its stats
  /// count every process's accesses; each process counts its own too.
  Requester(const sc_core::sc_module_name& nm, SimContext& ctx, std::vector<Process*> processes);
  /// The scheduler of a time-sliced core (required with processes; before simulation).
  void setScheduler(CoreScheduling* s) { sched_ = s; }
  const std::vector<Process*>& processes() const { return processes_; }
  /// Ends process `asid` early (the OOM killer): it issues nothing more and leaves the core when
  /// its accesses in flight have completed. False when this core does not run it.
  bool stopProcess(Asid asid);

  /// The address range a synthetic workload touches ([base, base+footprint)), or {0,0} for a trace.
  std::pair<uint64_t, uint64_t> footprint() const { return footprint_; }
  bool isTrace() const { return isTrace_; }
  /// A trace workload's future: the VPN (va >> 12) of each access it will issue, read from a
  /// second opening of the trace (the kernel's opt replacement). Empty for other workloads;
  /// workloads::TraceError if the trace cannot be read.
  std::vector<uint64_t> tracePageReferences() const;
  /// How many accesses from the start have all completed (AT: those before the oldest one in
  /// flight; LT: every access issued; opt's position).
  uint64_t completedPrefix() const { return inflight_.empty() ? seq_ : inflight_.front().seq - 1; }
  /// A simulated program (malloc/free over brk/mmap): its heap regions come and go at run time.
  bool isProgram() const { return isProgram_; }
  /// verify_data: loads are checked against the bytes last stored.
  bool verifiesData() const { return verify_; }
  /// Called once, when the workload is exhausted and every access has completed.
  void onDone(std::function<void()> f) { onDone_ = std::move(f); }
  bool done() const { return done_; }
  /// Ends the workload early (its process was killed): no access is issued after this one; the
  /// requester finishes when the accesses in flight have completed.
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }
  Asid asid() const { return asid_; }
  /// Where the system calls of a multi-process trace go (the kernel); without it such a
  /// trace's first system call stops the requester with an error.
  void setProcessControl(ProcessControl* pc) { procCtl_ = pc; }
  /// What `isock` is bound to, called directly by LT accesses (DirectTransport; nullptr, the
  /// default: through `isock`). The platform sets it when `isock` is bound to that target.
  void setDirectTarget(DirectTransport* t) {
    direct_ = t;
    // AT's hops to the same target without the socket, where it offers them (the MMU does).
    directAt_ = dynamic_cast<DirectAtTarget*>(t);
  }
  /// The ASID of trace process `pid` (1: asid()); 0 when it is not a live process.
  Asid asidOfPid(uint32_t pid) const { return pid < pids_.size() ? pids_[pid] : 0; }
  uint64_t completed() const { return static_cast<uint64_t>(completed_.value()); }
  uint64_t dataMismatches() const { return static_cast<uint64_t>(mismatches_.value()); }
  /// A malformed trace line found while running ("FILE:LINE: problem"); the requester stopped.
  const std::string& inputError() const { return inputError_; }

 private:
  /// The constructors' common part: the core's own workload (`wl`, or read from the config
  /// when null and `processes` is empty) or a time-sliced core's processes.
  Requester(const sc_core::sc_module_name& nm, SimContext& ctx, Asid asid,
            std::unique_ptr<workloads::Workload> wl, std::vector<Process*> processes);
  void init();
  void runLt();
  void runAt();
  void prepare(tlm::tlm_generic_payload& gp, const workloads::Access& a);
  /// An access between issue and completion, with what a load must return (program order).
  struct InFlight {
    tlm::tlm_generic_payload* gp = nullptr;
    sc_core::sc_time issued;
    uint64_t seq = 0;
    uint64_t va = 0;
    uint32_t size = 0;
    bool store = false;
    // verify_data: a load's expected bytes; a store's overwritten bytes (restored if it faults)
    boost::container::small_vector<unsigned char, 64> bytes;
  };
  void expect(InFlight& f, const tlm::tlm_generic_payload& gp);
  void complete(tlm::tlm_generic_payload& gp, const sc_core::sc_time& latency, const InFlight& f);
  /// complete() of an access that ended with an error response (a fault or a bus error).
  void completeFailed(tlm::tlm_generic_payload& gp, const InFlight& f, Process* pr);
  /// AT: whether `a` may be issued now (window, dependency, same-address order).
  bool canIssue(const workloads::Access& a) const;
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay);
  /// DirectAtInitiator: isock's backward callback, called by directAt_ without the socket.
  tlm::tlm_sync_enum directNbTransportBw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                         sc_core::sc_time& delay) override {
    return nb_transport_bw(gp, ph, delay);
  }
  /// DirectAtInitiator: a response from the MMU's steps, as nb_transport_bw takes BEGIN_RESP
  /// without delay.
  void directAtResponse(tlm::tlm_generic_payload& gp, void*) override {
    peqCallback(gp, tlm::BEGIN_RESP);
  }
  void peqCallback(tlm::tlm_generic_payload& gp, const tlm::tlm_phase& ph);
  /// AT runs its accesses from AtScheduler steps (docs/timed-path.md, "How AT runs on the
  /// host"): a phase from the MMU at its time, and the issue loop, which hands the cases that
  /// wait for every access in flight (system calls, the end of a slice or of the workload) to
  /// the runAt thread and takes over again when it is done.
  enum AtCode : uintptr_t {
    kAtEndReq = 0,
    kAtBeginResp = 1,
    kAtIssue = 2,       // the loop's top
    kAtIssueNoSys = 3,  // after waiting for a system call's accesses: at nextInSlice
    kAtAfterDelay = 4,  // an accepted request's annotated delay has passed
    kAtCompleted = 5,   // a request answered TLM_COMPLETED: its delay has passed
  };
  void atStep(void* arg, uintptr_t code) override;
  void atIssue(bool checkSystemCall);
  /// The issue loop's think time after an access (the old thread's `wait(think_)`).
  void atThink();
  enum class Handoff : uint8_t { SystemCallNext, NoNext, SystemCall };
  void handToThread(Handoff h) {
    handoff_ = h;
    threadTurn_.notify();
  }
  Handoff handoff_ = Handoff::NoNext;
  sc_core::sc_event threadTurn_;
  workloads::Access atNext_;  // read, not issued yet (atHave_)
  bool atHave_ = false;
  bool atPreempt_ = false;
  bool atWaitSlot_ = false;    // the loop waits for a free slot (retire resumes it)
  bool atWaitEndReq_ = false;  // the loop waits for END_REQ
  /// Completes an AT access. END_RESP is owed only for a response returned on the forward
  /// path (TLM_UPDATED with BEGIN_RESP); one on the backward path ended at its arrival.
  void retire(tlm::tlm_generic_payload& gp);
  void finish();
  /// The workload's next access; false at its end or on malformed input (see inputError()).
  /// `a` filled, or the next access of the workload's batch; nullptr at the end.
  const workloads::Access* nextAccess(workloads::Access& a);
  /// The ASID an access of the workload runs under (its process).
  /// The process of an access: the running one, or a multi-process trace's pid (its records).
  Asid asidOf(const workloads::Access& a) const { return a.pid <= 1 ? cur_->asid : pids_[a.pid]; }
  /// Runs the system call `a` (Op::System) of a multi-process trace; its cost is added to
  /// `delay` (LT) or waited for (AT). False: the requester stops (inputError()).
  bool systemCall(const workloads::Access& a, sc_core::sc_time& delay);
  /// The key of `va` of process `asid` in the data checker's map: shared mappings have one
  /// expected content for all the processes mapping them.
  uint64_t shadowKey(Asid asid, uint64_t va) const;
  /// verify_data bookkeeping of the system calls.
  void shadowFork(Asid parent, Asid child);
  void shadowDrop(Asid asid, uint64_t start, uint64_t size);  // size 0: all of it
  struct SharedRange {
    Asid asid;
    uint64_t start, end;
    uint32_t group;
  };
  std::vector<SharedRange> sharedRanges_;
  uint32_t sharedGroups_ = 0;
  ProcessControl* procCtl_ = nullptr;
  std::string tracePath_;
  std::vector<Asid> pids_;  // trace pid -> ASID (0: not live)

  Asid asid_;
  std::unique_ptr<workloads::Workload> wl_;
  /// What the core runs: its own workload, or one process of a time-sliced core. The access
  /// path uses the current one's ASID, workload and data checker.
  struct Context {
    Asid asid = 0;
    workloads::Workload* wl = nullptr;
    Process* proc = nullptr;  // per-process stats (nullptr: the core's own workload)
    bool stopped = false;
    bool done = false;
    // The access read when its slice ended: the first of its next slice (so that a process whose
    // workload ends with its slice leaves the core then, and is not dispatched once more).
    bool hasPending = false;
    workloads::Access pending;
    // A batchable() workload's accesses read ahead (nextBatch): batch[batchPos, batchLen) are
    // the next ones. Empty for any other workload, which is asked once per access.
    std::vector<workloads::Access> batch;
    size_t batchPos = 0, batchLen = 0;
  };
  static constexpr size_t kBatch = 32;
  std::vector<Context> ctxs_;
  Context* cur_ = nullptr;
  std::vector<Process*> processes_;
  CoreScheduling* sched_ = nullptr;
  // The slice of a time-sliced core: accesses issued in it, its end and its length in accesses.
  uint64_t sliceRan_ = 0;
  uint64_t sliceEnd_ = ~0ull;
  uint64_t sliceAccesses_ = ~0ull;
  /// The next access of the current process, unless its slice is over (`preempt`); false at the
  /// end of its workload or slice.
  /// The access is `a` or one in the workload's batch (valid until the next call); nullptr when
  /// there is none.
  const workloads::Access* nextInSlice(workloads::Access& a, bool& preempt, uint64_t nowTicks);
  /// Asks the scheduler what runs next after the current process stopped (`exited`: its
  /// workload ended); false when nothing is left to run. LT: the switch advances `local`.
  bool dispatch(bool exited, uint64_t nowTicks, sc_core::sc_time* local);
  void startContexts();
  std::pair<uint64_t, uint64_t> footprint_{0, 0};
  bool isTrace_ = false;
  // trace workloads: how the trace was opened (tracePageReferences; tracePath_ above)
  std::optional<workloads::TraceFormat> traceFormat_;
  uint64_t traceSkip_ = 0, traceCount_ = 0;
  bool isProgram_ = false;
  bool at_ = false;
  unsigned maxOutstanding_ = 1;
  sc_core::sc_time think_;
  bool verify_ = false;
  uint64_t maxReports_ = 10;
  uint64_t reported_ = 0;
  uint64_t seq_ = 0;
  // Extensions of the payload prepared last (LT reuses one payload): no lookups per access.
  const tlm::tlm_generic_payload* extGp_ = nullptr;
  VmAccess* extWho_ = nullptr;
  FaultExt* extFault_ = nullptr;
  DirectTransport* direct_ = nullptr;
  DirectAtTarget* directAt_ = nullptr;
  bool done_ = false;
  bool stopped_ = false;
  std::string inputError_;
  std::function<void()> onDone_;

  PayloadPool pool_{4096};
  /// The quantum keeper, with need_sync() on the inline simulation time (no library call per
  /// access); the same test as tlm_quantumkeeper::need_sync.
  struct QuantumKeeper : tlm_utils::tlm_quantumkeeper {
    bool needSync(const sc_core::sc_simcontext* sim) const {
      return sim->time_stamp() + m_local_time >= m_next_sync_point;
    }
  };
  QuantumKeeper qk_;
  const sc_core::sc_simcontext* simc_ = sc_core::sc_get_curr_simcontext();
  AtScheduler* const atSched_ = &AtScheduler::get();  // this simulation's (a lookup per post)
  // AT bookkeeping.
  sc_core::sc_event slotFree_;
  bool drainWaiting_ = false;  // runAt waits on slotFree_ (drainAt)
  /// The runAt thread waits until every access in flight has completed.
  void drainAt();
  tlm::tlm_generic_payload* waitingEndReq_ = nullptr;
  tlm::tlm_generic_payload* endRespOwed_ = nullptr;  // its END_RESP goes with its completion
  unsigned outstanding_ = 0;
  Ring<InFlight> inflight_{16};  // in issue order (slots reused: no construction per access)
  // verify_data: expected contents of every byte stored so far (unwritten bytes read as zero),
  // per process (shadowKey: the ASID, or a shared mapping's group, in the key's top bits).
  std::unordered_map<uint64_t, unsigned char> shadow_;
  /// Drops the expected bytes of memory the workload's program gave back to the kernel.
  void forgetDiscarded();

  stats::Scalar& completed_;
  stats::Vector& byKind_;
  stats::Vector& faults_;
  stats::Scalar& mismatches_;
  stats::Histogram& latency_;
  stats::Scalar& totalLatency_;
  stats::Vector* syscalls_ = nullptr;
};

}  // namespace vmsim::cpu
