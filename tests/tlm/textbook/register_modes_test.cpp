// Socket tests of the register-only modes of TextbookMmu: base-and-bounds relocation (OSTEP ch.
// 15, relocation.py's rule) and segmentation (ch. 16: code/heap/stack, a stack that grows down with
// negative offsets, protection bits, sharing, top-bits or explicit selection).
#include <gtest/gtest.h>

#include "textbook_rig.h"
#include "vmsim/os/relocation.h"
#include "vmsim/os/segmentation.h"

using namespace vmsim;
using namespace vmsim::test;

namespace {

TEST(TextbookBaseBounds, RelocatesPerAsidAndFaultsAtTheBound) {
  TextbookRig rig(R"(
mmu:
  mode: base_bounds
  phys_base: 0x2000000
  phys_size: 1MiB
  base_bounds: {size: 64KiB}
)");
  rig.mmu.mapRegion(1, 0, 0x8000, Perms{});
  rig.mmu.mapRegion(2, 0, 0x1000, Perms{});
  EXPECT_THROW(rig.mmu.mapRegion(2, 0xf000, 0x2000, Perms{}), std::invalid_argument);
  const auto r = runScript(rig, {store(1, 0x100, 11), store(2, 0x100, 22), load(1, 0x100),
                                 load(2, 0x100), load(2, 0x1000), load(2, 0xffc), load(3, 0)});
  EXPECT_EQ(r[2].value, 11u);  // same VA, different process, different memory
  EXPECT_EQ(r[3].value, 22u);
  EXPECT_EQ(r[2].tableReads, 0);
  EXPECT_EQ(r[4].fault, FaultKind::Segmentation);  // va == bounds faults
  EXPECT_EQ(r[4].faultVa, 0x1000u);
  EXPECT_EQ(r[5].fault, FaultKind::Segmentation);  // straddles the bound: faults at its first byte
  EXPECT_EQ(r[5].faultVa, 0x1000u);
  EXPECT_EQ(r[6].fault, FaultKind::Segmentation);  // no registers: bounds 0
  EXPECT_EQ(rig.violations(), std::vector<std::string>{});
  // Same answers as relocation.py's rule with the same registers.
  const uint64_t base = rig.mmu.debugTranslate(1, 0, AccessKind::Load).pa;
  const os::BaseBoundsTranslator plain(base, 0x8000);
  for (uint64_t va = 0; va < 0x10000; va += 0x3e1) {
    const auto mine = rig.mmu.debugTranslate(1, va, AccessKind::Load);
    const auto ref = plain.translate(va);
    ASSERT_EQ(mine.fault == FaultKind::None, ref.valid);
    if (ref.valid) {
      EXPECT_EQ(mine.pa, ref.pa);
    }
  }
}

const char* kSegments = R"(
mmu:
  mode: segmentation
  phys_base: 0x2000000
  phys_size: 1MiB
  segmentation:
    va_bits: 16
    code: {size: 16KiB}
    heap: {size: 16KiB, shared: true}
    stack: {size: 4KiB}
)";

Perms perms(bool r, bool w, bool x) {
  Perms p;
  p.read = r;
  p.write = w;
  p.exec = x;
  return p;
}

TEST(TextbookSegmentation, ProtectionBitsPerSegment) {
  TextbookRig rig(kSegments);
  rig.mmu.mapRegion(1, 0x0000, 0x1000, perms(true, false, true));  // code r-x
  rig.mmu.mapRegion(1, 0x4000, 0x1000, perms(true, true, false));  // heap rw-
  const auto r =
      runScript(rig, {fetch(1, 0x0100), store(1, 0x0100, 1), store(1, 0x4100, 9), load(1, 0x4100),
                      fetch(1, 0x4100), load(1, 0x1000), load(1, 0x8000)});
  EXPECT_TRUE(r[0].ok());
  EXPECT_EQ(r[1].fault, FaultKind::Protection);
  EXPECT_EQ(r[1].faultVa, 0x100u);
  EXPECT_EQ(r[3].value, 9u);
  EXPECT_EQ(r[4].fault, FaultKind::Protection);    // heap is not executable
  EXPECT_EQ(r[5].fault, FaultKind::Segmentation);  // beyond the code limit
  EXPECT_EQ(r[6].fault, FaultKind::Segmentation);  // selector 10: unused segment
  EXPECT_EQ(r[0].tableReads, 0);
  EXPECT_EQ(rig.violations(), std::vector<std::string>{});
}

TEST(TextbookSegmentation, StackGrowsDownWithNegativeOffsets) {
  TextbookRig rig(kSegments);
  rig.mmu.mapRegion(1, 0xfc00, 0x400, perms(true, true, false));  // top 1 KiB of the stack
  // OSTEP: offset 0x3c00 in a 16 KiB segment is 0x3c00 - 0x4000 = -0x400 below the base.
  const auto top = rig.mmu.debugTranslate(1, 0xffff, AccessKind::Load);
  const auto low = rig.mmu.debugTranslate(1, 0xfc00, AccessKind::Load);
  ASSERT_EQ(top.fault, FaultKind::None);
  ASSERT_EQ(low.fault, FaultKind::None);
  EXPECT_EQ(top.pa - low.pa, 0x3ffu);
  EXPECT_EQ(rig.mmu.debugTranslate(1, 0xfbff, AccessKind::Load).fault, FaultKind::Segmentation);
  rig.mmu.mapRegion(1, 0xf800, 0x400, perms(true, true, false));  // the stack grows by 1 KiB
  EXPECT_EQ(rig.mmu.debugTranslate(1, 0xfc00, AccessKind::Load).pa, low.pa);  // base unchanged
  EXPECT_EQ(rig.mmu.debugTranslate(1, 0xf800, AccessKind::Load).pa, low.pa - 0x400);
  EXPECT_THROW(rig.mmu.mapRegion(1, 0xe000, 0x100, Perms{}), std::invalid_argument);  // > 4 KiB
  const auto r = runScript(rig, {store(1, 0xfff8, 0x5555), load(1, 0xfff8), store(1, 0xf800, 3),
                                 load(1, 0xf800), load(1, 0xf7f8)});
  EXPECT_EQ(r[1].value, 0x5555u);
  EXPECT_EQ(r[3].value, 3u);
  EXPECT_EQ(r[4].fault, FaultKind::Segmentation);
  EXPECT_EQ(r[4].faultVa, 0xf7f8u);
  // The same registers in the plain segment translator give the same PAs.
  std::vector<os::Segment> segs(4);
  segs[3].base = top.pa + 1;
  segs[3].limit = 0x800;
  segs[3].growsDown = true;
  segs[3].write = true;
  const os::SegmentTranslator plain(16, 2, segs);
  for (uint64_t va = 0xc000; va < 0x10000; va += 0x55) {
    const auto mine = rig.mmu.debugTranslate(1, va, AccessKind::Load);
    const auto ref = plain.translate(va, os::AccessKind::Read);
    ASSERT_EQ(mine.fault == FaultKind::None, ref.valid) << std::hex << va;
    if (ref.valid) {
      EXPECT_EQ(mine.pa, ref.pa);
    }
  }
}

TEST(TextbookSegmentation, SharedSegmentSeenByTwoAsidsWithTheirOwnProtection) {
  TextbookRig rig(kSegments);
  rig.mmu.mapRegion(1, 0x4000, 0x1000, perms(true, true, false));
  rig.mmu.mapRegion(2, 0x4000, 0x1000, perms(true, false, false));  // read-only view
  rig.mmu.mapRegion(1, 0x0000, 0x1000, perms(true, false, true));   // code: private
  rig.mmu.mapRegion(2, 0x0000, 0x1000, perms(true, false, true));
  EXPECT_EQ(rig.mmu.debugTranslate(1, 0x4010, AccessKind::Load).pa,
            rig.mmu.debugTranslate(2, 0x4010, AccessKind::Load).pa);
  EXPECT_NE(rig.mmu.debugTranslate(1, 0x10, AccessKind::Fetch).pa,
            rig.mmu.debugTranslate(2, 0x10, AccessKind::Fetch).pa);
  const auto r = runScript(rig, {store(1, 0x4010, 0xfeed), load(2, 0x4010), store(2, 0x4010, 1)});
  EXPECT_TRUE(r[0].ok());
  EXPECT_EQ(r[1].value, 0xfeedu);
  EXPECT_EQ(r[2].fault, FaultKind::Protection);
}

TEST(TextbookSegmentation, ExplicitSelectorTakesTheSegmentFromTheExtension) {
  TextbookRig rig(R"(
mmu:
  mode: segmentation
  phys_base: 0x2000000
  phys_size: 1MiB
  segmentation:
    va_bits: 16
    addressing: explicit
    code: {size: 4KiB}
    heap: {size: 4KiB}
    stack: {size: 4KiB}
)");
  rig.mmu.mapRegion(1, 0x4000, 0x100, perms(true, true, false));  // heap, selector 1
  rig.mmu.mapRegion(1, 0xff00, 0x100, perms(true, true, false));  // stack, selector 3
  Op toStack = store(1, 0x3ff0, 42);
  toStack.selector = 3;
  Op fromStack = load(1, 0x3ff0);
  fromStack.selector = 3;
  const auto r =
      runScript(rig, {toStack, fromStack, store(1, 0x10, 7), load(1, 0x10), load(1, 0x3ff0)});
  EXPECT_TRUE(r[0].ok());
  EXPECT_EQ(r[1].value, 42u);
  EXPECT_EQ(r[3].value, 7u);  // no extension: data accesses go to the heap
  EXPECT_EQ(r[4].fault, FaultKind::Segmentation);
}

TEST(TextbookConfig, UnknownModeIsAnErrorListingEveryMode) {
  Config cfg = configFrom("mmu: {mode: paged}\n");
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  mmu::TextbookMmu m("mmu", ctx);
  try {
    cfg.finalize();
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    for (const auto& n : mmu::textbookModeNames()) EXPECT_NE(msg.find(n), std::string::npos) << n;
  }
}

}  // namespace
