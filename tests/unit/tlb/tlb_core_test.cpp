// Rules of the TLB array without SystemC: tags, ASIDs, page sizes, replacement, invalidation.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "vmsim/tlb/tlb_core.h"

using vmsim::tlb::TlbCore;
using vmsim::tlb::TlbEntry;

namespace {
TlbEntry entry(vmsim::Asid asid, uint64_t va, uint64_t pa, unsigned shift = 12) {
  TlbEntry e;
  e.asid = asid;
  e.shift = static_cast<uint8_t>(shift);
  e.vpn = va >> shift;
  e.frame = pa >> shift;
  return e;
}
}  // namespace

TEST(TlbCore, MissThenHitAfterInsert) {
  TlbCore t(16, 4, {12}, "lru");
  EXPECT_EQ(t.lookup(1, 0x5000), nullptr);
  t.insert(entry(1, 0x5000, 0x9000));
  const TlbEntry* e = t.lookup(1, 0x5abc);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->frame, 0x9u);
  EXPECT_EQ(t.lookup(1, 0x6000), nullptr);
}

TEST(TlbCore, AsidsAreIsolatedUnlessGlobal) {
  TlbCore t(16, 4, {12}, "lru");
  t.insert(entry(1, 0x5000, 0x9000));
  EXPECT_EQ(t.lookup(2, 0x5000), nullptr);
  TlbEntry g = entry(1, 0x7000, 0xa000);
  g.global = true;
  t.insert(g);
  EXPECT_NE(t.lookup(2, 0x7000), nullptr);
}

TEST(TlbCore, MixedPageSizesShareTheArray) {
  TlbCore t(32, 4, {12, 21}, "lru");
  t.insert(entry(1, 0x40000000, 0x80000000, 21));
  const TlbEntry* e = t.lookup(1, 0x401fffff);  // last byte of the 2 MiB page
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->shift, 21);
  EXPECT_EQ(t.lookup(1, 0x40200000), nullptr);
  // A size the TLB does not hold is not inserted.
  TlbCore small(16, 4, {12}, "lru");
  EXPECT_FALSE(small.insert(entry(1, 0x40000000, 0x80000000, 21)));
  EXPECT_EQ(small.lookup(1, 0x40000000), nullptr);
}

TEST(TlbCore, LruEvictsLeastRecentlyUsedWay) {
  TlbCore t(4, 4, {12}, "lru");  // one set, four ways
  for (uint64_t p = 0; p < 4; ++p) t.insert(entry(1, p << 12, p << 12));
  ASSERT_NE(t.lookup(1, 0x0000), nullptr);  // page 0 becomes most recent; page 1 is LRU
  EXPECT_TRUE(t.insert(entry(1, 4 << 12, 4 << 12)));
  EXPECT_EQ(t.lookup(1, 1 << 12), nullptr);
  EXPECT_NE(t.lookup(1, 0), nullptr);
  EXPECT_NE(t.lookup(1, 4 << 12), nullptr);
}

TEST(TlbCore, FifoIgnoresHits) {
  TlbCore t(4, 4, {12}, "fifo");
  for (uint64_t p = 0; p < 4; ++p) t.insert(entry(1, p << 12, p << 12));
  ASSERT_NE(t.lookup(1, 0), nullptr);
  t.insert(entry(1, 4 << 12, 4 << 12));
  EXPECT_EQ(t.lookup(1, 0), nullptr);  // oldest fill goes first even though it was just hit
  EXPECT_NE(t.lookup(1, 1 << 12), nullptr);
}

// Issue 7 item 3: setting the dirty bit of the next FIFO victim rewrote it as a new fill and
// moved the pointer, so the next miss evicted the second-oldest entry instead.
TEST(TlbCore, FifoUpdateOfTheNextVictimKeepsTheInsertionOrder) {
  TlbCore t(4, 4, {12}, "fifo");
  for (uint64_t p = 0; p < 4; ++p) EXPECT_FALSE(t.insert(entry(1, p << 12, p << 12)));
  TlbEntry dirtyA = entry(1, 0, 0);
  dirtyA.dirty = true;
  EXPECT_FALSE(t.insert(dirtyA));  // an update, not a replacement
  ASSERT_NE(t.lookup(1, 0), nullptr);
  EXPECT_TRUE(t.lookup(1, 0)->dirty);
  EXPECT_TRUE(t.insert(entry(1, 4 << 12, 4 << 12)));
  EXPECT_EQ(t.lookup(1, 0), nullptr);  // A, the oldest fill, went first
  for (uint64_t p = 1; p < 5; ++p) EXPECT_NE(t.lookup(1, p << 12), nullptr) << p;
  // The next victim is now B (the pointer moved by exactly one fill).
  EXPECT_TRUE(t.insert(entry(1, 5 << 12, 5 << 12)));
  EXPECT_EQ(t.lookup(1, 1 << 12), nullptr);
  EXPECT_NE(t.lookup(1, 2 << 12), nullptr);
}

// For LRU and PLRU an update is a use of the entry (documented in tlb_core.h): it becomes the
// most recently used, as the lookup that preceded it already made it.
TEST(TlbCore, LruAndPlruUpdateCountsAsATouch) {
  for (const char* policy : {"lru", "plru"}) {
    TlbCore t(4, 4, {12}, policy);
    for (uint64_t p = 0; p < 4; ++p) t.insert(entry(1, p << 12, p << 12));
    TlbEntry dirtyA = entry(1, 0, 0);
    dirtyA.dirty = true;
    EXPECT_FALSE(t.insert(dirtyA)) << policy;
    EXPECT_TRUE(t.insert(entry(1, 4 << 12, 4 << 12))) << policy;
    EXPECT_NE(t.lookup(1, 0), nullptr) << policy << ": the updated entry was evicted";
    // LRU: B is now the least recently used. Tree PLRU: the touch of way 0 turned the root
    // toward ways 2-3, whose node points at way 2 (C, older than D).
    EXPECT_EQ(t.lookup(1, (std::string(policy) == "lru" ? 1 : 2) << 12), nullptr) << policy;
  }
}

TEST(TlbCore, TreePlruEvictsAwayFromRecentHalf) {
  TlbCore t(4, 4, {12}, "plru");
  for (uint64_t p = 0; p < 4; ++p) t.insert(entry(1, p << 12, p << 12));
  // Fill order 0,1,2,3 leaves the tree pointing at way 0; touching 0 moves it to way 2's side.
  ASSERT_NE(t.lookup(1, 0), nullptr);
  t.insert(entry(1, 4 << 12, 4 << 12));
  EXPECT_NE(t.lookup(1, 0), nullptr);
  EXPECT_EQ(t.lookup(1, 2 << 12), nullptr);
}

TEST(TlbCore, SetIndexUsesLowVpnBits) {
  TlbCore t(8, 2, {12}, "lru");  // 4 sets
  // Pages 0, 4, 8 map to set 0: the third evicts the first; page 1 (set 1) is unaffected.
  t.insert(entry(1, 0 << 12, 0));
  t.insert(entry(1, 1 << 12, 0));
  t.insert(entry(1, 4 << 12, 0));
  t.insert(entry(1, 8 << 12, 0));
  EXPECT_EQ(t.lookup(1, 0), nullptr);
  EXPECT_NE(t.lookup(1, 1 << 12), nullptr);
}

TEST(TlbCore, InvalidatePageAndAsid) {
  TlbCore t(16, 4, {12, 21}, "lru");
  t.insert(entry(1, 0x5000, 0x9000));
  t.insert(entry(1, 0x200000, 0x400000, 21));
  t.insert(entry(2, 0x5000, 0xa000));
  EXPECT_EQ(t.invalidatePage(1, 0x5000), 1u);
  EXPECT_EQ(t.lookup(1, 0x5000), nullptr);
  EXPECT_NE(t.lookup(2, 0x5000), nullptr);
  EXPECT_EQ(t.invalidatePage(1, 0x2abcde), 1u);  // any address inside the 2 MiB page
  EXPECT_EQ(t.invalidateAsid(2), 1u);
  EXPECT_EQ(t.lookup(2, 0x5000), nullptr);
}

TEST(TlbCore, ReinsertRefreshesInsteadOfDuplicating) {
  TlbCore t(4, 4, {12}, "lru");
  t.insert(entry(1, 0x1000, 0x1000));
  t.insert(entry(1, 0x1000, 0x2000));
  EXPECT_EQ(t.lookup(1, 0x1000)->frame, 2u);
  EXPECT_EQ(t.invalidatePage(1, 0x1000), 1u);
}

TEST(TlbCore, BadGeometryAndPolicyAreErrors) {
  EXPECT_THROW(TlbCore(10, 4, {12}, "lru"), std::invalid_argument);
  EXPECT_THROW(TlbCore(16, 4, {}, "lru"), std::invalid_argument);
  try {
    TlbCore(16, 4, {12}, "lfu");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("lru, fifo, random, plru"), std::string::npos);
  }
  EXPECT_THROW(TlbCore(12, 3, {12}, "plru"), std::invalid_argument);
}

TEST(TlbCore, RandomReplacementIsDeterministicPerSeed) {
  auto run = [](uint64_t seed) {
    TlbCore t(4, 4, {12}, "random", seed);
    std::string hits;
    for (uint64_t p = 0; p < 40; ++p) {
      t.insert(entry(1, p << 12, 0));
      hits += t.lookup(1, (p / 2) << 12) ? '1' : '0';
    }
    return hits;
  };
  EXPECT_EQ(run(7), run(7));
}

TEST(TlbCore, InsertReportsTheVictimAndRemoveDropsExactlyOnePage) {
  TlbCore t(2, 2, {12, 21}, "lru");  // one set of two ways
  t.insert(entry(1, 0x1000, 0x9000));
  t.insert(entry(1, 0x2000, 0xa000));
  TlbEntry victim;
  EXPECT_TRUE(t.insert(entry(1, 0x3000, 0xb000), &victim));
  EXPECT_EQ(victim.vpn, 0x1u);
  EXPECT_EQ(victim.frame, 0x9u);
  EXPECT_FALSE(t.remove(entry(2, 0x2000, 0)));   // another ASID's page
  EXPECT_FALSE(t.remove(entry(1, 0x0, 0, 21)));  // another size
  EXPECT_TRUE(t.remove(entry(1, 0x2000, 0)));
  EXPECT_EQ(t.lookup(1, 0x2000), nullptr);
  EXPECT_NE(t.lookup(1, 0x3000), nullptr);
}

TEST(TlbCore, NonGlobalFlushKeepsGlobalEntriesAllFlushDropsThem) {
  TlbCore t(16, 4, {12}, "lru");
  TlbEntry g = entry(1, 0x7000, 0xa000);
  g.global = true;
  t.insert(g);
  t.insert(entry(1, 0x5000, 0x9000));
  t.insert(entry(2, 0x6000, 0x8000));
  EXPECT_EQ(t.invalidateAsid(1), 1u);  // the global entry is no ASID's
  EXPECT_EQ(t.invalidateNonGlobal(), 1u);
  EXPECT_EQ(t.validEntries(), 1u);
  EXPECT_NE(t.lookup(9, 0x7000), nullptr);
  EXPECT_EQ(t.invalidateAll(), 1u);
  EXPECT_EQ(t.lookup(9, 0x7000), nullptr);
}

TEST(TlbCore, AGlobalRefillFromAnotherAsidUpdatesTheEntryInPlace) {
  TlbCore t(4, 4, {12}, "lru");
  TlbEntry g = entry(1, 0x7000, 0xa000);
  g.global = true;
  t.insert(g);
  g.asid = 2;
  g.dirty = true;
  EXPECT_FALSE(t.insert(g));
  EXPECT_EQ(t.validEntries(), 1u);
  EXPECT_TRUE(t.lookup(3, 0x7000)->dirty);
}

// The probe and fill look at a filter of per-way keys first (tlb_core.h): pages whose keys are
// equal but which differ are still told apart, and the keys follow every fill and invalidation.
TEST(TlbCore, PagesWithEqualFilterKeysStayDistinct) {
  TlbCore t(16, 4, {12}, "lru");
  TlbEntry a = entry(1, 0x5000, 0x9000);
  TlbEntry b = a;
  b.vpn = a.vpn + (uint64_t{1} << 58);  // the key keeps 57 bits of the vpn: same key, same set
  b.frame = 0x77;
  EXPECT_FALSE(t.insert(a));
  EXPECT_FALSE(t.insert(b));
  EXPECT_EQ(t.validEntries(), 2u);  // b did not update a in place
  const TlbEntry* e = t.lookup(1, 0x5000);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->frame, 0x9u);
  EXPECT_TRUE(t.remove(b));
  EXPECT_EQ(t.validEntries(), 1u);
  ASSERT_NE(t.lookup(1, 0x5000), nullptr);
}

TEST(TlbCore, LookupsFollowRandomFillsAndInvalidations) {
  TlbCore t(64, 4, {12, 21}, "lru");
  uint64_t h = 7;
  auto next = [&h] {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    return h >> 33;
  };
  for (int i = 0; i < 20000; ++i) {
    const uint64_t op = next() % 16;
    const vmsim::Asid asid = static_cast<vmsim::Asid>(next() % 3);
    const unsigned shift = next() % 4 ? 12 : 21;
    const uint64_t va = (next() % 512) << 12;
    if (op < 9) {
      TlbEntry e = entry(asid, va, (next() % 4096) << shift, shift);
      e.global = next() % 8 == 0;
      t.insert(e);
      const TlbEntry* f = t.lookup(asid, va);
      ASSERT_NE(f, nullptr) << i;  // what was just filled is found (or another entry of va)
      EXPECT_EQ(f->vpn, va >> f->shift) << i;
      EXPECT_TRUE(f->global || f->asid == asid) << i;
      // An entry of this ASID for this page and size is the one just filled (in place).
      if (f->asid == asid && f->shift == shift) {
        EXPECT_EQ(f->frame, e.frame) << i;
      }
    } else if (op < 12) {
      t.invalidatePage(asid, va);
      EXPECT_EQ(t.lookup(asid, va), nullptr) << i;  // every size of that page is gone
    } else if (op == 12) {
      t.invalidateAsid(asid);
    } else if (op == 13) {
      t.invalidateNonGlobal();
    } else if (op == 14 && next() % 8 == 0) {
      t.invalidateAll();
      EXPECT_EQ(t.validEntries(), 0u);
      EXPECT_EQ(t.lookup(asid, va), nullptr);
    } else if (const TlbEntry* f = t.lookup(asid, va)) {
      // A hit is a valid entry of this page, in this address space or global.
      EXPECT_TRUE(f->valid);
      EXPECT_EQ(f->vpn, va >> f->shift);
      EXPECT_TRUE(f->global || f->asid == asid);
    }
  }
}

namespace {
// The array's rules in their plainest form (every way of every size scanned, no key filter,
// counts or memo), with the same replacement policy objects: TlbCore must agree with it on
// every lookup, fill, victim and invalidation.
class ReferenceTlb {
 public:
  ReferenceTlb(size_t entries, unsigned ways, std::vector<unsigned> shifts,
               const std::string& policy)
      : sets_(entries / ways),
        ways_(ways),
        shifts_(std::move(shifts)),
        e_(entries),
        repl_(vmsim::tlb::makeSetReplacement(policy, entries / ways, ways, 1)) {}
  const TlbEntry* lookup(vmsim::Asid asid, uint64_t va) {
    for (unsigned s : shifts_) {
      const uint64_t vpn = va >> s;
      const size_t set = vpn % sets_;
      for (unsigned w = 0; w < ways_; ++w) {
        const TlbEntry& e = e_[set * ways_ + w];
        if (e.valid && e.vpn == vpn && e.shift == s && (e.global || e.asid == asid)) {
          repl_->touch(set, w);
          return &e;
        }
      }
    }
    return nullptr;
  }
  bool insert(const TlbEntry& in, TlbEntry* victim) {
    if (std::find(shifts_.begin(), shifts_.end(), in.shift) == shifts_.end()) return false;
    const size_t set = in.vpn % sets_;
    for (unsigned w = 0; w < ways_; ++w) {
      TlbEntry& e = e_[set * ways_ + w];
      if (e.valid && e.vpn == in.vpn && e.shift == in.shift &&
          (e.asid == in.asid || (e.global && in.global))) {
        e = in;
        e.valid = true;
        repl_->touch(set, w);
        return false;
      }
    }
    unsigned target = ways_;
    for (unsigned w = 0; w < ways_ && target == ways_; ++w) {
      if (!e_[set * ways_ + w].valid) target = w;
    }
    const bool evicted = target == ways_;
    if (evicted) {
      target = repl_->victim(set);
      *victim = e_[set * ways_ + target];
    }
    e_[set * ways_ + target] = in;
    e_[set * ways_ + target].valid = true;
    repl_->filled(set, target);
    return evicted;
  }
  size_t invalidatePage(vmsim::Asid asid, uint64_t va) {
    size_t n = 0;
    for (unsigned s : shifts_) {
      const uint64_t vpn = va >> s;
      const size_t set = vpn % sets_;
      for (unsigned w = 0; w < ways_; ++w) {
        TlbEntry& e = e_[set * ways_ + w];
        if (e.valid && e.vpn == vpn && e.shift == s && (e.global || e.asid == asid)) {
          e.valid = false;
          ++n;
        }
      }
    }
    return n;
  }
  size_t invalidateAsid(vmsim::Asid asid) {
    size_t n = 0;
    for (auto& e : e_) {
      if (e.valid && !e.global && e.asid == asid) {
        e.valid = false;
        ++n;
      }
    }
    return n;
  }
  size_t validEntries() const {
    return static_cast<size_t>(
        std::count_if(e_.begin(), e_.end(), [](const TlbEntry& e) { return e.valid; }));
  }

 private:
  size_t sets_;
  unsigned ways_;
  std::vector<unsigned> shifts_;
  std::vector<TlbEntry> e_;
  std::unique_ptr<vmsim::tlb::SetReplacement> repl_;
};

bool sameEntry(const TlbEntry* a, const TlbEntry* b) {
  if (!a || !b) return a == b;
  return a->vpn == b->vpn && a->shift == b->shift && a->frame == b->frame && a->asid == b->asid &&
         a->global == b->global && a->dirty == b->dirty;
}

// Fills `e` (random G and D bits from `next`) into both; they must agree on the eviction and the
// victim.
template <class Next>
::testing::AssertionResult sameFill(TlbCore& t, ReferenceTlb& r, TlbEntry e, Next& next) {
  e.global = next() % 8 == 0;
  e.dirty = next() % 2 == 0;
  TlbEntry vt, vr;
  const bool evicted = t.insert(e, &vt);
  if (evicted != r.insert(e, &vr)) return ::testing::AssertionFailure() << "eviction differs";
  if (evicted && !sameEntry(&vt, &vr)) return ::testing::AssertionFailure() << "victim differs";
  return ::testing::AssertionSuccess();
}
}  // namespace

// The per-size entry counts (a size with no entry is not probed, an empty array not at all),
// the one-pass fill and LRU's victim search change how much the host works, not what the array
// does: over random fills, lookups and invalidations of mixed sizes, in arrays where superpage
// entries come and go, every answer is the plain reference's.
TEST(TlbCore, AgreesWithThePlainReferenceOverRandomOperations) {
  struct Shape {
    size_t entries;
    unsigned ways;
    std::vector<unsigned> shifts;
  };
  // LRU up to 16 ways keeps a per-set order of the ways, above that use stamps: both are here
  // (16 and 20 ways).
  const Shape shapes[] = {{64, 4, {12, 21}}, {48, 12, {12, 21}}, {4, 4, {30}},
                          {24, 6, {21, 12}}, {64, 16, {12, 21}}, {40, 20, {12}}};
  for (const char* policy : {"lru", "fifo", "random", "plru"}) {
    for (const Shape& sh : shapes) {
      if (std::string(policy) == "plru" && (sh.ways & (sh.ways - 1))) continue;
      TlbCore t(sh.entries, sh.ways, sh.shifts, policy);
      ReferenceTlb r(sh.entries, sh.ways, sh.shifts, policy);
      uint64_t h = 11;
      auto next = [&h] {
        h = h * 6364136223846793005ull + 1442695040888963407ull;
        return h >> 33;
      };
      const std::string where =
          std::string(policy) + " " + std::to_string(sh.entries) + "/" + std::to_string(sh.ways);
      for (int i = 0; i < 20000; ++i) {
        const uint64_t op = next() % 16;
        const vmsim::Asid asid = static_cast<vmsim::Asid>(next() % 3);
        // Superpages in phases: some stretches fill none, so their counts drop to zero.
        const bool superpages = (i / 2000) % 2 == 1;
        const unsigned shift = sh.shifts[superpages ? next() % sh.shifts.size() : 0];
        const uint64_t va = (next() % 2048) << 12;
        if (op < 7) {
          ASSERT_TRUE(sameFill(t, r, entry(asid, va, (next() % 4096) << shift, shift), next))
              << where << " " << i;
        } else if (op < 12) {
          ASSERT_TRUE(sameEntry(t.lookup(asid, va), r.lookup(asid, va))) << where << " " << i;
        } else if (op < 14) {
          ASSERT_EQ(t.invalidatePage(asid, va), r.invalidatePage(asid, va)) << where << " " << i;
        } else if (op == 14 && next() % 4 == 0) {
          ASSERT_EQ(t.invalidateAsid(asid), r.invalidateAsid(asid)) << where << " " << i;
        } else {
          // peek() does not touch: the reference's lookup does, and the lookups that follow
          // touch the same way again in both (a second touch of a way changes no order).
          ASSERT_TRUE(sameEntry(t.peek(asid, va), r.lookup(asid, va))) << where << " " << i;
          ASSERT_TRUE(sameEntry(t.lookup(asid, va), r.lookup(asid, va))) << where << " " << i;
        }
        ASSERT_EQ(t.validEntries(), r.validEntries()) << where << " " << i;
      }
    }
  }
}

// An owner of several arrays sums their valid entries in one counter (shareCount) and skips
// probing them while it is 0: the sum follows every fill, eviction and invalidation.
TEST(TlbCore, ASharedCountFollowsTheValidEntriesOfEveryArraySharingIt) {
  TlbCore a(4, 4, {21}, "lru"), b(4, 2, {30}, "lru");
  a.insert(entry(1, 0x200000, 0x400000, 21));
  size_t shared = 0;
  a.shareCount(&shared);
  b.shareCount(&shared);
  EXPECT_EQ(shared, 1u);  // what `a` held already is added
  for (uint64_t p = 0; p < 6; ++p) b.insert(entry(1, p << 30, p << 30, 30));  // 2 sets x 2 ways
  EXPECT_EQ(shared, 5u);                                                      // 1 + 4 (2 evicted)
  EXPECT_EQ(b.invalidatePage(1, 4ull << 30), 1u);
  EXPECT_EQ(shared, 4u);
  TlbEntry g = entry(2, 0x400000, 0, 21);
  g.global = true;
  a.insert(g);
  EXPECT_EQ(a.invalidateNonGlobal(), 1u);
  EXPECT_EQ(shared, 4u);
  EXPECT_EQ(a.invalidateAll(), 1u);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(b.invalidateAsid(1), 3u);
  EXPECT_EQ(shared, 0u);
  EXPECT_TRUE(b.empty());
}

// The miss memo (a repeated lookup that missed with no fill since misses again without a
// probe) and the fill after a miss (no search for the page's entry, nor for an invalid way in a
// full set) change no answer: lookups that miss are repeated and followed by fills of their
// page, of every size, global or not, in another ASID, with invalidations in between.
TEST(TlbCore, MissThenFillAgreesWithThePlainReference) {
  for (const char* policy : {"lru", "fifo", "random", "plru"}) {
    for (unsigned ways : {4u, 12u}) {
      if (std::string(policy) == "plru" && ways == 12) continue;
      TlbCore t(ways * 4, ways, {12, 21}, policy);
      ReferenceTlb r(ways * 4, ways, {12, 21}, policy);
      uint64_t h = 5;
      auto next = [&h] {
        h = h * 6364136223846793005ull + 1442695040888963407ull;
        return h >> 33;
      };
      const std::string where = std::string(policy) + " " + std::to_string(ways);
      for (int i = 0; i < 20000; ++i) {
        const vmsim::Asid asid = static_cast<vmsim::Asid>(next() % 3);
        const uint64_t va = (next() % 512) << 12 | (next() % 4096);
        ASSERT_TRUE(sameEntry(t.lookup(asid, va), r.lookup(asid, va))) << where << " " << i;
        const uint64_t op = next() % 8;
        if (op == 0) {
          ASSERT_TRUE(sameEntry(t.lookup(asid, va), r.lookup(asid, va))) << where << " " << i;
        } else if (op == 1) {
          ASSERT_EQ(t.invalidatePage(asid, va), r.invalidatePage(asid, va)) << where << " " << i;
          ASSERT_TRUE(sameEntry(t.lookup(asid, va), r.lookup(asid, va))) << where << " " << i;
        }
        if (op < 6) {
          // The fill of the page missed (or of a page in another ASID, sometimes global).
          const vmsim::Asid fillAsid = op == 5 ? static_cast<vmsim::Asid>(next() % 3) : asid;
          const unsigned shift = next() % 4 == 0 ? 21 : 12;
          const uint64_t page = va & ~((uint64_t{1} << shift) - 1);
          ASSERT_TRUE(sameFill(t, r, entry(fillAsid, page, (next() % 4096) << shift, shift), next))
              << where << " " << i;
          ASSERT_TRUE(sameEntry(t.lookup(asid, va), r.lookup(asid, va))) << where << " " << i;
        }
        ASSERT_EQ(t.validEntries(), r.validEntries()) << where << " " << i;
      }
    }
  }
}
