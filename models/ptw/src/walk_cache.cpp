#include "vmsim/ptw/walk_cache.h"

#include <stdexcept>

namespace vmsim::ptw {

WalkCacheArray::WalkCacheArray(size_t entries, unsigned ways)
    : keys_(entries, 0),
      next_(entries, 0),
      stamp_(entries, 0),
      sets_(ways ? entries / ways : 0),
      ways_(ways) {
  if (entries == 0 || ways == 0 || entries % ways) {
    throw std::invalid_argument("walk cache: entries must be a non-zero multiple of ways");
  }
  pow2_ = (sets_ & (sets_ - 1)) == 0;
}

void WalkCacheArray::insert(Asid asid, unsigned level, uint64_t va, uint64_t nextTable) {
  if (level < 2 || level > 7) throw std::invalid_argument("walk cache: levels are 2..7");
  const uint64_t tag = tagOf(va, level);
  const uint64_t key = keyOf(asid, level, tag);
  levelsSeen_ |= 1u << level;
  // One pass: the line already holding the entry, else the first invalid way, else the least
  // recently used (the first of the smallest stamp).
  const size_t base = setOf(tag) * ways_;
  size_t target = kNone, free = kNone, lru = base;
  for (unsigned w = 0; w < ways_; ++w) {
    const uint64_t k = keys_[base + w];
    if (k == key) {
      target = base + w;
      break;
    }
    if (k == 0) {
      if (free == kNone) free = base + w;
    } else if (stamp_[base + w] < stamp_[lru] || keys_[lru] == 0) {
      lru = base + w;
    }
  }
  if (target == kNone) target = free != kNone ? free : lru;
  keys_[target] = key;
  next_[target] = nextTable;
  stamp_[target] = ++clock_;
}

size_t WalkCacheArray::invalidatePage(Asid asid, uint64_t va) {
  size_t n = 0;
  for (unsigned level = 2; level < 8; ++level) {
    if (!(levelsSeen_ & (1u << level))) continue;
    const uint64_t tag = tagOf(va, level);
    const size_t i = find(keyOf(asid, level, tag), setOf(tag));
    if (i != kNone) {
      keys_[i] = 0;
      ++n;
    }
  }
  return n;
}

size_t WalkCacheArray::invalidateAsid(Asid asid) {
  size_t n = 0;
  for (auto& k : keys_) {
    if (k && asidOf(k) == asid) {
      k = 0;
      ++n;
    }
  }
  return n;
}

void WalkCacheArray::invalidateAll() {
  for (auto& k : keys_) k = 0;
}

size_t WalkCacheArray::occupancy(unsigned level) const {
  size_t n = 0;
  for (uint64_t k : keys_) n += k && levelOf(k) == level;
  return n;
}

}  // namespace vmsim::ptw
