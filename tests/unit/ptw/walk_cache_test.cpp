// The walk-cache array: tags by (ASID, level, VA prefix of that level), set indexing, LRU with
// invalid ways first, invalidation of every level on a page's path.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vmsim/paging/format.h"
#include "vmsim/ptw/walk_cache.h"

using vmsim::ptw::WalkCacheArray;

TEST(WalkCacheArray, AnEntryCoversTheVaRangeOfItsLevel) {
  WalkCacheArray c(8, 8);
  c.insert(1, 2, 0x40005000, 0x4000);  // PDE: covers the 2 MiB around the VA
  EXPECT_EQ(c.lookup(1, 2, 0x40000000), 0x4000u);
  EXPECT_EQ(c.lookup(1, 2, 0x401ff123), 0x4000u);
  EXPECT_FALSE(c.lookup(1, 2, 0x40200000));  // next 2 MiB
  EXPECT_FALSE(c.lookup(2, 2, 0x40005000));  // other ASID
  EXPECT_FALSE(c.lookup(1, 3, 0x40005000));  // other level: tagged by level
  c.insert(1, 3, 0x40005000, 0x3000);        // PDPTE: 1 GiB
  EXPECT_EQ(c.lookup(1, 3, 0x7fffffff), 0x3000u);
  EXPECT_EQ(c.occupancy(2), 1u);
  EXPECT_EQ(c.occupancy(3), 1u);
}

TEST(WalkCacheArray, ReinsertUpdatesInPlace) {
  WalkCacheArray c(2, 2);
  c.insert(1, 2, 0x200000, 0x1000);
  c.insert(1, 2, 0x200000, 0x2000);
  EXPECT_EQ(c.lookup(1, 2, 0x200000), 0x2000u);
  EXPECT_EQ(c.occupancy(2), 1u);
}

TEST(WalkCacheArray, LeastRecentlyUsedIsReplacedAndInvalidWaysFillFirst) {
  WalkCacheArray c(2, 2);  // fully associative, 2 entries
  c.insert(1, 2, 0 << 21, 0xa000);
  c.insert(1, 2, 1 << 21, 0xb000);
  EXPECT_TRUE(c.lookup(1, 2, 0));   // entry 0 most recently used
  c.insert(1, 2, 2 << 21, 0xc000);  // evicts entry 1
  EXPECT_TRUE(c.lookup(1, 2, 0));
  EXPECT_FALSE(c.lookup(1, 2, 1 << 21));
  EXPECT_TRUE(c.lookup(1, 2, 2 << 21));
  // An invalidated way is refilled before any valid one is evicted.
  EXPECT_EQ(c.invalidatePage(1, 0), 1u);
  c.insert(1, 2, 3 << 21, 0xd000);
  EXPECT_TRUE(c.lookup(1, 2, 2 << 21));
  EXPECT_TRUE(c.lookup(1, 2, 3 << 21));
}

TEST(WalkCacheArray, SetIndexFromTheTag) {
  WalkCacheArray c(4, 1);  // 4 sets, direct mapped
  EXPECT_EQ(c.sets(), 4u);
  c.insert(1, 2, 0u << 21, 0xa000);
  c.insert(1, 2, 1u << 21, 0xb000);  // other set: both stay
  EXPECT_TRUE(c.lookup(1, 2, 0));
  EXPECT_TRUE(c.lookup(1, 2, 1u << 21));
  c.insert(1, 2, 4u << 21, 0xc000);  // same set as tag 0: replaces it
  EXPECT_FALSE(c.lookup(1, 2, 0));
  EXPECT_TRUE(c.lookup(1, 2, 4u << 21));
  WalkCacheArray odd(6, 2);  // 3 sets (not a power of two): modulo
  for (uint64_t t = 0; t < 6; ++t) odd.insert(1, 2, t << 21, t << 12);
  for (uint64_t t = 0; t < 6; ++t) EXPECT_EQ(odd.lookup(1, 2, t << 21), t << 12);
}

TEST(WalkCacheArray, InvalidatePageDropsEveryLevelOnThePathAndAsidDropsAll) {
  WalkCacheArray c(16, 16);
  for (unsigned level = 2; level <= 5; ++level) c.insert(1, level, 0x40005000, level << 12);
  c.insert(1, 2, 0x80000000, 0x9000);  // another path
  c.insert(2, 2, 0x40005000, 0x8000);  // another ASID
  EXPECT_EQ(c.invalidatePage(1, 0x40005000), 4u);
  for (unsigned level = 2; level <= 5; ++level) EXPECT_FALSE(c.lookup(1, level, 0x40005000));
  EXPECT_TRUE(c.lookup(1, 2, 0x80000000));
  EXPECT_TRUE(c.lookup(2, 2, 0x40005000));
  EXPECT_EQ(c.invalidateAsid(1), 1u);
  EXPECT_TRUE(c.lookup(2, 2, 0x40005000));
  c.invalidateAll();
  EXPECT_FALSE(c.lookup(2, 2, 0x40005000));
}

TEST(WalkCacheArray, RejectsEntriesNotAMultipleOfWays) {
  EXPECT_THROW(WalkCacheArray(6, 4), std::invalid_argument);
  EXPECT_THROW(WalkCacheArray(0, 1), std::invalid_argument);
  WalkCacheArray c(4, 4);  // levels 2..7 only: the packed tag holds three bits of level
  EXPECT_THROW(c.insert(1, 8, 0, 0x1000), std::invalid_argument);
  EXPECT_THROW(c.insert(1, 1, 0, 0x1000), std::invalid_argument);
}

namespace {
// The array in its plainest form (one struct per line, every field compared, LRU by a scan):
// WalkCacheArray, which compares one word per way and fills in one pass, must agree with it.
class ReferenceWalkCache {
 public:
  ReferenceWalkCache(size_t entries, unsigned ways)
      : lines_(entries), sets_(entries / ways), ways_(ways) {}
  std::optional<uint64_t> lookup(vmsim::Asid asid, unsigned level, uint64_t va) {
    Line* l = find(asid, level, tagOf(va, level));
    if (!l) return std::nullopt;
    l->stamp = ++clock_;
    return l->next;
  }
  void insert(vmsim::Asid asid, unsigned level, uint64_t va, uint64_t next) {
    const uint64_t tag = tagOf(va, level);
    Line* t = find(asid, level, tag);
    Line* set = &lines_[(tag % sets_) * ways_];
    for (unsigned w = 0; w < ways_ && !t; ++w) {
      if (!set[w].valid) t = &set[w];
    }
    if (!t) {
      t = set;
      for (unsigned w = 1; w < ways_; ++w) {
        if (set[w].stamp < t->stamp) t = &set[w];
      }
    }
    *t = {true, level, asid, tag, next, ++clock_};
  }
  size_t invalidatePage(vmsim::Asid asid, uint64_t va) {
    size_t n = 0;
    for (unsigned level = 2; level <= 7; ++level) {
      if (Line* l = find(asid, level, tagOf(va, level))) {
        l->valid = false;
        ++n;
      }
    }
    return n;
  }
  size_t invalidateAsid(vmsim::Asid asid) {
    size_t n = 0;
    for (auto& l : lines_) {
      if (l.valid && l.asid == asid) {
        l.valid = false;
        ++n;
      }
    }
    return n;
  }

 private:
  static uint64_t tagOf(uint64_t va, unsigned level) {  // a span of >= 64 bits has one tag
    const unsigned shift = vmsim::paging::Format::leafShift(level);
    return shift >= 64 ? 0 : va >> shift;
  }
  struct Line {
    bool valid = false;
    unsigned level = 0;
    vmsim::Asid asid = 0;
    uint64_t tag = 0, next = 0, stamp = 0;
  };
  Line* find(vmsim::Asid asid, unsigned level, uint64_t tag) {
    Line* set = &lines_[(tag % sets_) * ways_];
    for (unsigned w = 0; w < ways_; ++w) {
      if (set[w].valid && set[w].tag == tag && set[w].level == level && set[w].asid == asid) {
        return &set[w];
      }
    }
    return nullptr;
  }
  std::vector<Line> lines_;
  size_t sets_;
  unsigned ways_;
  uint64_t clock_ = 0;
};
}  // namespace

TEST(WalkCacheArray, AgreesWithThePlainReferenceOverRandomOperations) {
  const std::pair<size_t, unsigned> shapes[] = {{32, 4},  {4, 4},   {2, 2}, {12, 3},
                                                {16, 16}, {32, 32}, {1, 1}};
  for (const auto& [entries, ways] : shapes) {
    WalkCacheArray c(entries, ways);
    ReferenceWalkCache r(entries, ways);
    uint64_t h = 5;
    auto next = [&h] {
      h = h * 6364136223846793005ull + 1442695040888963407ull;
      return h >> 20;
    };
    for (int i = 0; i < 20000; ++i) {
      const vmsim::Asid asid = static_cast<vmsim::Asid>(next() % 3 == 0 ? 0xffff : next() % 3);
      const unsigned level = 2 + static_cast<unsigned>(next() % 4);
      // High VAs too (a 57-bit address space's top half): the packed tags keep every bit.
      const uint64_t va = (next() % 64) << 21 | (next() % 2 ? uint64_t{0x1ff} << 48 : 0);
      const uint64_t op = next() % 10;
      const std::string where =
          std::to_string(entries) + "/" + std::to_string(ways) + " " + std::to_string(i);
      if (op < 4) {
        const uint64_t table = (next() % 4096) << 12;
        c.insert(asid, level, va, table);
        r.insert(asid, level, va, table);
      } else if (op < 8) {
        ASSERT_EQ(c.lookup(asid, level, va), r.lookup(asid, level, va)) << where;
      } else if (op == 8) {
        ASSERT_EQ(c.invalidatePage(asid, va), r.invalidatePage(asid, va)) << where;
      } else if (next() % 8 == 0) {
        ASSERT_EQ(c.invalidateAsid(asid), r.invalidateAsid(asid)) << where;
      }
    }
  }
}
