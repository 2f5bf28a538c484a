// A binary buddy allocator (Knuth; OSTEP ch. 17): power-of-two blocks split on demand and merged
// with their buddy (address XOR size) when both are free.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace vmsim::os {

class BuddyAllocator {
 public:
  /// `size` and `minBlock` powers of two, minBlock <= size; `base` aligned to `size`.
  BuddyAllocator(uint64_t base, uint64_t size, uint64_t minBlock);
  /// The smallest power-of-two block >= max(n, minBlock); empty when none is free.
  std::optional<uint64_t> allocate(uint64_t n);
  /// Frees a block, merging with free buddies; false if addr is not an allocated block.
  bool release(uint64_t addr);
  /// Free blocks of exactly `blockSize` bytes, by address.
  std::vector<uint64_t> freeBlocks(uint64_t blockSize) const;
  uint64_t blockSizeOf(uint64_t addr) const;  // 0 if not allocated
  uint64_t freeBytes() const;

 private:
  unsigned orderFor(uint64_t n) const;
  uint64_t sizeOfOrder(unsigned order) const { return minBlock_ << order; }

  uint64_t base_;
  uint64_t minBlock_;
  unsigned maxOrder_;
  std::vector<std::set<uint64_t>> free_;    // per order: offsets from base
  std::map<uint64_t, unsigned> allocated_;  // offset -> order
};

}  // namespace vmsim::os
