// Unit tests of the textbook translators: base and bounds, two-segment and general segmentation,
// the linear page table, the one-byte two-level table and the hashed inverted page table.
#include <gtest/gtest.h>

#include "vmsim/os/inverted_page_table.h"
#include "vmsim/os/linear_page_table.h"
#include "vmsim/os/multilevel_page_table.h"
#include "vmsim/os/relocation.h"
#include "vmsim/os/segmentation.h"

using namespace vmsim::os;

namespace {

TEST(BaseBounds, ValidBelowLimitOnly) {
  const BaseBoundsTranslator t(1000, 100);
  EXPECT_EQ(t.translate(99).pa, 1099u);
  EXPECT_TRUE(t.translate(0).valid);
  const RelocationResult atLimit = t.translate(100);
  EXPECT_FALSE(atLimit.valid);
  EXPECT_EQ(atLimit.fault, TranslationFault::Bounds);
  EXPECT_FALSE(BaseBoundsTranslator(5, 0).translate(0).valid);
}

TEST(TwoSegments, HeapGrowsUpStackGrowsDown) {
  const TwoSegmentTranslator t(1024, {11317, 337}, {4470, 258});
  EXPECT_EQ(t.translate(296).pa, 11613u);
  EXPECT_EQ(t.translate(337).fault, TranslationFault::Bounds);  // gap below asize/2
  const SegmentResult top = t.translate(1023);
  EXPECT_EQ(top.segment, 1u);
  EXPECT_EQ(top.pa, 4469u);
  EXPECT_TRUE(t.translate(1024 - 258).valid);  // lowest valid stack byte
  EXPECT_EQ(t.translate(1024 - 258).pa, 4470u - 258u);
  EXPECT_FALSE(t.translate(1024 - 259).valid);
  EXPECT_EQ(t.translate(512).segment, 1u);
  EXPECT_EQ(t.translate(511).segment, 0u);
}

TEST(TwoSegments, SplitsAtHalfOfANonPowerOfTwoSize) {
  const TwoSegmentTranslator t(1000, {0, 500}, {2000, 500});
  EXPECT_EQ(t.translate(499).segment, 0u);
  EXPECT_EQ(t.translate(500).segment, 1u);
  EXPECT_EQ(t.translate(500).pa, 1500u);
}

TEST(Segments, TopBitsSelectAndProtectionApplies) {
  Segment code{0x8000, 0x100};
  code.write = false;
  code.execute = true;
  Segment heap{0x9000, 0x200};
  Segment stack{0xA000, 0x100};
  stack.growsDown = true;
  const SegmentTranslator t(14, 2, {code, heap, stack});  // 4 KiB per segment
  EXPECT_EQ(t.translate(0x10, AccessKind::Execute).pa, 0x8010u);
  EXPECT_EQ(t.translate(0x10, AccessKind::Write).fault, TranslationFault::Protection);
  EXPECT_EQ(t.translate(0x1000 + 0x1ff).pa, 0x91ffu);
  EXPECT_EQ(t.translate(0x1000 + 0x200).fault, TranslationFault::Bounds);
  const SegmentResult top = t.translate(0x2fff, AccessKind::Write);
  EXPECT_EQ(top.segment, 2u);
  EXPECT_EQ(top.pa, 0x9fffu);
  EXPECT_EQ(t.translate(0x3000 - 0x100).pa, 0xA000u - 0x100u);
  EXPECT_EQ(t.translate(0x3000 - 0x101).fault, TranslationFault::Bounds);
  EXPECT_EQ(t.translate(0x3000).fault, TranslationFault::Bounds);  // selector 3: no segment
  EXPECT_EQ(t.translate(1u << 14).fault, TranslationFault::AddressOutOfRange);
}

TEST(Segments, ExplicitSelectorMatchesTopBits) {
  const SegmentTranslator t(16, 3, {Segment{100, 50}, Segment{900, 20}});
  const SegmentResult viaSelector = t.translate(1, 19, AccessKind::Read);
  EXPECT_TRUE(viaSelector.valid);
  EXPECT_EQ(viaSelector.pa, 919u);
  EXPECT_EQ(viaSelector.va, t.span() + 19);
  EXPECT_EQ(t.translate(t.span() + 19).pa, 919u);
  EXPECT_EQ(t.translate(0, t.span(), AccessKind::Read).fault, TranslationFault::Bounds);
}

TEST(Segments, TwoSegmentSchemeIsTheOneBitSpecialCase) {
  Segment s0{11317, 337};
  Segment s1{4470, 258};
  s1.growsDown = true;
  const SegmentTranslator general(10, 1, {s0, s1});
  const TwoSegmentTranslator ostep(1024, {11317, 337}, {4470, 258});
  for (uint64_t va = 0; va < 1024; ++va) {
    const SegmentResult a = general.translate(va);
    const SegmentResult b = ostep.translate(va);
    ASSERT_EQ(a.valid, b.valid) << va;
    ASSERT_EQ(a.segment, b.segment) << va;
    if (a.valid) {
      ASSERT_EQ(a.pa, b.pa) << va;
    }
  }
}

TEST(Segments, SharedCodeSegmentMapsToTheSameFrames) {
  Segment code{0x4000, 0x800};
  code.shared = true;
  code.write = false;
  const SegmentTranslator p1(14, 2, {code, Segment{0x1000, 0x100}});
  const SegmentTranslator p2(14, 2, {code, Segment{0x2000, 0x100}});
  EXPECT_EQ(p1.translate(0x123).pa, p2.translate(0x123).pa);
  EXPECT_NE(p1.translate(0x1000).pa, p2.translate(0x1000).pa);
  EXPECT_EQ(p2.translate(0x123, AccessKind::Write).fault, TranslationFault::Protection);
  EXPECT_THROW(SegmentTranslator(4, 1, {Segment{}, Segment{}, Segment{}}), std::invalid_argument);
}

TEST(LinearTable, Bit31IsValidAndFrameZeroWorks) {
  const LinearPageTable t(4096, {0, LinearPte::make(7), 0x80000000u, LinearPte::make(8)});
  const LinearResult r = t.translate(5458);
  EXPECT_EQ(r.vpn, 1u);
  EXPECT_EQ(r.pa, 7u * 4096 + (5458 - 4096));
  EXPECT_EQ(t.translate(8192 + 5).pa, 5u);  // PFN 0
  const LinearResult bad = t.translate(100);
  EXPECT_FALSE(bad.valid);
  EXPECT_EQ(bad.vpn, 0u);
  EXPECT_EQ(bad.fault, TranslationFault::PageInvalid);
  EXPECT_EQ(t.translate(4 * 4096).fault, TranslationFault::AddressOutOfRange);
  EXPECT_THROW(LinearPageTable(3000, {}), std::invalid_argument);
}

TEST(LinearTable, OneBytePages) {
  const LinearPageTable t(1, {LinearPte::make(3), 0});
  EXPECT_EQ(t.translate(0).pa, 3u);
  EXPECT_FALSE(t.translate(1).valid);
}

/// Page directory in page 2; PDE 0 -> page-table page 5 (0x85); PDE 1 unused (0x7f).
/// PTE 1 of page 5 -> data page 0 (0x80); PTE 2 unused.
ByteImage smallImage() {
  std::vector<uint8_t> mem(128 * 32, 0);
  for (int i = 0; i < 32; ++i) mem[2 * 32 + i] = 0x7f;
  for (int i = 0; i < 32; ++i) mem[5 * 32 + i] = 0x7f;
  mem[2 * 32 + 0] = 0x85;
  mem[5 * 32 + 1] = 0x80;
  mem[0 * 32 + 7] = 0x1e;
  return ByteImage(mem);
}

TEST(TwoLevelTable, WalksDirectoryThenTable) {
  const ByteImage mem = smallImage();
  const TwoLevelByteTable t(mem, 2);
  const MultiLevelResult ok = t.translate((0 << 10) | (1 << 5) | 7);
  EXPECT_EQ(ok.pde, 0x85);
  EXPECT_EQ(ok.pdePfn, 5);
  EXPECT_EQ(ok.pteIndex, std::optional<uint64_t>(1));
  EXPECT_EQ(ok.pte, std::optional<uint8_t>(0x80));
  EXPECT_EQ(ok.pa, std::optional<uint64_t>(7));
  EXPECT_EQ(ok.value, std::optional<uint8_t>(0x1e));
  EXPECT_EQ(ok.fault, TranslationFault::None);
}

TEST(TwoLevelTable, ValidityIsBitSevenOnly) {
  const ByteImage mem = smallImage();
  const TwoLevelByteTable t(mem, 2);
  const MultiLevelResult pdeFault = t.translate(1 << 10);
  EXPECT_EQ(pdeFault.fault, TranslationFault::DirectoryInvalid);
  EXPECT_EQ(pdeFault.pde, 0x7f);
  EXPECT_EQ(pdeFault.pdePfn, 0x7f);
  EXPECT_FALSE(pdeFault.pteIndex);
  const MultiLevelResult pteFault = t.translate(2 << 5);
  EXPECT_EQ(pteFault.fault, TranslationFault::PageInvalid);
  EXPECT_EQ(pteFault.ptePfn, std::optional<uint8_t>(0x7f));
  EXPECT_FALSE(pteFault.pa);
  EXPECT_THROW(t.translate(1 << 15), std::out_of_range);
}

TEST(TwoLevelTable, ReadsThroughTheByteInterface) {
  class CountingReader : public PhysicalByteReader {
   public:
    uint8_t readByte(uint64_t pa) const override {
      ++reads;
      return pa == 0 ? 0x81 : (pa == 32 ? 0x82 : 0x42);
    }
    mutable int reads = 0;
  };
  CountingReader mem;
  const TwoLevelByteTable t(mem, 0);
  EXPECT_EQ(t.translate(3).pa, std::optional<uint64_t>(64 + 3));
  EXPECT_EQ(mem.reads, 3);  // PDE, PTE, data byte
}

TEST(InvertedTable, CountsAnchorAndChainReads) {
  InvertedPageTable t(8, 1);  // one bucket: everything chains
  t.map(1, 10, 3);
  t.map(1, 11, 5);
  t.map(2, 10, 0);
  const InvertedLookup newest = t.lookup(2, 10);
  EXPECT_EQ(newest.frame, std::optional<uint64_t>(0));
  EXPECT_EQ(newest.memoryReads, 2u);
  EXPECT_EQ(t.lookup(1, 10).memoryReads, 4u);
  const InvertedLookup miss = t.lookup(3, 10);
  EXPECT_FALSE(miss.frame);
  EXPECT_EQ(miss.memoryReads, 4u);
}

TEST(InvertedTable, UnmapFromTheMiddleOfAChain) {
  InvertedPageTable t(8, 1);
  t.map(1, 10, 3);
  t.map(1, 11, 5);
  t.map(1, 12, 6);
  t.unmap(5);
  EXPECT_FALSE(t.lookup(1, 11).frame);
  EXPECT_EQ(t.lookup(1, 10).frame, std::optional<uint64_t>(3));
  EXPECT_EQ(t.lookup(1, 10).memoryReads, 3u);
  EXPECT_EQ(t.mappedFrames(), 2u);
  t.map(4, 4, 5);  // frame reusable
  EXPECT_EQ(t.lookup(4, 4).frame, std::optional<uint64_t>(5));
}

TEST(InvertedTable, RejectsConflictingMappings) {
  InvertedPageTable t(4, 16);
  t.map(1, 1, 0);
  EXPECT_THROW(t.map(1, 2, 0), std::invalid_argument);
  EXPECT_THROW(t.map(1, 1, 1), std::invalid_argument);
  EXPECT_THROW(t.map(1, 3, 4), std::invalid_argument);
  EXPECT_THROW(t.unmap(2), std::invalid_argument);
  EXPECT_THROW(InvertedPageTable(0, 1), std::invalid_argument);
}

TEST(InvertedTable, ManyBucketsGiveShortChains) {
  InvertedPageTable t(1024, 1024);
  for (uint64_t f = 0; f < 1024; ++f) t.map(7, f * 13, f);
  uint64_t reads = 0;
  for (uint64_t f = 0; f < 1024; ++f) {
    const InvertedLookup r = t.lookup(7, f * 13);
    ASSERT_EQ(r.frame, std::optional<uint64_t>(f));
    reads += r.memoryReads;
  }
  EXPECT_LT(static_cast<double>(reads) / 1024.0, 3.5);
}

}  // namespace
