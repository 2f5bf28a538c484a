// Buddy frame allocator (see frame_allocator.h).
#include "vmsim/os/frame_allocator.h"

#include <stdexcept>
#include <string>

namespace vmsim::os {

FrameAllocator::IndexSet::IndexSet(uint64_t n) {
  uint64_t words = (n + 63) / 64;
  uint64_t total = 0;
  do {
    if (levels_ == kMaxLevels) throw std::invalid_argument("frame allocator: too many frames");
    words = words ? words : 1;
    offset_[levels_++] = total;
    total += words;
    words = words > 1 ? (words + 63) / 64 : 0;
  } while (words);
  words_.assign(total, 0);
}

// The set and free-list operations below are inlined into allocate() and free(): they are the
// fault path's frame allocation, a few word operations each (a call apiece cost about as much).
[[gnu::always_inline]] inline void FrameAllocator::IndexSet::bitmapInsert(uint64_t i) {
  for (unsigned l = 0; l < levels_; ++l) {
    uint64_t& w = words_[offset_[l] + i / 64];
    const bool wasEmpty = w == 0;
    w |= uint64_t{1} << (i % 64);
    if (!wasEmpty) return;  // the levels above already know this word is non-empty
    i /= 64;
  }
}

[[gnu::always_inline]] inline void FrameAllocator::IndexSet::bitmapErase(uint64_t i) {
  for (unsigned l = 0; l < levels_; ++l) {
    uint64_t& w = words_[offset_[l] + i / 64];
    w &= ~(uint64_t{1} << (i % 64));
    if (w != 0) return;
    i /= 64;
  }
}

[[gnu::always_inline]] inline void FrameAllocator::IndexSet::insert(uint64_t i) {
  if (size_ == 0) {
    single_ = i;
  } else {
    if (!bitmap_) {
      bitmapInsert(single_);
      bitmap_ = true;
    }
    bitmapInsert(i);
  }
  ++size_;
}

[[gnu::always_inline]] inline void FrameAllocator::IndexSet::erase(uint64_t i) {
  if (bitmap_) {
    bitmapErase(i);
    if (size_ == 1) bitmap_ = false;  // empty: the bitmap is all zero again
  }
  --size_;
}

[[gnu::always_inline]] inline uint64_t FrameAllocator::IndexSet::lowest() const {
  if (!bitmap_) return single_;
  uint64_t i = 0;
  for (unsigned l = levels_; l-- > 0;) {
    i = i * 64 + static_cast<uint64_t>(__builtin_ctzll(words_[offset_[l] + i]));
  }
  return i;
}

[[gnu::always_inline]] inline void FrameAllocator::insertFree(uint64_t pfn, unsigned order) {
  free_[order].insert(indexOf(pfn, order));
  state(pfn) = static_cast<uint8_t>(order);
  ++counts_[order];
  nonEmpty_ |= uint32_t{1} << order;
  if (mirror_) mirror_[order] += 1;
}

[[gnu::always_inline]] inline void FrameAllocator::eraseFree(uint64_t pfn, unsigned order) {
  free_[order].erase(indexOf(pfn, order));
  state(pfn) = kNone;
  if (--counts_[order] == 0) nonEmpty_ &= ~(uint32_t{1} << order);
  if (mirror_) mirror_[order] -= 1;
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

std::optional<uint64_t> FrameAllocator::allocate(unsigned order) {
  if (order > maxOrder_) return std::nullopt;
  const uint32_t fits = nonEmpty_ >> order;
  if (!fits) return std::nullopt;
  unsigned k = order + static_cast<unsigned>(__builtin_ctz(fits));
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
  // allocatedOrder(pfn) == order, in one test: kAllocated | order is neither kNone nor a free
  // head's state, and order <= kMaxOrder keeps it below 0x80.
  if (pfn < first_ || pfn - first_ >= count_ || order > kMaxOrder ||
      state(pfn) != (kAllocated | order)) {
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
  return order <= maxOrder_ && (nonEmpty_ >> order) != 0;
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
