// The two halves of the TLM-2.0 4-phase base protocol (IEEE 1666-2011, 15.2) that several vmsim
// modules need, written once: a target front end that accepts transactions, hands each to a worker
// thread and answers it, and an initiator port that performs one transaction as a blocking call.
// Both obey request and response exclusion; neither allocates nor looks anything up in a map per
// transaction after warm-up, and each transaction wakes one thread (not every idle worker).
#pragma once

#include <systemc>
#include <tlm>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vmsim {

using NbCall = std::function<tlm::tlm_sync_enum(tlm::tlm_generic_payload&, tlm::tlm_phase&,
                                                sc_core::sc_time&)>;

/// Target side. Accepts BEGIN_REQ at once while a worker is free (otherwise END_REQ waits for
/// one: back-pressure), runs `process` for the transaction in a worker thread (it may wait), then
/// sends BEGIN_RESP through `backward` once the previous response has ended.
/// Construct it inside a module's constructor (it spawns the worker threads there).
/// A transaction may carry a tag (the target socket index it came in on, for a multi-socket
/// target): it is handed back to `backward` with the transaction's own backward calls.
class AtTargetFrontEnd {
 public:
  using Process = std::function<void(tlm::tlm_generic_payload&)>;
  using TaggedCall = std::function<tlm::tlm_sync_enum(int, tlm::tlm_generic_payload&,
                                                      tlm::tlm_phase&, sc_core::sc_time&)>;
  AtTargetFrontEnd(unsigned workers, NbCall backward, Process process);
  AtTargetFrontEnd(unsigned workers, TaggedCall backward, Process process);

  /// Call from the target socket's nb_transport_fw.
  tlm::tlm_sync_enum forward(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                             sc_core::sc_time& delay, int tag = 0);

 private:
  struct Job {
    tlm::tlm_generic_payload* gp = nullptr;
    int tag = 0;
  };
  struct Worker {
    sc_core::sc_event wake;  // reserve: joins the ready set
    Job job;
  };
  void worker(Worker& w);
  void respond(const Job& j);
  tlm::tlm_sync_enum backward(const Job& j, tlm::tlm_phase& ph, sc_core::sc_time& t) {
    return backward_(j.tag, *j.gp, ph, t);
  }
  /// Keeps at least count_ + kSlack idle workers in the ready set (or every idle worker).
  void topUpReady();

  unsigned workers_;
  TaggedCall backward_;
  Process process_;
  unsigned busy_ = 0;  // accepted, not yet answered
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
class AtInitiatorPort {
 public:
  explicit AtInitiatorPort(NbCall forward) : forward_(std::move(forward)) {}

  /// Lets `delay` pass first, then performs the transaction; `delay` is zero afterwards.
  void transact(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  /// Call from the initiator socket's nb_transport_bw.
  tlm::tlm_sync_enum backward(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                              sc_core::sc_time& delay);

 private:
  void releaseRequest(const sc_core::sc_time& when);

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
    sc_core::sc_event* done;
  };
  std::vector<Waiting> waiting_;
  std::vector<std::unique_ptr<sc_core::sc_event>> events_;
  std::vector<sc_core::sc_event*> idleEvents_;
};

}  // namespace vmsim
