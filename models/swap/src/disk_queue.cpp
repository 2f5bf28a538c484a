// Swap-device command queue: FIFO / C-LOOK pick, queue-depth bound, serial or parallel service.
#include "vmsim/swap/disk_queue.h"

#include <algorithm>
#include <stdexcept>

namespace vmsim::swap {

const std::vector<std::string>& schedulingNames() {
  static const std::vector<std::string> names{"fifo", "clook"};
  return names;
}

Scheduling schedulingFromName(const std::string& name) {
  if (name == "fifo") return Scheduling::Fifo;
  if (name == "clook") return Scheduling::CLook;
  throw std::invalid_argument("unknown disk scheduling '" + name + "'; valid: fifo, clook");
}

DiskQueue::DiskQueue(DiskTiming& timing, Scheduling scheduling, uint32_t queueDepth, bool serial)
    : timing_(timing), scheduling_(scheduling), queueDepth_(queueDepth), serial_(serial) {
  if (queueDepth == 0) throw std::invalid_argument("disk queue: queue depth must be >= 1");
  queue_.reserve(queueDepth);
}

uint32_t DiskQueue::outstanding(uint64_t nowNs) {
  while (!done_.empty() && done_.top() <= nowNs) {
    done_.pop();
    --inService_;
  }
  return inService_ + static_cast<uint32_t>(queue_.size());
}

void DiskQueue::submit(const DiskRequest& r) {
  if (r.arrivalNs < lastArrivalNs_)
    throw std::logic_error("disk queue: arrival at " + std::to_string(r.arrivalNs) +
                           " ns before the previous one at " + std::to_string(lastArrivalNs_));
  if (full(r.arrivalNs))
    throw std::logic_error("disk queue: submit with " + std::to_string(queueDepth_) +
                           " commands outstanding (the queue depth)");
  lastArrivalNs_ = r.arrivalNs;
  queue_.push_back(r);
}

size_t DiskQueue::pick() const {
  if (scheduling_ == Scheduling::Fifo || queue_.size() == 1) return 0;
  // C-LOOK: the nearest request at or past the head in ascending LBA order; when none is left
  // ahead, sweep back to the lowest LBA. Ties go to the earlier arrival.
  size_t ahead = queue_.size(), lowest = 0;
  for (size_t i = 0; i < queue_.size(); ++i) {
    const uint64_t lba = queue_[i].lba;
    if (lba >= headLba_ && (ahead == queue_.size() || lba < queue_[ahead].lba)) ahead = i;
    if (lba < queue_[lowest].lba) lowest = i;
  }
  return ahead != queue_.size() ? ahead : lowest;
}

void DiskQueue::started(uint64_t doneNs, uint64_t endLba) {
  done_.push(doneNs);
  ++inService_;
  headLba_ = endLba;
  if (serial_) busyUntilNs_ = doneNs;
}

void DiskQueue::dispatch(uint64_t nowNs, std::vector<Dispatched>& out) {
  outstanding(nowNs);
  while (!queue_.empty()) {
    if (serial_ && busyUntilNs_ > nowNs) return;
    const size_t i = pick();
    const DiskRequest r = queue_[i];
    queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(i));
    const uint64_t start = std::max(nowNs, r.arrivalNs);
    const uint64_t done = timing_.serviceNs(start, r.lba, r.bytes, r.write);
    started(done, r.lba + (uint64_t{r.bytes} + kSectorBytes - 1) / kSectorBytes);
    out.push_back({r.id, start, done});
  }
}

uint64_t DiskQueue::nextDispatchNs() const {
  if (queue_.empty()) return UINT64_MAX;
  return serial_ ? busyUntilNs_ : 0;
}

Dispatched DiskQueue::serveNow(uint64_t arrivalNs, uint64_t lba, uint32_t bytes, bool write) {
  uint64_t start = arrivalNs;
  if (outstanding(arrivalNs) >= queueDepth_) {
    // Every command slot is taken: the request is issued when the earliest one completes.
    start = std::max(start, done_.top());
    outstanding(start);
  }
  if (serial_) start = std::max(start, busyUntilNs_);
  const uint64_t done = timing_.serviceNs(start, lba, bytes, write);
  started(done, lba + (uint64_t{bytes} + kSectorBytes - 1) / kSectorBytes);
  return {0, start, done};
}

}  // namespace vmsim::swap
