// The kernel model on its own sockets: faults sent straight to `fault_tsock`, page tables and
// frames inspected through the memory behind it. Covers building it without a swap disk, the
// dirty tracking it does when the MMUs set no A/D bits, second chance under FIFO, and freeing a
// process's memory at exit.
#include <gtest/gtest.h>

#include "kernel_rig.h"

namespace vmsim {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kHeap = 0x10000000;

// Kernel, DRAM behind a router, and (unless swap is off) an SSD swap disk.
struct Rig : test::KernelRig {
  using KernelRig::KernelRig;
  Asid process(const std::string& name, uint64_t pages) {
    const Asid a = kernel->createProcess(name);
    kernel->addRegion(a, {"heap", kHeap, pages * kPage, Perms{true, true, false, true}});
    return a;
  }
  // What a store through the page's present mapping does to its frame (the MMU's data path).
  void store(Asid asid, uint64_t va, uint64_t value) {
    const uint64_t e = kernel->leafEntry(asid, va);
    ASSERT_TRUE(e & paging::x86::kPresent);
    debug(format().frameAddr(e) + va % kPage, &value, 8, true);
  }
  uint64_t load(Asid asid, uint64_t va) {
    const uint64_t e = kernel->leafEntry(asid, va);
    EXPECT_TRUE(e & paging::x86::kPresent);
    uint64_t v = 0;
    debug(format().frameAddr(e) + va % kPage, &v, 8, false);
    return v;
  }
};

// 16 frames: the kernel's root, the process's root and 3 lower tables leave 11 for data.
// Direct reclaim frees one page per fault here (Linux's batch is 32, the default), so that each
// test sees exactly which victim the policy chose; KernelReclaim.* cover the batches.
const char* kSmall = "kernel: {memory_size: 64KiB, reclaim: {direct_pages: 1}}\n";

TEST(KernelSwapOff, ElaboratesWithOnlyMemBoundAndRunsOutOfMemoryWithoutEvicting) {
  Rig rig("kernel: {memory_size: 64KiB, swap: {enabled: false}}\n");
  ASSERT_EQ(rig.disk, nullptr);
  rig.start();  // the unbound, optional swap socket is no elaboration error (was E109)
  const Asid a = rig.process("p", 64);
  unsigned mapped = 0;
  FaultKind last = FaultKind::None;
  for (uint64_t i = 0; i < 64 && last == FaultKind::None; ++i) {
    last = rig.port.fault(a, kHeap + i * kPage, AccessKind::Store);
    if (last == FaultKind::None) ++mapped;
  }
  EXPECT_EQ(last, FaultKind::OutOfMemory);
  EXPECT_EQ(mapped, rig.kernel->framesTotal() - 5);
  EXPECT_EQ(rig.reg.value("kernel.evictions"), 0);
  EXPECT_EQ(rig.reg.value("kernel.outOfMemory"), 1);
}

// A kernel with swap enabled (the default) whose swap socket nobody binds.
void elaborateKernelWithoutSwapDevice() {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  mem::Router router("router", ctx);
  dram::Dram dram("dram", ctx);
  router.isock.bind(dram.tsock);
  router.map(0, 0, dram.size(), "dram");
  os::Kernel kernel("kernel", ctx);
  kernel.mem.bind(router.tsock);
  test::FaultPort port("port");
  port.isock.bind(kernel.fault_tsock);
  port.mem.bind(router.tsock);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
}

TEST(KernelSwapOff, APlatformBindingOnlyMemElaborates) {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  cfg.loadString("kernel: {swap: {enabled: false}}\n");
  mem::Router router("router", ctx);
  dram::Dram dram("dram", ctx);
  router.isock.bind(dram.tsock);
  router.map(0, 0, dram.size(), "dram");
  os::Kernel kernel("kernel", ctx);
  kernel.mem.bind(router.tsock);  // neither swap nor fault_tsock is bound
  cfg.finalize();
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  const Asid a = kernel.createProcess("p");
  EXPECT_TRUE(kernel.pageTableRoot(a).has_value());
}

TEST(KernelSwapOn, EnabledSwapWithoutADeviceIsAClearElaborationError) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_FATAL, sc_core::SC_THROW);
  std::string what;
  try {
    elaborateKernelWithoutSwapDevice();
  } catch (const std::exception& e) {
    what = e.what();
  }
  EXPECT_NE(what.find("no swap device is connected"), std::string::npos) << what;
}

TEST(KernelSoftwareDirty, WithoutHardwareADEveryWritablePageIsKeptThroughEviction) {
  Rig rig(kSmall);
  rig.start();
  const Asid a = rig.process("p", 64);
  rig.kernel->setHardwareAccessedDirty(a, false);
  // Loads fault the pages in, then stores write them: no MMU sets D, and no fault follows.
  for (uint64_t i = 0; i < 11; ++i) {
    ASSERT_EQ(rig.port.fault(a, kHeap + i * kPage, AccessKind::Load), FaultKind::None);
    const uint64_t e = rig.kernel->leafEntry(a, kHeap + i * kPage);
    EXPECT_TRUE(e & paging::x86::kDirty) << "page " << i;  // the kernel's own (software) dirty bit
    EXPECT_TRUE(e & paging::x86::kAccessed);
    rig.store(a, kHeap + i * kPage + 8, 0x1000 + i);
  }
  EXPECT_EQ(rig.kernel->framesFree(), 0u);
  // Eleven more pages push the first eleven out; they come back with their data.
  for (uint64_t i = 11; i < 22; ++i) {
    ASSERT_EQ(rig.port.fault(a, kHeap + i * kPage, AccessKind::Load), FaultKind::None);
  }
  EXPECT_EQ(rig.reg.value("kernel.swapOuts"), 11);
  EXPECT_EQ(rig.reg.value("kernel.cleanEvictions"), 0);
  for (uint64_t i = 0; i < 11; ++i) {
    ASSERT_EQ(rig.port.fault(a, kHeap + i * kPage, AccessKind::Load), FaultKind::None);
    EXPECT_EQ(rig.load(a, kHeap + i * kPage + 8), 0x1000 + i) << "page " << i;
  }
  EXPECT_EQ(rig.reg.value("kernel.majorFaults"), 11);
  EXPECT_EQ(rig.reg.value("kernel.minorFaults"), 22);
}

TEST(KernelSoftwareReference, WithoutHardwareAUnusedPagesAreRevokedThenEvicted) {
  Rig rig("kernel: {memory_size: 64KiB, replacement: fifo, reclaim: {direct_pages: 1}}\n");
  rig.start();
  const Asid a = rig.process("p", 64);
  rig.kernel->setHardwareAccessedDirty(a, false);
  for (uint64_t i = 0; i < 11; ++i) {
    ASSERT_EQ(rig.port.fault(a, kHeap + i * kPage, AccessKind::Load), FaultKind::None);
  }
  // The first scan finds every page present (= referenced): each is revoked and spared once,
  // and the oldest, still unused, goes.
  ASSERT_EQ(rig.port.fault(a, kHeap + 11 * kPage, AccessKind::Load), FaultKind::None);
  EXPECT_EQ(rig.reg.value("kernel.secondChances"), 11);
  EXPECT_EQ(rig.reg.value("kernel.evictions"), 1);
  EXPECT_FALSE(rig.kernel->leafEntry(a, kHeap) & paging::x86::kPresent);
  const uint64_t revoked = rig.kernel->leafEntry(a, kHeap + kPage);
  EXPECT_FALSE(revoked & paging::x86::kPresent);
  EXPECT_NE(paging::Format::get(paging::Kind::X86_64_4).frameAddr(revoked), 0u)
      << "a revoked page keeps its frame";
  // Page 1 is used again: a reference fault re-validates it without I/O or a new frame.
  const uint64_t freeFrames = rig.kernel->framesFree();
  ASSERT_EQ(rig.port.fault(a, kHeap + kPage, AccessKind::Store), FaultKind::None);
  EXPECT_EQ(rig.reg.value("kernel.referenceFaults"), 1);
  EXPECT_EQ(rig.kernel->framesFree(), freeFrames);
  constexpr uint64_t kRevokedBit = uint64_t{1} << 10;  // the kernel's software bit
  EXPECT_TRUE(revoked & kRevokedBit);
  EXPECT_EQ(rig.kernel->leafEntry(a, kHeap + kPage),
            (revoked & ~kRevokedBit) | paging::x86::kPresent | paging::x86::kAccessed);
  EXPECT_EQ(rig.reg.value("kernel.minorFaults"), 12);
  EXPECT_EQ(rig.reg.value("kernel.majorFaults"), 0);
  // The next eviction spares the used page 1 and takes page 2, unused since its revocation.
  ASSERT_EQ(rig.port.fault(a, kHeap + 12 * kPage, AccessKind::Load), FaultKind::None);
  EXPECT_FALSE(rig.kernel->leafEntry(a, kHeap + kPage) &
               paging::x86::kSwapped);  // spared (revoked)
  EXPECT_EQ(paging::Format::get(paging::Kind::X86_64_4)
                .frameAddr(rig.kernel->leafEntry(a, kHeap + kPage)),
            paging::Format::get(paging::Kind::X86_64_4).frameAddr(revoked));
  EXPECT_TRUE(rig.kernel->leafEntry(a, kHeap + 2 * kPage) & paging::x86::kSwapped);
  EXPECT_EQ(rig.reg.value("kernel.secondChances"), 12);
  EXPECT_EQ(rig.reg.value("kernel.evictions"), 2);
}

TEST(KernelSoftwareDirty, WithHardwareADTheKernelLeavesTheBitsToTheMmu) {
  Rig rig(kSmall);
  rig.start();
  const Asid a = rig.process("p", 64);
  ASSERT_EQ(rig.port.fault(a, kHeap, AccessKind::Store), FaultKind::None);
  const uint64_t e = rig.kernel->leafEntry(a, kHeap);
  EXPECT_FALSE(
      e & (paging::x86::kDirty | paging::x86::kAccessed));  // the walker sets them on the retry
}

TEST(KernelSecondChance, FifoMovesAReferencedVictimToTheTail) {
  Rig rig(
      std::string("kernel: {memory_size: 64KiB, replacement: fifo, reclaim: {direct_pages: 1}}\n"));
  rig.start();
  const Asid a = rig.process("p", 64);
  for (uint64_t i = 0; i < 11; ++i) {
    ASSERT_EQ(rig.port.fault(a, kHeap + i * kPage, AccessKind::Load), FaultKind::None);
  }
  // The oldest page was used again (the walker set its A bit); the others were not.
  const uint64_t ea = rig.pteAddr(a, kHeap);
  uint64_t e = rig.read64(ea) | paging::x86::kAccessed;
  rig.debug(ea, &e, 8, true);
  ASSERT_EQ(rig.port.fault(a, kHeap + 11 * kPage, AccessKind::Load), FaultKind::None);
  EXPECT_EQ(rig.reg.value("kernel.secondChances"), 1);
  EXPECT_EQ(rig.reg.value("kernel.evictions"), 1);
  EXPECT_TRUE(rig.kernel->leafEntry(a, kHeap) & paging::x86::kPresent)
      << "the referenced page stays";
  EXPECT_FALSE(rig.kernel->leafEntry(a, kHeap) & paging::x86::kAccessed);
  EXPECT_FALSE(rig.kernel->leafEntry(a, kHeap + kPage) & paging::x86::kPresent)
      << "the next one goes";
  // Its second chance is spent: it is now the newest, and the next victims are pages 2, 3, ...
  ASSERT_EQ(rig.port.fault(a, kHeap + 12 * kPage, AccessKind::Load), FaultKind::None);
  EXPECT_FALSE(rig.kernel->leafEntry(a, kHeap + 2 * kPage) & paging::x86::kPresent);
  EXPECT_TRUE(rig.kernel->leafEntry(a, kHeap) & paging::x86::kPresent);
  EXPECT_EQ(rig.reg.value("kernel.secondChances"), 1);
}

TEST(KernelSecondChance, MruRefusesTheAccessedBitAndDefaultsItOff) {
  {
    Config cfg;
    stats::Registry reg;
    SimContext ctx{cfg, reg};
    cfg.loadString("kernel: {replacement: mru, use_accessed_bit: true}\n");
    os::Kernel k("kernel", ctx);
    ASSERT_EQ(cfg.problems().size(), 1u);
    EXPECT_NE(cfg.problems()[0].find("'kernel.use_accessed_bit'"), std::string::npos);
    EXPECT_NE(cfg.problems()[0].find("mru"), std::string::npos);
  }
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  cfg.loadString("kernel: {replacement: mru}\n");
  os::Kernel k("kernel2", ctx);
  EXPECT_TRUE(cfg.problems().empty());
}

TEST(KernelExit, ExitFreesFramesSwapSlotsAndPageTables) {
  Rig rig(kSmall);
  rig.start();
  const uint64_t freeBefore = rig.kernel->framesFree();
  const Asid a = rig.process("first", 64);
  const Asid b = rig.process("second", 64);
  // `first` fills memory and part of it goes to swap; `second` maps two pages.
  for (uint64_t i = 0; i < 14; ++i) {
    ASSERT_EQ(rig.port.fault(a, kHeap + i * kPage, AccessKind::Store), FaultKind::None);
    rig.store(a, kHeap + i * kPage, i);  // dirty for the test (the walker would set D)
    uint64_t e = rig.read64(rig.pteAddr(a, kHeap + i * kPage)) | paging::x86::kDirty;
    rig.debug(rig.pteAddr(a, kHeap + i * kPage), &e, 8, true);
  }
  ASSERT_EQ(rig.port.fault(b, kHeap, AccessKind::Load), FaultKind::None);
  ASSERT_EQ(rig.port.fault(b, kHeap + kPage, AccessKind::Load), FaultKind::None);
  ASSERT_GT(rig.disk->store().used(), 0u);
  const uint64_t residentA = rig.kernel->residentPages(a);
  EXPECT_GT(residentA, 0u);
  EXPECT_EQ(rig.reg.value("kernel.first.residentPages"), static_cast<double>(residentA));
  EXPECT_EQ(rig.reg.value("kernel.second.residentPages"), 2);

  rig.kernel->exitProcess(a);
  EXPECT_EQ(rig.kernel->residentPages(a), 0u);
  EXPECT_EQ(rig.reg.value("kernel.first.residentPages"), 0);
  EXPECT_EQ(rig.reg.value("kernel.first.residentAtExit"), static_cast<double>(residentA));
  EXPECT_EQ(rig.disk->store().used(), 0u) << "its swap slots are free";
  // Only `second` holds memory now: its root, 3 tables and 2 pages.
  EXPECT_EQ(rig.kernel->framesFree(), freeBefore - 6);
  EXPECT_FALSE(rig.kernel->pageTableRoot(a).has_value());
  EXPECT_EQ(rig.port.fault(a, kHeap, AccessKind::Load), FaultKind::Segmentation);
  // The freed frames serve `second` without evicting anything.
  const double evictions = rig.reg.value("kernel.evictions");
  for (uint64_t i = 2; i < 10; ++i) {
    ASSERT_EQ(rig.port.fault(b, kHeap + i * kPage, AccessKind::Load), FaultKind::None);
  }
  EXPECT_EQ(rig.reg.value("kernel.evictions"), evictions);
  EXPECT_TRUE(rig.kernel->leafEntry(b, kHeap) & paging::x86::kPresent);
}

}  // namespace
}  // namespace vmsim

namespace vmsim {
namespace {

// Sends TLB refills to the kernel as a software-managed TLB does.
struct RefillPort : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<RefillPort> isock{"isock"};
  explicit RefillPort(const sc_core::sc_module_name& nm) : sc_module(nm) {}
  TranslationExt refill(Asid asid, uint64_t va, AccessKind kind, sc_core::sc_time& delay) {
    tlm::tlm_generic_payload gp;
    TranslationExt x;
    x.va = VirtAddr(va);
    x.asid = asid;
    x.kind = kind;
    gp.set_extension(&x);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    isock->b_transport(gp, delay);
    gp.clear_extension(&x);
    EXPECT_TRUE(gp.is_response_ok());
    return x;
  }
};

// A translation cache that records what it was asked to drop.
struct Recorder : TranslationCache {
  std::vector<int> kinds;
  uint64_t cost = 0;
  void invalidatePage(Asid, VirtAddr) override { kinds.push_back(0); }
  void invalidateAsid(Asid) override { kinds.push_back(1); }
  void invalidateNonGlobal() override { kinds.push_back(2); }
  void invalidateAll() override { kinds.push_back(3); }
  uint64_t invalidationCostPs(Invalidation) const override { return cost; }
};

double statOf(stats::Registry& reg, const std::string& n, size_t i) {
  for (const auto& s : reg.all()) {
    if (s->name() != n) continue;
    if (auto* v = dynamic_cast<const stats::Vector*>(s.get())) return v->at(i);
    if (auto* c = dynamic_cast<const stats::Scalar*>(s.get())) return c->value();
  }
  ADD_FAILURE() << "no stat " << n;
  return -1;
}

}  // namespace

TEST(KernelGlobalMappings, GlobalRegionsAndTheKernelAddressSpaceGetTheGBit) {
  Rig rig(kSmall);
  rig.start();
  const Asid a = rig.kernel->createProcess("p");
  rig.kernel->addRegion(a, {"user", kHeap, 4 * kPage, Perms{true, true, false, true}});
  // A global mapping every process shares (as Linux's vsyscall page: user-readable, global).
  // The fault handler serves user-privilege faults, so the regions here are user-accessible.
  os::Region k{"vsyscall", 0x40000000, 4 * kPage, Perms{true, false, true, true}};
  k.global = true;
  rig.kernel->addRegion(a, k);
  rig.kernel->addRegion(0, {"kernel_data", kHeap, 4 * kPage, Perms{true, true, false, true}});
  ASSERT_EQ(rig.port.fault(a, kHeap, AccessKind::Load), FaultKind::None);
  ASSERT_EQ(rig.port.fault(a, 0x40000000, AccessKind::Load), FaultKind::None);
  ASSERT_EQ(rig.port.fault(0, kHeap, AccessKind::Load), FaultKind::None);
  EXPECT_FALSE(rig.kernel->leafEntry(a, kHeap) & paging::x86::kGlobal);
  EXPECT_TRUE(rig.kernel->leafEntry(a, 0x40000000) & paging::x86::kGlobal);
  EXPECT_TRUE(rig.kernel->leafEntry(0, kHeap) & paging::x86::kGlobal);
}

TEST(KernelTlbFlush, EachKindReachesEveryCacheIsCountedAndCostsTheLargestCost) {
  Rig rig(kSmall);
  Recorder r1, r2;
  r1.cost = 100000;  // 100 ns
  r2.cost = 250000;  // 250 ns: the structures are flushed together, the slowest decides
  rig.kernel->addTranslationCache(&r1);
  rig.kernel->addTranslationCache(&r2);
  rig.start();
  for (auto kind :
       {Invalidation::Page, Invalidation::Asid, Invalidation::NonGlobal, Invalidation::All}) {
    EXPECT_EQ(rig.kernel->flushTranslations(kind, 1, kHeap), sc_core::sc_time(250, sc_core::SC_NS));
  }
  EXPECT_EQ(r1.kinds, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(r2.kinds, r1.kinds);
  for (size_t k = 0; k < kInvalidationKinds; ++k) {
    EXPECT_EQ(statOf(rig.reg, "kernel.tlbFlushes", k), 1) << k;
    EXPECT_EQ(statOf(rig.reg, "kernel.tlbFlushCycles", k), 500) << k;  // 250 ns at 2 GHz
  }
}

TEST(KernelSoftwareRefill, TheHandlerReadsEveryLevelThroughMemoryAndSetsTheAccessedBit) {
  Rig rig(kSmall);
  RefillPort refill("refill");
  refill.isock.bind(rig.kernel->refill_tsock);
  rig.start();
  const Asid a = rig.process("p", 8);
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  // Not mapped yet: the refill reports not-present (the MMU then takes a page fault).
  EXPECT_EQ(refill.refill(a, kHeap + 8, AccessKind::Load, d).fault, FaultKind::NotPresent);
  ASSERT_EQ(rig.port.fault(a, kHeap, AccessKind::Store), FaultKind::None);
  const double readsBefore = statOf(rig.reg, "kernel.refillPteReads", 0);
  d = sc_core::SC_ZERO_TIME;
  const TranslationExt x = refill.refill(a, kHeap + 8, AccessKind::Store, d);
  ASSERT_EQ(x.fault, FaultKind::None);
  const uint64_t e = rig.kernel->leafEntry(a, kHeap);
  EXPECT_EQ(x.pa.value(), (e & paging::Format::kX86FrameMask) + 8);
  EXPECT_EQ(x.pageShift, 12u);
  EXPECT_TRUE(x.dirty);
  EXPECT_TRUE(e & paging::x86::kAccessed);
  EXPECT_TRUE(e & paging::x86::kDirty);
  EXPECT_EQ(statOf(rig.reg, "kernel.refillPteReads", 0) - readsBefore, 4);  // 4 levels
  EXPECT_EQ(statOf(rig.reg, "kernel.refillAdWrites", 0), 1);
  EXPECT_EQ(statOf(rig.reg, "kernel.tlbRefills", 0), 2);
  EXPECT_GT(d, sc_core::SC_ZERO_TIME);  // timed reads through the DRAM
}

}  // namespace vmsim

namespace vmsim {
namespace {

// Direct reclaim (no daemon runs: no simulated time passes between these faults) frees a batch:
// dirty victims go to swap as clustered requests, swap-ins read their neighbours ahead into
// the swap cache, and every page reads back what was written to it.
TEST(KernelReclaim, ClusteredWritesReadAheadAndSwapCacheLoseNothing) {
  Rig rig("kernel: {memory_size: 256KiB}\n");  // 64 frames
  const uint64_t pages = 256;
  const Asid a = rig.process("p", pages);
  // The stores below bypass the MMU, so no walker sets D: the kernel counts writable pages dirty.
  rig.kernel->setHardwareAccessedDirty(a, false);
  rig.start();
  for (uint64_t i = 0; i < pages; ++i) {
    ASSERT_EQ(rig.port.fault(a, kHeap + i * kPage, AccessKind::Store), FaultKind::None);
    rig.store(a, kHeap + i * kPage + 8, 0x1000 + i * 7);
  }
  for (int round = 0; round < 2; ++round) {
    for (uint64_t i = 0; i < pages; ++i) {
      const uint64_t va = kHeap + i * kPage;
      if (!(rig.kernel->leafEntry(a, va) & paging::x86::kPresent)) {
        ASSERT_EQ(rig.port.fault(a, va, AccessKind::Load), FaultKind::None);
      }
      ASSERT_EQ(rig.load(a, va + 8), 0x1000 + i * 7) << "page " << i << " round " << round;
    }
  }
  const double outs = rig.reg.value("kernel.swapOuts");
  EXPECT_GT(outs, pages);
  // Batches of 32 victims in consecutive slots: far fewer requests than pages.
  EXPECT_LT(rig.reg.value("kernel.swapWriteRequests"), outs / 4);
  EXPECT_GE(rig.reg.value("kernel.reclaim.direct"), outs);
  // No simulated time passes between these faults, so write-backs are still under way when a
  // fault needs a frame: it waits for one. (Read-ahead and swap-cache hits need time to pass:
  // TimedPath.LtAndAtAgreeOnTheTimedFaultPathWithTheReclaimDaemon.)
  EXPECT_GT(rig.reg.value("kernel.reclaim.directWriteWaits") +
                rig.reg.value("kernel.reclaim.writebackWaits"),
            0);
  EXPECT_EQ(rig.reg.value("kernel.swapCacheHits") + rig.reg.value("kernel.zeroFills"),
            rig.reg.value("kernel.minorFaults"));
  // A read-ahead hit is a minor fault: it costs no I/O.
  EXPECT_LT(rig.reg.value("kernel.swapReadRequests"), rig.reg.value("kernel.majorFaults") + 1);
  EXPECT_EQ(rig.reg.value("kernel.oomKills"), 0);
}

// Each part of a fault is charged and counted: trap, handler, page-table accesses (timed through
// the memory socket), zeroing; the demand-zero fault lands near 1 us at 2 GHz.
TEST(KernelCosts, ADemandZeroFaultIsTheSumOfItsParts) {
  Rig rig("kernel: {memory_size: 16MiB}\n");
  const Asid a = rig.process("p", 64);
  rig.start();
  for (uint64_t i = 0; i < 64; ++i) {
    ASSERT_EQ(rig.port.fault(a, kHeap + i * kPage, AccessKind::Store), FaultKind::None);
  }
  auto part = [&](unsigned k) {
    const auto* v = dynamic_cast<const stats::Vector*>(rig.reg.find("kernel.faultCycles"));
    return v ? v->at(k) : -1.0;
  };
  EXPECT_EQ(part(0), 64 * 300);  // trap_cycles
  EXPECT_EQ(part(1), 64 * 900);  // handler_cycles
  EXPECT_GT(part(2), 0);         // page-table reads and writes, timed by the DRAM
  // 4 KiB at 13.7 GB/s in 2 GHz cycles, for the 64 pages and the 3 page tables below the root.
  EXPECT_NEAR(part(3), (64 + 3) * 4096 / 13.7 * 2, 8);
  EXPECT_GE(rig.reg.value("kernel.pageTableReads"), 64 * 4);
  EXPECT_GE(rig.reg.value("kernel.pageTableWrites"), 64);
  const auto* h =
      dynamic_cast<const stats::Histogram*>(rig.reg.find("kernel.faultLatencyDemandZero"));
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->moments().samples, 64);
  EXPECT_GT(h->moments().mean(), 1500);  // 0.75 us
  EXPECT_LT(h->moments().mean(), 4000);  // 2 us
}

// Memory and swap exhausted: the OOM killer ends the process with the largest resident set and
// the fault goes on; with oom: fault the access fails instead.
TEST(KernelOom, TheLargestProcessIsKilledAndTheFaultGoesOn) {
  Rig rig("kernel: {memory_size: 128KiB, swap: {enabled: false}}\n");
  const Asid big = rig.process("big", 64);
  const Asid small = rig.kernel->createProcess("small");
  rig.kernel->addRegion(small, {"heap", kHeap, 4 * kPage, Perms{true, true, false, true}});
  std::vector<Asid> killed;
  rig.kernel->onOomKill([&](Asid v) { killed.push_back(v); });
  rig.start();
  uint64_t i = 0;
  while (rig.port.fault(big, kHeap + i * kPage, AccessKind::Store) == FaultKind::None) ++i;
  // The big process's own fault found nothing to take but itself: it was killed.
  ASSERT_EQ(killed, std::vector<Asid>{big});
  EXPECT_EQ(rig.reg.value("kernel.oomKills"), 1);
  EXPECT_EQ(rig.kernel->residentPages(big), 0u);
  EXPECT_EQ(rig.port.fault(small, kHeap, AccessKind::Store), FaultKind::None);
}

TEST(KernelOom, WithOomFaultTheAccessFails) {
  Rig rig("kernel: {memory_size: 128KiB, swap: {enabled: false}, oom: fault}\n");
  const Asid a = rig.process("p", 64);
  rig.start();
  uint64_t i = 0;
  while (rig.port.fault(a, kHeap + i * kPage, AccessKind::Store) == FaultKind::None) ++i;
  EXPECT_EQ(rig.port.fault(a, kHeap + i * kPage, AccessKind::Store), FaultKind::OutOfMemory);
  EXPECT_EQ(rig.reg.value("kernel.oomKills"), 0);
  EXPECT_GT(rig.reg.value("kernel.outOfMemory"), 0);
}

}  // namespace
}  // namespace vmsim
