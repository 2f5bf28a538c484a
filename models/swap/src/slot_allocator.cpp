// Swap-slot allocator: first-fit over an ordered map of free extents, merged on release.
#include "vmsim/swap/slot_allocator.h"

#include <algorithm>

namespace vmsim::swap {

SlotAllocator::SlotAllocator(uint64_t capacitySlots) : capacity_(capacitySlots) {
  if (capacitySlots == 0) throw std::invalid_argument("swap: capacity must be at least 1 slot");
  free_.emplace(0, capacitySlots);
}

std::optional<uint64_t> SlotAllocator::tryAllocate(uint64_t count) {
  if (count == 0) throw std::invalid_argument("swap: cannot allocate 0 slots");
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < count) continue;
    const uint64_t first = it->first;
    const uint64_t rest = it->second - count;
    free_.erase(it);
    if (rest) free_.emplace(first + count, rest);
    used_ += count;
    return first;
  }
  return std::nullopt;
}

uint64_t SlotAllocator::allocate(uint64_t count) {
  if (auto first = tryAllocate(count)) return *first;
  throw SwapFullError("swap full: cannot allocate " + std::to_string(count) +
                      " contiguous slot(s); " + std::to_string(freeSlots()) + " of " +
                      std::to_string(capacity_) + " free, largest free run " +
                      std::to_string(largestFreeRun()));
}

std::map<uint64_t, uint64_t>::const_iterator SlotAllocator::freeExtentOf(uint64_t slot) const {
  auto it = free_.upper_bound(slot);
  if (it == free_.begin()) return free_.end();
  --it;
  return slot < it->first + it->second ? it : free_.end();
}

bool SlotAllocator::isAllocated(uint64_t slot) const {
  return slot < capacity_ && freeExtentOf(slot) == free_.end();
}

void SlotAllocator::release(uint64_t first, uint64_t count) {
  if (count == 0 || first >= capacity_ || count > capacity_ - first)
    throw std::logic_error("swap: release of slots [" + std::to_string(first) + ", +" +
                           std::to_string(count) + ") outside capacity " +
                           std::to_string(capacity_));
  // Allocated means: no free extent starts inside the run and none covers its first slot.
  auto next = free_.lower_bound(first);
  if (freeExtentOf(first) != free_.end() || (next != free_.end() && next->first < first + count))
    throw std::logic_error("swap: release of slots [" + std::to_string(first) + ", +" +
                           std::to_string(count) + ") that are not all allocated");
  insertFree(first, count);
  used_ -= count;
}

void SlotAllocator::insertFree(uint64_t first, uint64_t count) {
  auto next = free_.lower_bound(first);
  if (next != free_.end() && next->first == first + count) {
    count += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == first) {
      prev->second += count;
      return;
    }
  }
  free_.emplace_hint(next, first, count);
}

uint64_t SlotAllocator::largestFreeRun() const {
  uint64_t best = 0;
  for (const auto& [first, length] : free_) best = std::max(best, length);
  return best;
}

}  // namespace vmsim::swap
