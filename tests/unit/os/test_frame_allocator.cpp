// Unit tests of the kernel's buddy frame allocator: splitting, coalescing, alignment, exhaustion,
// validation of frees and the unusable-free-space index.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "vmsim/os/frame_allocator.h"

using vmsim::os::FrameAllocator;

namespace {

TEST(FrameAllocator, FreshAlignedRangeHandsOutFramesInAscendingOrder) {
  FrameAllocator a(4096, 4096);
  for (uint64_t i = 0; i < 4096; ++i) ASSERT_EQ(a.allocate(0), 4096 + i);
  EXPECT_FALSE(a.allocate(0));
  EXPECT_EQ(a.freeFrames(), 0u);
}

TEST(FrameAllocator, SmallRequestsComeFromTheSmallestBlockFirst) {
  // 1000 frames = blocks of 512, 256, 128, 64, 32 and 8: order 0 splits the order-3 block at 992
  // rather than the large ones (Linux's __rmqueue_smallest), keeping large blocks whole.
  FrameAllocator a(0, 1000);
  for (uint64_t i = 0; i < 8; ++i) ASSERT_EQ(a.allocate(0), 992 + i);
  EXPECT_EQ(a.allocate(0), 960u);
  EXPECT_EQ(a.freeBlocks(9), 1u);
}

TEST(FrameAllocator, InitialBlocksAreMaximalAndAligned) {
  // Frames 3 .. 3+21 = [3, 24): 3 (o0), 4..7 (o2), 8..15 (o3), 16..23 (o3).
  FrameAllocator a(3, 21);
  EXPECT_EQ(a.freeFrames(), 21u);
  EXPECT_EQ(a.freeBlocks(0), 1u);
  EXPECT_EQ(a.freeBlocks(1), 0u);
  EXPECT_EQ(a.freeBlocks(2), 1u);
  EXPECT_EQ(a.freeBlocks(3), 2u);
  EXPECT_FALSE(a.canAllocate(4));
  EXPECT_EQ(a.allocate(3), 8u);
  EXPECT_EQ(a.allocate(3), 16u);
  EXPECT_FALSE(a.allocate(3));
  EXPECT_EQ(a.allocate(2), 4u);
  EXPECT_EQ(a.allocate(0), 3u);
  EXPECT_FALSE(a.allocate(0));
}

TEST(FrameAllocator, SplitsTheSmallestFittingBlockAndKeepsTheUpperHalvesFree) {
  FrameAllocator a(0, 16);  // one order-4 block
  EXPECT_EQ(a.freeBlocks(4), 1u);
  EXPECT_EQ(a.allocate(0), 0u);
  // 1 (o0), 2..3 (o1), 4..7 (o2), 8..15 (o3) are free now.
  for (unsigned k = 0; k < 4; ++k) EXPECT_EQ(a.freeBlocks(k), 1u) << k;
  EXPECT_EQ(a.freeBlocks(4), 0u);
  EXPECT_EQ(a.allocate(1), 2u);  // the order-1 block, not a split of the order-3 one
  EXPECT_EQ(a.allocate(0), 1u);
  EXPECT_EQ(a.allocate(2), 4u);
  EXPECT_EQ(a.freeFrames(), 8u);
}

TEST(FrameAllocator, FreeCoalescesWithFreeBuddiesUpToTheWholeRange) {
  FrameAllocator a(0, 16);
  std::vector<uint64_t> got;
  for (int i = 0; i < 16; ++i) got.push_back(*a.allocate(0));
  std::mt19937 rng(7);
  std::shuffle(got.begin(), got.end(), rng);
  for (uint64_t f : got) a.free(f, 0);
  EXPECT_EQ(a.freeFrames(), 16u);
  EXPECT_EQ(a.freeBlocks(4), 1u);
  for (unsigned k = 0; k < 4; ++k) EXPECT_EQ(a.freeBlocks(k), 0u) << k;
  EXPECT_EQ(a.allocate(4), 0u);
}

TEST(FrameAllocator, NoMergeWithABuddyOfAnotherOrderOrOutsideTheRange) {
  FrameAllocator a(0, 12);  // 0..7 (o3), 8..11 (o2): 8's order-2 buddy 12..15 lies outside
  EXPECT_EQ(a.allocate(2), 8u);
  a.free(8, 2);
  EXPECT_EQ(a.freeBlocks(2), 1u);
  EXPECT_EQ(a.freeBlocks(3), 1u);
  // Order 0 comes from the smallest fitting block, 8..11, not from 0..7.
  EXPECT_EQ(a.allocate(0), 8u);
  EXPECT_EQ(a.allocate(0), 9u);
  EXPECT_EQ(a.allocate(0), 10u);
  a.free(9, 0);
  a.free(8, 0);
  EXPECT_EQ(a.freeBlocks(1), 1u);  // 8..9
  EXPECT_EQ(a.freeBlocks(0), 1u);  // 11
  a.free(10, 0);  // 10+11 -> 10..11, with 8..9 -> 8..11; not with 0..7 (order 3), 12.. is outside
  EXPECT_EQ(a.freeBlocks(2), 1u);
  EXPECT_EQ(a.freeBlocks(3), 1u);
  EXPECT_EQ(a.freeBlocks(0), 0u);
  EXPECT_EQ(a.freeBlocks(1), 0u);
  EXPECT_EQ(a.freeFrames(), 12u);
}

TEST(FrameAllocator, BlocksAreAlignedInPhysicalFrameNumbers) {
  // 2 MiB = order 9: a range starting 1 MiB above a 2 MiB boundary has its first aligned block
  // at the next boundary, whatever the index within the range.
  const uint64_t first = 512 + 256;
  FrameAllocator a(first, 4096);
  std::set<uint64_t> seen;
  while (auto b = a.allocate(9)) {
    EXPECT_EQ(*b % 512, 0u);
    EXPECT_GE(*b, first);
    EXPECT_LE(*b + 512, first + 4096);
    seen.insert(*b);
  }
  EXPECT_EQ(seen.size(), 7u);  // [1024, 4608) holds 7 aligned 2 MiB blocks
  EXPECT_EQ(a.freeFrames(), 4096u - 7 * 512);
  EXPECT_TRUE(a.canAllocate(8));  // the 256 frames below 1024 and above 4608
}

TEST(FrameAllocator, ExhaustionAndRecovery) {
  FrameAllocator a(0, 1024);
  EXPECT_EQ(a.allocate(10), 0u);
  EXPECT_FALSE(a.allocate(0));
  EXPECT_FALSE(a.canAllocate(0));
  EXPECT_EQ(a.unusableIndex(0), 1.0);  // nothing free: nothing usable (Linux's convention)
  a.free(0, 10);
  EXPECT_EQ(a.freeFrames(), 1024u);
  EXPECT_FALSE(a.allocate(11));  // larger than the whole range
  EXPECT_FALSE(a.allocate(FrameAllocator::kMaxOrder + 1));
}

TEST(FrameAllocator, RejectsDoubleFreesWrongOrdersAndInteriorFrames) {
  FrameAllocator a(0, 64);
  const auto b = a.allocate(3);
  ASSERT_EQ(b, 0u);
  EXPECT_THROW(a.free(0, 2), std::invalid_argument);   // wrong order
  EXPECT_THROW(a.free(4, 0), std::invalid_argument);   // interior of the allocated block
  EXPECT_THROW(a.free(8, 0), std::invalid_argument);   // head of a free block
  EXPECT_THROW(a.free(9, 0), std::invalid_argument);   // interior of a free block
  EXPECT_THROW(a.free(64, 0), std::invalid_argument);  // outside the range
  a.free(0, 3);
  EXPECT_THROW(a.free(0, 3), std::invalid_argument);  // double free
  EXPECT_EQ(a.freeFrames(), 64u);
  EXPECT_THROW(FrameAllocator(0, 0), std::invalid_argument);
  EXPECT_THROW(FrameAllocator(0, 8, FrameAllocator::kMaxOrder + 1), std::invalid_argument);
}

TEST(FrameAllocator, SplitTurnsAHugeBlockIntoFramesFreedOneByOne) {
  FrameAllocator a(0, 1024);
  ASSERT_EQ(a.allocate(9), 0u);
  a.split(0, 9);
  EXPECT_EQ(a.allocatedOrder(0), 0u);
  EXPECT_EQ(a.allocatedOrder(300), 0u);
  EXPECT_THROW(a.free(0, 9), std::invalid_argument);  // no longer one block
  for (uint64_t f = 0; f < 512; ++f) {
    if (f != 100) a.free(f, 0);
  }
  EXPECT_FALSE(a.allocate(10));  // frame 100 still holds the 2 MiB range
  EXPECT_EQ(a.unusableIndex(9), 511.0 / 1023.0);
  a.free(100, 0);
  EXPECT_EQ(a.allocate(10), 0u);  // everything merged back
  EXPECT_THROW(a.split(0, 9), std::invalid_argument);
}

TEST(FrameAllocator, UnusableIndexFollowsGormansDefinition) {
  // 64 frames; hold every other frame: 32 free order-0 blocks, nothing larger.
  FrameAllocator a(0, 64);
  for (int i = 0; i < 64; ++i) a.allocate(0);
  for (uint64_t f = 0; f < 64; f += 2) a.free(f, 0);
  EXPECT_EQ(a.freeFrames(), 32u);
  EXPECT_EQ(a.unusableIndex(0), 0.0);
  EXPECT_EQ(a.unusableIndex(1), 1.0);
  // Free 1 and 3: 0..3 is one order-2 block; 28 order-0 frames remain.
  a.free(1, 0);
  a.free(3, 0);
  EXPECT_EQ(a.freeBlocks(2), 1u);
  EXPECT_EQ(a.freeBlocks(0), 30u);
  EXPECT_DOUBLE_EQ(a.unusableIndex(1), 30.0 / 34.0);
  EXPECT_DOUBLE_EQ(a.unusableIndex(2), 30.0 / 34.0);
  EXPECT_DOUBLE_EQ(a.unusableIndex(3), 1.0);
}

TEST(FrameAllocator, MirrorsFreeBlockCounts) {
  FrameAllocator a(0, 16, 4);
  std::vector<double> m(5, -1);
  a.mirrorCounts(m.data());
  EXPECT_EQ(m, (std::vector<double>{0, 0, 0, 0, 1}));
  a.allocate(0);
  EXPECT_EQ(m, (std::vector<double>{1, 1, 1, 1, 0}));
}

// A random mix of allocations and frees against a reference model of which frames are taken.
TEST(FrameAllocator, RandomMixNeverOverlapsAndConservesFrames) {
  const uint64_t first = 100, n = 5000;
  FrameAllocator a(first, n, 10);
  std::vector<int> owner(n, -1);
  std::vector<std::pair<uint64_t, unsigned>> live;
  std::mt19937_64 rng(42);
  uint64_t used = 0;
  for (int step = 0; step < 20000; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      const unsigned order = static_cast<unsigned>(rng() % 11 < 8 ? 0 : rng() % 11);
      const auto b = a.allocate(order);
      if (!b) {
        EXPECT_FALSE(a.canAllocate(order));
        continue;
      }
      ASSERT_EQ(*b % (uint64_t{1} << order), 0u);
      for (uint64_t f = *b; f < *b + (uint64_t{1} << order); ++f) {
        ASSERT_GE(f, first);
        ASSERT_LT(f - first, n);
        ASSERT_EQ(owner[f - first], -1) << "frame handed out twice";
        owner[f - first] = step;
      }
      live.emplace_back(*b, order);
      used += uint64_t{1} << order;
    } else {
      const size_t i = rng() % live.size();
      const auto [b, order] = live[i];
      a.free(b, order);
      for (uint64_t f = b; f < b + (uint64_t{1} << order); ++f) owner[f - first] = -1;
      live[i] = live.back();
      live.pop_back();
      used -= uint64_t{1} << order;
    }
    ASSERT_EQ(a.freeFrames(), n - used);
  }
  for (const auto& [b, order] : live) a.free(b, order);
  EXPECT_EQ(a.freeFrames(), n);
  uint64_t total = 0;
  for (unsigned k = 0; k <= 10; ++k) total += a.freeBlocks(k) << k;
  EXPECT_EQ(total, n);
  EXPECT_EQ(a.unusableIndex(0), 0.0);
}

// A plain reference buddy system (one std::set of free heads per order): the allocator must hand
// out the same blocks and keep the same free blocks at every step, whether an order's free set
// is a single block or many (the one-element sets skip the bitmap).
class ReferenceBuddy {
 public:
  ReferenceBuddy(uint64_t first, uint64_t n, unsigned maxOrder)
      : first_(first), end_(first + n), max_(maxOrder), free_(maxOrder + 1) {
    for (uint64_t pfn = first; pfn < end_;) {
      unsigned k = maxOrder;
      while (k > 0 && ((pfn & ((uint64_t{1} << k) - 1)) || end_ - pfn < (uint64_t{1} << k))) --k;
      free_[k].insert(pfn);
      pfn += uint64_t{1} << k;
    }
  }
  std::optional<uint64_t> allocate(unsigned order) {
    unsigned k = order;
    while (k <= max_ && free_[k].empty()) ++k;
    if (k > max_) return std::nullopt;
    const uint64_t pfn = *free_[k].begin();
    free_[k].erase(free_[k].begin());
    while (k > order) {
      --k;
      free_[k].insert(pfn + (uint64_t{1} << k));
    }
    return pfn;
  }
  void free(uint64_t pfn, unsigned order) {
    while (order < max_) {
      const uint64_t size = uint64_t{1} << order, buddy = pfn ^ size;
      if (buddy < first_ || buddy + size > end_ || !free_[order].erase(buddy)) break;
      pfn &= ~size;
      ++order;
    }
    free_[order].insert(pfn);
  }
  uint64_t blocks(unsigned order) const { return free_[order].size(); }

 private:
  uint64_t first_, end_;
  unsigned max_;
  std::vector<std::set<uint64_t>> free_;
};

TEST(FrameAllocator, MatchesAReferenceBuddySystemStepByStep) {
  for (const auto& [first, n, maxOrder] :
       {std::tuple<uint64_t, uint64_t, unsigned>{0, 1u << 14, 18},
        {100, 5000, 10},
        {4096 + 3, 70000, 18}}) {
    FrameAllocator a(first, n, maxOrder);
    ReferenceBuddy ref(first, n, maxOrder);
    std::vector<std::pair<uint64_t, unsigned>> live;
    std::mt19937_64 rng(first + n);
    for (int step = 0; step < 30000; ++step) {
      // Phases: mostly ascending order-0 allocation (one free block per order), then a mix,
      // then mostly frees (orders with many free blocks).
      const int phase = step / 10000;
      const bool alloc = live.empty() || (phase == 0   ? rng() % 8 != 0
                                          : phase == 1 ? rng() % 2 == 0
                                                       : rng() % 4 == 0);
      if (alloc) {
        const unsigned order = static_cast<unsigned>(rng() % 8 != 0 ? 0 : rng() % (maxOrder + 1));
        const auto b = a.allocate(order);
        ASSERT_EQ(b, ref.allocate(order)) << "step " << step;
        if (b) live.emplace_back(*b, order);
      } else {
        const size_t i = rng() % live.size();
        a.free(live[i].first, live[i].second);
        ref.free(live[i].first, live[i].second);
        live[i] = live.back();
        live.pop_back();
      }
      for (unsigned k = 0; k <= maxOrder; ++k) {
        ASSERT_EQ(a.freeBlocks(k), ref.blocks(k)) << "step " << step << " order " << k;
      }
    }
  }
}

}  // namespace
