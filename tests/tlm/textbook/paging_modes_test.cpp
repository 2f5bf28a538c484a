// Socket tests of the paging modes of TextbookMmu: the linear page table (OSTEP ch. 18), the
// two-level one-byte directory and the hashed inverted table (ch. 20). Tables must be in DRAM in
// the textbook's byte format, cost the textbook's number of memory reads, and translate exactly as
// the plain translators in models/os do.
#include <gtest/gtest.h>

#include "textbook_rig.h"
#include "vmsim/os/inverted_page_table.h"
#include "vmsim/os/linear_page_table.h"
#include "vmsim/os/multilevel_page_table.h"

using namespace vmsim;
using namespace vmsim::test;

namespace {

constexpr uint64_t kPhys = 0x1000000;  // the MMU's physical region starts at 16 MiB

const char* kLinear = R"(
mmu:
  mode: linear
  phys_base: 0x1000000
  phys_size: 4MiB
  linear: {page_size: 4KiB, address_space: 1MiB}
)";

Perms readExec() {
  Perms p;
  p.write = false;
  return p;
}

TEST(TextbookLinear, RoundTripFaultsAndOneTableReadPerAccess) {
  TextbookRig rig(kLinear);
  rig.mmu.mapRegion(1, 0x10000, 0x10000, Perms{});
  rig.mmu.mapRegion(1, 0x40000, 0x1000, readExec());
  const auto r = runScript(
      rig, {store(1, 0x10008, 0x1122334455667788ull), load(1, 0x10008), load(1, 0x30000),
            store(1, 0x40010, 1), load(1, 0x40010), store(1, 0x10ffc, 0xabcdef0123456789ull),
            load(1, 0x10ffc), load(2, 0x10008), load(1, 0x100000)});
  ASSERT_EQ(r.size(), 9u);
  EXPECT_TRUE(r[0].ok());
  EXPECT_EQ(r[1].value, 0x1122334455667788ull);
  EXPECT_EQ(r[0].tableReads, 1);
  EXPECT_EQ(r[1].tableReads, 1);
  EXPECT_EQ(r[2].status, tlm::TLM_ADDRESS_ERROR_RESPONSE);  // invalid PTE
  EXPECT_EQ(r[2].fault, FaultKind::Segmentation);
  EXPECT_EQ(r[2].faultVa, 0x30000u);
  EXPECT_EQ(r[3].fault, FaultKind::Protection);  // read-only page
  EXPECT_EQ(r[3].faultVa, 0x40010u);
  EXPECT_TRUE(r[4].ok());
  EXPECT_EQ(r[5].tableReads, 2);  // crosses a page boundary: two translations
  EXPECT_EQ(r[6].value, 0xabcdef0123456789ull);
  EXPECT_EQ(r[7].fault, FaultKind::Segmentation);  // ASID 2 has no table
  EXPECT_EQ(r[7].tableReads, 0);
  EXPECT_EQ(r[8].fault, FaultKind::Segmentation);  // beyond the address space
  EXPECT_GT(r[1].delay, sc_core::SC_ZERO_TIME);
  EXPECT_EQ(rig.violations(), std::vector<std::string>{});
  EXPECT_EQ(rig.stat("mmu.accesses"), 9);
  const auto* walks = dynamic_cast<const stats::Histogram*>(rig.reg.find("mmu.walkReads"));
  ASSERT_NE(walks, nullptr);
  EXPECT_EQ(walks->moments().samples, 11);  // one translation per page touched
  EXPECT_EQ(walks->moments().sum, rig.stat("mmu.tableReads"));
}

TEST(TextbookLinear, PteBytesAreOstepFormatAndMatchThePlainTranslator) {
  TextbookRig rig(kLinear);
  rig.mmu.mapRegion(1, 0x10000, 0x8000, Perms{});
  runScript(rig, {});  // simulation starts: the staged table bytes go out to DRAM
  const uint64_t base = rig.mmu.tableBase(1);
  ASSERT_GE(base, kPhys);
  // 32-bit little-endian PTEs, bit 31 valid, bits 30..0 the frame number (from phys_base).
  const uint64_t pte = rig.physLe(base + 4 * 0x10, 4);
  EXPECT_EQ(pte & 0x80000000u, 0x80000000u);
  const auto t = rig.mmu.debugTranslate(1, 0x10123, AccessKind::Load);
  EXPECT_EQ(kPhys + ((pte & 0x7fffffffu) << 12) + 0x123, t.pa);
  EXPECT_EQ(rig.physLe(base + 4 * 0x0f, 4), 0u);  // unmapped: all zero
  std::vector<uint32_t> entries(256);
  for (unsigned i = 0; i < entries.size(); ++i)
    entries[i] = static_cast<uint32_t>(rig.physLe(base + 4 * i, 4));
  const os::LinearPageTable plain(4096, entries);
  for (uint64_t va = 0; va < 0x100000; va += 0x1f3d) {
    const auto mine = rig.mmu.debugTranslate(1, va, AccessKind::Load);
    const auto ref = plain.translate(va);
    ASSERT_EQ(mine.fault == FaultKind::None, ref.valid) << std::hex << va;
    if (ref.valid) {
      EXPECT_EQ(mine.pa, kPhys + ref.pa) << std::hex << va;
    }
  }
}

const char* kOstepTwoLevel = R"(
mmu:
  mode: two_level
  phys_base: 0x1000000
  phys_size: 4KiB
  two_level: {page_size: 32, address_space: 32KiB}
)";

// Reads the textbook's "physical memory" (the MMU's region) for os::TwoLevelByteTable.
class RegionReader : public os::PhysicalByteReader {
 public:
  explicit RegionReader(TextbookRig& rig) : rig_(rig) {}
  uint8_t readByte(uint64_t pa) const override { return rig_.physBytes(kPhys + pa, 1)[0]; }

 private:
  TextbookRig& rig_;
};

TEST(TextbookTwoLevel, OstepGeometryTwoReadsPerAccessAndByteFormat) {
  TextbookRig rig(kOstepTwoLevel);
  rig.mmu.mapRegion(1, 0x0, 0x100, Perms{});
  rig.mmu.mapRegion(1, 0x3000, 0x40, Perms{});
  const auto r = runScript(rig, {store(1, 0x3008, 77), load(1, 0x3008), load(1, 0x0f0),
                                 load(1, 0x7000), load(1, 0x0200)});
  EXPECT_TRUE(r[0].ok());
  EXPECT_EQ(r[1].value, 77u);
  EXPECT_EQ(r[1].tableReads, 2);  // PDE + PTE
  EXPECT_EQ(r[2].tableReads, 2);
  EXPECT_EQ(r[3].fault, FaultKind::Segmentation);  // invalid PDE: one read
  EXPECT_EQ(r[3].tableReads, 1);
  EXPECT_EQ(r[4].fault, FaultKind::Segmentation);  // valid PDE, invalid PTE: two reads
  EXPECT_EQ(r[4].tableReads, 2);
  EXPECT_EQ(r[4].faultVa, 0x200u);
  EXPECT_EQ(rig.violations(), std::vector<std::string>{});
  // PDE for VA 0x3008: index 0x3008 >> 10 = 12, one byte, valid bit 7, 7-bit page number.
  const uint64_t pdbr = rig.mmu.tableBase(1);
  const uint8_t pde = rig.physBytes(pdbr + 12, 1)[0];
  EXPECT_EQ(pde & 0x80, 0x80);
  const uint8_t pte = rig.physBytes(kPhys + (pde & 0x7f) * 32 + ((0x3008 >> 5) & 31), 1)[0];
  EXPECT_EQ(pte & 0x80, 0x80);
  EXPECT_EQ(rig.mmu.debugTranslate(1, 0x3008, AccessKind::Load).pa, kPhys + (pte & 0x7f) * 32 + 8);
}

TEST(TextbookTwoLevel, MatchesPagingMultilevelTranslateOnEveryVa) {
  TextbookRig rig(kOstepTwoLevel);
  rig.mmu.mapRegion(1, 0x0, 0x300, Perms{});
  rig.mmu.mapRegion(1, 0x5000, 0x100, Perms{});
  rig.mmu.mapRegion(1, 0x7fe0, 0x20, Perms{});
  runScript(rig, {});
  RegionReader reader(rig);
  const os::TwoLevelByteTable plain(reader, (rig.mmu.tableBase(1) - kPhys) / 32, 32, 15);
  for (uint64_t va = 0; va < 0x8000; va += 7) {
    const auto mine = rig.mmu.debugTranslate(1, va, AccessKind::Load);
    const auto ref = plain.translate(va);
    ASSERT_EQ(mine.fault == FaultKind::None, ref.pa.has_value()) << std::hex << va;
    if (ref.pa) {
      EXPECT_EQ(mine.pa, kPhys + *ref.pa) << std::hex << va;
    }
  }
}

TEST(TextbookTwoLevel, OneByteEntriesRefuseProtectionAndRunOutAt128Frames) {
  TextbookRig rig(kOstepTwoLevel);
  EXPECT_THROW(rig.mmu.mapRegion(1, 0, 32, readExec()), std::invalid_argument);
  // 128 frames of 32 bytes: the directory, page tables and data cannot exceed them.
  EXPECT_THROW(rig.mmu.mapRegion(1, 0, 0x8000, Perms{}), std::invalid_argument);
}

TEST(TextbookTwoLevel, WiderEntriesCarryProtectionBits) {
  TextbookRig rig(R"(
mmu:
  mode: two_level
  phys_base: 0x1000000
  phys_size: 4MiB
  two_level: {page_size: 4KiB, address_space: 16MiB, entry_bytes: 2}
)");
  rig.mmu.mapRegion(1, 0x100000, 0x2000, Perms{});
  rig.mmu.mapRegion(1, 0x200000, 0x1000, readExec());
  const auto r = runScript(
      rig, {store(1, 0x101000, 5), load(1, 0x101000), store(1, 0x200000, 1), load(1, 0x200000)});
  EXPECT_EQ(r[1].value, 5u);
  EXPECT_EQ(r[1].tableReads, 2);
  EXPECT_EQ(r[2].fault, FaultKind::Protection);
  EXPECT_TRUE(r[3].ok());
  // 16-bit PTE: bit 15 valid, bits 14..12 deny (write denied = bit 12), 12-bit frame number.
  const uint64_t pde = rig.physLe(rig.mmu.tableBase(1) + 2 * (0x200000 >> 23), 2);
  const uint64_t pte = rig.physLe(kPhys + (pde & 0xfff) * 4096 + 2 * ((0x200000 >> 12) & 2047), 2);
  EXPECT_EQ(pte & 0xf000, 0x9000u);
}

const char* kInvertedOneBucket = R"(
mmu:
  mode: inverted
  phys_base: 0x1000000
  phys_size: 1MiB
  inverted: {page_size: 4KiB, address_space: 4GiB, anchors: 1}
)";

TEST(TextbookInverted, ChainWalkCostsOneReadPerEntryPlusTheAnchor) {
  TextbookRig rig(kInvertedOneBucket);
  rig.mmu.mapRegion(1, 0x10000, 0x4000, Perms{});  // 4 pages, then 2 of ASID 2: one chain of 6
  rig.mmu.mapRegion(2, 0x10000, 0x2000, Perms{});
  const auto* model = rig.mmu.scheme().invertedModel();
  ASSERT_NE(model, nullptr);
  std::vector<Op> ops;
  for (uint64_t p = 0; p < 4; ++p) ops.push_back(store(1, 0x10000 + p * 0x1000, 100 + p));
  for (uint64_t p = 0; p < 2; ++p) ops.push_back(store(2, 0x10000 + p * 0x1000, 200 + p));
  for (uint64_t p = 0; p < 4; ++p) ops.push_back(load(1, 0x10000 + p * 0x1000));
  for (uint64_t p = 0; p < 2; ++p) ops.push_back(load(2, 0x10000 + p * 0x1000));
  ops.push_back(load(3, 0x10000));
  const auto r = runScript(rig, ops);
  for (uint64_t p = 0; p < 4; ++p) {
    EXPECT_EQ(r[6 + p].value, 100 + p);
    EXPECT_EQ(r[6 + p].tableReads, model->lookup(1, 0x10 + p).memoryReads);
  }
  for (uint64_t p = 0; p < 2; ++p) {
    EXPECT_EQ(r[10 + p].value, 200 + p);
    EXPECT_EQ(r[10 + p].tableReads, model->lookup(2, 0x10 + p).memoryReads);
  }
  EXPECT_EQ(r[11].tableReads, 2);  // ASID 2's second page was mapped last: head of the chain
  EXPECT_EQ(r[6].tableReads, 7);   // ASID 1's first page: at the tail
  EXPECT_EQ(r[12].fault, FaultKind::Segmentation);
  EXPECT_EQ(r[12].tableReads, 7);  // the whole chain, then not found
  EXPECT_EQ(rig.violations(), std::vector<std::string>{});
}

TEST(TextbookInverted, EntriesAndAnchorsInMemoryMirrorThePlainTable) {
  TextbookRig rig(R"(
mmu:
  mode: inverted
  phys_base: 0x1000000
  phys_size: 1MiB
  inverted: {page_size: 4KiB, address_space: 4GiB}
)");
  rig.mmu.mapRegion(1, 0x400000, 0x8000, Perms{});
  rig.mmu.mapRegion(7, 0x400000, 0x1000, readExec());
  const auto r = runScript(rig, {store(7, 0x400000, 1), load(7, 0x400000), load(1, 0x404000)});
  EXPECT_EQ(r[0].fault, FaultKind::Protection);
  EXPECT_GE(r[1].tableReads, 2);
  EXPECT_GE(r[2].tableReads, 1);
  const auto* model = rig.mmu.scheme().invertedModel();
  for (Asid a : {1, 7}) {
    const uint64_t vpn = 0x400;
    const auto t = rig.mmu.debugTranslate(a, 0x400000, AccessKind::Load);
    ASSERT_EQ(t.fault, FaultKind::None);
    const uint64_t frame = (t.pa - kPhys) >> 12;
    EXPECT_EQ(*model->lookup(a, vpn).frame, frame);
    const uint64_t tag = rig.physLe(rig.mmu.tableBase(a) + 16 * frame, 8);
    EXPECT_EQ(tag >> 63, 1u);
    EXPECT_EQ((tag >> 44) & 0xffff, a);
    EXPECT_EQ(tag & ((1ull << 44) - 1), vpn);
    EXPECT_EQ((tag >> 60) & 7, a == 7 ? 1u : 0u);  // ASID 7's page denies writes
    const uint64_t anchor =
        rig.physLe(rig.mmu.scheme().anchorBase() + 8 * model->bucketOf(a, vpn), 8);
    EXPECT_NE(anchor, 0u);
  }
  for (uint64_t va = 0x3f0000; va < 0x410000; va += 0x777) {
    const auto mine = rig.mmu.debugTranslate(1, va, AccessKind::Load);
    const auto ref = model->lookup(1, va >> 12);
    ASSERT_EQ(mine.fault == FaultKind::None, ref.frame.has_value()) << std::hex << va;
    if (ref.frame) {
      EXPECT_EQ(mine.pa, kPhys + (*ref.frame << 12) + (va & 0xfff));
    }
  }
}

}  // namespace
