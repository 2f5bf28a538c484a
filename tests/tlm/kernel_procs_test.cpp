// Processes in the kernel model (docs/os.md "Processes"): fork with copy-on-write, exit, exec,
// shared and private mappings, munmap, brk, and isolation. Faults go straight to the kernel's
// fault socket as an MMU sends them; data is read and written through the frames the page
// tables name, so each test sees exactly which frame a process reaches.
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "kernel_rig.h"
#include "vmsim/ptw/walker.h"

namespace vmsim {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kHeap = 0x10000000;
constexpr uint64_t kShared = 0x20000000;
const paging::Format& fmt() {
  return paging::Format::get(paging::Kind::X86_64_4);
}

// Counts the slots in use on the swap disk.
struct CountingSwap : SwapSpace {
  SwapSpace* disk = nullptr;
  int64_t used = 0;
  std::optional<uint64_t> allocateSlots(uint64_t n) override {
    auto s = disk->allocateSlots(n);
    if (s) used += static_cast<int64_t>(n);
    return s;
  }
  void freeSlots(uint64_t first, uint64_t n) override {
    disk->freeSlots(first, n);
    used -= static_cast<int64_t>(n);
  }
  uint64_t slotBytes() const override { return disk->slotBytes(); }
};

// Records every invalidation and interrupt (a TLB and the cores' interrupt inputs).
struct Recorder : TranslationCache {
  std::set<std::pair<Asid, uint64_t>> pages;
  std::vector<Asid> asids;
  void invalidatePage(Asid a, VirtAddr va) override {
    pages.insert({a, va.value() & ~(kPage - 1)});
  }
  void invalidateAsid(Asid a) override { asids.push_back(a); }
};
struct Irq : InterruptTarget {
  unsigned count = 0;
  void interrupt(uint64_t) override { ++count; }
};

// Kernel, DRAM behind a router and an SSD swap disk whose slots in use are counted.
struct Rig : test::KernelRig {
  CountingSwap slots;

  explicit Rig(const std::string& yaml) : KernelRig(yaml) {
    slots.disk = disk.get();
    kernel->setSwapSpace(&slots);
  }
  Asid process(const std::string& name, uint64_t pages) {
    const Asid a = kernel->createProcess(name);
    kernel->addRegion(a, {"heap", kHeap, pages * kPage, Perms{true, true, false, true}});
    kernel->setExecLayout(a);
    return a;
  }
  uint64_t entry(Asid a, uint64_t va) { return kernel->leafEntry(a, va); }
  uint64_t frame(Asid a, uint64_t va) { return fmt().frameAddr(entry(a, va)); }
  // A store as the MMU makes it: it faults first when the entry is not present or not writable
  // (copy-on-write), then writes through the entry's frame.
  void write(Asid a, uint64_t va, uint64_t value) {
    uint64_t e = entry(a, va);
    if (!(e & paging::x86::kPresent) || !(e & paging::x86::kWritable)) {
      ASSERT_EQ(port.fault(a, va, AccessKind::Store), FaultKind::None) << std::hex << va;
      e = entry(a, va);
    }
    ASSERT_TRUE(e & paging::x86::kWritable) << std::hex << va;
    debug(fmt().frameAddr(e) + va % kPage, &value, 8, true);
    // The walker sets A and D in the entry of a store (set_accessed_dirty).
    uint64_t ad = e | paging::x86::kAccessed | paging::x86::kDirty;
    debug(pteAddr(a, va), &ad, 8, true);
  }
  uint64_t read(Asid a, uint64_t va) {
    if (!(entry(a, va) & paging::x86::kPresent)) {
      EXPECT_EQ(port.fault(a, va, AccessKind::Load), FaultKind::None) << std::hex << va;
    }
    uint64_t v = 0;
    debug(frame(a, va) + va % kPage, &v, 8, false);
    return v;
  }
  double stat(const std::string& n) { return reg.value(n); }
};

uint64_t heap(uint64_t page, uint64_t off = 0) {
  return kHeap + page * kPage + off;
}

TEST(ForkCow, ParentAndChildSeeTheirOwnWritesAndTheSharedPagesOriginalData) {
  Rig rig("kernel: {memory_size: 1MiB}\n");
  rig.start();
  const Asid p = rig.process("p", 8);
  for (uint64_t i = 0; i < 8; ++i) rig.write(p, heap(i), 100 + i);
  const auto c = rig.kernel->fork(p);
  ASSERT_TRUE(c);
  EXPECT_EQ(rig.kernel->sharedFrames(), 8u);
  EXPECT_EQ(rig.stat("kernel.forkPages"), 8);
  EXPECT_EQ(rig.kernel->residentPages(*c), 8u);
  for (uint64_t i = 0; i < 8; ++i) {
    // One frame, read-only copy-on-write in both, clean (D moved to the frame).
    EXPECT_EQ(rig.frame(p, heap(i)), rig.frame(*c, heap(i)));
    EXPECT_TRUE(fmt().isCow(rig.entry(p, heap(i))));
    EXPECT_TRUE(fmt().isCow(rig.entry(*c, heap(i))));
    EXPECT_FALSE(rig.entry(p, heap(i)) & (paging::x86::kWritable | paging::x86::kDirty));
    EXPECT_EQ(rig.kernel->frameMappers(rig.frame(p, heap(i))), 2u);
    EXPECT_EQ(rig.read(*c, heap(i)), 100 + i);
  }
  const uint64_t parentFrame0 = rig.frame(p, heap(0));
  for (uint64_t i = 0; i < 3; ++i) rig.write(*c, heap(i), 200 + i);
  EXPECT_EQ(rig.stat("kernel.cowCopies"), 3);  // copies = pages written while shared
  EXPECT_EQ(rig.kernel->sharedFrames(), 5u);
  EXPECT_NE(rig.frame(*c, heap(0)), parentFrame0);
  EXPECT_EQ(rig.frame(p, heap(0)), parentFrame0);
  for (uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(rig.read(p, heap(i)), 100 + i);
    EXPECT_EQ(rig.read(*c, heap(i)), 200 + i);
  }
  // The parent is the last mapper of page 0: write permission back, no copy.
  rig.write(p, heap(0), 300);
  EXPECT_EQ(rig.stat("kernel.cowReuses"), 1);
  EXPECT_EQ(rig.frame(p, heap(0)), parentFrame0);
  EXPECT_EQ(rig.stat("kernel.cowCopies"), 3);
  // Page 5 is still shared: the parent copies it, and the child keeps the original.
  rig.write(p, heap(5), 305);
  EXPECT_EQ(rig.stat("kernel.cowCopies"), 4);
  EXPECT_EQ(rig.read(*c, heap(5)), 105u);
  EXPECT_EQ(rig.read(p, heap(5)), 305u);
  EXPECT_EQ(rig.kernel->sharedFrames(), 4u);
  EXPECT_EQ(rig.stat("kernel.peakSharedFrames"), 8);
  EXPECT_EQ(rig.stat("kernel.p.forks"), 1);
  EXPECT_EQ(rig.stat("kernel.p.cowFaults"), 2);
  EXPECT_EQ(rig.stat("kernel.p.cowCopies"), 1);
  // Per process: pages 3, 4, 6, 7 are shared; page 5 is the child's alone now.
  EXPECT_EQ(rig.stat("kernel.p.sharedPages"), 4);
  EXPECT_EQ(rig.stat("kernel.p_child2.sharedPages"), 4);
  rig.kernel->exitProcess(*c);
  EXPECT_EQ(rig.stat("kernel.p.sharedPages"), 0);
  EXPECT_EQ(rig.stat("kernel.cowFaults"), 5);
}

TEST(ForkCow, FramesAreFreedOnlyWithTheirLastUser) {
  Rig rig("kernel: {memory_size: 1MiB}\n");
  rig.start();
  const uint64_t free0 = rig.kernel->framesFree();
  const Asid p = rig.process("p", 8);
  for (uint64_t i = 0; i < 8; ++i) rig.write(p, heap(i), 100 + i);
  const uint64_t free1 = rig.kernel->framesFree();
  auto c = rig.kernel->fork(p);
  ASSERT_TRUE(c);
  rig.write(*c, heap(0), 7);  // a copy of the child's own
  rig.kernel->exitProcess(*c);
  EXPECT_EQ(rig.kernel->framesFree(), free1) << "the child's tables and copy are back";
  EXPECT_EQ(rig.kernel->sharedFrames(), 0u);
  for (uint64_t i = 0; i < 8; ++i) {
    EXPECT_EQ(rig.read(p, heap(i)), 100 + i);
    EXPECT_EQ(rig.kernel->frameMappers(rig.frame(p, heap(i))), 1u);
  }
  // The other order: the parent goes first, the child keeps the pages.
  c = rig.kernel->fork(p);
  ASSERT_TRUE(c);
  rig.kernel->exitProcess(p);
  for (uint64_t i = 0; i < 8; ++i) EXPECT_EQ(rig.read(*c, heap(i)), 100 + i);
  rig.write(*c, heap(1), 9);
  EXPECT_EQ(rig.stat("kernel.cowReuses"), 1);
  EXPECT_EQ(rig.stat("kernel.cowCopies"), 1);
  rig.kernel->exitProcess(*c);
  EXPECT_EQ(rig.kernel->framesFree(), free0);
  EXPECT_EQ(rig.stat("kernel.exits"), 3);
}

TEST(Isolation, AReusedFrameIsZeroedNoStaleDataReachesTheNextProcess) {
  Rig rig("kernel: {memory_size: 256KiB}\n");
  rig.start();
  const Asid p = rig.process("p", 40);
  for (uint64_t i = 0; i < 20; ++i) {
    for (uint64_t off : {0ull, 8ull, 2048ull, 4088ull}) rig.write(p, heap(i, off), ~i);
  }
  auto c = rig.kernel->fork(p);
  ASSERT_TRUE(c);
  for (uint64_t i = 0; i < 20; ++i) rig.write(*c, heap(i, 16), 0xabcdefull + i);
  rig.kernel->exitProcess(*c);
  rig.kernel->exitProcess(p);
  // Every frame of memory is handed out again; none holds a byte of the old processes.
  const Asid q = rig.process("q", 64);
  for (uint64_t i = 0; i < 64; ++i) {
    for (uint64_t off : {0ull, 8ull, 16ull, 2048ull, 4088ull}) {
      EXPECT_EQ(rig.read(q, heap(i, off)), 0u) << "page " << i << " offset " << off;
    }
  }
  EXPECT_GT(rig.stat("kernel.evictions"), 0) << "memory was reused under pressure";
}

TEST(Isolation, SwapOutAndInOfCopyOnWritePagesKeepsEachProcessesData) {
  Rig rig("kernel: {memory_size: 96KiB, reclaim: {direct_pages: 1}}\n");
  rig.start();
  const Asid p = rig.process("p", 64);
  for (uint64_t i = 0; i < 4; ++i) rig.write(p, heap(i), 10 + i);
  auto c = rig.kernel->fork(p);
  ASSERT_TRUE(c);
  rig.write(*c, heap(0), 20);
  // A third process pushes everything out: the shared frames are unmapped from both processes
  // and written once; their slot is then named by both entries.
  const Asid q = rig.process("q", 64);
  for (uint64_t i = 0; i < 20; ++i) rig.write(q, heap(i), 1);
  EXPECT_GT(rig.stat("kernel.sharedEvictions"), 0);
  EXPECT_EQ(rig.stat("kernel.p.sharedPages"), rig.kernel->sharedFrames());
  EXPECT_EQ(rig.stat("kernel.p_child2.sharedPages"), rig.kernel->sharedFrames());
  bool shared = false;
  for (uint64_t i = 1; i < 4; ++i) {
    const uint64_t e = rig.entry(p, heap(i));
    if (fmt().isSwapped(e) && fmt().isSwapped(rig.entry(*c, heap(i)))) {
      EXPECT_EQ(fmt().swapSlot(e), fmt().swapSlot(rig.entry(*c, heap(i))));
      shared |= rig.kernel->slotSharers(fmt().swapSlot(e)) == 1;
    }
  }
  EXPECT_TRUE(shared) << "a page of both was swapped out through one shared slot";
  for (uint64_t round = 0; round < 3; ++round) {
    for (uint64_t i = 0; i < 4; ++i) {
      EXPECT_EQ(rig.read(p, heap(i)), round == 0 || i != 1 ? 10 + i : 31) << round << " " << i;
      EXPECT_EQ(rig.read(*c, heap(i)), i == 0 ? 20 : i == 1 && round > 0 ? 41 : 10 + i);
    }
    if (round == 0) {  // writes after the swap-in stay private
      rig.write(p, heap(1), 31);
      rig.write(*c, heap(1), 41);
    }
    for (uint64_t i = 0; i < 20; ++i) rig.write(q, heap(i + 20 * (round % 2)), 2);
  }
  rig.kernel->exitProcess(q);
  rig.kernel->exitProcess(*c);
  rig.kernel->exitProcess(p);
  EXPECT_EQ(rig.slots.used, 0) << "every swap slot is freed with its last reference";
}

TEST(Isolation, APageSwappedOutBeforeForkIsSharedThroughItsSlotAndCopiedApart) {
  Rig rig("kernel: {memory_size: 96KiB, reclaim: {direct_pages: 1}}\n");
  rig.start();
  const Asid p = rig.process("p", 64);
  for (uint64_t i = 0; i < 24; ++i) rig.write(p, heap(i), 1000 + i);
  uint64_t swapped = 64;
  for (uint64_t i = 0; i < 24 && swapped == 64; ++i) {
    if (fmt().isSwapped(rig.entry(p, heap(i)))) swapped = i;
  }
  ASSERT_LT(swapped, 24u);
  const uint64_t slot = fmt().swapSlot(rig.entry(p, heap(swapped)));
  auto c = rig.kernel->fork(p);
  ASSERT_TRUE(c);
  EXPECT_EQ(rig.entry(*c, heap(swapped)), rig.entry(p, heap(swapped)));
  EXPECT_EQ(rig.kernel->slotSharers(slot), 1u);
  EXPECT_EQ(rig.read(*c, heap(swapped)), 1000 + swapped);
  rig.write(*c, heap(swapped), 7);
  EXPECT_EQ(rig.read(p, heap(swapped)), 1000 + swapped);
  EXPECT_NE(rig.frame(p, heap(swapped)), rig.frame(*c, heap(swapped)));
  // Both go out and come back again: the child's write went to a slot of its own.
  for (uint64_t round = 0; round < 2; ++round) {
    for (uint64_t i = 0; i < 24; ++i) {
      if (i != swapped) {
        EXPECT_EQ(rig.read(p, heap(i)), 1000 + i);
      }
    }
    EXPECT_EQ(rig.read(*c, heap(swapped)), 7u);
    EXPECT_EQ(rig.read(p, heap(swapped)), 1000 + swapped);
  }
  rig.kernel->exitProcess(p);
  rig.kernel->exitProcess(*c);
  EXPECT_EQ(rig.slots.used, 0);
  EXPECT_EQ(rig.kernel->slotSharers(slot), 0u);
}

TEST(SharedMapping, BothProcessesSeeEachOthersWritesThroughForkAndSwap) {
  Rig rig("kernel: {memory_size: 96KiB, reclaim: {direct_pages: 1}}\n");
  rig.start();
  const uint64_t free0 = rig.kernel->framesFree();
  const Asid p = rig.process("p", 64);
  ASSERT_TRUE(rig.kernel->mapFixed(p, kShared, 4 * kPage, Perms{true, true, false, true}, true));
  rig.write(p, kShared, 50);
  auto c = rig.kernel->fork(p);
  ASSERT_TRUE(c);
  EXPECT_EQ(rig.read(*c, kShared), 50u);
  EXPECT_EQ(rig.frame(*c, kShared), rig.frame(p, kShared));
  EXPECT_TRUE(rig.entry(*c, kShared) & paging::x86::kWritable) << "shared, not copy-on-write";
  rig.write(*c, kShared + kPage, 51);  // first touched by the child
  EXPECT_EQ(rig.read(p, kShared + kPage), 51u);
  rig.write(p, kShared, 52);
  EXPECT_EQ(rig.read(*c, kShared), 52u);
  EXPECT_EQ(rig.stat("kernel.cowFaults"), 0);
  // Memory pressure pushes the object's pages out; they come back shared.
  const Asid q = rig.process("q", 64);
  for (uint64_t i = 0; i < 24; ++i) rig.write(q, heap(i), 1);
  EXPECT_GT(rig.stat("kernel.sharedEvictions"), 0);
  EXPECT_EQ(rig.read(*c, kShared + kPage), 51u);
  EXPECT_EQ(rig.read(p, kShared + kPage), 51u);
  EXPECT_EQ(rig.frame(*c, kShared + kPage), rig.frame(p, kShared + kPage));
  rig.write(p, kShared + kPage, 53);
  EXPECT_EQ(rig.read(*c, kShared + kPage), 53u);
  // The child unmaps it: the parent keeps it.
  ASSERT_TRUE(rig.kernel->unmap(*c, kShared, 4 * kPage));
  EXPECT_EQ(rig.port.fault(*c, kShared, AccessKind::Load), FaultKind::Segmentation);
  EXPECT_EQ(rig.read(p, kShared), 52u);
  rig.kernel->exitProcess(q);
  rig.kernel->exitProcess(*c);
  rig.kernel->exitProcess(p);
  EXPECT_EQ(rig.kernel->framesFree(), free0);
  EXPECT_EQ(rig.slots.used, 0);
}

TEST(Munmap, AChildUnmappingACopyOnWriteRangeLeavesTheParentIntact) {
  Rig rig("kernel: {memory_size: 1MiB}\n");
  rig.start();
  const Asid p = rig.process("p", 8);
  for (uint64_t i = 0; i < 8; ++i) rig.write(p, heap(i), 100 + i);
  auto c = rig.kernel->fork(p);
  ASSERT_TRUE(c);
  ASSERT_TRUE(rig.kernel->unmap(*c, heap(2), 3 * kPage));  // splits the heap region
  EXPECT_EQ(rig.kernel->regions(*c).size(), 2u);
  for (uint64_t i = 2; i < 5; ++i) {
    EXPECT_EQ(rig.port.fault(*c, heap(i), AccessKind::Load), FaultKind::Segmentation);
    EXPECT_EQ(rig.kernel->frameMappers(rig.frame(p, heap(i))), 1u);
    EXPECT_EQ(rig.read(p, heap(i)), 100 + i);
  }
  EXPECT_EQ(rig.read(*c, heap(5)), 105u);
  EXPECT_EQ(rig.kernel->sharedFrames(), 5u);
  // The parent remaps part of it (MAP_FIXED): fresh zero pages.
  ASSERT_TRUE(rig.kernel->mapFixed(p, heap(3), kPage, Perms{true, true, false, true}, false));
  EXPECT_EQ(rig.read(p, heap(3)), 0u);
}

TEST(Shootdowns, ForkFlushesTheParentAndACopyInvalidatesTheWritersEntryOnEveryCore) {
  Rig rig("kernel: {memory_size: 1MiB}\n");
  Recorder tlb;
  Irq core0, core1;
  rig.kernel->addTranslationCache(&tlb);
  rig.start();
  const Asid p = rig.process("p", 8);
  rig.kernel->addCore({p}, &core0);
  rig.kernel->addCore({}, &core1);
  rig.kernel->addCoreToProcess(p, 1);  // a second thread of p runs on core 1
  for (uint64_t i = 0; i < 4; ++i) rig.write(p, heap(i), i);
  auto c = rig.kernel->fork(p);
  ASSERT_TRUE(c);
  ASSERT_EQ(tlb.asids.size(), 1u);
  EXPECT_EQ(tlb.asids[0], p) << "the parent's writable entries are gone from the TLBs";
  EXPECT_EQ(core1.count, 1u) << "fork's flush reached the parent's other core";
  EXPECT_EQ(rig.kernel->coresOf(*c), rig.kernel->coresOf(p));
  tlb.pages.clear();
  rig.write(*c, heap(2), 9);  // the fault comes from core 0 (the port's binding)
  EXPECT_TRUE(tlb.pages.count({*c, heap(2)})) << "the child's read-only entry is shot down";
  EXPECT_FALSE(tlb.pages.count({p, heap(2)})) << "the parent's entry still maps its own frame";
  EXPECT_EQ(core1.count, 2u) << "and core 1, which runs the child too, got an IPI";
  EXPECT_EQ(core0.count, 0u) << "the faulting core flushes itself";
  tlb.pages.clear();
  ASSERT_TRUE(rig.kernel->unmap(p, heap(3), kPage));
  EXPECT_TRUE(tlb.pages.count({p, heap(3)}));
}

TEST(Exec, ReplacesTheAddressSpaceByAFreshOneOfTheStartingLayout) {
  Rig rig("kernel: {memory_size: 1MiB}\n");
  rig.start();
  const Asid p = rig.process("p", 8);
  for (uint64_t i = 0; i < 8; ++i) rig.write(p, heap(i), 100 + i);
  ASSERT_TRUE(rig.kernel->mapFixed(p, kShared, kPage, Perms{true, true, false, true}, false));
  auto c = rig.kernel->fork(p);
  ASSERT_TRUE(c);
  const uint64_t before = rig.kernel->framesFree();
  sc_core::sc_time delay;
  std::string error;
  ASSERT_TRUE(rig.kernel->exec(*c, delay, false, error)) << error;
  EXPECT_GT(delay, sc_core::SC_ZERO_TIME);
  EXPECT_EQ(rig.kernel->residentPages(*c), 0u);
  EXPECT_EQ(rig.kernel->sharedFrames(), 0u);
  ASSERT_EQ(rig.kernel->regions(*c).size(), 1u);  // the layout: the heap, not the mapping
  EXPECT_EQ(rig.port.fault(*c, kShared, AccessKind::Load), FaultKind::Segmentation);
  EXPECT_EQ(rig.read(*c, heap(0)), 0u) << "a fresh, zero-filled address space";
  EXPECT_EQ(rig.read(p, heap(0)), 100u);
  EXPECT_GT(rig.kernel->framesFree() + 2, before);  // its old tables went back
  EXPECT_EQ(rig.stat("kernel.execs"), 1);
}

// Debug walks through a walker's `tsock`, as a TLB's miss path asks it.
struct WalkPort : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<WalkPort> isock{"isock"};
  explicit WalkPort(const sc_core::sc_module_name& nm) : sc_module(nm) {}
  TranslationExt walk(Asid asid, uint64_t va) {
    tlm::tlm_generic_payload gp;
    TranslationExt x;
    x.va = VirtAddr(va);
    x.asid = asid;
    x.kind = AccessKind::Load;
    x.privilege = Privilege::User;
    gp.set_extension(&x);
    EXPECT_EQ(isock->transport_dbg(gp), 1u);
    gp.clear_extension(&x);
    return x;
  }
};

// The walkers read each process's root live from the kernel's root table (pageTableRoots): a
// walk after exec reaches the new tables and a walk after exit finds no address space, on every
// walker. A walker that kept a root from an earlier walk would reach the old (freed) tables.
TEST(WalkerRoot, AWalkAfterExecOrExitUsesTheRootTheKernelHasNow) {
  Rig rig("kernel: {memory_size: 1MiB}\n");
  std::vector<std::unique_ptr<ptw::Walker>> walkers;
  std::vector<std::unique_ptr<WalkPort>> ports;
  for (int i = 0; i < 2; ++i) {
    walkers.push_back(
        std::make_unique<ptw::Walker>(("walker" + std::to_string(i)).c_str(), rig.ctx));
    ports.push_back(std::make_unique<WalkPort>(("walk_port" + std::to_string(i)).c_str()));
    walkers[i]->mem.bind(rig.router->tsock);
    walkers[i]->setPageTableBase(rig.kernel.get());
    ports[i]->isock.bind(walkers[i]->tsock);
  }
  rig.start();
  const PageTableRoots* roots = rig.kernel->pageTableRoots();
  ASSERT_NE(roots, nullptr);
  auto walkAll = [&](Asid a, uint64_t va) {
    std::vector<TranslationExt> xs;
    for (auto& port : ports) xs.push_back(port->walk(a, va));
    return xs;
  };
  // q's frames, freed before the exec, are below c's: the exec's new root is not c's old one.
  const Asid q = rig.process("q", 2);
  for (uint64_t i = 0; i < 2; ++i) rig.write(q, heap(i), 1);
  const Asid p = rig.process("p", 8);
  for (uint64_t i = 0; i < 8; ++i) rig.write(p, heap(i), 100 + i);
  auto c = rig.kernel->fork(p);
  ASSERT_TRUE(c);
  rig.kernel->exitProcess(q);
  for (const auto& x : walkAll(q, heap(0))) EXPECT_EQ(x.fault, FaultKind::Segmentation);
  const uint64_t oldRoot = rig.kernel->pageTableRoot(*c)->value();
  EXPECT_EQ(roots->get(*c), rig.kernel->pageTableRoot(*c));
  for (const auto& x : walkAll(*c, heap(3))) {
    ASSERT_EQ(x.fault, FaultKind::None);
    EXPECT_EQ(x.pa.value(), rig.frame(p, heap(3))) << "the child shares the parent's page";
  }

  sc_core::sc_time delay;
  std::string error;
  ASSERT_TRUE(rig.kernel->exec(*c, delay, false, error)) << error;
  ASSERT_TRUE(rig.kernel->pageTableRoot(*c));
  EXPECT_NE(rig.kernel->pageTableRoot(*c)->value(), oldRoot);
  EXPECT_EQ(roots->get(*c), rig.kernel->pageTableRoot(*c));
  for (const auto& x : walkAll(*c, heap(3))) {
    EXPECT_EQ(x.fault, FaultKind::NotPresent) << "the fresh address space maps nothing yet";
  }
  rig.write(*c, heap(3), 7);
  ASSERT_NE(rig.frame(*c, heap(3)), rig.frame(p, heap(3)));
  for (const auto& x : walkAll(*c, heap(3))) {
    ASSERT_EQ(x.fault, FaultKind::None);
    EXPECT_EQ(x.pa.value(), rig.frame(*c, heap(3)));
  }

  rig.kernel->exitProcess(*c);
  EXPECT_FALSE(roots->get(*c));
  EXPECT_FALSE(rig.kernel->pageTableRoot(*c));
  for (const auto& x : walkAll(*c, heap(3))) EXPECT_EQ(x.fault, FaultKind::Segmentation);
  for (const auto& x : walkAll(p, heap(3))) {
    ASSERT_EQ(x.fault, FaultKind::None);
    EXPECT_EQ(x.pa.value(), rig.frame(p, heap(3))) << "the parent is unaffected";
  }
  EXPECT_FALSE(roots->get(static_cast<Asid>(*c + 1))) << "no such process";
}

TEST(Brk, TheFirstBreakSetsTheHeapStartGrowingMapsAndShrinkingUnmaps) {
  Rig rig("kernel: {memory_size: 1MiB}\n");
  rig.start();
  const Asid p = rig.kernel->createProcess("p");
  sc_core::sc_time d;
  std::string error;
  ASSERT_TRUE(rig.kernel->brk(p, 0x30000000, d, false, error)) << error;
  EXPECT_EQ(rig.port.fault(p, 0x30000000, AccessKind::Load), FaultKind::Segmentation);
  ASSERT_TRUE(rig.kernel->brk(p, 0x30000000 + 3 * kPage, d, false, error)) << error;
  rig.write(p, 0x30000000 + 2 * kPage, 5);
  ASSERT_TRUE(rig.kernel->brk(p, 0x30000000 + kPage, d, false, error)) << error;
  EXPECT_EQ(rig.port.fault(p, 0x30000000 + 2 * kPage, AccessKind::Load), FaultKind::Segmentation);
  ASSERT_TRUE(rig.kernel->brk(p, 0x30000000 + 3 * kPage, d, false, error)) << error;
  EXPECT_EQ(rig.read(p, 0x30000000 + 2 * kPage), 0u) << "a shrunk break's pages are discarded";
  EXPECT_FALSE(rig.kernel->brk(p, 0x20000000, d, false, error));
  EXPECT_NE(error.find("below the heap start"), std::string::npos) << error;
}

TEST(ForkHuge, ATransparentHugePageIsSplitAtForkAndItsPagesSharedCopyOnWrite) {
  Rig rig("kernel: {memory_size: 16MiB, thp: always}\n");
  rig.start();
  const Asid p = rig.kernel->createProcess("p");
  rig.kernel->addRegion(p, {"heap", 0x40000000, 4u << 20, Perms{true, true, false, true}});
  rig.write(p, 0x40000000 + 8, 77);
  ASSERT_EQ(rig.kernel->mappingShift(p, 0x40000000), 21u);
  auto c = rig.kernel->fork(p);
  ASSERT_TRUE(c);
  EXPECT_EQ(rig.kernel->mappingShift(p, 0x40000000), 12u);
  EXPECT_EQ(rig.kernel->sharedFrames(), 512u);
  rig.write(*c, 0x40000000 + 8, 78);
  EXPECT_EQ(rig.read(p, 0x40000000 + 8), 77u);
  EXPECT_EQ(rig.read(*c, 0x40000000 + 8), 78u);
  EXPECT_EQ(rig.stat("kernel.cowCopies"), 1);
}

TEST(ForkHuge, HugePageRegionsAreCopiedAtFork) {
  Rig rig("kernel: {memory_size: 16MiB}\n");
  rig.start();
  const Asid p = rig.kernel->createProcess("p");
  os::Region r{"huge", 0x40000000, 2u << 20, Perms{true, true, false, true}};
  r.pageShift = 21;
  rig.kernel->addRegion(p, r);
  rig.write(p, 0x40000000 + 4096 * 3, 33);
  auto c = rig.kernel->fork(p);
  ASSERT_TRUE(c);
  EXPECT_NE(rig.frame(*c, 0x40000000), rig.frame(p, 0x40000000));
  EXPECT_EQ(rig.read(*c, 0x40000000 + 4096 * 3), 33u);
  rig.write(*c, 0x40000000 + 4096 * 3, 34);
  EXPECT_EQ(rig.read(p, 0x40000000 + 4096 * 3), 33u);
  EXPECT_EQ(rig.kernel->residentPages(*c), 512u);
}

TEST(ForkCost, ForkIsTimedAsItsPartsAndACopyCostsTheCopyOnTop) {
  Rig rig("kernel: {memory_size: 4MiB}\n");
  rig.start();
  const Asid p = rig.process("p", 256);
  for (uint64_t i = 0; i < 256; ++i) rig.write(p, heap(i), i);
  sc_core::sc_time small, big;
  std::string error;
  const Asid q = rig.process("q", 4);
  rig.write(q, heap(0), 1);
  ASSERT_TRUE(rig.kernel->fork(q, "q1", small, false, error)) << error;
  ASSERT_TRUE(rig.kernel->fork(p, "p1", big, false, error)) << error;
  // 255 more resident pages: each costs its handler work and its entries' timed accesses.
  const double perPageNs = (big - small).to_seconds() * 1e9 / 255;
  EXPECT_GT(perPageNs, 65);  // fork_page_cycles alone (130 at 2 GHz)
  EXPECT_LT(perPageNs, 400);
  EXPECT_GT(small.to_seconds(), 90e-6);  // fork_cycles
  EXPECT_EQ(rig.stat("kernel.forks"), 2);
}

}  // namespace
}  // namespace vmsim
