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

namespace vmsim::ptw {

class WalkCacheArray {
 public:
  /// `entries` a multiple of `ways` (entries == ways: fully associative). Levels 2..7.
  WalkCacheArray(size_t entries, unsigned ways);

  /// The next-table PA cached for the level-`level` entry on `va`'s path; a hit is a use (LRU).
  std::optional<uint64_t> lookup(Asid asid, unsigned level, uint64_t va);
  /// Caches the level-`level` entry on `va`'s path (updates it in place if present).
  void insert(Asid asid, unsigned level, uint64_t va, uint64_t nextTable);
  /// Drops every level's entry on `va`'s path in `asid`; returns how many.
  size_t invalidatePage(Asid asid, uint64_t va);
  size_t invalidateAsid(Asid asid);
  void invalidateAll();

  size_t entries() const { return lines_.size(); }
  unsigned ways() const { return ways_; }
  size_t sets() const { return sets_; }
  /// Valid entries of `level` (for tests).
  size_t occupancy(unsigned level) const;

 private:
  struct Line {
    bool valid = false;
    uint8_t level = 0;
    Asid asid = 0;
    uint64_t tag = 0;  // va >> leafShift(level)
    uint64_t next = 0;
    uint64_t stamp = 0;
  };
  static uint64_t tagOf(uint64_t va, unsigned level);
  size_t setOf(uint64_t tag) const { return pow2_ ? (tag & (sets_ - 1)) : (tag % sets_); }
  Line* find(Asid asid, unsigned level, uint64_t tag);

  std::vector<Line> lines_;
  size_t sets_;
  unsigned ways_;
  bool pow2_;
  uint64_t clock_ = 0;
  unsigned levelsSeen_ = 0;  // bit L: some entry of level L was inserted
};

}  // namespace vmsim::ptw
