// Unit tests of the segregated free-list, buddy and slab allocators.
#include <gtest/gtest.h>

#include "vmsim/os/buddy_allocator.h"
#include "vmsim/os/segregated_allocator.h"
#include "vmsim/os/slab_allocator.h"

using namespace vmsim::os;
using Addrs = std::vector<uint64_t>;

namespace {

TEST(Segregated, SmallRequestsUseTheirClassAndAreReused) {
  SegregatedAllocator a(0, 1024, {16, 64});
  const auto x = a.allocate(10);  // class 16 from the backing heap
  const auto y = a.allocate(40);  // class 64
  ASSERT_TRUE(x && y);
  EXPECT_EQ(*x, 0u);
  EXPECT_EQ(*y, 16u);
  EXPECT_TRUE(a.release(*x));
  EXPECT_EQ(a.classFreeCount(0), 1u);
  EXPECT_EQ(a.allocate(12), x);  // reused from the class list
  EXPECT_EQ(a.classFreeCount(0), 0u);
}

TEST(Segregated, LargeRequestsGoToTheBackingHeapAndCoalesce) {
  SegregatedAllocator a(0, 1024, {16});
  const auto big = a.allocate(500);
  ASSERT_TRUE(big);
  EXPECT_FALSE(a.allocate(600));
  EXPECT_TRUE(a.release(*big));
  EXPECT_EQ(a.backingFreeList(), (std::vector<FreeChunk>{{0, 1024}}));
  EXPECT_FALSE(a.release(*big));
}

TEST(Segregated, ClassesMustAscend) {
  EXPECT_THROW(SegregatedAllocator(0, 64, {32, 16}), std::invalid_argument);
  EXPECT_THROW(SegregatedAllocator(0, 64, {0}), std::invalid_argument);
}

TEST(Buddy, SplitsDownToTheRequestedOrder) {
  BuddyAllocator b(0, 1024, 64);
  const auto a = b.allocate(100);  // 128-byte block
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, 0u);
  EXPECT_EQ(b.blockSizeOf(*a), 128u);
  EXPECT_EQ(b.freeBlocks(128), (Addrs{128}));
  EXPECT_EQ(b.freeBlocks(256), (Addrs{256}));
  EXPECT_EQ(b.freeBlocks(512), (Addrs{512}));
  EXPECT_EQ(b.freeBytes(), 1024u - 128u);
}

TEST(Buddy, MergesWithFreeBuddiesOnly) {
  BuddyAllocator b(4096, 1024, 64);
  const auto x = b.allocate(64);
  const auto y = b.allocate(64);
  const auto z = b.allocate(64);
  ASSERT_TRUE(x && y && z);
  EXPECT_EQ(*y, 4096u + 64u);
  EXPECT_TRUE(b.release(*x));  // buddy y busy: no merge
  EXPECT_EQ(b.freeBlocks(64), (Addrs{4096, 4096 + 192}));
  EXPECT_TRUE(b.release(*y));  // x+y -> 128, whose buddy [128,256) holds z: stop
  EXPECT_EQ(b.freeBlocks(128), (Addrs{4096}));
  EXPECT_TRUE(b.release(*z));  // everything merges back
  EXPECT_EQ(b.freeBlocks(1024), (Addrs{4096}));
  EXPECT_FALSE(b.release(*z));
}

TEST(Buddy, FailsWhenNoBlockIsBigEnough) {
  BuddyAllocator b(0, 256, 64);
  EXPECT_FALSE(b.allocate(512));
  ASSERT_TRUE(b.allocate(200));
  EXPECT_FALSE(b.allocate(1));
  EXPECT_THROW(BuddyAllocator(0, 300, 64), std::invalid_argument);
  EXPECT_THROW(BuddyAllocator(64, 256, 64), std::invalid_argument);
}

class PageSource {
 public:
  std::optional<uint64_t> get(uint64_t bytes) {
    if (given_ >= limit_) return std::nullopt;
    ++given_;
    const uint64_t a = next_;
    next_ += bytes;
    return a;
  }
  uint64_t limit_ = 2;
  uint64_t given_ = 0;
  uint64_t next_ = 0x1000;
  uint64_t returned_ = 0;
};

TEST(Slab, HandsOutObjectsFromPartialSlabsFirst) {
  PageSource src;
  SlabAllocator s(
      32, 4, [&](uint64_t n) { return src.get(n); }, [&](uint64_t, uint64_t) { ++src.returned_; });
  Addrs objs;
  for (int i = 0; i < 5; ++i) objs.push_back(*s.allocate());
  EXPECT_EQ(objs, (Addrs{0x1000, 0x1020, 0x1040, 0x1060, 0x1080}));
  EXPECT_EQ(s.slabCount(), 2u);
  EXPECT_EQ(s.fullSlabs(), 1u);
  EXPECT_EQ(s.partialSlabs(), 1u);
  EXPECT_TRUE(s.release(0x1020));
  EXPECT_EQ(s.partialSlabs(), 2u);
  EXPECT_EQ(s.allocate(), std::optional<uint64_t>(0x1020));  // lowest partial slab
  EXPECT_EQ(s.liveObjects(), 5u);
}

TEST(Slab, EmptySlabsAreReclaimedAndBadFreesRejected) {
  PageSource src;
  SlabAllocator s(
      32, 2, [&](uint64_t n) { return src.get(n); }, [&](uint64_t, uint64_t) { ++src.returned_; });
  const auto a = s.allocate();
  const auto b = s.allocate();
  const auto c = s.allocate();
  const auto d = s.allocate();
  EXPECT_FALSE(s.allocate());  // source exhausted
  EXPECT_FALSE(s.release(*a + 1));
  EXPECT_FALSE(s.release(0x10));
  EXPECT_TRUE(s.release(*c));
  EXPECT_TRUE(s.release(*d));
  EXPECT_FALSE(s.release(*d));
  EXPECT_EQ(s.emptySlabs(), 1u);
  EXPECT_EQ(s.reclaim(), 1u);
  EXPECT_EQ(src.returned_, 1u);
  EXPECT_EQ(s.slabCount(), 1u);
  EXPECT_TRUE(b);
  EXPECT_THROW(SlabAllocator(0, 4, [](uint64_t) { return std::optional<uint64_t>(); }),
               std::invalid_argument);
}

}  // namespace
