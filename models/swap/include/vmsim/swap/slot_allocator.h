// Swap-slot allocator: first-fit over free extents, so a cluster of pages gets contiguous slots
// (Linux swapfile.c also hands out runs of slots to keep swap-out I/O sequential).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace vmsim::swap {

// No run of the requested length is free. what() says how much is free and the largest run.
class SwapFullError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SlotAllocator {
 public:
  explicit SlotAllocator(uint64_t capacitySlots);

  // First slot of `count` contiguous free slots (lowest address first), or nullopt.
  std::optional<uint64_t> tryAllocate(uint64_t count = 1);
  // Same, but throws SwapFullError when no such run exists.
  uint64_t allocate(uint64_t count = 1);
  // Releases [first, first + count); std::logic_error if any of them is not allocated.
  void release(uint64_t first, uint64_t count = 1);

  bool isAllocated(uint64_t slot) const;
  uint64_t capacity() const { return capacity_; }
  uint64_t used() const { return used_; }
  uint64_t freeSlots() const { return capacity_ - used_; }
  uint64_t largestFreeRun() const;

 private:
  // Free extent containing `slot`, or end().
  std::map<uint64_t, uint64_t>::const_iterator freeExtentOf(uint64_t slot) const;
  void insertFree(uint64_t first, uint64_t count);

  uint64_t capacity_;
  uint64_t used_ = 0;
  std::map<uint64_t, uint64_t> free_;  // first slot -> run length, non-adjacent, non-overlapping
};

}  // namespace vmsim::swap
