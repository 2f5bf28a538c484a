// The walk-cache array: tags by (ASID, level, VA prefix of that level), set indexing, LRU with
// invalid ways first, invalidation of every level on a page's path.
#include <gtest/gtest.h>

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
}
