// The kernel side of context switches (models/os/src/kernel_sched.cpp): which cores are in an
// address space's set (Linux's mm_cpumask) with PCIDs and with flushes, which TLBs a switch
// invalidates, PCID slots recycled round robin, and the lazy leave at a shootdown IPI with the
// flush at the switch back.
#include <gtest/gtest.h>

#include <memory>

#include "kernel_rig.h"

namespace vmsim {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kHeap = 0x10000000;

struct Recorder : TranslationCache {
  std::vector<int> kinds;
  std::vector<Asid> asids;
  void invalidatePage(Asid, VirtAddr) override {}
  void invalidateAsid(Asid a) override {
    kinds.push_back(1);
    asids.push_back(a);
  }
  void invalidateNonGlobal() override { kinds.push_back(2); }
  void invalidateAll() override { kinds.push_back(3); }
  uint64_t invalidationCostPs(Invalidation) const override { return 175000; }  // 350 cycles
};

struct Irq : InterruptTarget {
  int n = 0;
  void interrupt(uint64_t) override { ++n; }
};

// The kernel (no swap) with two cores, each with a recording TLB and interrupt input, and three
// processes; the port's faults are core 0's.
struct Rig : test::KernelRig {
  Recorder tlb0, tlb1;
  Irq irq0, irq1;
  unsigned core0 = 0, core1 = 0;
  Asid a = 0, b = 0, c = 0;
  Rig() : KernelRig("kernel: {memory_size: 1MiB, swap: {enabled: false}}\n") {
    core0 = kernel->addCore({}, &irq0);
    core1 = kernel->addCore({}, &irq1);
    kernel->addCoreTranslationCache(core0, &tlb0);
    kernel->addCoreTranslationCache(core1, &tlb1);
    kernel->addTranslationCache(&tlb0);
    kernel->addTranslationCache(&tlb1);
    for (Asid* p : {&a, &b, &c}) {
      *p = kernel->createProcess(p == &a ? "a" : p == &b ? "b" : "c");
      kernel->addRegion(*p, {"heap", kHeap, 16 * kPage, Perms{true, true, false, true}});
    }
    start();
  }
};

const os::Kernel::SwitchTlb kPcid{true, 6};
const os::Kernel::SwitchTlb kFlush{false, 6};
using Cores = std::vector<unsigned>;

}  // namespace

TEST(KernelSwitch, WithPcidTheCoreStaysInThePreviousSetWithAFlushItLeaves) {
  Rig r;
  // First address space of each core: loaded without a flush.
  EXPECT_EQ(r.kernel->switchAddressSpace(r.core0, 0, r.a, kPcid).flushes, 0u);
  EXPECT_EQ(r.kernel->switchAddressSpace(r.core1, 0, r.a, kFlush).flushes, 0u);
  EXPECT_EQ(r.kernel->coresOf(r.a), (Cores{0, 1}));
  // PCID: nothing is invalidated and core 0 may still cache a's entries: it stays in a's set.
  auto s = r.kernel->switchAddressSpace(r.core0, r.a, r.b, kPcid);
  EXPECT_EQ(s.flushes, 0u);
  EXPECT_EQ(s.flushCost, sc_core::SC_ZERO_TIME);
  EXPECT_TRUE(r.tlb0.kinds.empty());
  EXPECT_EQ(r.kernel->coresOf(r.b), (Cores{0}));
  EXPECT_EQ(r.kernel->coresOf(r.a), (Cores{0, 1}));
  // Flush: core 1's own TLBs lose every non-global entry (core 0's are untouched), and core 1
  // leaves a's set.
  s = r.kernel->switchAddressSpace(r.core1, r.a, r.b, kFlush);
  EXPECT_EQ(s.flushes, 1u);
  EXPECT_EQ(s.flushCost, sc_core::sc_time(175, sc_core::SC_NS));
  EXPECT_EQ(r.tlb1.kinds, (std::vector<int>{2}));
  EXPECT_TRUE(r.tlb0.kinds.empty());
  EXPECT_EQ(r.kernel->coresOf(r.a), (Cores{0}));
  EXPECT_EQ(r.kernel->coresOf(r.b), (Cores{0, 1}));
  const auto* flushes = dynamic_cast<const stats::Vector*>(r.reg.find("kernel.tlbFlushes"));
  ASSERT_NE(flushes, nullptr);
  EXPECT_EQ(flushes->at(2), 1);  // nonGlobal
}

TEST(KernelSwitch, PcidSlotsAreRecycledRoundRobinFlushingTheOldOwner) {
  Rig r;
  const os::Kernel::SwitchTlb two{true, 2};
  r.kernel->switchAddressSpace(r.core0, 0, r.a, two);    // slot 0
  r.kernel->switchAddressSpace(r.core0, r.a, r.b, two);  // slot 1
  EXPECT_TRUE(r.tlb0.kinds.empty());
  r.kernel->switchAddressSpace(r.core0, r.b, r.a, two);  // a still has its slot
  EXPECT_TRUE(r.tlb0.kinds.empty());
  // c takes slot 0 from a: a's entries go, and core 0 leaves a's set.
  const auto s = r.kernel->switchAddressSpace(r.core0, r.a, r.c, two);
  EXPECT_EQ(s.flushes, 1u);
  EXPECT_EQ(r.tlb0.kinds, (std::vector<int>{1}));
  EXPECT_EQ(r.tlb0.asids, (std::vector<Asid>{r.a}));
  EXPECT_TRUE(r.kernel->coresOf(r.a).empty());
  EXPECT_EQ(r.kernel->coresOf(r.b), (Cores{0}));
  EXPECT_EQ(r.kernel->coresOf(r.c), (Cores{0}));
  // Then a takes slot 1 from b.
  r.kernel->switchAddressSpace(r.core0, r.c, r.a, two);
  EXPECT_EQ(r.tlb0.asids, (std::vector<Asid>{r.a, r.b}));
  EXPECT_TRUE(r.kernel->coresOf(r.b).empty());
}

TEST(KernelSwitch, AShootdownIpiToACoreRunningAnotherProcessLetsItLeaveAndFlushOnReturn) {
  Rig r;
  r.kernel->switchAddressSpace(r.core1, 0, r.a, kPcid);
  ASSERT_EQ(r.port.fault(r.a, kHeap), FaultKind::None);  // a page of a is mapped
  r.kernel->switchAddressSpace(r.core1, r.a, r.b, kPcid);
  ASSERT_EQ(r.kernel->coresOf(r.a), (Cores{1}));
  // Unmapping the page (not in a fault: no initiating core) sends core 1 an IPI although it runs
  // b: it may cache a's entry. It then leaves a's set, so later shootdowns of a skip it...
  ASSERT_TRUE(r.kernel->resizeRegion(r.a, kHeap, 8 * kPage));  // keeps the mapped page
  EXPECT_EQ(r.irq1.n, 0);
  ASSERT_TRUE(r.kernel->resizeRegion(r.a, kHeap, 0));  // unmaps it
  EXPECT_EQ(r.irq1.n, 1);
  EXPECT_EQ(r.irq0.n, 0);
  EXPECT_TRUE(r.kernel->coresOf(r.a).empty());
  EXPECT_EQ(r.kernel->coresOf(r.b), (Cores{1}));
  // ...and its entries of a, which it kept in a's PCID slot, are flushed when it runs a again.
  r.tlb1.kinds.clear();
  r.tlb1.asids.clear();
  const auto s = r.kernel->switchAddressSpace(r.core1, r.b, r.a, kPcid);
  EXPECT_EQ(s.flushes, 1u);
  EXPECT_EQ(r.tlb1.asids, (std::vector<Asid>{r.a}));
  EXPECT_EQ(r.kernel->coresOf(r.a), (Cores{1}));
  // A core running the address space keeps it at an IPI.
  r.kernel->addRegion(r.a, {"heap", kHeap, 16 * kPage, Perms{true, true, false, true}});
  ASSERT_EQ(r.port.fault(r.a, kHeap), FaultKind::None);
  ASSERT_TRUE(r.kernel->resizeRegion(r.a, kHeap, 0));
  EXPECT_EQ(r.irq1.n, 2);
  EXPECT_EQ(r.kernel->coresOf(r.a), (Cores{1}));
}

TEST(KernelSwitch, ProcessesOfTimeSlicedCoresCountTheirFaults) {
  Rig r;
  r.kernel->addProcessStats(r.a);
  ASSERT_EQ(r.port.fault(r.a, kHeap), FaultKind::None);
  ASSERT_EQ(r.port.fault(r.a, kHeap + kPage), FaultKind::None);
  EXPECT_EQ(r.port.fault(r.a, 0x100), FaultKind::Segmentation);
  ASSERT_EQ(r.port.fault(r.b, kHeap), FaultKind::None);
  EXPECT_EQ(r.reg.value("kernel.a.minorFaults"), 2);
  EXPECT_EQ(r.reg.value("kernel.a.segmentationFaults"), 1);
  EXPECT_EQ(r.reg.value("kernel.minorFaults"), 3);
  EXPECT_EQ(r.reg.find("kernel.b.minorFaults"), nullptr);  // only asked for a
}

}  // namespace vmsim
