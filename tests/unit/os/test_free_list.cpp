// Unit tests of the malloc.py free-list rules: request sizes, fit policies and `searched`,
// in-place splits, list orders, list-order coalescing, double frees and next fit.
#include <gtest/gtest.h>

#include "vmsim/os/free_list.h"

using namespace vmsim::os;
using Chunks = std::vector<FreeChunk>;

namespace {

FreeListConfig heap(FitPolicy fit, ListOrder order, bool coalesce, uint64_t header = 0,
                    uint64_t align = 0) {
  FreeListConfig c;
  c.base = 1000;
  c.size = 100;
  c.headerSize = header;
  c.alignment = align;
  c.fit = fit;
  c.order = order;
  c.coalesce = coalesce;
  return c;
}

TEST(FreeList, NameTablesListEveryValidName) {
  EXPECT_EQ(fitPolicyFromName("NEXT"), FitPolicy::Next);
  EXPECT_EQ(listOrderFromName("SIZESORT-"), ListOrder::SizeSortDescending);
  try {
    fitPolicyFromName("TINY");
    FAIL();
  } catch (const std::invalid_argument& e) {
    for (const auto& n : fitPolicyNames())
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos);
  }
  try {
    listOrderFromName("RANDOM");
    FAIL();
  } catch (const std::invalid_argument& e) {
    for (const auto& n : listOrderNames())
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos);
  }
}

TEST(FreeList, RequestSizePadsOnlyTheSizeThenAddsTheHeader) {
  FreeListAllocator a(heap(FitPolicy::First, ListOrder::AddrSort, false, 4, 8));
  EXPECT_EQ(a.requestSize(1), 12u);
  EXPECT_EQ(a.requestSize(8), 12u);
  EXPECT_EQ(a.requestSize(9), 20u);
  const AllocResult r = a.allocate(3);
  EXPECT_EQ(r.addr, std::optional<uint64_t>(1000));
  EXPECT_EQ(r.userPtr, 1004u);
  EXPECT_EQ(a.freeList(), (Chunks{{1012, 88}}));  // chunk addresses are not aligned
}

TEST(FreeList, FirstFitSearchedIsThePosition) {
  MallocSession s(heap(FitPolicy::First, ListOrder::AddrSort, false));
  for (int i = 0; i < 4; ++i) s.alloc(10);  // 1000..1039
  s.free(0);
  s.free(2);  // list: [1000,10] [1020,10] [1040,60]
  EXPECT_EQ(s.alloc(15).searched, 3u);
  EXPECT_EQ(s.alloc(5).searched, 1u);
  const AllocResult fail = s.alloc(500);
  EXPECT_FALSE(fail.addr);
  EXPECT_EQ(fail.searched, 3u);  // nothing fits: the whole list
}

TEST(FreeList, BestFitWalksAllAndTiesGoToEarliest) {
  MallocSession s(heap(FitPolicy::Best, ListOrder::InsertBack, false));
  for (int i = 0; i < 5; ++i) s.alloc(10);  // 1000..1049, free [1050,50]
  s.free(3);                                // [1050,50] [1030,10]
  s.free(1);                                // [1050,50] [1030,10] [1010,10]
  const AllocResult r = s.alloc(10);
  EXPECT_EQ(r.searched, 3u);
  EXPECT_EQ(r.addr, std::optional<uint64_t>(1030));
  EXPECT_EQ(s.heap().freeList(), (Chunks{{1050, 50}, {1010, 10}}));  // exact fit removed
}

TEST(FreeList, WorstFitPicksLargestEarliest) {
  MallocSession s(heap(FitPolicy::Worst, ListOrder::InsertFront, false));
  s.alloc(50);  // free [1050,50]
  s.free(0);    // [1000,50] [1050,50]
  const AllocResult r = s.alloc(5);
  EXPECT_EQ(r.addr, std::optional<uint64_t>(1000));
  EXPECT_EQ(r.searched, 2u);
}

TEST(FreeList, SplitStaysInPlaceAndIsNotResorted) {
  MallocSession s(heap(FitPolicy::First, ListOrder::SizeSortAscending, false));
  s.alloc(10);
  s.alloc(30);  // free [1040,60]
  s.free(1);    // [1010,30] [1040,60]
  s.alloc(25);  // [1010,30] -> [1035,5] stays first
  EXPECT_EQ(s.heap().freeList(), (Chunks{{1035, 5}, {1040, 60}}));
  s.free(0);  // stable sort by size: [1035,5] [1000,10] [1040,60]
  EXPECT_EQ(s.heap().freeList(), (Chunks{{1035, 5}, {1000, 10}, {1040, 60}}));
}

TEST(FreeList, StableSizeSortPutsFreedBlockAfterEqualSizes) {
  MallocSession s(heap(FitPolicy::First, ListOrder::SizeSortDescending, false));
  for (int i = 0; i < 4; ++i) s.alloc(10);  // free [1040,60]
  s.free(2);                                // [1040,60] [1020,10]
  s.free(0);                                // [1040,60] [1020,10] [1000,10]
  EXPECT_EQ(s.heap().freeList(), (Chunks{{1040, 60}, {1020, 10}, {1000, 10}}));
}

TEST(FreeList, AddrSortCoalescesBothSides) {
  MallocSession s(heap(FitPolicy::First, ListOrder::AddrSort, true));
  for (int i = 0; i < 3; ++i) s.alloc(10);
  s.free(0);
  s.free(2);  // [1000,10] [1020,80]
  EXPECT_EQ(s.heap().freeList(), (Chunks{{1000, 10}, {1020, 80}}));
  s.free(1);
  EXPECT_EQ(s.heap().freeList(), (Chunks{{1000, 100}}));
}

TEST(FreeList, CoalescingFollowsListOrderNotAddresses) {
  MallocSession s(heap(FitPolicy::First, ListOrder::InsertFront, true));
  s.alloc(10);
  s.alloc(10);  // free [1020,80]
  s.free(1);    // [1010,10] [1020,80] -> merged
  EXPECT_EQ(s.heap().freeList(), (Chunks{{1010, 90}}));
  s.free(0);  // [1000,10] [1010,90] -> merged
  EXPECT_EQ(s.heap().freeList(), (Chunks{{1000, 100}}));

  MallocSession t(heap(FitPolicy::First, ListOrder::InsertFront, true));
  t.alloc(10);
  t.alloc(10);
  t.free(0);  // [1000,10] [1020,80]
  t.free(1);  // [1010,10] [1000,10] [1020,80]: 1010 and 1020 touch but are not neighbours
  EXPECT_EQ(t.heap().freeList(), (Chunks{{1010, 10}, {1000, 10}, {1020, 80}}));
}

TEST(FreeList, DoubleFreeAndFailedAllocReturnMinusOne) {
  MallocSession s(heap(FitPolicy::Best, ListOrder::AddrSort, false));
  s.alloc(10);
  s.alloc(500);  // fails but is ptr[1]
  EXPECT_EQ(s.free(0), 0);
  EXPECT_EQ(s.free(0), -1);
  EXPECT_EQ(s.free(1), -1);
  EXPECT_THROW(s.free(2), std::invalid_argument);
  EXPECT_EQ(s.heap().freeList(), (Chunks{{1000, 10}, {1010, 90}}));
}

TEST(FreeList, ExactFitEmptiesTheList) {
  MallocSession s(heap(FitPolicy::First, ListOrder::AddrSort, false, 2));
  const AllocResult r = s.alloc(98);
  EXPECT_EQ(r.size, 100u);
  EXPECT_TRUE(s.heap().freeList().empty());
  const AllocResult none = s.alloc(1);
  EXPECT_FALSE(none.addr);
  EXPECT_EQ(none.searched, 0u);
}

TEST(FreeList, NextFitResumesWhereTheLastSearchStopped) {
  MallocSession s(heap(FitPolicy::Next, ListOrder::AddrSort, false));
  for (int i = 0; i < 5; ++i) s.alloc(10);
  s.free(0);
  s.free(2);                         // [1000,10] [1020,10] [1050,50]
  const AllocResult a = s.alloc(5);  // rover at 0 -> [1000,10]
  EXPECT_EQ(a.addr, std::optional<uint64_t>(1000));
  EXPECT_EQ(a.searched, 1u);
  const AllocResult b = s.alloc(8);  // [1005,5] too small, then [1020,10]
  EXPECT_EQ(b.addr, std::optional<uint64_t>(1020));
  EXPECT_EQ(b.searched, 2u);
  const AllocResult c = s.alloc(4);  // resumes at [1028,2] (too small), then [1050,50]
  EXPECT_EQ(c.addr, std::optional<uint64_t>(1050));
  EXPECT_EQ(c.searched, 2u);
}

}  // namespace
