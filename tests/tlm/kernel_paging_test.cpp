// The kernel builds its page tables in the configured format: pointer and leaf encodings of
// x86-64-5 and RISC-V, the swapped software encoding after an eviction, and the user range.
#include <gtest/gtest.h>

#include "kernel_rig.h"

using namespace vmsim;
using paging::Check;
using paging::Format;

namespace {

constexpr uint64_t kPage = 4096;

// Kernel, DRAM behind a router and an SSD swap disk, elaborated.
struct Rig : test::KernelRig {
  explicit Rig(const std::string& yaml) : KernelRig(yaml) { start(); }
  const Format& f() const { return format(); }
  /// The raw entries on `va`'s path, root first.
  std::vector<uint64_t> path(Asid asid, uint64_t va) {
    std::vector<uint64_t> out;
    uint64_t table = kernel->pageTableRoot(asid)->value();
    for (unsigned l = f().levels(); l >= 1; --l) {
      const uint64_t e = port.read64(table + Format::entryOffset(va, l));
      out.push_back(e);
      if (l > 1 && f().check(e, l) != Check::Pointer) break;
      table = f().frameAddr(e);
    }
    return out;
  }
};

}  // namespace

TEST(KernelPaging, Sv48TablesUseRiscvPointersAndLeaves) {
  Rig rig("kernel: {page_table_format: sv48, memory_size: 1MiB}\n");
  ASSERT_EQ(rig.f().kind(), paging::Kind::Sv48);
  const Asid a = rig.kernel->createProcess("p");
  const uint64_t va = 0x7f1234567000ull;  // high in the 47-bit user half: every index non-zero
  rig.kernel->addRegion(a, {"heap", va, 4 * kPage, Perms{true, true, false, true}});
  EXPECT_EQ(rig.port.fault(a, va + 0x123, AccessKind::Store), FaultKind::None);
  const auto p = rig.path(a, va);
  ASSERT_EQ(p.size(), 4u);
  using namespace paging::riscv;
  for (unsigned i = 0; i < 3; ++i) {
    // A pointer: V and the PPN, nothing else (U, A, D are reserved in pointers).
    EXPECT_EQ(p[i] & 0x3ff, kValid) << "level " << 4 - i;
    EXPECT_EQ(rig.f().check(p[i], 4 - i), Check::Pointer);
  }
  // The leaf: V R W U, not X (the region is not executable), A/D left to the hardware.
  EXPECT_EQ(p[3] & 0x3ff, kValid | kRead | kWrite | kUser);
  EXPECT_EQ(rig.f().check(p[3], 1), Check::Leaf);
  EXPECT_EQ(rig.kernel->leafEntry(a, va), p[3]);
  // Kernel root, process root, three lower tables.
  EXPECT_EQ(rig.reg.value("kernel.pageTableFrames"), 5);
}

TEST(KernelPaging, X86FiveLevelTablesHaveFivePermissivePointersAndAnXdLeaf) {
  Rig rig("kernel: {page_table_format: x86-64-5, memory_size: 1MiB}\n");
  const Asid a = rig.kernel->createProcess("p");
  const uint64_t va = 0x00f1234567890000ull;  // above 2^47: only 5-level paging reaches it
  rig.kernel->addRegion(a, {"heap", va, kPage, Perms{true, true, false, true}});
  EXPECT_EQ(rig.port.fault(a, va, AccessKind::Load), FaultKind::None);
  const auto p = rig.path(a, va);
  ASSERT_EQ(p.size(), 5u);
  using namespace paging::x86;
  for (unsigned i = 0; i < 4; ++i) EXPECT_EQ(p[i] & 0xfff, kPresent | kWritable | kUser);
  EXPECT_EQ(p[4] & (0xfff | kNoExec), kPresent | kWritable | kUser | kNoExec);
  EXPECT_EQ(rig.reg.value("kernel.pageTableFrames"), 6);
}

TEST(KernelPaging, Sv39EvictionWritesTheRiscvSwappedEncodingAndSwapInRestoresIt) {
  // 16 frames: kernel root, process root, two lower tables, 12 for data; 20 pages stored.
  Rig rig("kernel: {page_table_format: sv39, memory_size: 64KiB}\n");
  const Asid a = rig.kernel->createProcess("p");
  const uint64_t base = 0x3f00000000ull;
  rig.kernel->addRegion(a, {"heap", base, 20 * kPage, Perms{true, true, false, true}});
  // No MMU sets D here: the kernel marks its writable pages dirty itself, so evictions write.
  rig.kernel->setHardwareAccessedDirty(a, false);
  for (uint64_t i = 0; i < 20; ++i) {
    ASSERT_EQ(rig.port.fault(a, base + i * kPage, AccessKind::Store), FaultKind::None);
  }
  EXPECT_GT(rig.reg.value("kernel.evictions"), 0);
  const Format& f = rig.f();
  unsigned swapped = 0;
  for (uint64_t i = 0; i < 20; ++i) {
    const uint64_t e = rig.kernel->leafEntry(a, base + i * kPage);
    if (!f.isSwapped(e)) continue;
    ++swapped;
    // V clear, RSW bit 8 set, the slot in the PPN field.
    EXPECT_EQ(e & paging::riscv::kValid, 0u);
    EXPECT_TRUE(e & paging::riscv::kSwapped);
    EXPECT_EQ(e >> 10, f.swapSlot(e));
  }
  EXPECT_GT(swapped, 0u);
  // Fault the first page back in: it is resident again, as a leaf.
  EXPECT_EQ(rig.port.fault(a, base, AccessKind::Load), FaultKind::None);
  EXPECT_EQ(f.check(rig.kernel->leafEntry(a, base), 1), Check::Leaf);
  EXPECT_GT(rig.reg.value("kernel.majorFaults"), 0);
}

TEST(KernelPaging, RegionsOutsideTheFormatsUserHalfAreRejected) {
  Rig rig("kernel: {page_table_format: sv39, memory_size: 1MiB}\n");
  const Asid a = rig.kernel->createProcess("p");
  EXPECT_THROW(rig.kernel->addRegion(a, {"high", uint64_t{1} << 38, kPage, Perms{}}),
               std::invalid_argument);
  EXPECT_NO_THROW(rig.kernel->addRegion(a, {"top", (uint64_t{1} << 38) - kPage, kPage, Perms{}}));
}
