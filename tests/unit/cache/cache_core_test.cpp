// Rules of the cache array and the MSHR file without SystemC: set indexing, each replacement
// policy, write-back with write-allocate, inclusion (back-invalidation, exclusive moves),
// occupancy by kind, MSHR merging and the bound on outstanding misses.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "vmsim/cache/cache_core.h"
#include "vmsim/tlb/tlb_core.h"

using vmsim::cache::CacheCore;
using vmsim::cache::MshrFile;
using vmsim::cache::Victim;

namespace {
// Line number of the n-th line that maps to `set` in a cache with `sets` sets.
uint64_t lineIn(size_t sets, size_t set, uint64_t n) {
  return n * sets + set;
}
}  // namespace

TEST(CacheCore, GeometryAndSetIndexing) {
  CacheCore c(32 * 1024, 8, 64, "lru");
  EXPECT_EQ(c.sets(), 64u);
  EXPECT_EQ(c.lineBytes(), 64u);
  EXPECT_EQ(c.lineOf(0x12345), 0x12345u >> 6);
  EXPECT_EQ(c.lineBase(c.lineOf(0x12345)), 0x12340u);
  // Set = line number modulo the set count: addresses 4 KiB apart share a set (64 sets * 64 B).
  EXPECT_EQ(c.setOf(c.lineOf(0x0)), c.setOf(c.lineOf(0x1000)));
  EXPECT_EQ(c.setOf(c.lineOf(0x40)), 1u);
  EXPECT_EQ(c.setOf(c.lineOf(0xfc0)), 63u);
  EXPECT_NE(c.setOf(c.lineOf(0x0)), c.setOf(c.lineOf(0x40)));
  // A set count that is no power of two (12 KiB, 4 ways, 64 B: 48 sets) indexes by modulo.
  CacheCore odd(12 * 1024, 4, 64, "lru");
  EXPECT_EQ(odd.sets(), 48u);
  EXPECT_EQ(odd.setOf(47), 47u);
  EXPECT_EQ(odd.setOf(48), 0u);
  EXPECT_EQ(odd.setOf(100), 4u);
  EXPECT_THROW(CacheCore(1000, 8, 64, "lru"), std::invalid_argument);
  EXPECT_THROW(CacheCore(4096, 4, 48, "lru"), std::invalid_argument);
  EXPECT_THROW(CacheCore(4096, 4, 64, "mru"), std::invalid_argument);
}

TEST(CacheCore, MissFillHitAndConflictsStayInTheirSet) {
  CacheCore c(4096, 2, 64, "lru");  // 32 sets
  EXPECT_FALSE(c.access(5, false));
  EXPECT_FALSE(c.fill(5, false, false).valid);
  EXPECT_TRUE(c.access(5, false));
  // Two more lines of set 5 fill its two ways; the third evicts; set 6 is untouched.
  c.fill(6, false, false);
  c.fill(lineIn(32, 5, 1), false, false);
  const Victim v = c.fill(lineIn(32, 5, 2), false, false);
  ASSERT_TRUE(v.valid);
  EXPECT_EQ(v.line, 5u);
  EXPECT_TRUE(c.contains(6));
  EXPECT_EQ(c.linesValid(), 3u);
}

TEST(CacheCore, LruEvictsTheLeastRecentlyUsed) {
  CacheCore c(4 * 64, 4, 64, "lru");  // one set, 4 ways
  for (uint64_t l = 0; l < 4; ++l) c.fill(l, false, false);
  EXPECT_TRUE(c.access(0, false));  // 0 becomes most recent: 1 is now the oldest
  EXPECT_EQ(c.fill(4, false, false).line, 1u);
  EXPECT_EQ(c.fill(5, false, false).line, 2u);
  EXPECT_EQ(c.fill(6, false, false).line, 3u);
  EXPECT_EQ(c.fill(7, false, false).line, 0u);
}

TEST(CacheCore, FifoIgnoresHits) {
  CacheCore c(4 * 64, 4, 64, "fifo");
  for (uint64_t l = 0; l < 4; ++l) c.fill(l, false, false);
  EXPECT_TRUE(c.access(0, false));  // a hit does not move 0 in the insertion order
  EXPECT_EQ(c.fill(4, false, false).line, 0u);
  EXPECT_EQ(c.fill(5, false, false).line, 1u);
}

TEST(CacheCore, TreePlruFollowsItsTreeBits) {
  CacheCore c(4 * 64, 4, 64, "plru");
  for (uint64_t l = 0; l < 4; ++l) c.fill(l, false, false);  // ways 0..3 in order
  // After the fills (3 last) the tree points to the left half and there away from 1: way 0.
  // Touching 0 turns the root to the right half, whose node points away from 3: way 2.
  EXPECT_TRUE(c.access(0, false));
  EXPECT_EQ(c.fill(10, false, false).line, 2u);
  // 10 now sits in way 2; the root points left, the left node away from 0: way 1.
  EXPECT_EQ(c.fill(11, false, false).line, 1u);
  EXPECT_THROW(CacheCore(3 * 64, 3, 64, "plru"), std::invalid_argument);
}

TEST(CacheCore, RandomIsSeededAndStaysInTheSet) {
  auto evictions = [](uint64_t seed) {
    CacheCore c(2 * 4 * 64, 4, 64, "random", seed);  // 2 sets
    std::vector<uint64_t> out;
    for (uint64_t n = 0; n < 40; ++n) {
      const Victim v = c.fill(lineIn(2, 1, n), false, false);
      if (v.valid) {
        EXPECT_EQ(v.line % 2, 1u);  // only lines of set 1 are evicted
        out.push_back(v.line);
      }
    }
    return out;
  };
  EXPECT_EQ(evictions(7), evictions(7));
  EXPECT_NE(evictions(7), evictions(8));
  EXPECT_EQ(evictions(7).size(), 36u);
}

TEST(CacheCore, StoresMakeLinesDirtyAndEvictionsWriteThemBack) {
  CacheCore c(2 * 64, 2, 64, "lru");  // one set, 2 ways
  c.fill(1, false, false);
  c.fill(2, false, false);
  EXPECT_FALSE(c.isDirty(1));
  EXPECT_TRUE(c.access(1, true));  // write hit: dirty (write-back, no write-through)
  EXPECT_TRUE(c.isDirty(1));
  EXPECT_EQ(c.linesDirty(), 1u);
  const Victim clean = c.fill(3, false, false);  // 2 is the LRU one, clean
  EXPECT_EQ(clean.line, 2u);
  EXPECT_FALSE(clean.dirty);
  const Victim dirty = c.fill(4, true, false);  // write-allocate: a store miss fills dirty
  EXPECT_EQ(dirty.line, 1u);
  EXPECT_TRUE(dirty.dirty);
  EXPECT_TRUE(c.isDirty(4));
  EXPECT_EQ(c.linesDirty(), 1u);
  // A write-back from above into a present line marks it dirty in place, evicting nothing.
  EXPECT_FALSE(c.fill(3, true, false).valid);
  EXPECT_TRUE(c.isDirty(3));
}

TEST(CacheCore, OccupancyByKind) {
  CacheCore c(4 * 64, 4, 64, "lru");
  c.fill(1, false, true);
  c.fill(2, false, true);
  c.fill(3, false, false);
  EXPECT_EQ(c.linesValid(), 3u);
  EXPECT_EQ(c.linesPageTable(), 2u);
  EXPECT_TRUE(c.extract(1).pageTable);
  EXPECT_EQ(c.linesPageTable(), 1u);
  c.fill(4, false, false);
  c.fill(5, false, false);
  EXPECT_EQ(c.linesPageTable(), 1u);
  EXPECT_TRUE(c.fill(6, false, false).pageTable);  // evicts 2 (LRU), a page-table line
  EXPECT_EQ(c.linesPageTable(), 0u);
  EXPECT_EQ(c.linesValid(), 4u);
}

TEST(CacheCore, InclusiveEvictionBackInvalidatesUpperLevels) {
  CacheCore l1(2 * 64, 2, 64, "lru");  // one set
  CacheCore l2(2 * 64, 2, 64, "lru");  // one set: evicts after two lines
  l2.addInclusiveUpper(&l1);
  for (uint64_t l : {10, 11}) {
    l2.fill(l, false, false);
    l1.fill(l, false, false);
  }
  EXPECT_TRUE(l1.access(10, true));            // dirty in L1 only
  const Victim v = l2.fill(12, false, false);  // L2 evicts 10 (LRU in L2)
  EXPECT_EQ(v.line, 10u);
  EXPECT_TRUE(v.dirty);  // the upper copy was dirty: the write-back carries it
  EXPECT_FALSE(l1.contains(10));
  EXPECT_TRUE(l1.contains(11));
  EXPECT_EQ(l1.backInvalidations(), 1u);
}

TEST(CacheCore, NonInclusiveEvictionLeavesUpperLevels) {
  CacheCore l1(2 * 64, 2, 64, "lru");
  CacheCore l2(2 * 64, 2, 64, "lru");  // no addInclusiveUpper: non-inclusive
  for (uint64_t l : {10, 11}) {
    l2.fill(l, false, false);
    l1.fill(l, false, false);
  }
  EXPECT_EQ(l2.fill(12, false, false).line, 10u);
  EXPECT_TRUE(l1.contains(10));
  EXPECT_EQ(l1.backInvalidations(), 0u);
}

TEST(CacheCore, InclusionAcrossLineSizes) {
  CacheCore l1(4 * 32, 4, 32, "lru");  // 32-byte lines
  CacheCore l2(128, 1, 128, "lru");    // one 128-byte line
  l2.addInclusiveUpper(&l1);
  l2.fill(0, false, false);
  l1.fill(0, false, false);
  l1.fill(3, false, false);  // both inside L2 line 0
  l2.fill(1, false, false);  // evicts L2 line 0: both L1 lines go
  EXPECT_FALSE(l1.contains(0));
  EXPECT_FALSE(l1.contains(3));
  EXPECT_EQ(l1.backInvalidations(), 2u);
}

TEST(CacheCore, ExclusiveLinesMoveBetweenLevels) {
  // The shell's exclusive protocol on two cores: a fill from below extracts the line there;
  // the upper level's victim (clean or dirty) is allocated below.
  CacheCore l1(64, 1, 64, "lru");
  CacheCore l2(4 * 64, 4, 64, "lru");
  l2.fill(7, true, false);
  const Victim up = l2.extract(7);  // L1 misses on 7, L2 hits and gives the line up
  ASSERT_TRUE(up.valid);
  EXPECT_TRUE(up.dirty);
  EXPECT_FALSE(l2.contains(7));
  l1.fill(7, up.dirty, false);
  const Victim down = l1.fill(8, false, false);  // L1's victim 7 moves down, still dirty
  ASSERT_TRUE(down.valid);
  l2.fill(down.line, down.dirty, down.pageTable);
  EXPECT_TRUE(l2.contains(7));
  EXPECT_TRUE(l2.isDirty(7));
  EXPECT_FALSE(l1.contains(7));
  EXPECT_FALSE(l2.extract(9).valid);  // a miss below extracts nothing
}

TEST(MshrFile, MergesMissesToTheSameLineWhileBusy) {
  MshrFile m(4);
  EXPECT_FALSE(m.anyBusy(0));
  auto [i, t] = m.acquire(100);
  EXPECT_EQ(t, 100u);
  m.occupy(i, 42, 500);
  EXPECT_TRUE(m.anyBusy(100));
  EXPECT_EQ(m.find(42, 200), static_cast<int>(i));  // a second miss to line 42 merges
  EXPECT_EQ(m.busyUntil(i), 500u);
  EXPECT_EQ(m.find(43, 200), -1);  // another line does not
  EXPECT_EQ(m.find(42, 500), -1);  // the fill is done: no merge
  EXPECT_FALSE(m.anyBusy(500));
}

TEST(MshrFile, BoundsOutstandingMissesAndStallsUntilTheFirstFrees) {
  MshrFile m(2);
  auto a = m.acquire(0);
  m.occupy(a.first, 1, 300);
  auto b = m.acquire(0);
  EXPECT_NE(a.first, b.first);
  m.occupy(b.first, 2, 200);
  EXPECT_EQ(m.busy(10), 2u);
  // Full: the third miss waits until the entry that frees first (200).
  const auto c = m.acquire(10);
  EXPECT_EQ(c.first, b.first);
  EXPECT_EQ(c.second, 200u);
  // AT: a pending fill has no known end; release frees it.
  m.occupy(c.first, 3, MshrFile::kPending);
  EXPECT_EQ(m.acquire(250).second, 300u);
  m.occupy(a.first, 4, MshrFile::kPending);
  EXPECT_EQ(m.acquire(400).second, MshrFile::kPending);
  EXPECT_EQ(m.find(4, 1000000), static_cast<int>(a.first));
  m.release(a.first, 400);
  EXPECT_EQ(m.acquire(400), std::make_pair(a.first, uint64_t{400}));
  EXPECT_THROW(MshrFile(0), std::invalid_argument);
}

// A full set takes its victim without looking for a free way (the per-set count of valid lines);
// a way freed by extraction or back-invalidation is used again before anything is evicted.
TEST(CacheCore, FreedWaysAreFilledBeforeAnyEviction) {
  CacheCore lower(2 * 64, 2, 64, "lru");  // one set, 2 ways
  CacheCore c(4 * 64, 2, 64, "lru");      // 2 sets, 2 ways
  lower.addInclusiveUpper(&c);
  EXPECT_FALSE(c.fill(0, false, false).valid);
  EXPECT_FALSE(c.fill(2, false, false).valid);
  EXPECT_TRUE(c.fill(4, false, false).valid);  // set 0 full: 0 goes
  EXPECT_TRUE(c.extract(2).valid);
  EXPECT_FALSE(c.fill(6, false, false).valid);  // the freed way
  EXPECT_TRUE(c.contains(4));
  EXPECT_TRUE(c.contains(6));
  // The inclusive level below evicts 4: its copy here goes, and the next fill of set 0 is free.
  lower.fill(4, false, false);
  lower.fill(8, false, false);
  EXPECT_TRUE(lower.fill(10, false, false).valid);
  EXPECT_FALSE(c.contains(4));
  EXPECT_FALSE(c.fill(12, false, false).valid);
  EXPECT_TRUE(c.fill(14, false, false).valid);
  EXPECT_EQ(c.linesValid(), 2u);
}

// The array's fast paths (probes of eight ways at a time, LRU as a per-set order of ways for up
// to 16 ways, a victim's fill as a shift of that order) against a plain reference: per set, a
// list of ways compared one by one, and the TLB's set-replacement policy object asked for every
// victim. Random accesses, fills, write-backs and extractions over many more lines than the cache
// holds (so probes meet lines that share one 32-bit half with theirs), for way counts below, at
// and above 8 and 16 and set counts that are and are not powers of two.
TEST(CacheCore, FastPathsAgreeWithAPlainReferenceArray) {
  struct Way {
    bool valid = false, dirty = false;
    uint64_t line = 0;
  };
  for (const std::string policy : {"lru", "fifo", "plru", "random"}) {
    for (const unsigned ways : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 9u, 12u, 15u, 16u, 17u, 24u, 32u}) {
      if (policy == "plru" && (ways & (ways - 1))) continue;
      for (const size_t sets : {size_t{1}, size_t{3}, size_t{4}}) {
        CacheCore c(sets * ways * 64, ways, 64, policy, 7);
        auto repl = vmsim::tlb::makeSetReplacement(policy, sets, ways, 7);
        std::vector<Way> ref(sets * ways);
        auto findRef = [&](uint64_t line) -> int {
          const size_t s = line % sets;
          for (unsigned w = 0; w < ways; ++w) {
            if (ref[s * ways + w].valid && ref[s * ways + w].line == line) return int(w);
          }
          return -1;
        };
        auto fillRef = [&](uint64_t line, bool dirty) -> Way {
          const size_t s = line % sets;
          const int hit = findRef(line);
          if (hit >= 0) {
            repl->touch(s, unsigned(hit));
            ref[s * ways + unsigned(hit)].dirty |= dirty;
            return {};
          }
          int w = -1;
          for (unsigned i = 0; i < ways && w < 0; ++i) {
            if (!ref[s * ways + i].valid) w = int(i);
          }
          Way out;
          if (w < 0) {
            w = int(repl->victim(s));
            out = ref[s * ways + unsigned(w)];
          }
          ref[s * ways + unsigned(w)] = {true, dirty, line};
          repl->filled(s, unsigned(w));
          return out;
        };
        uint64_t x = 12345 + ways * 31 + sets;
        auto next = [&] {
          x ^= x << 13, x ^= x >> 7, x ^= x << 17;
          return x;
        };
        const uint64_t span = 4096;  // lines in play: many per set
        for (int step = 0; step < 20000; ++step) {
          // Some lines share their low or high 32 bits with others (the probe compares halves).
          const uint64_t r = next() % span;
          const uint64_t line = (r & 1023) | ((r >> 10) << 32);
          const unsigned op = unsigned(next() % 8);
          if (op < 5) {  // an access; a miss fills the line, as a cache does
            const bool write = op == 0;
            const int hit = findRef(line);
            ASSERT_EQ(c.access(line, write), hit >= 0) << policy << ways << " " << sets;
            if (hit >= 0) {
              repl->touch(line % sets, unsigned(hit));
              ref[(line % sets) * ways + unsigned(hit)].dirty |= write;
            } else {
              const Victim v = c.fillAbsent(line, write, false);
              const Way r = fillRef(line, write);
              ASSERT_EQ(v.valid, r.valid);
              if (v.valid) {
                ASSERT_EQ(v.line, r.line) << policy << " ways " << ways << " sets " << sets;
                ASSERT_EQ(v.dirty, r.dirty);
              }
            }
          } else if (op < 7) {  // a line arriving from above, present or not
            bool present = false;
            const Victim v = c.fill(line, op == 5, false, &present);
            ASSERT_EQ(present, findRef(line) >= 0);
            const Way r = fillRef(line, op == 5);
            ASSERT_EQ(v.valid, r.valid);
            if (v.valid) {
              ASSERT_EQ(v.line, r.line);
            }
          } else {  // taken out (exclusive move up or back-invalidation)
            const int hit = findRef(line);
            const Victim v = c.extract(line);
            ASSERT_EQ(v.valid, hit >= 0);
            if (hit >= 0) {
              ASSERT_EQ(v.dirty, ref[(line % sets) * ways + unsigned(hit)].dirty);
              ref[(line % sets) * ways + unsigned(hit)] = {};
            }
          }
          ASSERT_EQ(c.contains(line), findRef(line) >= 0);
        }
        size_t valid = 0;
        for (const Way& w : ref) valid += w.valid;
        EXPECT_EQ(c.linesValid(), valid);
      }
    }
  }
}
