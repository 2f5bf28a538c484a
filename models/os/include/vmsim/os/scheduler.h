// The scheduling policy of one core: which of its runnable processes runs next and for how long
// (docs/os.md, "Scheduling and context switches"). Plain C++ (no SystemC): the platform's
// per-core scheduler (platforms/system, CoreScheduler) asks it at every slice end and exit.
// Times are in abstract units: picoseconds when slices are in simulated time, accesses when they
// are counted in accesses.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vmsim::os {

class SchedulingPolicy {
 public:
  virtual ~SchedulingPolicy() = default;
  /// Task `task` (0, 1, ... as the caller numbers them) becomes runnable with weight `weight`
  /// (Linux's load weight of its nice value: 1024 for nice 0; see niceWeight).
  virtual void add(unsigned task, uint64_t weight) = 0;
  /// Task `task` leaves the run queue for good (its workload ended, or it was killed). It may be
  /// the one that ran last.
  virtual void remove(unsigned task) = 0;
  /// The task to run next (it leaves the queue of waiting tasks) and its slice, or nothing when
  /// no task is runnable.
  struct Pick {
    unsigned task = 0;
    uint64_t slice = 0;
  };
  virtual std::optional<Pick> pick() = 0;
  /// The task picked last ran for `ran` units and goes back to the run queue (its slice ended).
  virtual void preempted(unsigned task, uint64_t ran) = 0;
  /// The task picked last ran for `ran` units and then ended (remove() follows or came first).
  virtual void ranAndExited(unsigned task, uint64_t ran) = 0;
  virtual size_t runnable() const = 0;
  virtual std::string name() const = 0;
};

/// Round robin (Linux SCHED_RR): a FIFO run queue; every task runs for the same slice, then goes
/// to the tail of the queue.
class RoundRobinPolicy : public SchedulingPolicy {
 public:
  explicit RoundRobinPolicy(uint64_t slice);
  void add(unsigned task, uint64_t weight) override;
  void remove(unsigned task) override;
  std::optional<Pick> pick() override;
  void preempted(unsigned task, uint64_t ran) override;
  void ranAndExited(unsigned, uint64_t) override {}
  size_t runnable() const override { return queue_.size() + (running_ ? 1 : 0); }
  std::string name() const override { return "round_robin"; }

 private:
  uint64_t slice_;
  std::vector<unsigned> queue_;  // head first
  std::optional<unsigned> running_;
};

/// A CFS-like fair policy (Linux's completely fair scheduler, kernel/sched/fair.c before 6.6):
/// each task's virtual runtime grows by its runtime x 1024 / weight; the task with the smallest
/// virtual runtime runs next (ties: the lowest task number); its slice is its weight's share of
/// the scheduling period, period = max(latency, runnable x min_granularity) (__sched_period),
/// and at least min_granularity. A task added later starts at the smallest virtual runtime of
/// the queue (place_entity), so it neither starves the others nor is starved.
class FairPolicy : public SchedulingPolicy {
 public:
  FairPolicy(uint64_t latency, uint64_t minGranularity);
  void add(unsigned task, uint64_t weight) override;
  void remove(unsigned task) override;
  std::optional<Pick> pick() override;
  void preempted(unsigned task, uint64_t ran) override;
  void ranAndExited(unsigned task, uint64_t ran) override;
  size_t runnable() const override;
  std::string name() const override { return "fair"; }
  /// Virtual runtime of `task` (in units x 1024 / weight), for tests.
  double vruntime(unsigned task) const;

 private:
  struct Task {
    bool queued = false;   // waiting in the run queue
    bool running = false;  // picked last and not yet back
    bool present = false;  // added and not removed
    uint64_t weight = 1024;
    double vruntime = 0;
  };
  void account(unsigned task, uint64_t ran);
  double minVruntime() const;
  uint64_t latency_, minGranularity_;
  std::vector<Task> tasks_;
};

/// Linux's sched_prio_to_weight (kernel/sched/core.c): the load weight of nice -20 ... 19 (1024 at
/// nice 0, each step about 1.25x). `nice` outside [-20, 19] is clamped.
uint64_t niceWeight(int nice);

/// Names of the policies makeSchedulingPolicy knows.
const std::vector<std::string>& schedulingPolicyNames();
/// `round_robin` (slice = `slice`) or `fair` (latency = `slice`, min_granularity =
/// `minGranularity`); throws std::invalid_argument for another name, listing the valid ones.
std::unique_ptr<SchedulingPolicy> makeSchedulingPolicy(const std::string& name, uint64_t slice,
                                                       uint64_t minGranularity);

}  // namespace vmsim::os
