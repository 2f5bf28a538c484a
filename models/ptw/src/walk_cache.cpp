#include "vmsim/ptw/walk_cache.h"

#include <stdexcept>

namespace vmsim::ptw {

WalkCacheArray::WalkCacheArray(size_t entries, unsigned ways)
    : keys_(entries, 0), next_(entries, 0), sets_(ways ? entries / ways : 0), ways_(ways) {
  if (entries == 0 || ways == 0 || entries % ways) {
    throw std::invalid_argument("walk cache: entries must be a non-zero multiple of ways");
  }
  pow2_ = (sets_ & (sets_ - 1)) == 0;
  // Each set's list starts as ways 0 (most recent) .. ways-1 (any order would do: every way is
  // filled before a victim is taken).
  older_.resize(entries);
  newer_.resize(entries);
  for (size_t i = 0; i < entries; ++i) {
    const uint32_t w = static_cast<uint32_t>(i % ways);
    older_[i] = w + 1;
    newer_[i] = w ? w - 1 : 0;
  }
  mru_.assign(sets_, 0);
  lru_.assign(sets_, ways - 1);
  valid_.assign(sets_, 0);
}

void WalkCacheArray::insert(Asid asid, unsigned level, uint64_t va, uint64_t nextTable) {
  if (level < 2 || level > 7) throw std::invalid_argument("walk cache: levels are 2..7");
  const uint64_t tag = tagOf(va, level);
  const uint64_t key = keyOf(asid, level, tag);
  levelsSeen_ |= 1u << level;
  // The line already holding the entry, else the first invalid way, else the least recently
  // used. A lookup of this key missed and nothing was filled since: no line holds it.
  const size_t set = setOf(tag);
  const size_t base = set * ways_;
  size_t target = key == missKey_ ? kNone : find(key, set);
  missKey_ = 0;
  if (target == kNone) {
    if (valid_[set] < ways_) {
      for (unsigned w = 0; w < ways_; ++w) {
        if (keys_[base + w] == 0) {
          target = base + w;
          break;
        }
      }
      ++valid_[set];
    } else {
      target = base + lru_[set];
    }
  }
  keys_[target] = key;
  next_[target] = nextTable;
  touch(set, static_cast<uint32_t>(target - base));
  hint_ = target;
}

size_t WalkCacheArray::invalidatePage(Asid asid, uint64_t va) {
  size_t n = 0;
  for (unsigned level = 2; level < 8; ++level) {
    if (!(levelsSeen_ & (1u << level))) continue;
    const uint64_t tag = tagOf(va, level);
    const size_t i = find(keyOf(asid, level, tag), setOf(tag));
    if (i != kNone) {
      keys_[i] = 0;
      --valid_[i / ways_];
      ++n;
    }
  }
  return n;
}

size_t WalkCacheArray::invalidateAsid(Asid asid) {
  size_t n = 0;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] && asidOf(keys_[i]) == asid) {
      keys_[i] = 0;
      --valid_[i / ways_];
      ++n;
    }
  }
  return n;
}

void WalkCacheArray::invalidateAll() {
  for (auto& k : keys_) k = 0;
  for (auto& v : valid_) v = 0;
}

size_t WalkCacheArray::occupancy(unsigned level) const {
  size_t n = 0;
  for (uint64_t k : keys_) n += k && levelOf(k) == level;
  return n;
}

}  // namespace vmsim::ptw
