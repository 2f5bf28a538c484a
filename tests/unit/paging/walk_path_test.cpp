// paging::WalkPath, the walk rules the hardware walker and the software-refill handler share:
// pointers are followed, x86 permissions are the AND (R/W, U/S) and OR (XD) over every level,
// RISC-V permissions come from the leaf alone, and bad entries end the walk.
#include "vmsim/paging/walk_path.h"

#include <gtest/gtest.h>

using namespace vmsim::paging;

namespace {

constexpr uint64_t kVa = 0x7f12'3456'7abcull;

Entry pointerTo(uint64_t frame, bool writable = true, bool user = true, bool exec = true) {
  Entry e;
  e.valid = true;
  e.readable = true;
  e.writable = writable;
  e.user = user;
  e.exec = exec;
  e.frame = frame;
  return e;
}

Entry leafAt(uint64_t frame, bool writable = true, bool user = true, bool exec = true) {
  Entry e = pointerTo(frame, writable, user, exec);
  e.leaf = true;
  e.global = true;
  return e;
}

}  // namespace

TEST(WalkPath, FollowsPointersAndAddressesEachLevelsEntry) {
  const Format& f = Format::get(Kind::X86_64_4);
  WalkPath p(f, kVa, 0x1000);
  EXPECT_EQ(p.entryAddr(4), 0x1000 + Format::entryOffset(kVa, 4));
  EXPECT_EQ(p.visit(f.encode(pointerTo(0x2000), 4), 4), WalkPath::Step::Next);
  EXPECT_EQ(p.table(), 0x2000u);
  EXPECT_EQ(p.entryAddr(3), 0x2000 + Format::entryOffset(kVa, 3));
  EXPECT_TRUE(p.lastPermissive());
  EXPECT_EQ(p.visit(f.encode(pointerTo(0x3000), 3), 3), WalkPath::Step::Next);
  EXPECT_EQ(p.visit(f.encode(pointerTo(0x4000), 2), 2), WalkPath::Step::Next);
  EXPECT_EQ(p.visit(f.encode(leafAt(0x5000), 1), 1), WalkPath::Step::Leaf);
  EXPECT_EQ(p.shift(), 12u);
  EXPECT_EQ(p.pa(), 0x5000u | (kVa & 0xfff));
  EXPECT_TRUE(p.global());
}

TEST(WalkPath, X86PermissionsAccumulateOverEveryLevel) {
  const Format& f = Format::get(Kind::X86_64_4);
  WalkPath p(f, kVa, 0x1000);
  // Read-only at the PML4E, supervisor at the PDPTE, XD at the PDE: the 2 MiB leaf itself
  // grants everything, yet the translation grants none of the three.
  ASSERT_EQ(p.visit(f.encode(pointerTo(0x2000, false), 4), 4), WalkPath::Step::Next);
  EXPECT_FALSE(p.lastPermissive());  // a walk cache must not hold this pointer
  ASSERT_EQ(p.visit(f.encode(pointerTo(0x3000, true, false), 3), 3), WalkPath::Step::Next);
  ASSERT_EQ(p.visit(f.encode(leafAt(0x40000000ull & ~0x1fffffull), 2), 2), WalkPath::Step::Leaf);
  EXPECT_EQ(p.shift(), 21u);
  EXPECT_TRUE(p.readable());
  EXPECT_FALSE(p.writable());
  EXPECT_FALSE(p.user());
  EXPECT_TRUE(p.exec());
  EXPECT_EQ(p.pa(), 0x40000000ull | (kVa & 0x1fffff));
}

TEST(WalkPath, RiscvPermissionsComeFromTheLeafAlone) {
  const Format& f = Format::get(Kind::Sv48);
  WalkPath p(f, kVa, 0x1000);
  // RISC-V pointers carry no permissions (only V): the read-only, user, no-exec leaf decides.
  ASSERT_EQ(p.visit(f.pointer(0x2000), 4), WalkPath::Step::Next);
  EXPECT_TRUE(p.lastPermissive());
  ASSERT_EQ(p.visit(f.pointer(0x3000), 3), WalkPath::Step::Next);
  ASSERT_EQ(p.visit(f.pointer(0x4000), 2), WalkPath::Step::Next);
  ASSERT_EQ(p.visit(f.encode(leafAt(0x5000, false, true, false), 1), 1), WalkPath::Step::Leaf);
  EXPECT_TRUE(p.readable());
  EXPECT_FALSE(p.writable());
  EXPECT_TRUE(p.user());
  EXPECT_FALSE(p.exec());
}

TEST(WalkPath, NotPresentAndMalformedEntriesEndTheWalk) {
  const Format& x86 = Format::get(Kind::X86_64_4);
  {
    WalkPath p(x86, kVa, 0x1000);
    EXPECT_EQ(p.visit(0, 4), WalkPath::Step::NotPresent);
  }
  {
    WalkPath p(x86, kVa, 0x1000);
    EXPECT_EQ(p.visit(x86.makeSwapped(7), 4), WalkPath::Step::NotPresent);
  }
  {
    // PS set in a PML4E is reserved (SDM 4.5).
    WalkPath p(x86, kVa, 0x1000);
    EXPECT_EQ(p.visit(x86.pointer(0x2000) | (1ull << 7), 4), WalkPath::Step::Malformed);
  }
  {
    // A RISC-V 2 MiB leaf whose PPN is not 2 MiB aligned is a misaligned superpage.
    const Format& rv = Format::get(Kind::Sv39);
    WalkPath p(rv, kVa, 0x1000);
    const uint64_t leaf4k = rv.encode(leafAt(0x5000), 1);
    EXPECT_EQ(p.visit(leaf4k, 2), WalkPath::Step::Malformed);
  }
}
