// Scheduling policies of one core: round robin and a CFS-like fair policy.
#include "vmsim/os/scheduler.h"

#include <algorithm>
#include <stdexcept>

namespace vmsim::os {

RoundRobinPolicy::RoundRobinPolicy(uint64_t slice) : slice_(slice) {}

void RoundRobinPolicy::add(unsigned task, uint64_t) {
  if (std::find(queue_.begin(), queue_.end(), task) != queue_.end() || running_ == task) return;
  queue_.push_back(task);
}

void RoundRobinPolicy::remove(unsigned task) {
  queue_.erase(std::remove(queue_.begin(), queue_.end(), task), queue_.end());
  if (running_ == task) running_.reset();
}

std::optional<SchedulingPolicy::Pick> RoundRobinPolicy::pick() {
  if (running_) {  // picked without being preempted: it goes behind the others
    queue_.push_back(*running_);
    running_.reset();
  }
  if (queue_.empty()) return std::nullopt;
  const unsigned t = queue_.front();
  queue_.erase(queue_.begin());
  running_ = t;
  return Pick{t, slice_};
}

void RoundRobinPolicy::preempted(unsigned task, uint64_t) {
  if (running_ != task) return;
  running_.reset();
  queue_.push_back(task);
}

namespace {
// kernel/sched/core.c, sched_prio_to_weight[40]: nice -20 ... 19.
constexpr uint64_t kNiceWeights[40] = {
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
    3906,  3121,  2501,  1991,  1586,  1277,  1024,  820,   655,   526,   423,  335,  272,  215,
    172,   137,   110,   87,    70,    56,    45,    36,    29,    23,    18,   15};
}  // namespace

uint64_t niceWeight(int nice) {
  return kNiceWeights[std::clamp(nice, -20, 19) + 20];
}

FairPolicy::FairPolicy(uint64_t latency, uint64_t minGranularity)
    : latency_(latency), minGranularity_(std::max<uint64_t>(minGranularity, 1)) {}

void FairPolicy::add(unsigned task, uint64_t weight) {
  if (task >= tasks_.size()) tasks_.resize(task + 1);
  Task& t = tasks_[task];
  if (t.present) return;
  const double start = runnable() > 0 ? minVruntime() : 0;  // before it counts itself
  t.present = t.queued = true;
  t.running = false;
  t.weight = std::max<uint64_t>(weight, 1);
  t.vruntime = start;
}

void FairPolicy::remove(unsigned task) {
  if (task >= tasks_.size()) return;
  tasks_[task].present = tasks_[task].queued = tasks_[task].running = false;
}

size_t FairPolicy::runnable() const {
  size_t n = 0;
  for (const Task& t : tasks_) n += t.present ? 1 : 0;
  return n;
}

double FairPolicy::minVruntime() const {
  double m = 0;
  bool first = true;
  for (const Task& t : tasks_) {
    if (!t.present) continue;
    if (first || t.vruntime < m) m = t.vruntime;
    first = false;
  }
  return m;
}

std::optional<SchedulingPolicy::Pick> FairPolicy::pick() {
  // A task picked before and not given back competes again (it is still runnable).
  for (Task& t : tasks_) {
    if (t.running) {
      t.running = false;
      t.queued = true;
    }
  }
  int best = -1;
  uint64_t totalWeight = 0;
  size_t n = 0;
  for (size_t i = 0; i < tasks_.size(); ++i) {
    const Task& t = tasks_[i];
    if (!t.queued) continue;
    totalWeight += t.weight;
    ++n;
    if (best < 0 || t.vruntime < tasks_[best].vruntime) best = static_cast<int>(i);
  }
  if (best < 0) return std::nullopt;
  Task& t = tasks_[best];
  t.queued = false;
  t.running = true;
  // __sched_period and sched_slice: the period stretches when the tasks' minimum slices do not
  // fit into the latency; each task gets its weight's share, at least the minimum granularity.
  const uint64_t period = std::max(latency_, static_cast<uint64_t>(n) * minGranularity_);
  const auto share =
      static_cast<uint64_t>(static_cast<double>(period) * static_cast<double>(t.weight) /
                            static_cast<double>(totalWeight));
  return Pick{static_cast<unsigned>(best), std::max(share, minGranularity_)};
}

void FairPolicy::account(unsigned task, uint64_t ran) {
  if (task >= tasks_.size()) return;
  Task& t = tasks_[task];
  t.vruntime += static_cast<double>(ran) * 1024.0 / static_cast<double>(t.weight);
}

void FairPolicy::preempted(unsigned task, uint64_t ran) {
  if (task >= tasks_.size() || !tasks_[task].present) return;
  account(task, ran);
  tasks_[task].running = false;
  tasks_[task].queued = true;
}

void FairPolicy::ranAndExited(unsigned task, uint64_t ran) {
  account(task, ran);
  remove(task);
}

double FairPolicy::vruntime(unsigned task) const {
  return task < tasks_.size() ? tasks_[task].vruntime : 0;
}

const std::vector<std::string>& schedulingPolicyNames() {
  static const std::vector<std::string> names{"round_robin", "fair"};
  return names;
}

std::unique_ptr<SchedulingPolicy> makeSchedulingPolicy(const std::string& name, uint64_t slice,
                                                       uint64_t minGranularity) {
  if (name == "round_robin") return std::make_unique<RoundRobinPolicy>(slice);
  if (name == "fair") return std::make_unique<FairPolicy>(slice, minGranularity);
  throw std::invalid_argument("unknown scheduling policy '" + name +
                              "'; valid policies are: round_robin, fair");
}

}  // namespace vmsim::os
