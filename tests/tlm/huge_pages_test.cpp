// Huge pages in the kernel model: THP policy (always / madvise, first fault in an aligned range
// inside the region, fallback to 4 KiB when no free aligned block exists), hugetlbfs-like regions
// of 2 MiB and 1 GiB pages, splitting a THP for reclaim and partial unmaps, freeing at exit, and
// an MMU-level run where 1 GiB, 2 MiB and 4 KiB mappings coexist in one address space.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

#include "kernel_rig.h"
#include "vmsim/mmu/mmu.h"

namespace vmsim {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t k2M = uint64_t{1} << 21;
constexpr uint64_t k1G = uint64_t{1} << 30;
constexpr uint64_t kHeap = 0x10000000;  // 2 MiB aligned
constexpr Perms kRw{true, true, false, true};

double vec(const stats::Registry& reg, const std::string& name, size_t i) {
  const auto* v = dynamic_cast<const stats::Vector*>(reg.find(name));
  EXPECT_NE(v, nullptr) << name;
  return v ? v->at(i) : -1;
}

// Kernel, DRAM behind a router, and (unless swap is off) an SSD swap disk, elaborated.
struct Rig : test::KernelRig {
  explicit Rig(const std::string& yaml) : KernelRig(yaml) { start(); }
  Asid process(const std::string& name, uint64_t start, uint64_t size, unsigned pageShift = 12,
               bool advised = false) {
    const Asid a = kernel->createProcess(name);
    region(a, name + "_heap", start, size, pageShift, advised);
    return a;
  }
  void region(Asid a, const std::string& name, uint64_t start, uint64_t size,
              unsigned pageShift = 12, bool advised = false) {
    os::Region r{name, start, size, kRw};
    r.pageShift = pageShift;
    r.hugeAdvised = advised;
    kernel->addRegion(a, r);
  }
  // What an access through the page's present mapping does to memory (the MMU's data path).
  void store(Asid asid, uint64_t va, uint64_t value) {
    const auto pa = kernel->translate(asid, va);
    ASSERT_TRUE(pa.has_value());
    debug(*pa, &value, 8, true);
  }
  uint64_t load(Asid asid, uint64_t va) {
    const auto pa = kernel->translate(asid, va);
    EXPECT_TRUE(pa.has_value());
    uint64_t v = 0;
    if (pa) debug(*pa, &v, 8, false);
    return v;
  }
  double thpFallback(size_t why) { return vec(reg, "kernel.thpFallbacks", why); }
};

enum { kNoBlock = 0, kNotInside = 1, kNotAdvised = 2 };

TEST(Thp, AlwaysMapsOneHugePageOnTheFirstFaultOfAnAlignedRange) {
  Rig rig("kernel: {memory_size: 16MiB, thp: always}\n");
  const Asid a = rig.process("p", kHeap, 2 * k2M);
  const uint64_t freeBefore = rig.kernel->framesFree();
  ASSERT_EQ(rig.port.fault(a, kHeap + 0x1234, AccessKind::Store), FaultKind::None);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap), 21u);
  const auto pa = rig.kernel->translate(a, kHeap + 0x1234);
  ASSERT_TRUE(pa);
  const uint64_t block = *pa - 0x1234;
  EXPECT_EQ(block % k2M, 0u) << "a 2 MiB page sits in a 2 MiB-aligned block";
  // Every address of the range maps at the same offset into the block, without further faults.
  EXPECT_EQ(rig.kernel->translate(a, kHeap + k2M - 8), block + k2M - 8);
  EXPECT_EQ(rig.port.fault(a, kHeap + 0x100000, AccessKind::Load), FaultKind::None);  // no-op
  EXPECT_EQ(rig.reg.value("kernel.minorFaults"), 1);
  EXPECT_EQ(vec(rig.reg, "kernel.hugeFaults", 0), 1);
  EXPECT_EQ(rig.kernel->residentPages(a), 512u);
  // 512 frames for the page; a PDPT, a PD and the page table deposited for a later split.
  EXPECT_EQ(freeBefore - rig.kernel->framesFree(), 512u + 3);
  EXPECT_EQ(rig.reg.value("kernel.pageTableFrames"), 2 + 3);  // + the kernel's and p's roots
  // The next range gets its own block.
  ASSERT_EQ(rig.port.fault(a, kHeap + k2M, AccessKind::Load), FaultKind::None);
  const auto pa2 = rig.kernel->translate(a, kHeap + k2M);
  ASSERT_TRUE(pa2);
  EXPECT_EQ(*pa2 % k2M, 0u);
  EXPECT_NE(*pa2, block);
  EXPECT_EQ(vec(rig.reg, "kernel.hugeFaults", 0), 2);
  EXPECT_EQ(rig.thpFallback(kNoBlock) + rig.thpFallback(kNotInside), 0);
}

TEST(Thp, NeverMapsOnly4KiBPages) {
  Rig rig("kernel: {memory_size: 16MiB}\n");
  const Asid a = rig.process("p", kHeap, 2 * k2M);
  ASSERT_EQ(rig.port.fault(a, kHeap, AccessKind::Store), FaultKind::None);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap), 12u);
  EXPECT_EQ(vec(rig.reg, "kernel.hugeFaults", 0), 0);
  EXPECT_EQ(rig.kernel->mappedPageShifts(), (std::vector<unsigned>{12}));
}

TEST(Thp, RangesNotFullyInsideTheRegionFallBackTo4KiB) {
  Rig rig("kernel: {memory_size: 16MiB, thp: always}\n");
  // [kHeap + 4 KiB, kHeap + 4 MiB): the first aligned 2 MiB range sticks out, the second is in.
  const Asid a = rig.process("p", kHeap + kPage, 2 * k2M - kPage);
  ASSERT_EQ(rig.port.fault(a, kHeap + kPage, AccessKind::Load), FaultKind::None);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap + kPage), 12u);
  EXPECT_EQ(rig.thpFallback(kNotInside), 1);
  ASSERT_EQ(rig.port.fault(a, kHeap + k2M + 5 * kPage, AccessKind::Load), FaultKind::None);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap + k2M), 21u);
  EXPECT_EQ(rig.kernel->residentPages(a), 513u);
  EXPECT_EQ(rig.kernel->mappedPageShifts(), (std::vector<unsigned>{12, 21}));
}

TEST(Thp, MadviseMapsHugePagesOnlyInAdvisedRegions) {
  Rig rig("kernel: {memory_size: 16MiB, thp: madvise}\n");
  const Asid a = rig.process("p", kHeap, k2M);
  rig.region(a, "advised", kHeap + 4 * k2M, k2M, 12, true);
  ASSERT_EQ(rig.port.fault(a, kHeap, AccessKind::Load), FaultKind::None);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap), 12u);
  EXPECT_EQ(rig.thpFallback(kNotAdvised), 1);
  ASSERT_EQ(rig.port.fault(a, kHeap + 4 * k2M, AccessKind::Load), FaultKind::None);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap + 4 * k2M), 21u);
}

TEST(Thp, AFirstFaultAfter4KiBPagesKeepsTheRange4KiB) {
  // Only an empty PMD gets a THP (there is no khugepaged collapsing 4 KiB pages later).
  Rig rig("kernel: {memory_size: 16MiB, thp: madvise}\n");
  const Asid a = rig.process("p", kHeap, k2M, 12, false);
  ASSERT_EQ(rig.port.fault(a, kHeap, AccessKind::Load), FaultKind::None);
  ASSERT_EQ(rig.kernel->mappingShift(a, kHeap), 12u);
  ASSERT_TRUE(rig.kernel->resizeRegion(a, kHeap, 0));
  rig.region(a, "again", kHeap, k2M, 12, true);  // the page table of the range is still there
  ASSERT_EQ(rig.port.fault(a, kHeap + kPage, AccessKind::Load), FaultKind::None);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap + kPage), 12u);
  EXPECT_EQ(vec(rig.reg, "kernel.hugeFaults", 0), 0);
}

// Two processes whose 4 KiB pages alternate through physical memory; when one exits, half of
// memory is free but every 2 MiB block still holds frames of the other.
TEST(Thp, FragmentedMemoryFallsBackTo4KiBAndRecoversWhenFreed) {
  // oom: fault: the fills below run memory out on purpose (no OOM kill).
  Rig rig("kernel: {memory_size: 8MiB, thp: madvise, swap: {enabled: false}, oom: fault}\n");
  const Asid a = rig.process("a", kHeap, 8 << 20);
  const Asid b = rig.process("b", kHeap, 8 << 20);
  const Asid c = rig.process("c", kHeap, 4 * k2M, 12, true);
  for (uint64_t i = 0;; ++i) {
    if (rig.port.fault(a, kHeap + i * kPage, AccessKind::Store) != FaultKind::None) break;
    if (rig.port.fault(b, kHeap + i * kPage, AccessKind::Store) != FaultKind::None) break;
  }
  EXPECT_EQ(rig.kernel->framesFree(), 0u);
  rig.kernel->exitProcess(b);
  EXPECT_GT(rig.kernel->framesFree(), 900u);
  EXPECT_FALSE(rig.kernel->frameAllocator().canAllocate(9));
  EXPECT_GT(rig.reg.value("kernel.buddy.unusableIndex2MiB"), 0.99);
  ASSERT_EQ(rig.port.fault(c, kHeap, AccessKind::Store), FaultKind::None);
  EXPECT_EQ(rig.kernel->mappingShift(c, kHeap), 12u) << "no free aligned block: 4 KiB";
  EXPECT_EQ(rig.thpFallback(kNoBlock), 1);
  EXPECT_EQ(vec(rig.reg, "kernel.hugeFaults", 0), 0);
  rig.kernel->exitProcess(a);
  EXPECT_TRUE(rig.kernel->frameAllocator().canAllocate(9)) << "freed frames merge again";
  ASSERT_EQ(rig.port.fault(c, kHeap + 2 * k2M, AccessKind::Store), FaultKind::None);
  EXPECT_EQ(rig.kernel->mappingShift(c, kHeap + 2 * k2M), 21u);
  EXPECT_EQ(rig.thpFallback(kNoBlock), 1);
  EXPECT_EQ(vec(rig.reg, "kernel.hugeFaults", 0), 1);
  const auto* d =
      dynamic_cast<const stats::Distribution*>(rig.reg.find("kernel.buddy.unusableAtHugeFault"));
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->moments().samples, 2);
  EXPECT_EQ(d->moments().maxVal, 100);  // the failed attempt saw no usable free memory
}

TEST(HugeRegion, Maps2MiBPagesOnlyAndChargesTheirZeroing) {
  // Fixed costs: trap + handler 1000 cycles, page tables free, zeroing 100 cycles per 4 KiB
  // (4096 B / 81.92 GB/s = 50 ns = 100 cycles at 2 GHz).
  Rig rig(
      "kernel: {memory_size: 16MiB, cost: {trap_cycles: 400, handler_cycles: 600, page_tables: "
      "fixed, page_table_access_cycles: 0, zero_bandwidth: 81.92}}\n");
  const Asid a = rig.process("p", kHeap, 2 * k2M, 21);
  ASSERT_EQ(rig.port.fault(a, kHeap + k2M + 0x777, AccessKind::Load), FaultKind::None);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap + k2M), 21u);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap), 0u) << "only the faulting page is mapped";
  EXPECT_EQ(vec(rig.reg, "kernel.hugeFaults", 0), 1);
  EXPECT_EQ(rig.kernel->residentPages(a), 512u);
  // The trap and handler plus 512 times the 4 KiB zero-fill, and the zeroing of the two page
  // tables the fault created (the level-3 and level-2 tables above the 2 MiB leaf).
  const auto* h = dynamic_cast<const stats::Histogram*>(rig.reg.find("kernel.faultLatency"));
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->moments().mean(), 1000 + 512 * 100 + 2 * 100);
  EXPECT_EQ(rig.kernel->mappedPageShifts(), (std::vector<unsigned>{12, 21}));
  rig.store(a, kHeap + k2M + 0x777, 42);
  EXPECT_EQ(rig.load(a, kHeap + k2M + 0x777), 42u);
}

TEST(HugeRegion, Maps1GiBPages) {
  Rig rig("kernel: {memory_size: 2GiB}\n");
  const Asid a = rig.process("p", k1G, k1G, 30);
  const uint64_t total = rig.kernel->framesTotal();
  ASSERT_EQ(rig.port.fault(a, k1G + 0x12345678, AccessKind::Store), FaultKind::None);
  EXPECT_EQ(rig.kernel->mappingShift(a, k1G), 30u);
  const auto pa = rig.kernel->translate(a, k1G + 0x12345678);
  ASSERT_TRUE(pa);
  EXPECT_EQ((*pa - 0x12345678) % k1G, 0u);
  EXPECT_EQ(vec(rig.reg, "kernel.hugeFaults", 1), 1);
  EXPECT_EQ(rig.kernel->residentPages(a), 262144u);
  EXPECT_EQ(rig.kernel->mappedPageShifts(), (std::vector<unsigned>{12, 30}));
  rig.kernel->exitProcess(a);
  EXPECT_EQ(rig.kernel->framesFree(), total - 1) << "all but the kernel's root come back";
}

TEST(HugeRegion, NoAlignedBlockIsAnOutOfMemoryFault) {
  // 4 MiB: the kernel's tables take frames of the first 2 MiB block; the second one is left.
  Rig rig("kernel: {memory_size: 4MiB}\n");
  const Asid a = rig.process("p", kHeap, 3 * k2M, 21);
  ASSERT_EQ(rig.port.fault(a, kHeap, AccessKind::Load), FaultKind::None);
  EXPECT_EQ(rig.port.fault(a, kHeap + k2M, AccessKind::Load), FaultKind::OutOfMemory);
  EXPECT_EQ(vec(rig.reg, "kernel.hugeOutOfMemory", 0), 1);
  EXPECT_EQ(rig.reg.value("kernel.outOfMemory"), 1);
  EXPECT_GT(rig.kernel->framesFree(), 400u) << "free frames, but no 2 MiB block";
}

TEST(HugeRegion, RegionsMustBeMultiplesOfTheirPageSize) {
  // Before any sc_start: the exceptions are thrown on the main stack only (ASan cannot follow
  // an exception after SystemC has switched coroutine stacks).
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  cfg.loadString("kernel: {memory_size: 16MiB}\n");
  os::Kernel kernel("kernel", ctx);
  const Asid a = kernel.createProcess("p");
  auto add = [&](uint64_t start, uint64_t size, unsigned shift) {
    os::Region r{"r", start, size, kRw};
    r.pageShift = shift;
    kernel.addRegion(a, r);
  };
  EXPECT_THROW(add(kHeap + kPage, k2M, 21), std::invalid_argument);
  EXPECT_THROW(add(kHeap, k2M + kPage, 21), std::invalid_argument);
  EXPECT_THROW(add(k1G, k2M, 30), std::invalid_argument);
  EXPECT_THROW(add(kHeap, k2M, 16), std::invalid_argument);
  add(kHeap, 2 * k2M, 21);
  EXPECT_EQ(kernel.regions(a).size(), 1u);
}

TEST(HugeRegion, ResizesOnlyByWholePages) {
  Rig rig("kernel: {memory_size: 16MiB}\n");
  const Asid a = rig.process("p", kHeap, 2 * k2M, 21);
  EXPECT_FALSE(rig.kernel->resizeRegion(a, kHeap, k2M + kPage));
  EXPECT_TRUE(rig.kernel->resizeRegion(a, kHeap, k2M));
}

TEST(HugeRegion, ReplacesTheEmptyPageTableAnEarlierRegionLeft) {
  Rig rig("kernel: {memory_size: 16MiB}\n");
  const Asid a = rig.process("p", kHeap, k2M);
  ASSERT_EQ(rig.port.fault(a, kHeap + kPage, AccessKind::Store), FaultKind::None);
  ASSERT_TRUE(rig.kernel->resizeRegion(a, kHeap, 0));  // unmapped; its page table stays
  const uint64_t freeBefore = rig.kernel->framesFree();
  rig.region(a, "huge", kHeap, k2M, 21);
  ASSERT_EQ(rig.port.fault(a, kHeap + kPage, AccessKind::Store), FaultKind::None);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap + kPage), 21u);
  EXPECT_EQ(freeBefore - rig.kernel->framesFree(), 512u - 1) << "the old table was freed";
}

TEST(HugeRegion, ShrinkingUnmapsWholePages) {
  Rig rig("kernel: {memory_size: 16MiB}\n");
  const Asid a = rig.process("p", kHeap, 2 * k2M, 21);
  ASSERT_EQ(rig.port.fault(a, kHeap, AccessKind::Load), FaultKind::None);
  ASSERT_EQ(rig.port.fault(a, kHeap + k2M, AccessKind::Load), FaultKind::None);
  const uint64_t freeBefore = rig.kernel->framesFree();
  ASSERT_TRUE(rig.kernel->resizeRegion(a, kHeap, k2M));
  EXPECT_EQ(rig.kernel->framesFree(), freeBefore + 512);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap + k2M), 0u);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap), 21u);
  EXPECT_EQ(rig.kernel->residentPages(a), 512u);
}

TEST(Thp, PartialUnmapSplitsTheHugePage) {
  Rig rig("kernel: {memory_size: 16MiB, thp: always}\n");
  const Asid a = rig.process("p", kHeap, 2 * k2M);
  ASSERT_EQ(rig.port.fault(a, kHeap, AccessKind::Store), FaultKind::None);
  ASSERT_EQ(rig.port.fault(a, kHeap + k2M, AccessKind::Store), FaultKind::None);
  rig.store(a, kHeap + k2M + 0x1000, 77);
  const uint64_t freeBefore = rig.kernel->framesFree();
  ASSERT_TRUE(rig.kernel->resizeRegion(a, kHeap, k2M + (1 << 20)));  // keep 1 MiB of the second
  EXPECT_EQ(rig.reg.value("kernel.hugeSplits"), 1);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap), 21u);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap + k2M), 12u);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap + k2M + (1 << 20)), 0u);
  EXPECT_EQ(rig.load(a, kHeap + k2M + 0x1000), 77u) << "the split keeps the data in place";
  EXPECT_EQ(rig.kernel->residentPages(a), 512u + 256);
  EXPECT_EQ(rig.kernel->framesFree(), freeBefore + 256) << "the deposited table is now in use";
}

TEST(Thp, ReclaimSplitsAHugePageAndSwapsItsPagesWithoutLoss) {
  Rig rig("kernel: {memory_size: 4MiB, thp: madvise, replacement: fifo}\n");
  const Asid a = rig.process("a", kHeap, k2M, 12, true);
  rig.kernel->setHardwareAccessedDirty(a, false);  // the kernel marks its writable pages dirty
  ASSERT_EQ(rig.port.fault(a, kHeap, AccessKind::Store), FaultKind::None);
  ASSERT_EQ(rig.kernel->mappingShift(a, kHeap), 21u);
  std::map<uint64_t, uint64_t> written;
  for (uint64_t i = 0; i < 512; i += 7) {
    written[kHeap + i * kPage + 8 * (i % 64)] = 0xabc000 + i;
    rig.store(a, kHeap + i * kPage + 8 * (i % 64), 0xabc000 + i);
  }
  // A second process (4 KiB pages: not advised) touches more than memory holds, so that the
  // THP is split and then all its pages go to swap (FIFO: they are the oldest after the split).
  const Asid b = rig.process("b", kHeap, 8 << 20);
  // Two passes: a's pages, spared once by the software reference bit, go in the second.
  for (int pass = 0; pass < 2; ++pass) {
    for (uint64_t i = 0; i < 2048; ++i) {
      if (rig.kernel->mappingShift(b, kHeap + i * kPage)) continue;
      ASSERT_EQ(rig.port.fault(b, kHeap + i * kPage, AccessKind::Load), FaultKind::None);
    }
  }
  EXPECT_EQ(rig.reg.value("kernel.hugeSplits"), 1);
  EXPECT_GE(rig.reg.value("kernel.swapOuts"), 512);
  EXPECT_EQ(rig.kernel->mappingShift(a, kHeap + 511 * kPage), 0u) << "evicted";
  // Every written word comes back, from memory or from swap.
  for (const auto& [va, value] : written) {
    if (!rig.kernel->mappingShift(a, va)) {
      ASSERT_EQ(rig.port.fault(a, va, AccessKind::Load), FaultKind::None);
    }
    EXPECT_EQ(rig.load(a, va), value) << std::hex << va;
  }
  EXPECT_GT(rig.reg.value("kernel.swapIns"), 0);
}

TEST(Thp, ExitFreesHugePagesAndTheirDepositedTables) {
  Rig rig("kernel: {memory_size: 16MiB, thp: always}\n");
  const uint64_t freeAtStart = rig.kernel->framesFree();
  const Asid a = rig.process("p", kHeap, 3 * k2M);
  rig.region(a, "h", 8 * k2M, 2 * k2M, 21);
  for (uint64_t off = 0; off < 3 * k2M; off += k2M) {
    ASSERT_EQ(rig.port.fault(a, kHeap + off, AccessKind::Store), FaultKind::None);
  }
  ASSERT_EQ(rig.port.fault(a, 8 * k2M, AccessKind::Store), FaultKind::None);
  ASSERT_TRUE(rig.kernel->resizeRegion(a, kHeap, 2 * k2M + (1 << 20)));  // one split
  rig.kernel->exitProcess(a);
  EXPECT_EQ(rig.kernel->framesFree(), freeAtStart);
  EXPECT_EQ(rig.kernel->frameAllocator().freeBlocks(9) * 512 +
                rig.kernel->frameAllocator().freeBlocks(10) * 1024 +
                rig.kernel->frameAllocator().freeBlocks(11) * 2048,
            3584u)
      << "everything but the first 2 MiB block (kernel root) merged back";
}

TEST(HugePagesConfig, BadThpValueIsAConfigError) {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  cfg.loadString("kernel: {thp: sometimes}\n");
  os::Kernel kernel("kernel", ctx);
  ASSERT_FALSE(cfg.problems().empty());
  EXPECT_NE(cfg.problems().front().find("kernel.thp"), std::string::npos) << cfg.problems().front();
}

// --- through the MMU: 1 GiB, 2 MiB and 4 KiB pages in one address space -------------------------

constexpr uint64_t kGiga = uint64_t{1} << 32;  // a 1 GiB page region [4 GiB, 5 GiB)
constexpr uint64_t kTwoMeg = 0x180000000ull;   // 8 MiB of 2 MiB pages
constexpr uint64_t kThp = 0x190000000ull;      // 4 MiB region under THP always
constexpr uint64_t kSmall = 0x1a0001000ull;    // 1 MiB not 2 MiB-aligned: 4 KiB pages

uint64_t pattern(uint64_t va) {
  return va * 0x9e3779b97f4a7c15ull + 3;
}

class Cpu : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Cpu> isock{"isock"};
  std::vector<uint64_t> vas;
  unsigned errors = 0, mismatches = 0;
  SC_HAS_PROCESS(Cpu);
  explicit Cpu(const sc_core::sc_module_name& nm) : sc_module(nm) { SC_THREAD(run); }

 private:
  void access(tlm::tlm_command cmd, uint64_t va, uint64_t& value) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(va);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    gp.set_data_length(8);
    gp.set_streaming_width(8);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    isock->b_transport(gp, delay);
    sc_core::wait(delay);
    if (!gp.is_response_ok()) ++errors;
  }
  void run() {
    for (uint64_t va : vas) {
      uint64_t v = pattern(va);
      access(tlm::TLM_WRITE_COMMAND, va, v);
    }
    for (uint64_t va : vas) {
      uint64_t v = 0;
      access(tlm::TLM_READ_COMMAND, va, v);
      if (v != pattern(va)) ++mismatches;
    }
  }
};

TEST(MixedPageSizes, OneGigTwoMegAndFourKiBPagesCoexistAndHoldTheirData) {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  cfg.loadString(
      "kernel: {memory_size: 2GiB, thp: always}\n"
      "mmu: {l2: {page_sizes: [4096, 2097152, 1073741824]}}\n");
  mem::Router router("router", ctx);
  dram::Dram dram("dram", ctx);
  swap::SwapDisk disk("swap", ctx);
  os::Kernel kernel("kernel", ctx);
  mmu::Mmu mmu("mmu", ctx);
  router.isock.bind(dram.tsock);
  router.map(0, 0, dram.size(), "dram");
  kernel.mem.bind(router.tsock);
  kernel.swap.bind(disk.tsock);
  kernel.setSwapSpace(&disk);
  mmu.mem.bind(router.tsock);
  mmu.walker()->mem.bind(router.tsock);
  mmu.fault.bind(kernel.fault_tsock);
  mmu.walker()->setPageTableBase(&kernel);
  for (auto* c : mmu.translationCaches()) kernel.addTranslationCache(c);
  // ASID 0 (payloads without VmAccess): one region per page size.
  auto add = [&](const char* n, uint64_t start, uint64_t size, unsigned shift) {
    os::Region r{n, start, size, Perms{}};
    r.pageShift = shift;
    kernel.addRegion(0, r);
  };
  add("giga", kGiga, k1G, 30);
  add("two_meg", kTwoMeg, 4 * k2M, 21);
  add("thp", kThp, 2 * k2M, 12);
  add("small", kSmall, 1 << 20, 12);
  Cpu cpu("cpu");
  cpu.isock.bind(mmu.tsock);
  struct Probe {
    uint64_t base, span, stride;
    unsigned shift;
  };
  const Probe probes[] = {{kGiga, k1G, 0x1000000 + 0x1008, 30},  // ~64 words across the page
                          {kTwoMeg, 4 * k2M, 0x10000 + 8, 21},
                          {kThp, 2 * k2M, 0x8000 + 16, 21},
                          {kSmall, 1 << 20, 0x3000 + 24, 12}};
  std::set<uint64_t> smallPages;
  for (const auto& pr : probes) {
    for (uint64_t off = 0; off + 8 <= pr.span; off += pr.stride) {
      cpu.vas.push_back(pr.base + off);
      if (pr.shift == 12) smallPages.insert((pr.base + off) >> 12);
    }
  }
  cfg.finalize();
  sc_core::sc_start();
  EXPECT_EQ(cpu.errors, 0u);
  EXPECT_EQ(cpu.mismatches, 0u);
  for (const auto& pr : probes) {
    std::map<uint64_t, uint64_t> pageDelta;  // per page: pa - va, the same for all its bytes
    for (uint64_t off = 0; off + 8 <= pr.span; off += pr.stride) {
      const uint64_t va = pr.base + off;
      ASSERT_EQ(kernel.mappingShift(0, va), pr.shift) << std::hex << va;
      const auto pa = kernel.translate(0, va);
      ASSERT_TRUE(pa);
      EXPECT_EQ((*pa ^ va) & ((uint64_t{1} << pr.shift) - 1), 0u) << "offset kept";
      const uint64_t page = va >> pr.shift;
      if (!pageDelta.count(page)) pageDelta[page] = *pa - va;
      EXPECT_EQ(*pa - va, pageDelta[page]);
    }
  }
  EXPECT_EQ(vec(reg, "kernel.hugeFaults", 1), 1);
  EXPECT_EQ(vec(reg, "kernel.hugeFaults", 0), 4 + 2);
  const double faults = 1 + 6 + static_cast<double>(smallPages.size());
  EXPECT_EQ(reg.value("kernel.minorFaults"), faults);
  // The L2 TLB holds all three sizes: a few walks per page (the faulting one, the retry, a
  // store's D update), not one per access.
  EXPECT_LE(reg.value("mmu.walker.walks"), 3 * faults);
  EXPECT_LT(reg.value("mmu.walker.walks"), static_cast<double>(cpu.vas.size()));  // of 2x accesses
}

}  // namespace
}  // namespace vmsim
