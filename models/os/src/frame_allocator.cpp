// Buddy frame allocator (see frame_allocator.h).
#include "vmsim/os/frame_allocator.h"

#include <stdexcept>
#include <string>

namespace vmsim::os {

FrameAllocator::IndexSet::IndexSet(uint64_t n) {
  uint64_t words = (n + 63) / 64;
  do {
    levels_.emplace_back(words ? words : 1, 0);
    words = (words + 63) / 64;
  } while (levels_.back().size() > 1);
}

void FrameAllocator::IndexSet::insert(uint64_t i) {
  for (auto& level : levels_) {
    uint64_t& w = level[i / 64];
    const bool wasEmpty = w == 0;
    w |= uint64_t{1} << (i % 64);
    if (!wasEmpty) return;  // the levels above already know this word is non-empty
    i /= 64;
  }
}

void FrameAllocator::IndexSet::erase(uint64_t i) {
  for (auto& level : levels_) {
    uint64_t& w = level[i / 64];
    w &= ~(uint64_t{1} << (i % 64));
    if (w != 0) return;
    i /= 64;
  }
}

uint64_t FrameAllocator::IndexSet::lowest() const {
  uint64_t i = 0;
  for (size_t l = levels_.size(); l-- > 0;) {
    i = i * 64 + static_cast<uint64_t>(__builtin_ctzll(levels_[l][i]));
  }
  return i;
}

FrameAllocator::FrameAllocator(uint64_t firstPfn, uint64_t count, unsigned maxOrder)
    : first_(firstPfn), count_(count), maxOrder_(maxOrder) {
  if (count == 0) throw std::invalid_argument("frame allocator: no frames");
  if (maxOrder > kMaxOrder) {
    throw std::invalid_argument("frame allocator: max order " + std::to_string(maxOrder) +
                                " above " + std::to_string(kMaxOrder));
  }
  if (firstPfn + count < firstPfn) throw std::invalid_argument("frame allocator: range wraps");
  state_.assign(count, kNone);
  counts_.assign(maxOrder + 1, 0);
  const uint64_t last = firstPfn + count - 1;
  for (unsigned k = 0; k <= maxOrder; ++k) {
    base_.push_back(firstPfn >> k);
    free_.emplace_back((last >> k) - (firstPfn >> k) + 1);
  }
  // The range as maximal aligned blocks, as Linux frees boot memory (memblock_free_pages).
  for (uint64_t pfn = firstPfn; pfn <= last;) {
    unsigned k = maxOrder;
    while (k > 0 && ((pfn & ((uint64_t{1} << k) - 1)) || last - pfn + 1 < (uint64_t{1} << k))) --k;
    insertFree(pfn, k);
    freeFrames_ += uint64_t{1} << k;
    pfn += uint64_t{1} << k;
  }
}

void FrameAllocator::insertFree(uint64_t pfn, unsigned order) {
  free_[order].insert(indexOf(pfn, order));
  state(pfn) = static_cast<uint8_t>(order);
  ++counts_[order];
  if (mirror_) mirror_[order] += 1;
}

void FrameAllocator::eraseFree(uint64_t pfn, unsigned order) {
  free_[order].erase(indexOf(pfn, order));
  state(pfn) = kNone;
  --counts_[order];
  if (mirror_) mirror_[order] -= 1;
}

std::optional<uint64_t> FrameAllocator::allocate(unsigned order) {
  if (order > maxOrder_) return std::nullopt;
  unsigned k = order;
  while (k <= maxOrder_ && free_[k].empty()) ++k;
  if (k > maxOrder_) return std::nullopt;
  const uint64_t pfn = (free_[k].lowest() + base_[k]) << k;
  eraseFree(pfn, k);
  // Keep the lower half, free the upper halves: the block handed out is the lowest one.
  while (k > order) {
    --k;
    insertFree(pfn + (uint64_t{1} << k), k);
  }
  state(pfn) = static_cast<uint8_t>(kAllocated | order);
  freeFrames_ -= uint64_t{1} << order;
  return pfn;
}

std::optional<unsigned> FrameAllocator::allocatedOrder(uint64_t pfn) const {
  if (pfn < first_ || pfn - first_ >= count_) return std::nullopt;
  const uint8_t s = state(pfn);
  if (s == kNone || !(s & kAllocated)) return std::nullopt;
  return s & ~kAllocated;
}

void FrameAllocator::free(uint64_t pfn, unsigned order) {
  const auto have = allocatedOrder(pfn);
  if (!have || *have != order) {
    throw std::invalid_argument("frame allocator: frame " + std::to_string(pfn) +
                                " is not an allocated block of order " + std::to_string(order));
  }
  state(pfn) = kNone;
  freeFrames_ += uint64_t{1} << order;
  const uint64_t end = first_ + count_;
  while (order < maxOrder_) {
    const uint64_t size = uint64_t{1} << order;
    const uint64_t buddy = pfn ^ size;
    if (buddy < first_ || buddy + size > end || state(buddy) != order) break;
    eraseFree(buddy, order);
    pfn &= ~size;
    ++order;
  }
  insertFree(pfn, order);
}

void FrameAllocator::split(uint64_t pfn, unsigned order) {
  const auto have = allocatedOrder(pfn);
  if (!have || *have != order) {
    throw std::invalid_argument("frame allocator: cannot split frame " + std::to_string(pfn) +
                                ": not an allocated block of order " + std::to_string(order));
  }
  for (uint64_t i = 0; i < (uint64_t{1} << order); ++i) state(pfn + i) = kAllocated;
}

bool FrameAllocator::canAllocate(unsigned order) const {
  for (unsigned k = order; k <= maxOrder_; ++k) {
    if (counts_[k]) return true;
  }
  return false;
}

double FrameAllocator::unusableIndex(unsigned order) const {
  if (freeFrames_ == 0) return 1.0;
  uint64_t usable = 0;
  for (unsigned k = order; k <= maxOrder_; ++k) usable += counts_[k] << k;
  return static_cast<double>(freeFrames_ - usable) / static_cast<double>(freeFrames_);
}

void FrameAllocator::mirrorCounts(double* out) {
  mirror_ = out;
  if (!out) return;
  for (unsigned k = 0; k <= maxOrder_; ++k) out[k] = static_cast<double>(counts_[k]);
}

}  // namespace vmsim::os
