// Segregated free lists: exact-size class lists in front of a coalescing first-fit heap.
#include "vmsim/os/segregated_allocator.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace vmsim::os {

SegregatedAllocator::SegregatedAllocator(uint64_t base, uint64_t size,
                                         std::vector<uint64_t> classSizes)
    : classSizes_(std::move(classSizes)),
      classFree_(classSizes_.size()),
      backing_(FreeListConfig{base, size, 0, 0, FitPolicy::First, ListOrder::AddrSort, true}) {
  for (size_t i = 0; i < classSizes_.size(); ++i)
    if (classSizes_[i] == 0 || (i > 0 && classSizes_[i] <= classSizes_[i - 1]))
      throw std::invalid_argument("size classes must be non-zero and strictly ascending");
}

std::optional<size_t> SegregatedAllocator::classFor(uint64_t n) const {
  for (size_t i = 0; i < classSizes_.size(); ++i)
    if (n <= classSizes_[i]) return i;
  return std::nullopt;
}

std::optional<uint64_t> SegregatedAllocator::allocate(uint64_t n) {
  const auto cls = classFor(n);
  if (cls && !classFree_[*cls].empty()) {
    const uint64_t addr = classFree_[*cls].back();
    classFree_[*cls].pop_back();
    live_[addr] = cls;
    return addr;
  }
  const AllocResult r = backing_.allocate(cls ? classSizes_[*cls] : n);
  if (!r.addr) return std::nullopt;
  live_[*r.addr] = cls;
  return r.addr;
}

bool SegregatedAllocator::release(uint64_t addr) {
  const auto it = live_.find(addr);
  if (it == live_.end()) return false;
  if (it->second) {
    classFree_[*it->second].push_back(addr);
  } else {
    backing_.release(addr);
  }
  live_.erase(it);
  return true;
}

}  // namespace vmsim::os
