// The two halves of the TLM-2.0 4-phase base protocol (IEEE 1666-2011, 15.2) that several vmsim
// modules need, written once: a target front end that accepts transactions, hands each to a worker
// thread and answers it, and an initiator port that performs one transaction as a blocking call.
// Both obey request and response exclusion; neither allocates nor looks anything up in a map per
// transaction after warm-up, and each transaction wakes one thread (not every idle worker).
#pragma once

#include <systemc>
#include <tlm>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vmsim/common/direct_socket.h"

namespace vmsim {

using NbCall = std::function<tlm::tlm_sync_enum(tlm::tlm_generic_payload&, tlm::tlm_phase&,
                                                sc_core::sc_time&)>;

/// What the AT scheduler calls back: `code` and `arg` are the client's own.
class AtClient {
 public:
  virtual void atStep(void* arg, uintptr_t code) = 0;

 protected:
  ~AtClient() = default;
};

/// The AT hot paths' one queue of timed steps (docs/timed-path.md, "The ordering rule"). Every
/// step is run by one SC_METHOD in the order of (simulated time, the order it was posted): steps
/// of one instant run first posted, first run, whatever the kernel's order of processes. Steps
/// posted for the current instant while the queue runs run in the same activation.
class AtScheduler {
 public:
  /// The scheduler of the current simulation (created on first use).
  static AtScheduler& get() {
    return inst_ && inst_->sim_ == sc_core::sc_get_curr_simcontext() ? *inst_ : make();
  }
  /// Runs `c->atStep(arg, code)` at `now + delay`.
  void post(const sc_core::sc_time& delay, AtClient* c, void* arg, uintptr_t code) {
    postAt(sim_->time_stamp() + delay, c, arg, code);
  }
  /// The same at the absolute time `when` (not before now). Times stay sc_time values: their
  /// arithmetic is inline, sc_time::from_value is a library call.
  void postAt(const sc_core::sc_time& when, AtClient* c, void* arg, uintptr_t code) {
    // Buckets are kept latest first, so the earliest, where most steps go, is at the back.
    size_t i = buckets_.size();
    while (i > 0 && buckets_[i - 1]->time < when) --i;
    if (i > 0 && buckets_[i - 1]->time == when) {
      buckets_[i - 1]->steps.push_back(Step{c, arg, code});
      return;
    }
    addBucket(i, when).steps.push_back(Step{c, arg, code});
  }

 private:
  AtScheduler();
  static AtScheduler& make();
  static AtScheduler* inst_;
  void run();
  struct Step {
    AtClient* client;
    void* arg;
    uintptr_t code;
  };
  // The steps of one instant, in the order they were posted (their seq order).
  struct Bucket {
    sc_core::sc_time time;
    std::vector<Step> steps;
  };
  Bucket& addBucket(size_t at, const sc_core::sc_time& when);
  std::vector<Bucket*> buckets_;  // by time, latest first
  std::vector<std::unique_ptr<Bucket>> all_;
  std::vector<Bucket*> spare_;
  bool armed_ = false;  // the event is notified, for armedAt_
  sc_core::sc_time armedAt_;
  bool running_ = false;
  sc_core::sc_simcontext* sim_;
  sc_core::sc_event wake_;
};

/// Target side. Accepts BEGIN_REQ at once while a worker is free (otherwise END_REQ waits for
/// one: back-pressure), runs `process` for the transaction in a worker thread (it may wait), then
/// sends BEGIN_RESP through `backward` once the previous response has ended.
/// Construct it inside a module's constructor (it spawns the worker threads there).
/// A transaction may carry a tag (the target socket index it came in on, for a multi-socket
/// target): it is handed back to `backward` with the transaction's own backward calls.
class AtTargetFrontEnd : private AtClient {
 public:
  using Process = std::function<void(tlm::tlm_generic_payload&)>;
  using TaggedCall = std::function<tlm::tlm_sync_enum(int, tlm::tlm_generic_payload&,
                                                      tlm::tlm_phase&, sc_core::sc_time&)>;
  AtTargetFrontEnd(unsigned workers, NbCall backward, Process process);
  AtTargetFrontEnd(unsigned workers, TaggedCall backward, Process process);

  /// Where the response of a transaction goes: the backward call with `tag`, or, when `up` is
  /// set (a transaction that came with an initiator's direct call and that the state-machine
  /// path took), `up->directAtResponse(gp, arg)`: what that backward call with BEGIN_RESP and no
  /// delay, answered TLM_COMPLETED, does (DirectAtInitiator), at the same point of the response.
  struct Reply {
    int tag = 0;
    DirectAtInitiator* up = nullptr;
    void* arg = nullptr;
  };
  /// The state-machine path: called at BEGIN_REQ while fewer than `workers` transactions are in
  /// service, with the request's annotated delay. True: the module serves the transaction without
  /// a worker thread (from AtScheduler steps) and calls finish() with `reply` when it has its
  /// response; false: a worker thread runs `process` for it, as without a Start.
  using Start =
      std::function<bool(tlm::tlm_generic_payload&, const Reply&, const sc_core::sc_time&)>;
  void setStart(Start s) { start_ = std::move(s); }
  /// Sends the response of a transaction that Start took (now, or once the response channel is
  /// free: the responses waiting for it go in the order they were finished).
  void finish(tlm::tlm_generic_payload& gp, const Reply& reply) {
    const Job j{&gp, reply};
    if (respBusy_ || respHead_ < respQueue_.size()) {
      respQueue_.push_back(j);
      return;
    }
    sendResponse(j);
  }

  /// Call from the target socket's nb_transport_fw. Inline for the common case, a BEGIN_REQ the
  /// state-machine path takes (every AT hop of a hit): the out-of-line rest saves it the frame of
  /// the queueing code. `up` and `arg`: a direct call's initiator, which takes the response of a
  /// transaction the state-machine path serves as directAtResponse (Reply); one that a worker
  /// serves answers through the backward call, as always.
  tlm::tlm_sync_enum forward(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                             sc_core::sc_time& delay, int tag = 0, DirectAtInitiator* up = nullptr,
                             void* arg = nullptr) {
    if (ph != tlm::BEGIN_REQ || !start_ || busy_ >= workers_)
      return forwardRest(gp, ph, delay, tag);
    if (startNow(gp, Reply{tag, up, arg}, delay)) {
      ph = tlm::END_REQ;
      return tlm::TLM_UPDATED;
    }
    if (gp.has_mm()) gp.acquire();
    return queueRequest(gp, ph, delay, tag);
  }
  /// forward() of a BEGIN_REQ from `up`'s direct call, only if the state-machine path takes it
  /// now (END_REQ at once, the response as `up->directAtResponse(gp, arg)`); false: nothing
  /// changed, and the initiator sends it the ordinary way. Start must then have changed nothing
  /// either when it declined (it is asked again).
  bool tryStart(tlm::tlm_generic_payload& gp, const sc_core::sc_time& delay, DirectAtInitiator& up,
                void* arg) {
    return start_ && busy_ < workers_ && startNow(gp, Reply{0, &up, arg}, delay);
  }

 private:
  struct Job {
    tlm::tlm_generic_payload* gp = nullptr;
    Reply reply;
  };
  struct Worker {
    sc_core::sc_event wake;  // reserve: joins the ready set
    Job job;
  };
  /// The state-machine path for a BEGIN_REQ within the bound: counted in service and handed to
  /// Start; true when Start took it (the payload then acquired), false with nothing changed.
  bool startNow(tlm::tlm_generic_payload& gp, const Reply& reply, const sc_core::sc_time& delay) {
    ++busy_;
    ++inService_;
    if (!start_(gp, reply, delay)) {
      --inService_;
      --busy_;
      return false;
    }
    if (gp.has_mm()) gp.acquire();
    return true;
  }
  /// forward() for everything but a BEGIN_REQ the state-machine path takes at once.
  tlm::tlm_sync_enum forwardRest(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                 sc_core::sc_time& delay, int tag);
  /// A BEGIN_REQ (acquired already) for the worker threads: queued, END_REQ now or owed.
  tlm::tlm_sync_enum queueRequest(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                  sc_core::sc_time& delay, int tag);
  void worker(Worker& w);
  void respond(const Job& j);
  /// Sends BEGIN_RESP for `j` (the response channel is free); true when the response ended.
  void sendResponse(const Job& j);
  void sendQueuedResponses();
  void atStep(void*, uintptr_t) override { sendQueuedResponses(); }
  Start start_;
  // This simulation's, created during elaboration (AtScheduler::get() is a lookup per post).
  AtScheduler* const sched_ = &AtScheduler::get();
  std::vector<Job> respQueue_;  // finished (Start path), waiting for the response channel
  size_t respHead_ = 0;
  bool resumePosted_ = false;
  tlm::tlm_sync_enum backward(const Job& j, tlm::tlm_phase& ph, sc_core::sc_time& t) {
    return backward_(j.reply.tag, *j.gp, ph, t);
  }
  /// Keeps at least count_ + kSlack idle workers in the ready set (or every idle worker).
  void topUpReady();

  unsigned workers_;
  TaggedCall backward_;
  Process process_;
  unsigned busy_ = 0;  // accepted, not yet answered
  // In service: taken by a worker or by the state-machine path, not yet answered (at most
  // workers_; busy_ also counts the queued ones).
  unsigned inService_ = 0;
  // Accepted transactions no worker has taken yet, in arrival order (a ring: no allocation).
  std::vector<Job> queue_;
  size_t head_ = 0, count_ = 0;
  tlm::tlm_generic_payload* endReqOwed_ = nullptr;
  std::vector<std::unique_ptr<Worker>> pool_;
  // Idle workers are either ready (waiting on queued_, the event every BEGIN_REQ notifies) or in
  // reserve (each waiting on its own event). queued_ wakes every ready worker at once, in one
  // block, as it woke every idle worker before: the block takes the queued transactions in order
  // at the same place in the kernel's run order, and the workers that find none go back to
  // waiting. Keeping only a few idle workers ready (enough for the transactions queued, plus
  // kSlack for those that arrive after the notification's trigger and before the block runs)
  // saves waking the rest, without changing when any transaction starts.
  sc_core::sc_event queued_;
  unsigned ready_ = 0;
  unsigned readyPromised_ = 0;  // reserve workers woken to join the ready set, not there yet
  std::vector<Worker*> reserve_;
  bool respBusy_ = false;  // BEGIN_RESP sent, END_RESP not yet received
  sc_core::sc_event respFree_;
  unsigned respWaiting_ = 0;  // workers waiting on respFree_
};

/// Initiator side. `transact` runs one 4-phase transaction from a thread and returns when its
/// response has arrived (the payload then holds the response status and data). Concurrent callers
/// queue for the socket's request phase.
class AtInitiatorPort : private AtClient {
 public:
  explicit AtInitiatorPort(NbCall forward) : forward_(std::move(forward)) {}

  /// Lets `delay` pass first, then performs the transaction; `delay` is zero afterwards.
  void transact(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  /// The same without a thread: BEGIN_REQ for now + `delay`, sent at once with `delay` annotated
  /// when the request channel is free, else when it frees (requests wait for the channel in the
  /// order they were sent). The response runs `c->atStep(arg, code)` at its arrival time: from
  /// an AtScheduler step, or with `inCall` and no annotated delay inside the target's
  /// nb_transport_bw call (the client then must not send to this target from atStep).
  void send(tlm::tlm_generic_payload& gp, const sc_core::sc_time& delay, AtClient* c, void* arg,
            uintptr_t code, bool inCall = false);
  /// Call from the initiator socket's nb_transport_bw.
  tlm::tlm_sync_enum backward(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                              sc_core::sc_time& delay);
  /// send() of `gp` to `target`, handed over directly (DirectAtTarget::directAtStart) when the
  /// port would issue it at once (nothing waits, the channel is free now) and the target serves
  /// it from steps now: the request channel is then left as send() leaves it after an immediate
  /// END_REQ, and the response goes to `up.directAtResponse(gp, arg)`, with no entry here.
  /// False: nothing happened; the caller send()s it.
  bool handOver(DirectAtTarget& target, tlm::tlm_generic_payload& gp, const sc_core::sc_time& delay,
                DirectAtInitiator& up, void* arg, const VmAccess* who) {
    if (!requestFree() || !target.directAtStart(gp, delay, up, arg, who)) return false;
    issuing_ = true;
    reqBusy_ = true;
    releaseRequest(delay);
    issuing_ = false;
    return true;
  }
  /// True when send() would issue a request at once.
  bool requestFree() const {
    return sendHead_ == sends_.size() && !reqBusy_ && !(sim_->time_stamp() < reqFreeAt_);
  }

 private:
  void releaseRequest(const sc_core::sc_time& when);
  /// Sends the oldest waiting send() while the request channel is free.
  void issueSends();
  void atStep(void* arg, uintptr_t code) override;
  struct Send {
    tlm::tlm_generic_payload* gp;
    AtClient* client;
    void* arg;
    uintptr_t code;
    sc_core::sc_time when;  // not before
    bool inCall;
  };
  AtScheduler* const sched_ = &AtScheduler::get();  // (as AtTargetFrontEnd's)
  /// Sends BEGIN_REQ for `x` (the request channel is free).
  void issue(const Send& x, const sc_core::sc_time& now);
  std::vector<Send> sends_;  // sent, waiting for the request channel (in order)
  size_t sendHead_ = 0;
  bool issuePosted_ = false;
  bool issuing_ = false;
  unsigned reqWaiting_ = 0;     // threads waiting on reqFree_
  sc_core::sc_time reqFreeAt_;  // the last END_REQ's time; send() waits for it
  sc_core::sc_simcontext* sim_ = sc_core::sc_get_curr_simcontext();  // time_stamp() is inline

  NbCall forward_;
  bool reqBusy_ = false;  // BEGIN_REQ sent, END_REQ not yet received
  tlm::tlm_generic_payload* reqOwner_ = nullptr;
  sc_core::sc_event reqFree_;
  // Transactions waiting for their response, each with its event. Few are in flight at once (one
  // per calling thread), so a linear search beats a hash map. The events are owned here and
  // reused (not on the waiting thread's stack): a thread still waiting when the simulation stops
  // (a posted write-back in flight) is never resumed, and an event on its coroutine stack would be
  // lost with it.
  struct Waiting {
    tlm::tlm_generic_payload* gp;
    sc_core::sc_event* done;  // a thread's (transact), or nullptr: send()'s client below
    AtClient* client = nullptr;
    void* arg = nullptr;
    uintptr_t code = 0;
    bool inCall = false;
  };
  std::vector<Waiting> waiting_;
  std::vector<std::unique_ptr<sc_core::sc_event>> events_;
  std::vector<sc_core::sc_event*> idleEvents_;
};

}  // namespace vmsim
