// The swap device's command queue: requests wait in it until the device takes them, in the order
// its scheduling policy picks (FIFO, or C-LOOK for a disk arm), with at most `queueDepth` commands
// outstanding on the device (queued or in service), as SATA NCQ and NVMe bound them. Plain C++;
// the SwapDisk shell feeds it from its TLM socket and asks it when to dispatch.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include "vmsim/swap/disk_timing.h"

namespace vmsim::swap {

enum class Scheduling {
  Fifo,   // arrival order
  CLook,  // elevator, one direction: the lowest LBA at or past the head, else wrap to the lowest
};
Scheduling schedulingFromName(const std::string& name);  // "fifo", "clook"
const std::vector<std::string>& schedulingNames();

struct DiskRequest {
  uint64_t id;         // the caller's handle, returned with the dispatch
  uint64_t arrivalNs;  // when the command reaches the device
  uint64_t lba;
  uint32_t bytes;
  bool write;
};

struct Dispatched {
  uint64_t id;
  uint64_t startNs;  // when the device took it
  uint64_t doneNs;   // completion (for a buffered SSD write: its acknowledgement)
};

class DiskQueue {
 public:
  // `serial`: one request in service at a time (a disk arm), the next one is picked when it ends;
  // otherwise every accepted request starts at once and the timing model resolves the contention
  // for dies and channels. `timing` must outlive the queue.
  DiskQueue(DiskTiming& timing, Scheduling scheduling, uint32_t queueDepth, bool serial);

  // Commands accepted and not yet completed at nowNs (completions at or before nowNs retired).
  uint32_t outstanding(uint64_t nowNs);
  bool full(uint64_t nowNs) { return outstanding(nowNs) >= queueDepth_; }
  // Queues a request; requires !full(r.arrivalNs) (std::logic_error otherwise). Arrivals must be
  // in time order.
  void submit(const DiskRequest& r);
  // Starts every queued request that the device can take at nowNs, in policy order, appending
  // them to `out`.
  void dispatch(uint64_t nowNs, std::vector<Dispatched>& out);
  // When dispatch() should run next (UINT64_MAX: nothing is waiting).
  uint64_t nextDispatchNs() const;
  // Time of the earliest completion still outstanding (UINT64_MAX: none).
  uint64_t nextCompletionNs() const { return done_.empty() ? UINT64_MAX : done_.top(); }

  // Loosely-timed path: serves one request arriving at arrivalNs at once and returns its
  // completion. It waits for a free command slot if queueDepth are outstanding, then for the
  // device (requests that came this way are served in call order: a caller that needs its
  // answer now cannot be overtaken by a later one). It may be mixed with submit(): it takes the
  // device ahead of requests still waiting in the queue. Arrivals need not be in time order
  // (temporal decoupling); a call dated before completions already retired by a later-dated
  // one does not see them as outstanding.
  Dispatched serveNow(uint64_t arrivalNs, uint64_t lba, uint32_t bytes, bool write);

  uint32_t queueDepth() const { return queueDepth_; }
  size_t waiting() const { return queue_.size(); }
  uint64_t headLba() const { return headLba_; }

 private:
  size_t pick() const;  // index in queue_ of the next request by policy
  void started(uint64_t doneNs, uint64_t endLba);

  DiskTiming& timing_;
  Scheduling scheduling_;
  uint32_t queueDepth_;
  bool serial_;
  std::vector<DiskRequest> queue_;  // waiting, in arrival order
  std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<uint64_t>> done_;
  uint32_t inService_ = 0;    // started and not completed (== done_.size())
  uint64_t busyUntilNs_ = 0;  // serial device: end of the request in service
  uint64_t headLba_ = 0;      // end of the last request started (the arm's position)
  uint64_t lastArrivalNs_ = 0;
};

}  // namespace vmsim::swap
