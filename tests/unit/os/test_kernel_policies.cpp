// Unit tests of the kernel's replacement policies (nru, wsclock, linux, vms, opt) without the
// SystemC kernel: a table of page bits stands in for the page tables.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <vector>

#include "vmsim/os/kernel_policies.h"

using namespace vmsim::os;
using Pages = std::vector<uint64_t>;

namespace {

/// Page bits the test sets; records what the policy did.
class FakeState : public PageState {
 public:
  struct Page {
    bool referenced = false, dirty = false, writable = true;
  };
  std::map<uint64_t, Page> pages;
  uint64_t nowPs = 0;
  std::vector<uint64_t> cleared, written;
  unsigned reads = 0;
  Bits bits(uint64_t p) override {
    ++reads;
    const Page& g = pages.at(p);
    return {g.referenced, g.dirty};
  }
  void clearReferenced(uint64_t p) override {
    pages.at(p).referenced = false;
    cleared.push_back(p);
  }
  bool startWriteback(uint64_t p) override {
    Page& g = pages.at(p);
    if (!g.writable) return false;
    g.dirty = false;  // the write is under way: the page is clean from now on
    written.push_back(p);
    return true;
  }
  uint64_t virtualTimePs(uint64_t) override { return nowPs; }
  void set(uint64_t p, bool r, bool d) { pages[p] = Page{r, d, true}; }
};

void load(ReplacementPolicy& p, FakeState& s, const Pages& pages, bool r = false, bool d = false) {
  for (uint64_t page : pages) {
    p.insert(page);
    s.set(page, r, d);
  }
}

// --- nru -------------------------------------------------------------------------------------

TEST(Nru, PrefersCleanUnreferencedOverEverything) {
  NruPolicy p;
  FakeState s;
  load(p, s, {1, 2, 3, 4});
  s.set(1, true, true);    // class 3
  s.set(2, true, false);   // class 2
  s.set(3, false, true);   // class 1
  s.set(4, false, false);  // class 0
  EXPECT_EQ(p.chooseVictim(s), 4u);
  EXPECT_TRUE(s.cleared.empty()) << "the first pass changes no bit";
}

TEST(Nru, DirtyUnreferencedBeforeReferencedAndClearsBitsPassed) {
  NruPolicy p;
  FakeState s;
  load(p, s, {1, 2, 3});
  s.set(1, true, false);
  s.set(2, true, true);
  s.set(3, false, true);
  EXPECT_EQ(p.chooseVictim(s), 3u);
  EXPECT_EQ(s.cleared, (Pages{1, 2})) << "pass 2 clears the bits of the pages it passes";
}

TEST(Nru, AllReferencedFallsToTheFirstClearedCleanPage) {
  NruPolicy p;
  FakeState s;
  load(p, s, {1, 2, 3}, true, false);
  s.set(1, true, true);
  // Pass 1 finds none, pass 2 clears all three, the next pass 1 finds page 2 (clean).
  EXPECT_EQ(p.chooseVictim(s), 2u);
  EXPECT_EQ(s.cleared.size(), 3u);
}

TEST(Nru, HandMovesOnAndNewPagesEnterBehindIt) {
  NruPolicy p;
  FakeState s;
  load(p, s, {1, 2, 3});
  EXPECT_EQ(p.chooseVictim(s), 1u);
  p.remove(1);
  p.insert(4);  // behind the hand (at 2): examined last
  s.set(4, false, false);
  EXPECT_EQ(p.residents(), (Pages{2, 3, 4}));
  EXPECT_EQ(p.chooseVictim(s), 2u);
  EXPECT_THROW(p.chooseVictim(), std::logic_error);
}

TEST(Nru, FirstPassRereadsOnlyPagesThatMayHaveBecomeClassZero) {
  NruPolicy p;
  FakeState s;
  load(p, s, {1, 2, 3, 4}, false, true);  // all dirty, unreferenced: class 1
  s.set(2, true, false);                  // class 2
  EXPECT_EQ(p.chooseVictim(s), 1u);
  EXPECT_EQ(p.pass1Reads(), 4u);
  // Nothing cleared a bit of the dirty pages: the next first pass reads none of them again;
  // the second pass clears page 2's bit (clean: class 0 from now) and takes 3.
  p.remove(1);
  EXPECT_EQ(p.chooseVictim(s), 3u);
  EXPECT_EQ(p.pass1Reads(), 4u);
  // Every page referenced again: the first pass reads page 2 alone (referenced), the second
  // clears 4 and 2, and the next first pass finds 2 in class 0 with one more read.
  for (uint64_t q : {2, 3, 4}) s.pages[q].referenced = true;
  p.remove(3);
  EXPECT_EQ(p.chooseVictim(s), 2u);
  EXPECT_EQ(p.pass1Reads(), 6u);
  // A new page may be class 0: it is read.
  p.insert(9);
  s.set(9, false, false);
  p.remove(2);
  EXPECT_EQ(p.chooseVictim(s), 9u);
}

// --- wsclock ---------------------------------------------------------------------------------

TEST(WsClock, ReferencedPagesJoinTheWorkingSetOldCleanOnesGo) {
  WsClockPolicy p(100, 8);
  FakeState s;
  load(p, s, {1, 2, 3}, true);
  s.nowPs = 10;
  // First scan: all referenced (or new): bits cleared, last use 10; after a full turn no page
  // was old or seen unreferenced: the page under the hand.
  const uint64_t first = p.chooseVictim(s);
  EXPECT_EQ(first, 1u);
  EXPECT_EQ(s.cleared, (Pages{1, 2, 3}));
  // 50 ps later, 2 used again; nothing is older than tau=100 yet.
  s.nowPs = 60;
  s.pages[2].referenced = true;
  EXPECT_EQ(p.chooseVictim(s), 1u) << "in the working set: a clean page after a full turn";
  // At 150: page 1 and 3 are 140 old (> tau), page 2 is 90 (inside the window).
  s.nowPs = 150;
  EXPECT_EQ(p.chooseVictim(s), 1u);
  p.remove(1);
  EXPECT_EQ(p.chooseVictim(s), 3u);
}

TEST(WsClock, OldDirtyPagesAreScheduledForWriteBackAndTheHandMovesOn) {
  WsClockPolicy p(100, 8);
  FakeState s;
  load(p, s, {1, 2, 3});
  s.nowPs = 0;
  p.chooseVictim(s);  // every page seen once (last use 0)
  s.set(1, false, true);
  s.set(2, false, true);
  s.set(3, false, false);
  s.nowPs = 1000;
  s.written.clear();
  EXPECT_EQ(p.chooseVictim(s), 3u) << "the old clean page";
  EXPECT_EQ(s.written, (Pages{1, 2})) << "old dirty pages passed get their write-back";
  p.remove(3);
  // Now 1 and 2 are clean (written back): the next scan takes 1 without writing.
  s.written.clear();
  EXPECT_EQ(p.chooseVictim(s), 1u);
  EXPECT_TRUE(s.written.empty());
}

TEST(WsClock, WriteLimitAndFullTurnFallbacks) {
  WsClockPolicy p(100, 1);
  FakeState s;
  load(p, s, {1, 2, 3});
  p.chooseVictim(s);
  for (uint64_t q : {1, 2, 3}) s.set(q, false, true);
  s.pages[1].writable = false;  // cannot be written back (no swap slot)
  s.nowPs = 1000;
  // 1 cannot be written; 2 is written (the one allowed); 3 waits; after the turn the scheduled
  // page (2) is the victim.
  EXPECT_EQ(p.chooseVictim(s), 2u);
  EXPECT_EQ(s.written, (Pages{2}));
  EXPECT_EQ(p.writesStarted(), 1u);
  // All dirty, none writable, all young: the page under the hand.
  WsClockPolicy q(1000000, 4);
  FakeState t;
  load(q, t, {7, 8});
  q.chooseVictim(t);
  t.set(7, false, true);
  t.set(8, false, true);
  t.pages[7].writable = t.pages[8].writable = false;
  EXPECT_EQ(q.chooseVictim(t), 7u);
}

// --- linux -----------------------------------------------------------------------------------

TEST(Linux, NewPagesEnterTheInactiveHeadAndTheTailGoesFirst) {
  LinuxPolicy p;
  FakeState s;
  load(p, s, {1, 2, 3});
  EXPECT_EQ(p.residents(), (Pages{1, 2, 3})) << "inactive tail first";
  EXPECT_EQ(p.inactiveSize(), 3u);
  EXPECT_EQ(p.chooseVictim(s), 1u);
}

TEST(Linux, ReferencedOnceIsKeptTwiceIsActivated) {
  LinuxPolicy p;
  FakeState s;
  load(p, s, {1, 2, 3});
  s.set(1, true, false);
  // 1 referenced by a PTE, not marked: marked and kept (inactive head); 2 is the victim.
  EXPECT_EQ(p.chooseVictim(s), 2u);
  EXPECT_TRUE(p.markedReferenced(1));
  EXPECT_FALSE(p.active(1));
  EXPECT_EQ(s.cleared, (Pages{1}));
  p.remove(2);
  // 1 referenced again while marked: activated. Order now (tail first): 3, 1.
  s.set(1, true, false);
  s.set(3, true, false);
  // 3: kept (marked); 1: activated; then the inactive list holds 3 alone against 1 active:
  // not low (1 * 1 < 1 is false); 3 is referenced? no, its bit was cleared -> victim.
  EXPECT_EQ(p.chooseVictim(s), 3u);
  EXPECT_TRUE(p.active(1));
  EXPECT_EQ(p.activations(), 1u);
}

TEST(Linux, MarkPageAccessedActivatesOnTheSecondCall) {
  LinuxPolicy p;
  FakeState s;
  load(p, s, {1, 2});
  p.touch(1);
  EXPECT_TRUE(p.markedReferenced(1));
  EXPECT_FALSE(p.active(1));
  p.touch(1);
  EXPECT_TRUE(p.active(1));
  EXPECT_FALSE(p.markedReferenced(1));
}

TEST(Linux, InactiveListRefilledFromTheActiveTailWhenLow) {
  LinuxPolicy p(2);
  FakeState s;
  load(p, s, {1, 2, 3, 4, 5});
  for (uint64_t q : {1, 2, 3, 4}) {
    p.touch(q);
    p.touch(q);  // active
  }
  EXPECT_EQ(p.activeSize(), 4u);
  EXPECT_EQ(p.inactiveSize(), 1u);
  EXPECT_TRUE(p.inactiveIsLow());
  s.set(1, true, false);
  // Low: 2 pages from the active tail (1, then 2; 1's young bit cleared) go to the inactive
  // head; the inactive tail (5) is the victim.
  EXPECT_EQ(p.chooseVictim(s), 5u);
  EXPECT_EQ(p.deactivations(), 2u);
  EXPECT_FALSE(p.active(1));
  EXPECT_FALSE(p.active(2));
  EXPECT_EQ(s.cleared, (Pages{1}));
}

TEST(Linux, InactiveRatioGrowsWithTheSquareRootOfGigabytes) {
  // 10 GiB of pages: ratio int_sqrt(100) = 10, so 1/11 inactive is not low, less is.
  LinuxPolicy p;
  const uint64_t gib = uint64_t{1} << 18;  // pages per GiB
  for (uint64_t i = 0; i < 10 * gib; ++i) p.insert(i);
  for (uint64_t i = 0; i < 10 * gib - 10 * gib / 11 + 2000; ++i) {
    p.touch(i);
    p.touch(i);
  }
  EXPECT_TRUE(p.inactiveIsLow());
  LinuxPolicy q;
  for (uint64_t i = 0; i < 10 * gib; ++i) q.insert(i);
  for (uint64_t i = 0; i < 10 * gib - 10 * gib / 11 - 2000; ++i) {
    q.touch(i);
    q.touch(i);
  }
  EXPECT_FALSE(q.inactiveIsLow());
}

TEST(Linux, ClearLeavesWhatRemovingEveryPageLeaves) {
  // The kernel's exit path clears the policy at once; the pages, lists and later choices must
  // be those of removing each page in residents() order.
  auto build = [](LinuxPolicy& p, FakeState& s) {
    load(p, s, {1, 2, 3, 4, 5, 6});
    p.touch(2);
    p.touch(2);   // active
    p.remove(4);  // a free node
  };
  LinuxPolicy a, b;
  FakeState sa, sb;
  build(a, sa);
  build(b, sb);
  a.clear();
  for (const uint64_t page : b.residents()) b.remove(page);
  for (LinuxPolicy* p : {&a, &b}) {
    EXPECT_EQ(p->size(), 0u);
    EXPECT_EQ(p->activeSize(), 0u);
    EXPECT_EQ(p->inactiveSize(), 0u);
    EXPECT_FALSE(p->contains(2));
    EXPECT_THROW(p->remove(1), std::invalid_argument);
  }
  // Both go on alike: the same pages again, a duplicate rejected, the same victims.
  load(a, sa, {7, 3, 8, 1});
  load(b, sb, {7, 3, 8, 1});
  EXPECT_THROW(a.insert(3), std::invalid_argument);
  EXPECT_THROW(b.insert(3), std::invalid_argument);
  EXPECT_EQ(a.residents(), b.residents());
  EXPECT_EQ(a.residents(), (Pages{7, 3, 8, 1}));
  EXPECT_EQ(a.chooseVictim(sa), b.chooseVictim(sb));
  // The default clear() of other policies removes the pages one by one.
  auto nru = makeKernelPolicy("nru", KernelPolicyOptions{});
  FakeState sf;
  load(*nru, sf, {1, 2, 3});
  nru->clear();
  EXPECT_EQ(nru->size(), 0u);
}

TEST(Linux, InsertOfAResidentPageChangesNothing) {
  LinuxPolicy p;
  FakeState s;
  load(p, s, {1, 2, 3});
  EXPECT_THROW(p.insert(2), std::invalid_argument);
  EXPECT_EQ(p.size(), 3u);
  EXPECT_EQ(p.residents(), (Pages{1, 2, 3}));
  p.insert(4);  // the node the rejected insert would have used is still free
  EXPECT_EQ(p.residents(), (Pages{1, 2, 3, 4}));
  // Many pages: the index grows while it is filled, and every page stays findable.
  LinuxPolicy q;
  for (uint64_t i = 0; i < 5000; ++i) q.insert(i * 4097);
  for (uint64_t i = 0; i < 5000; ++i) ASSERT_TRUE(q.contains(i * 4097)) << i;
  EXPECT_THROW(q.insert(4097), std::invalid_argument);
  EXPECT_EQ(q.size(), 5000u);
}

// --- vms -------------------------------------------------------------------------------------

TEST(Vms, FifoWithinTheResidentLimitOfEachProcess) {
  VmsPolicy p(2);
  const uint64_t a1 = makePageKey(1, 10), a2 = makePageKey(1, 11), a3 = makePageKey(1, 12);
  const uint64_t b1 = makePageKey(2, 10);
  p.insert(a1);
  EXPECT_FALSE(p.localVictim(1).has_value()) << "below its limit";
  p.insert(b1);
  p.insert(a2);
  p.touch(a1);  // FIFO: uses change nothing
  ASSERT_TRUE(p.localVictim(1).has_value());
  EXPECT_EQ(*p.localVictim(1), a1);
  EXPECT_FALSE(p.localVictim(2).has_value());
  p.remove(a1);
  p.insert(a3);
  EXPECT_EQ(*p.localVictim(1), a2);
  EXPECT_EQ(p.residents(), (Pages{a2, a3, b1}));
}

TEST(Vms, GlobalVictimTrimsTheLargestProcess) {
  VmsPolicy p(0);  // no limit
  for (uint64_t v = 0; v < 3; ++v) p.insert(makePageKey(2, v));
  p.insert(makePageKey(1, 5));
  EXPECT_FALSE(p.localVictim(2).has_value());
  EXPECT_EQ(p.chooseVictim(), makePageKey(2, 0));
  EXPECT_TRUE(p.keepsEvictedPages());
  EXPECT_FALSE(p.secondChanceByDefault());
  p.spare(makePageKey(2, 0));
  EXPECT_EQ(p.chooseVictim(), makePageKey(2, 1));
}

// --- opt -------------------------------------------------------------------------------------

TEST(KernelOpt, EvictsThePageUsedFurthestAhead) {
  KernelOptPolicy p;
  // Process 1's trace: pages 1 2 3 1 2 4 1 ...
  const Pages trace{1, 2, 3, 1, 2, 4, 1, 3};
  uint64_t issued = 0;
  p.setFuture(1, trace, [&] { return issued; });
  auto key = [](uint64_t v) { return makePageKey(1, v); };
  issued = 1;
  p.insert(key(1));
  issued = 2;
  p.insert(key(2));
  issued = 3;
  p.insert(key(3));
  EXPECT_EQ(p.nextUse(key(1)), 3u);
  EXPECT_EQ(p.nextUse(key(3)), 7u);
  // Access 5 (page 4) faults after 1 and 2 were used again (accesses 3, 4 hit).
  issued = 6;
  // Next uses after position 6: page 1 at 6, page 2 never, page 3 at 7.
  EXPECT_EQ(p.chooseVictim(), key(2));
  p.remove(key(2));
  p.insert(key(4));
  EXPECT_EQ(p.nextUse(key(4)), KernelOptPolicy::kNever);
  EXPECT_EQ(p.nextUse(key(1)), 6u);
}

TEST(KernelOpt, AUseStillInFlightIsAheadNotPast) {
  KernelOptPolicy p;
  // Pages 1 and 2; accesses 0..5: 1 2 9 1 2 2. Accesses 0-4 issued, 0-2 completed: the use
  // of page 1 at 3 and of page 2 at 4 are in flight.
  uint64_t completed = 2;
  p.setFuture(1, {1, 2, 9, 1, 2, 2}, [&] { return completed; });
  p.insert(makePageKey(1, 1));
  p.insert(makePageKey(1, 2));
  completed = 3;
  // Page 1 next at 3 (in flight: 0 ahead), page 2 next at 4: page 2 is the victim. Counting
  // the in-flight uses as done would see page 1 never used again and evict it.
  EXPECT_EQ(p.chooseVictim(), makePageKey(1, 2));
}

TEST(KernelOpt, ComparesProcessesByDistanceFromTheirOwnPosition) {
  KernelOptPolicy p;
  uint64_t i1 = 0, i2 = 0;
  p.setFuture(1, {5, 6, 5, 6, 5, 6, 5, 6}, [&] { return i1; });
  p.setFuture(2, {9, 9, 9, 9, 9, 9, 7, 9}, [&] { return i2; });
  i1 = 2;
  p.insert(makePageKey(1, 5));
  p.insert(makePageKey(1, 6));
  i2 = 1;
  p.insert(makePageKey(2, 9));
  p.insert(makePageKey(2, 7));  // (a prefetch-like insert before its first use)
  // Process 1 at 2: page 5 next at 2 (0 ahead), page 6 at 3 (1 ahead). Process 2 at 1: page 9
  // next at 1, page 7 at 6 (5 ahead): the furthest.
  EXPECT_EQ(p.chooseVictim(), makePageKey(2, 7));
  EXPECT_THROW(p.insert(makePageKey(3, 1)), std::logic_error);
}

TEST(KernelPolicies, FactoryNamesAndStatelessCallsAreErrors) {
  EXPECT_EQ(kernelPolicyNames(), (std::vector<std::string>{"nru", "wsclock", "vms", "linux"}));
  KernelPolicyOptions o;
  for (const auto& n : kernelPolicyNames()) {
    auto p = makeKernelPolicy(n, o);
    EXPECT_EQ(p->name(), n);
    EXPECT_FALSE(p->secondChanceByDefault()) << n;
    p->insert(makePageKey(1, 1));
    if (p->readsPageState()) {
      EXPECT_THROW(p->chooseVictim(), std::logic_error) << n;
    }
  }
  EXPECT_THROW(makeKernelPolicy("lfu", o), std::invalid_argument);
}

}  // namespace
