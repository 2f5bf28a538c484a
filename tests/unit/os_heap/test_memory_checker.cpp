// Unit tests of heap-error detection: each error kind with its op index and address, counts,
// the bounded quarantine, delayed reuse, and no reports for correct use.
#include <gtest/gtest.h>

#include "heap_test_util.h"

using namespace vmsim::os;
using namespace vmsim::os::test;

namespace {

const MemoryError& only(const ProcessHeap& h, MemoryErrorKind k) {
  EXPECT_EQ(h.checker().count(k), 1u) << toString(k);
  EXPECT_EQ(h.checker().totalErrors(), 1u);
  return h.checker().reports().back();
}

TEST(Checker, DoubleFreeNamesTheOpAndPointer) {
  HeapFixture f;
  f.heap.setOpIndex(0);
  const uint64_t p = f.heap.malloc(40);
  f.heap.setOpIndex(1);
  f.heap.free(p);
  f.heap.setOpIndex(2);
  f.heap.free(p);
  const MemoryError& e = only(f.heap, MemoryErrorKind::DoubleFree);
  EXPECT_EQ(e.opIndex, 2u);
  EXPECT_EQ(e.addr, p);
  EXPECT_EQ(e.size, 40u);
  EXPECT_EQ(f.heap.liveBlocks(), 0u);
  EXPECT_NE(f.heap.malloc(40), 0u);  // the heap is still consistent
}

TEST(Checker, FreeOfANeverReturnedPointerIsInvalid) {
  HeapFixture f;
  f.heap.setOpIndex(7);
  f.heap.free(0x1234);
  const MemoryError& e = only(f.heap, MemoryErrorKind::InvalidFree);
  EXPECT_EQ(e.opIndex, 7u);
  EXPECT_EQ(e.addr, 0x1234u);
  EXPECT_EQ(e.block, 0u);
}

TEST(Checker, FreeOfAnInteriorPointerIsInvalidAndNamesTheBlock) {
  HeapFixture f;
  const uint64_t p = f.heap.malloc(64);
  f.heap.setOpIndex(3);
  f.heap.free(p + 8);
  const MemoryError& e = only(f.heap, MemoryErrorKind::InvalidFree);
  EXPECT_EQ(e.addr, p + 8);
  EXPECT_EQ(e.block, p);
  EXPECT_TRUE(f.heap.block(p));  // not freed
}

TEST(Checker, ReallocOfAFreedPointerIsADoubleFree) {
  HeapFixture f;
  const uint64_t p = f.heap.malloc(64);
  f.heap.free(p);
  EXPECT_EQ(f.heap.realloc(p, 128), 0u);
  EXPECT_EQ(only(f.heap, MemoryErrorKind::DoubleFree).addr, p);
}

TEST(Checker, UseAfterFreeIsFoundUntilTheMemoryIsReused) {
  HeapFixture f;
  const uint64_t p = f.heap.malloc(64);
  f.heap.malloc(16);
  f.heap.free(p);
  f.heap.setOpIndex(5);
  EXPECT_FALSE(f.heap.access(p + 4, 8, true, p));
  const MemoryError& e = only(f.heap, MemoryErrorKind::UseAfterFree);
  EXPECT_EQ(e.opIndex, 5u);
  EXPECT_EQ(e.addr, p + 4);
  EXPECT_EQ(e.size, 8u);
  EXPECT_TRUE(e.isWrite);
  EXPECT_EQ(e.block, p);
  EXPECT_FALSE(f.heap.access(p, 1, false));  // also found by address alone
  EXPECT_EQ(f.heap.checker().count(MemoryErrorKind::UseAfterFree), 2u);
}

TEST(Checker, QuarantineIsBounded) {
  ProcessHeapConfig c;
  c.checker.quarantineBlocks = 1;
  HeapFixture f(c);
  const uint64_t p = f.heap.malloc(64);
  const uint64_t q = f.heap.malloc(64);
  f.heap.malloc(16);
  f.heap.free(p);
  f.heap.free(q);  // pushes p out of the quarantine
  EXPECT_FALSE(f.heap.checker().isQuarantined(p));
  EXPECT_TRUE(f.heap.checker().isQuarantined(q));
  f.heap.access(p, 8, true);
  EXPECT_EQ(f.heap.checker().count(MemoryErrorKind::UseAfterFree), 0u);
  EXPECT_EQ(f.heap.checker().count(MemoryErrorKind::InvalidAccess), 1u);
}

TEST(Checker, DelayedReuseKeepsFreedBlocksDetectable) {
  for (const bool delay : {false, true}) {
    ProcessHeapConfig c;
    c.delayReuse = delay;
    HeapFixture f(c);
    const uint64_t p = f.heap.malloc(64);
    f.heap.malloc(16);
    f.heap.free(p);
    const uint64_t q = f.heap.malloc(64);
    EXPECT_EQ(q == p, !delay);
    f.heap.access(p, 8, true, p);
    EXPECT_EQ(f.heap.checker().count(MemoryErrorKind::UseAfterFree), delay ? 1u : 0u);
  }
}

TEST(Checker, WritePastTheEndIntoTheNextHeaderIsAnOverflow) {
  HeapFixture f;
  const uint64_t p = f.heap.malloc(24);  // chunk of 48: 16 header + 32 usable
  const uint64_t q = f.heap.malloc(24);
  ASSERT_EQ(q, p + 48);
  f.heap.setOpIndex(9);
  EXPECT_FALSE(f.heap.access(p + 16, 24, true, p));  // bytes 16..39: 8 past the end
  const MemoryError& e = only(f.heap, MemoryErrorKind::HeapOverflow);
  EXPECT_EQ(e.opIndex, 9u);
  EXPECT_EQ(e.addr, p + 24);
  EXPECT_EQ(e.block, p);
  EXPECT_FALSE(f.heap.access(q - 8, 8, true));  // q's header, by address alone
  EXPECT_EQ(f.heap.checker().reports().back().block, q);
  EXPECT_EQ(f.heap.checker().count(MemoryErrorKind::HeapOverflow), 2u);
}

TEST(Checker, OverflowIntoANeighbouringBlockIsCaughtThroughTheBasePointer) {
  ProcessHeapConfig c;
  c.heap.headerSize = 0;  // OSTEP style: blocks touch
  HeapFixture f(c);
  const uint64_t p = f.heap.malloc(16);
  const uint64_t q = f.heap.malloc(16);
  ASSERT_EQ(q, p + 16);
  EXPECT_TRUE(f.heap.access(p + 16, 4, true));  // by address it is q's memory
  EXPECT_FALSE(f.heap.access(p + 16, 4, true, p));
  EXPECT_EQ(only(f.heap, MemoryErrorKind::HeapOverflow).addr, p + 16);
}

TEST(Checker, ReadOfNeverWrittenBytesNamesTheFirstOne) {
  HeapFixture f;
  const uint64_t p = f.heap.malloc(32);
  f.heap.access(p, 10, true, p);
  EXPECT_TRUE(f.heap.access(p, 10, false, p));
  f.heap.setOpIndex(4);
  EXPECT_FALSE(f.heap.access(p + 4, 12, false, p));
  const MemoryError& e = only(f.heap, MemoryErrorKind::UninitializedRead);
  EXPECT_EQ(e.opIndex, 4u);
  EXPECT_EQ(e.addr, p + 10);
  EXPECT_FALSE(e.isWrite);
}

TEST(Checker, LeaksAreReportedAtFinishWithTheAllocatingOp) {
  HeapFixture f;
  f.heap.setOpIndex(0);
  const uint64_t p = f.heap.malloc(10);
  f.heap.setOpIndex(1);
  const uint64_t q = f.heap.malloc(20);
  f.heap.setOpIndex(2);
  f.heap.free(p);
  f.heap.finish();
  f.heap.finish();  // once only
  const MemoryError& e = only(f.heap, MemoryErrorKind::Leak);
  EXPECT_EQ(e.opIndex, 1u);
  EXPECT_EQ(e.addr, q);
  EXPECT_EQ(e.size, 20u);
}

TEST(Checker, WildAccessIsInvalid) {
  HeapFixture f;
  f.heap.malloc(10);
  EXPECT_FALSE(f.heap.access(0x10, 4, false));
  EXPECT_EQ(only(f.heap, MemoryErrorKind::InvalidAccess).addr, 0x10u);
}

TEST(Checker, ReportsAreCappedButCountsAreExact) {
  ProcessHeapConfig c;
  c.checker.maxReports = 2;
  HeapFixture f(c);
  for (int i = 0; i < 5; ++i) f.heap.free(0x100 + i);
  EXPECT_EQ(f.heap.checker().count(MemoryErrorKind::InvalidFree), 5u);
  EXPECT_EQ(f.heap.checker().reports().size(), 2u);
}

TEST(Checker, ListenerHearsEveryErrorAsItHappens) {
  ProcessHeapConfig c;
  c.checker.maxReports = 1;
  HeapFixture f(c);
  std::vector<std::string> heard;
  f.heap.setErrorListener([&](const MemoryError& e) { heard.push_back(describe(e)); });
  f.heap.setOpIndex(3);
  f.heap.free(0x40);
  f.heap.free(0x50);
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_EQ(heard[1], "op 3: invalid-free of 0 bytes at 0x50 (block 0x0)");
}

TEST(Checker, DescribeNamesKindOpAndAddress) {
  const MemoryError e{MemoryErrorKind::HeapOverflow, 12, 0x1010, 8, 0x1000, true};
  EXPECT_EQ(describe(e), "op 12: heap-overflow write of 8 bytes at 0x1010 (block 0x1000)");
}

TEST(Checker, MmappedBlocksAreCheckedToo) {
  HeapFixture f;
  const uint64_t p = f.heap.malloc(200000);
  ASSERT_TRUE(f.heap.block(p)->mmapped);
  EXPECT_FALSE(f.heap.access(p + 199999, 2, true, p));
  f.heap.free(p);
  f.heap.access(p, 1, false, p);
  EXPECT_EQ(f.heap.checker().count(MemoryErrorKind::HeapOverflow), 1u);
  EXPECT_EQ(f.heap.checker().count(MemoryErrorKind::UseAfterFree), 1u);
}

}  // namespace
