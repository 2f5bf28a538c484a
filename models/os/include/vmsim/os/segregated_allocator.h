// A segregated free-list allocator (OSTEP ch. 17): one free list per size class, refilled from a
// backing first-fit, address-ordered, coalescing free list that also serves large requests.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "vmsim/os/free_list.h"

namespace vmsim::os {

class SegregatedAllocator {
 public:
  /// `classSizes`: strictly ascending, non-zero block sizes of the size classes.
  SegregatedAllocator(uint64_t base, uint64_t size, std::vector<uint64_t> classSizes);
  /// The smallest class that fits n, else the backing list; empty on failure.
  std::optional<uint64_t> allocate(uint64_t n);
  /// Returns a block to its class list (no coalescing) or to the backing list; false if unknown.
  bool release(uint64_t addr);
  /// Free blocks waiting in class i's list.
  size_t classFreeCount(size_t i) const { return classFree_.at(i).size(); }
  const std::vector<FreeChunk>& backingFreeList() const { return backing_.freeList(); }

 private:
  std::optional<size_t> classFor(uint64_t n) const;

  std::vector<uint64_t> classSizes_;
  std::vector<std::vector<uint64_t>> classFree_;
  FreeListAllocator backing_;
  std::map<uint64_t, std::optional<size_t>> live_;  // addr -> class, or none for backing blocks
};

}  // namespace vmsim::os
