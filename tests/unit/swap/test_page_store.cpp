// Swap page store and slot allocator: round trips, clustering, reuse, full and misuse errors.
#include <gtest/gtest.h>

#include <numeric>

#include "vmsim/swap/page_store.h"

namespace vmsim::swap {
namespace {

std::vector<uint8_t> pattern(uint32_t bytes, uint8_t seed) {
  std::vector<uint8_t> page(bytes);
  std::iota(page.begin(), page.end(), seed);
  return page;
}

TEST(PageStore, RoundTripAndOverwrite) {
  PageStore store(4096, 16);
  const uint64_t slot = store.allocate();
  store.write(slot, pattern(4096, 3));
  EXPECT_EQ(store.read(slot), pattern(4096, 3));
  store.write(slot, pattern(4096, 9));
  EXPECT_EQ(store.read(slot), pattern(4096, 9));
  EXPECT_EQ(store.storedPages(), 1u);
}

TEST(PageStore, AllocatedButUnwrittenReadsZero) {
  PageStore store(64, 4);
  const uint64_t slot = store.allocate();
  EXPECT_FALSE(store.hasData(slot));
  EXPECT_EQ(store.read(slot), std::vector<uint8_t>(64, 0));
}

TEST(PageStore, FreeDropsContentsAndSlotIsReusedClean) {
  PageStore store(64, 1);
  uint64_t slot = store.allocate();
  store.write(slot, pattern(64, 1));
  store.free(slot);
  EXPECT_EQ(store.used(), 0u);
  EXPECT_EQ(store.storedPages(), 0u);
  EXPECT_THROW(store.read(slot), std::logic_error);
  slot = store.allocate();
  EXPECT_EQ(store.read(slot), std::vector<uint8_t>(64, 0));
  store.write(slot, pattern(64, 5));  // reuses the spare buffer
  EXPECT_EQ(store.read(slot), pattern(64, 5));
}

TEST(PageStore, MisuseIsReported) {
  PageStore store(64, 4);
  EXPECT_THROW(store.write(2, pattern(64, 0)), std::logic_error);
  const uint64_t slot = store.allocate();
  EXPECT_THROW(store.write(slot, pattern(32, 0)), std::invalid_argument);
  store.free(slot);
  EXPECT_THROW(store.free(slot), std::logic_error);
  EXPECT_THROW(store.free(4), std::logic_error);
  EXPECT_THROW(PageStore(0, 4), std::invalid_argument);
  EXPECT_THROW(PageStore(64, 0), std::invalid_argument);
}

TEST(SlotAllocator, ClustersAreContiguousAndFirstFit) {
  SlotAllocator slots(32);
  EXPECT_EQ(slots.allocate(8), 0u);
  EXPECT_EQ(slots.allocate(8), 8u);
  EXPECT_EQ(slots.allocate(8), 16u);
  EXPECT_EQ(slots.used(), 24u);
  slots.release(8, 8);
  EXPECT_EQ(slots.allocate(4), 8u);   // first hole that fits
  EXPECT_EQ(slots.allocate(6), 24u);  // the 4-slot hole left is too small
  EXPECT_EQ(slots.allocate(4), 12u);
  EXPECT_TRUE(slots.isAllocated(12));
  EXPECT_FALSE(slots.isAllocated(31));
  EXPECT_EQ(slots.freeSlots(), 2u);
}

TEST(SlotAllocator, ReleasedNeighboursMerge) {
  SlotAllocator slots(12);
  for (int i = 0; i < 4; ++i) slots.allocate(3);
  slots.release(3, 3);
  slots.release(9, 3);
  EXPECT_EQ(slots.largestFreeRun(), 3u);
  slots.release(6, 3);  // joins both neighbours
  EXPECT_EQ(slots.largestFreeRun(), 9u);
  EXPECT_EQ(slots.allocate(9), 3u);
}

TEST(SlotAllocator, PartialDoubleReleaseRejected) {
  SlotAllocator slots(16);
  slots.allocate(8);
  slots.release(2, 2);
  EXPECT_THROW(slots.release(0, 4), std::logic_error);  // covers free slots 2..3
  EXPECT_THROW(slots.release(3, 1), std::logic_error);
  EXPECT_THROW(slots.release(0, 0), std::logic_error);
  EXPECT_EQ(slots.used(), 6u);
}

TEST(SlotAllocator, FullErrorSaysWhatIsFree) {
  SlotAllocator slots(8);
  for (int i = 0; i < 8; ++i) slots.allocate();
  EXPECT_FALSE(slots.tryAllocate().has_value());
  try {
    slots.allocate();
    FAIL();
  } catch (const SwapFullError& e) {
    EXPECT_STREQ(
        e.what(),
        "swap full: cannot allocate 1 contiguous slot(s); 0 of 8 free, largest free run 0");
  }
  slots.release(1);
  slots.release(5);
  try {
    slots.allocate(2);
    FAIL();
  } catch (const SwapFullError& e) {
    EXPECT_STREQ(
        e.what(),
        "swap full: cannot allocate 2 contiguous slot(s); 2 of 8 free, largest free run 1");
  }
}

}  // namespace
}  // namespace vmsim::swap
