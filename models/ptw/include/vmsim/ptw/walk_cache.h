// The array behind a walker's walk caches, without SystemC: a set-associative cache of non-leaf
// page-table entries (Barr et al., "Translation caching: skip, don't walk (the page table)",
// ISCA 2010, call it a translation cache). An entry of level L maps the VA prefix that the level-L
// entry translates (va >> leafShift(L)) in an ASID to the physical address of the level-(L-1)
// table, so a walk that hits it starts at level L-1. One array per level gives Intel's
// paging-structure caches (SDM Vol. 3A 4.10.3: PML4E, PDPTE and PDE caches); one array holding
// every level, tagged by level, gives a unified walk cache (AMD's page walk cache as the walker
// models it; see docs/paging.md). True LRU within a set; invalid ways fill first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "vmsim/common/types.h"
#include "vmsim/paging/format.h"

namespace vmsim::ptw {

class WalkCacheArray {
 public:
  /// `entries` a multiple of `ways` (entries == ways: fully associative). Levels 2..7.
  WalkCacheArray(size_t entries, unsigned ways);

  /// The next-table PA cached for the level-`level` entry on `va`'s path; a hit is a use (LRU).
  std::optional<uint64_t> lookup(Asid asid, unsigned level, uint64_t va) {
    if (!(levelsSeen_ & (1u << level))) return std::nullopt;
    const uint64_t tag = tagOf(va, level);
    const uint64_t key = keyOf(asid, level, tag);
    const size_t set = setOf(tag);
    const size_t i = find(key, set);
    if (i == kNone) {
      missKey_ = key;
      return std::nullopt;
    }
    touch(set, static_cast<uint32_t>(i - set * ways_));
    hint_ = i;
    return next_[i];
  }
  /// Caches the level-`level` entry on `va`'s path (updates it in place if present).
  void insert(Asid asid, unsigned level, uint64_t va, uint64_t nextTable);
  /// Drops every level's entry on `va`'s path in `asid`; returns how many.
  size_t invalidatePage(Asid asid, uint64_t va);
  size_t invalidateAsid(Asid asid);
  void invalidateAll();

  size_t entries() const { return keys_.size(); }
  unsigned ways() const { return ways_; }
  size_t sets() const { return sets_; }
  /// Valid entries of `level` (for tests).
  size_t occupancy(unsigned level) const;

 private:
  static constexpr size_t kNone = ~size_t{0};
  static uint64_t tagOf(uint64_t va, unsigned level) {
    // Level 7 spans 66 bits: the whole address space has one tag (a shift by >= 64 is undefined).
    const unsigned shift = paging::Format::leafShift(level);
    return shift < 64 ? va >> shift : 0;
  }
  // Each line's (ASID, level, tag) as one word, 0 for an invalid line: a probe compares one word
  // per way. The tag of level >= 2 has at most 64 - 21 = 43 bits, the ASID 16, the level 3
  // (levels below 8): 62 bits and the valid bit, so equal words are equal triples.
  static constexpr uint64_t kValid = uint64_t{1} << 63;
  static uint64_t keyOf(Asid asid, unsigned level, uint64_t tag) {
    return kValid | (tag << 19) | (uint64_t{asid} << 3) | level;
  }
  static unsigned levelOf(uint64_t key) { return static_cast<unsigned>(key & 7); }
  static Asid asidOf(uint64_t key) { return static_cast<Asid>(key >> 3); }
  size_t setOf(uint64_t tag) const { return pow2_ ? (tag & (sets_ - 1)) : (tag % sets_); }
  /// The line holding `key` in set `set`, or kNone. A set holds a key at most once (insert
  /// updates it in place), and a key lives in its own set only, so the last line hit or filled
  /// holding `key` is the line a scan would find.
  size_t find(uint64_t key, size_t set) const {
    if (keys_[hint_] == key) return hint_;
    const uint64_t* k = &keys_[set * ways_];
    for (unsigned w = 0; w < ways_; ++w) {
      if (k[w] == key) return set * ways_ + w;
    }
    return kNone;
  }
  /// A use of way `w` of `set` (a hit or a fill): it becomes the set's most recent.
  void touch(size_t set, uint32_t w) {
    const uint32_t head = mru_[set];
    if (head == w) return;
    const size_t base = set * ways_;
    // Unlink w (it has a newer neighbour, since it is not the most recent), then put it first.
    const uint32_t newer = newer_[base + w], older = older_[base + w];
    older_[base + newer] = older;
    if (lru_[set] == w) {
      lru_[set] = newer;
    } else {
      newer_[base + older] = newer;
    }
    older_[base + w] = head;
    newer_[base + head] = w;
    mru_[set] = w;
  }

  // By line: key (keyOf), next-table PA.
  std::vector<uint64_t> keys_;
  std::vector<uint64_t> next_;
  // True LRU as a list per set, from the most recent way (mru_) through older_ to the least
  // recent (lru_), newer_ back; every hit and fill moves its way to the front. The victim of a
  // full set is lru_, which is the first way of the smallest stamp that an LRU with use stamps
  // would pick: in a full set every way has been filled since the start, so the stamps of the
  // ways are their last uses and all differ. An invalidation changes neither.
  std::vector<uint32_t> older_, newer_;  // by line: way numbers within its set
  std::vector<uint32_t> mru_, lru_;      // by set
  std::vector<uint32_t> valid_;          // valid lines by set: a full set has no free way
  size_t hint_ = 0;                      // the last line hit or filled
  uint64_t missKey_ = 0;  // the key of the last lookup that missed, if no fill came since
  size_t sets_;
  unsigned ways_;
  bool pow2_;
  unsigned levelsSeen_ = 0;  // bit L: some entry of level L was inserted
};

}  // namespace vmsim::ptw
