// Unit tests of ProcessHeap: brk growth, mmap threshold, fit policies, coalescing, the other
// arenas, realloc/calloc semantics and the metadata accesses malloc makes.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>

#include "heap_test_util.h"

using namespace vmsim::os;
using namespace vmsim::os::test;
using vmsim::workloads::Access;
using vmsim::workloads::Op;

namespace {

TEST(HeapBrk, FirstMallocRaisesTheBreakByOneIncrement) {
  HeapFixture f;
  EXPECT_EQ(f.heap.programBreak(), kHeapStart);
  const uint64_t p = f.heap.malloc(100);
  EXPECT_EQ(p, kHeapStart + 16);  // chunk at the heap start, 16-byte header
  EXPECT_EQ(f.heap.programBreak(), kHeapStart + 128 * 1024);
  EXPECT_EQ(f.mem.currentBreak(), kHeapStart + 128 * 1024);
  EXPECT_EQ(f.heap.breakGrowths(), 1u);
}

TEST(HeapBrk, GrowsAgainOnlyWhenTheHeapIsFull) {
  HeapFixture f;
  uint64_t last = 0;
  int n = 0;
  while (f.heap.breakGrowths() < 2) {
    last = f.heap.malloc(1008);  // 1024-byte chunks
    ++n;
  }
  EXPECT_EQ(n, 128);  // 127 chunks + the top chunk's header fit in 128 KiB; the 128th does not
  EXPECT_EQ(last, kHeapStart + 127 * 1024 + 16);
  EXPECT_EQ(f.heap.programBreak(), kHeapStart + 256 * 1024);
}

TEST(HeapBrk, IncrementIsConfigurable) {
  ProcessHeapConfig c;
  c.heap.brkIncrement = 4096;
  HeapFixture f(c);
  f.heap.malloc(5000);
  EXPECT_EQ(f.heap.programBreak(), kHeapStart + 8192);
}

TEST(HeapBrk, FreeingTheTopGivesMemoryBackAboveTheTrimThreshold) {
  for (const uint64_t threshold : {uint64_t{128 * 1024}, uint64_t{0}}) {
    ProcessHeapConfig c;
    c.heap.trimThreshold = threshold;
    HeapFixture f(c);
    std::vector<uint64_t> ps;
    for (int i = 0; i < 5; ++i) ps.push_back(f.heap.malloc(100 * 1024));
    EXPECT_EQ(f.heap.programBreak(), kHeapStart + 512 * 1024);
    for (const uint64_t p : ps) f.heap.free(p);
    EXPECT_EQ(f.heap.programBreak(), kHeapStart + (threshold ? 128 : 512) * 1024);
    EXPECT_EQ(f.mem.currentBreak(), f.heap.programBreak());
    EXPECT_EQ(f.heap.breakShrinks(), threshold ? 1u : 0u);
  }
}

TEST(HeapBrk, DeferredReleasesWaitForSettle) {
  ProcessHeapConfig c;
  c.deferReleases = true;
  HeapFixture f(c);
  const uint64_t big = f.heap.malloc(200 * 1024);
  const uint64_t p = f.heap.malloc(100 * 1024);
  const uint64_t q = f.heap.malloc(100 * 1024);
  f.heap.free(q);
  f.heap.free(p);
  f.heap.free(big);
  EXPECT_EQ(f.mem.currentBreak(), kHeapStart + 256 * 1024);
  EXPECT_EQ(f.mem.mappings().size(), 1u);
  f.heap.settle();
  EXPECT_EQ(f.mem.currentBreak(), kHeapStart + 128 * 1024);
  EXPECT_TRUE(f.mem.mappings().empty());
}

TEST(HeapBrk, GrowthInTheSameOpCancelsADeferredShrink) {
  ProcessHeapConfig c;
  c.deferReleases = true;
  HeapFixture f(c);
  const uint64_t p = f.heap.malloc(100 * 1024);
  const uint64_t q = f.heap.malloc(100 * 1024);
  f.heap.free(q);                                // the break could drop to 128 KiB...
  const uint64_t r = f.heap.malloc(100 * 1024);  // ...but this needs it again
  f.heap.settle();
  EXPECT_EQ(r, q);
  EXPECT_EQ(f.mem.currentBreak(), kHeapStart + 256 * 1024);
  EXPECT_TRUE(f.heap.block(p));
}

TEST(HeapMmap, RequestsAtTheThresholdAreMappedAndUnmapped) {
  HeapFixture f;
  const uint64_t small = f.heap.malloc(128 * 1024 - 1);
  const uint64_t big = f.heap.malloc(128 * 1024);
  EXPECT_FALSE(f.heap.block(small)->mmapped);
  ASSERT_TRUE(f.heap.block(big)->mmapped);
  ASSERT_EQ(f.mem.mappings().size(), 1u);
  const auto [addr, len] = *f.mem.mappings().begin();
  EXPECT_EQ(big, addr + 16);
  EXPECT_EQ(len, 132u * 1024);  // request + header, page rounded
  f.heap.free(big);
  EXPECT_TRUE(f.mem.mappings().empty());
  EXPECT_EQ(f.heap.stats().mmaps, 1u);
  EXPECT_EQ(f.heap.stats().munmaps, 1u);
}

TEST(HeapMmap, ThresholdIsConfigurable) {
  ProcessHeapConfig c;
  c.heap.mmapThreshold = 4096;
  HeapFixture f(c);
  EXPECT_TRUE(f.heap.block(f.heap.malloc(4096))->mmapped);
  EXPECT_FALSE(f.heap.block(f.heap.malloc(4095))->mmapped);
}

TEST(HeapMmap, RefusedBrkFallsBackToMmap) {
  SimpleMemoryLayout layout;
  layout.breakLimit = layout.heapStart + 64 * 1024;  // below one 128 KiB increment
  HeapFixture f({}, layout);
  const uint64_t p = f.heap.malloc(100);
  ASSERT_NE(p, 0u);
  EXPECT_TRUE(f.heap.block(p)->mmapped);
  EXPECT_EQ(f.heap.programBreak(), kHeapStart);
  EXPECT_EQ(f.heap.stats().failures, 0u);
}

TEST(HeapMmap, ExhaustedMemoryReturnsNull) {
  SimpleMemoryLayout layout;
  layout.breakLimit = layout.heapStart;
  layout.mmapBottom = layout.mmapTop - 8192;
  HeapFixture f({}, layout);
  EXPECT_NE(f.heap.malloc(100), 0u);  // no brk heap at all: the first of two mmap pages
  EXPECT_EQ(f.heap.malloc(5000), 0u);
  EXPECT_EQ(f.heap.stats().failures, 1u);
}

// Holes of 128, 320 and 224 bytes (chunk sizes) separated by live 32-byte chunks.
struct Holes {
  explicit Holes(FitPolicy fit) : f(withFit(fit)) {
    a = f.heap.malloc(100);
    f.heap.malloc(16);
    b = f.heap.malloc(300);
    f.heap.malloc(16);
    c = f.heap.malloc(200);
    f.heap.malloc(16);
    f.heap.free(a);
    f.heap.free(b);
    f.heap.free(c);
  }
  HeapFixture f;
  uint64_t a, b, c;
};

TEST(HeapPolicy, FirstFitTakesTheFirstHoleThatFits) {
  Holes h(FitPolicy::First);
  EXPECT_EQ(h.f.heap.malloc(150), h.b);
  EXPECT_EQ(h.f.heap.stats().searched, 6u + 2u);  // six first allocations saw 1 chunk each
}

TEST(HeapPolicy, BestFitTakesTheSmallestHoleThatFits) {
  Holes h(FitPolicy::Best);
  EXPECT_EQ(h.f.heap.malloc(150), h.c);
}

TEST(HeapPolicy, WorstFitTakesTheTopChunkAndGrowsTheHeapEarly) {
  Holes h(FitPolicy::Worst);
  const uint64_t p = h.f.heap.malloc(150);
  EXPECT_GT(p, h.c);
  EXPECT_NE(p, h.a);
  EXPECT_NE(p, h.b);
}

TEST(HeapPolicy, NextFitResumesWhereTheLastSearchStopped) {
  for (const auto fit : {FitPolicy::Next, FitPolicy::First}) {
    Holes h(fit);
    EXPECT_EQ(h.f.heap.malloc(150), h.b);  // a is too small; b is split
    // Next fit goes on from b's remainder; first fit starts over and finds a.
    const uint64_t p = h.f.heap.malloc(100);
    EXPECT_EQ(p, fit == FitPolicy::Next ? h.b + 176 : h.a);
  }
}

TEST(HeapPolicy, ListOrderSizeSortAscendingMakesFirstFitBestFit) {
  ProcessHeapConfig c = withFit(FitPolicy::First);
  c.heap.order = ListOrder::SizeSortAscending;
  HeapFixture f(c);
  const uint64_t a = f.heap.malloc(300);
  f.heap.malloc(16);
  const uint64_t b = f.heap.malloc(200);
  f.heap.malloc(16);
  f.heap.free(a);
  f.heap.free(b);
  EXPECT_EQ(f.heap.malloc(150), b);
}

TEST(HeapPolicy, CoalescingMergesNeighboursSoALargerRequestFits) {
  for (const bool coalesce : {true, false}) {
    HeapFixture f(withFit(FitPolicy::First, coalesce));
    const uint64_t a = f.heap.malloc(112);
    const uint64_t b = f.heap.malloc(112);
    f.heap.malloc(16);
    f.heap.free(a);
    f.heap.free(b);
    const uint64_t c = f.heap.malloc(200);  // needs both 128-byte chunks
    EXPECT_EQ(c == a, coalesce) << "coalesce=" << coalesce;
  }
}

TEST(HeapPolicy, HeaderAndAlignmentShapeChunks) {
  ProcessHeapConfig c;
  c.heap.headerSize = 8;
  c.heap.alignment = 8;
  HeapFixture f(c);
  const uint64_t a = f.heap.malloc(10);
  const uint64_t b = f.heap.malloc(10);
  EXPECT_EQ(a, kHeapStart + 8);
  EXPECT_EQ(b - a, 16u + 8u);
  EXPECT_EQ(f.heap.block(a)->chunk.usable, 16u);
}

TEST(HeapSegregated, SmallBlocksComeBackFromTheirClassList) {
  HeapFixture f(withAllocator(HeapAllocatorKind::Segregated));
  const uint64_t a = f.heap.malloc(20);
  EXPECT_EQ(f.heap.block(a)->chunk.usable, 32u);
  f.heap.free(a);
  const uint64_t other = f.heap.malloc(60);  // class 64: not the freed 32-byte block
  EXPECT_NE(other, a);
  EXPECT_EQ(f.heap.malloc(30), a);
  const uint64_t big = f.heap.malloc(5000);
  EXPECT_EQ(f.heap.block(big)->chunk.usable, 5008u);
  EXPECT_FALSE(f.heap.block(big)->mmapped);
}

TEST(HeapBuddy, PowerOfTwoBlocksAlignedToTheirSize) {
  HeapFixture f(withAllocator(HeapAllocatorKind::Buddy));
  const uint64_t a = f.heap.malloc(100);
  const uint64_t b = f.heap.malloc(100);
  EXPECT_EQ(f.heap.block(a)->chunk.usable, 128u);
  EXPECT_EQ(a, uint64_t{512} << 20);  // a 512 MiB span aligned to itself, inside the 1 GiB limit
  EXPECT_FALSE(f.heap.block(a)->mmapped);
  EXPECT_EQ(b, a + 128);
  EXPECT_GE(f.heap.programBreak(), b + 128);
  f.heap.free(a);
  f.heap.free(b);
  EXPECT_EQ(f.heap.malloc(200), a);  // the buddies merged
}

TEST(HeapSlab, ObjectsOfAClassShareASlabAndLargeOnesAreMapped) {
  HeapFixture f(withAllocator(HeapAllocatorKind::Slab));
  const uint64_t a = f.heap.malloc(20);
  const uint64_t b = f.heap.malloc(30);
  EXPECT_EQ(b, a + 32);
  EXPECT_EQ(f.heap.programBreak(), kHeapStart + 128 * 1024);  // one 2 KiB slab, one increment
  f.heap.free(a);
  EXPECT_EQ(f.heap.malloc(17), a);
  const uint64_t big = f.heap.malloc(5000);  // above the largest class
  EXPECT_TRUE(f.heap.block(big)->mmapped);
}

TEST(HeapPolicy, EveryAllocatorServesARandomMixConsistently) {
  for (const auto k : {HeapAllocatorKind::FreeList, HeapAllocatorKind::Segregated,
                       HeapAllocatorKind::Buddy, HeapAllocatorKind::Slab}) {
    HeapFixture f(withAllocator(k));
    std::vector<std::pair<uint64_t, uint64_t>> live;
    for (uint64_t i = 0; i < 2000; ++i) {
      if (i % 3 == 2 && !live.empty()) {
        f.heap.free(live[i % live.size()].first);
        live.erase(live.begin() + static_cast<long>(i % live.size()));
      } else {
        const uint64_t n = 1 + (i * 7919) % 3000;
        live.emplace_back(f.heap.malloc(n), n);
      }
    }
    std::set<std::pair<uint64_t, uint64_t>> ranges;
    for (const auto& [p, n] : live) {
      ASSERT_NE(p, 0u);
      const auto it = ranges.lower_bound({p, 0});
      if (it != ranges.end()) {
        EXPECT_LE(p + n, it->first) << "overlap, allocator " << int(k);
      }
      if (it != ranges.begin()) {
        EXPECT_LE(std::prev(it)->second, p) << "overlap";
      }
      ranges.insert({p, p + n});
      EXPECT_LE(p + n, f.heap.block(p)->mmapped ? UINT64_MAX : f.heap.programBreak());
    }
    EXPECT_EQ(f.heap.checker().totalErrors(), 0u);
  }
}

TEST(HeapRealloc, GrowsInPlaceWhileTheChunkHasRoomElseMovesKeepingContents) {
  HeapFixture f;
  const uint64_t p = f.heap.malloc(20);  // usable 32
  f.heap.access(p, 20, true);
  EXPECT_EQ(f.heap.realloc(p, 32), p);
  EXPECT_EQ(f.heap.block(p)->size, 32u);
  f.heap.malloc(16);  // a neighbour, so growing must move
  const uint64_t q = f.heap.realloc(p, 100);
  ASSERT_NE(q, p);
  EXPECT_FALSE(f.heap.block(p));
  EXPECT_EQ(f.heap.block(q)->size, 100u);
  EXPECT_TRUE(f.heap.access(q, 20, false));       // the written bytes were copied
  EXPECT_FALSE(f.heap.access(q + 20, 4, false));  // bytes 20..31 never were
  EXPECT_EQ(f.heap.checker().count(MemoryErrorKind::UninitializedRead), 1u);
  EXPECT_EQ(f.heap.stats().reallocMoves, 1u);
}

TEST(HeapRealloc, CopyShowsUpAsLoadsFromOldAndStoresToNew) {
  HeapFixture f;
  std::vector<Access> sink;
  const uint64_t p = f.heap.malloc(64);
  f.heap.malloc(16);
  f.heap.setTraceSink(&sink);
  const uint64_t q = f.heap.realloc(p, 200);
  uint64_t copiedLoads = 0, copiedStores = 0;
  for (const Access& a : sink) {
    if (a.op == Op::Load && a.va >= p && a.va < p + 64) copiedLoads += a.size;
    if (a.op == Op::Store && a.va >= q && a.va < q + 64) copiedStores += a.size;
  }
  EXPECT_EQ(copiedLoads, 64u);
  EXPECT_EQ(copiedStores, 64u);
}

TEST(HeapRealloc, NullAndZeroFollowC) {
  HeapFixture f;
  const uint64_t p = f.heap.realloc(0, 40);
  ASSERT_NE(p, 0u);
  EXPECT_TRUE(f.heap.block(p));
  EXPECT_EQ(f.heap.realloc(p, 0), 0u);
  EXPECT_FALSE(f.heap.block(p));
  EXPECT_EQ(f.heap.checker().totalErrors(), 0u);
}

TEST(HeapRealloc, ShrinkingKeepsTheBlockAndNarrowsIt) {
  HeapFixture f;
  const uint64_t p = f.heap.malloc(100);
  EXPECT_EQ(f.heap.realloc(p, 10), p);
  EXPECT_FALSE(f.heap.access(p + 10, 1, true));
  EXPECT_EQ(f.heap.checker().count(MemoryErrorKind::HeapOverflow), 1u);
}

TEST(HeapCalloc, ZeroedBytesAreInitialisedAndWritten) {
  HeapFixture f;
  std::vector<Access> sink;
  f.heap.setTraceSink(&sink);
  const uint64_t p = f.heap.calloc(10, 10);
  uint64_t zeroed = 0;
  for (const Access& a : sink)
    if (a.op == Op::Store && a.va >= p && a.va < p + 100) zeroed += a.size;
  EXPECT_EQ(zeroed, 100u);
  EXPECT_TRUE(f.heap.access(p, 100, false));
  EXPECT_EQ(f.heap.calloc(UINT64_MAX / 2, 4), 0u);  // count * size overflows
}

TEST(HeapStatsTable, NamesEveryCounterAndErrorKind) {
  HeapFixture f;
  f.heap.free(f.heap.malloc(10));
  f.heap.free(0x10);
  const auto v = heapStatValues(f.heap);
  auto value = [&](const std::string& name) {
    for (const auto& s : v)
      if (s.name == name) return s.value;
    ADD_FAILURE() << "no stat " << name;
    return uint64_t{0};
  };
  EXPECT_EQ(value("mallocs"), 1u);
  EXPECT_EQ(value("frees"), 2u);
  EXPECT_EQ(value("brk_growths"), 1u);
  EXPECT_EQ(value("heap_bytes"), 128u * 1024);
  EXPECT_EQ(value("errors.invalid_free"), 1u);
  EXPECT_EQ(value("errors.leak"), 0u);
}

TEST(HeapMalloc, ZeroBytesGiveDistinctPointers) {
  HeapFixture f;
  const uint64_t a = f.heap.malloc(0);
  const uint64_t b = f.heap.malloc(0);
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
}

TEST(HeapTrace, OneHeaderLoadPerFreeListElementSearched) {
  for (const auto fit : {FitPolicy::First, FitPolicy::Best, FitPolicy::Worst, FitPolicy::Next}) {
    Holes h(fit);
    std::vector<Access> sink;
    h.f.heap.setTraceSink(&sink);
    const uint64_t before = h.f.heap.stats().searched;
    const uint64_t loadsBefore = h.f.heap.metadataTrace().loads();
    h.f.heap.malloc(150);
    const uint64_t searched = h.f.heap.stats().searched - before;
    EXPECT_EQ(h.f.heap.metadataTrace().loads() - loadsBefore, searched);
    std::vector<uint64_t> loaded;
    for (const Access& a : sink)
      if (a.op == Op::Load) loaded.push_back(a.va);
    ASSERT_EQ(loaded.size(), searched);
    if (fit == FitPolicy::First) {
      EXPECT_EQ(loaded, (std::vector<uint64_t>{h.a - 16, h.b - 16}));
    }
    if (fit == FitPolicy::Best || fit == FitPolicy::Worst) {
      EXPECT_EQ(searched, 4u);  // 3 holes + top
    }
  }
}

TEST(HeapTrace, MallocWritesTheHeaderAndTheSplitRemainder) {
  HeapFixture f;
  std::vector<Access> sink;
  f.heap.setTraceSink(&sink);
  const uint64_t first = f.heap.malloc(16);
  ASSERT_EQ(sink.size(), 2u);  // the top chunk was not mapped yet, so its header was not read
  EXPECT_EQ(sink[0].op, Op::Store);
  sink.clear();
  const uint64_t p = f.heap.malloc(100);
  ASSERT_EQ(sink.size(), 3u);
  EXPECT_EQ(sink[0].op, Op::Load);  // the top chunk examined
  EXPECT_EQ(sink[0].va, first - 16 + 32);
  EXPECT_EQ(sink[1].op, Op::Store);  // our header
  EXPECT_EQ(sink[1].va, p - 16);
  EXPECT_EQ(sink[2].op, Op::Store);  // the remainder's header
  EXPECT_EQ(sink[2].va, p - 16 + 128);
}

TEST(HeapTrace, FreeReadsTheHeaderAndWritesTheFreeNode) {
  HeapFixture f;
  const uint64_t p = f.heap.malloc(100);
  f.heap.malloc(16);
  std::vector<Access> sink;
  f.heap.setTraceSink(&sink);
  f.heap.free(p);
  ASSERT_EQ(sink.size(), 2u);
  EXPECT_EQ(sink[0].op, Op::Load);
  EXPECT_EQ(sink[0].va, p - 16);
  EXPECT_EQ(sink[1].op, Op::Store);
  EXPECT_EQ(sink[1].va, p - 16);
}

TEST(HeapTrace, ProgramAccessesNeverCrossA64ByteLine) {
  HeapFixture f;
  std::vector<Access> sink;
  f.heap.setTraceSink(&sink);
  const uint64_t p = f.heap.malloc(1000);
  sink.clear();
  f.heap.access(p + 10, 300, true);
  uint64_t bytes = 0;
  for (const Access& a : sink) {
    EXPECT_EQ(a.op, Op::Store);
    EXPECT_LE(a.va % 64 + a.size, 64u);
    bytes += a.size;
  }
  EXPECT_EQ(bytes, 300u);
  EXPECT_EQ(sink.front().va, p + 10);
}

}  // namespace
