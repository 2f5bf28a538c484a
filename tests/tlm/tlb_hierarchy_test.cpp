// TLB structure rules through the sockets (docs/tlb.md): levels and their fill (inclusive,
// exclusive with victims moving down), per-page-size arrays, global entries and the four
// invalidation kinds with their costs, the lookups-per-cycle bound, and MSHRs (bound and merge)
// in LT and AT. A scripted resolver stands in for the walker: it maps every page at a fixed
// offset, 2 MiB pages above 1 GiB, global pages in [0x7000, 0x8000), after `latency`.
#include <gtest/gtest.h>

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <algorithm>
#include <memory>

#include "vmsim/tlb/tlb.h"

using namespace vmsim;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

constexpr uint64_t kOffset = 0x100000000ull;

class Resolver : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Resolver> tsock{"tsock"};
  sc_time latency{100, SC_NS};
  unsigned calls = 0;
  std::vector<unsigned> callsFrom = std::vector<unsigned>(4, 0);
  explicit Resolver(const sc_core::sc_module_name& nm) : sc_module(nm) {
    tsock.register_b_transport(this, &Resolver::b_transport);
  }
  void b_transport(int from, tlm::tlm_generic_payload& gp, sc_time& delay) {
    auto* x = gp.get_extension<TranslationExt>();
    ++calls;
    ++callsFrom[static_cast<size_t>(from)];
    const uint64_t va = x->va.value();
    x->pageShift = va >= (uint64_t{1} << 30) ? 21 : 12;
    x->pa = PhysAddr(va + kOffset);
    x->global = va >= 0x7000 && va < 0x8000;
    x->dirty = true;
    x->perms = Perms{};
    x->fault = FaultKind::None;
    x->resolvedLevel = 0xff;
    if (x->mayWait) {
      sc_core::wait(delay + latency);
      delay = sc_core::SC_ZERO_TIME;
    } else {
      delay += latency;
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// One requester thread: translates `va` at `start` (after waiting), records the completion time
// (LT: now + annotated delay; AT with mayWait: after the calls return and the delay passed).
class Asker : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Asker> isock{"isock"};
  struct Q {
    sc_time start;
    uint64_t va;
    Asid asid = 1;
    bool at = false;
  };
  std::vector<Q> questions;
  std::vector<TranslationExt> answers;
  std::vector<sc_time> done;
  SC_HAS_PROCESS(Asker);
  explicit Asker(const sc_core::sc_module_name& nm) : sc_module(nm) { SC_THREAD(run); }
  void run() {
    for (const auto& q : questions) {
      if (q.start > sc_core::sc_time_stamp()) sc_core::wait(q.start - sc_core::sc_time_stamp());
      tlm::tlm_generic_payload gp;
      TranslationExt x;
      x.va = VirtAddr(q.va);
      x.asid = q.asid;
      x.mayWait = q.at;
      gp.set_extension(&x);
      gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_time d = sc_core::SC_ZERO_TIME;
      isock->b_transport(gp, d);
      done.push_back(sc_core::sc_time_stamp() + d);
      gp.clear_extension(&x);
      answers.push_back(x);
    }
  }
};

struct Rig {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  std::unique_ptr<tlb::Tlb> l1, l2;
  Resolver resolver{"resolver"};
  std::vector<std::unique_ptr<Asker>> askers;

  // `yaml` configures l1 (and l2 when `twoLevels`); `askerCount` requesters enter l1.
  Rig(const std::string& yaml, bool twoLevels, unsigned askerCount = 1) {
    cfg.loadString(yaml);
    tlb::TlbDefaults d;
    d.entries = 16;
    d.ways = 4;
    l1 = std::make_unique<tlb::Tlb>("l1", ctx, 1, d);
    if (twoLevels) {
      tlb::TlbDefaults d2;
      d2.entries = 64;
      d2.ways = 4;
      d2.latency = 9;
      l2 = std::make_unique<tlb::Tlb>("l2", ctx, 2, d2);
      l2->bindUpstream(l1->next, 0, l1->exclusive());
      l1->setLowerLevel(l2.get());
      l2->next.bind(resolver.tsock);
    } else {
      l1->next.bind(resolver.tsock);
    }
    for (unsigned i = 0; i < askerCount; ++i) {
      askers.push_back(std::make_unique<Asker>(("asker" + std::to_string(i)).c_str()));
      l1->bindUpstream(askers.back()->isock);
    }
    cfg.finalize();
  }
  double stat(const std::string& n) {
    for (const auto& s : reg.all()) {
      if (s->name() == n) {
        if (auto* sc = dynamic_cast<const stats::Scalar*>(s.get())) return sc->value();
      }
    }
    ADD_FAILURE() << "no stat " << n;
    return -1;
  }
  double vec(const std::string& n, size_t i) {
    for (const auto& s : reg.all()) {
      if (s->name() == n) {
        if (auto* v = dynamic_cast<const stats::Vector*>(s.get())) return v->at(i);
      }
    }
    ADD_FAILURE() << "no stat " << n;
    return -1;
  }
};

sc_time ns(double v) {
  return sc_time(v, SC_NS);
}

}  // namespace

TEST(TlbHierarchy, InclusiveLevelsFillOnTheWayBackAndHitAtTheirLatency) {
  Rig r("l1: {latency: 1, clock: 1GHz}\nl2: {latency: 9, clock: 1GHz}\n", true);
  auto& a = *r.askers[0];
  a.questions = {{ns(0), 0x5000}, {ns(1000), 0x5008}};
  sc_core::sc_start();
  ASSERT_EQ(a.answers.size(), 2u);
  EXPECT_EQ(a.answers[0].pa.value(), 0x5000 + kOffset);
  EXPECT_EQ(a.answers[0].resolvedLevel, 0xff);
  EXPECT_EQ(a.done[0], ns(1 + 9 + 100));  // both lookups, then the walk
  EXPECT_EQ(a.answers[1].resolvedLevel, 1);
  EXPECT_EQ(a.done[1], ns(1000 + 1));
  EXPECT_EQ(r.l1->core().validEntries(), 1u);
  EXPECT_EQ(r.l2->core().validEntries(), 1u);  // inclusive: both levels hold it
  EXPECT_EQ(r.resolver.calls, 1u);
}

TEST(TlbHierarchy, LookupLatencyIsTheOlderNameOfLatency) {
  Rig r("l1: {lookup_latency: 3, clock: 1GHz}\n", false);
  r.askers[0]->questions = {{ns(0), 0x5000}, {ns(500), 0x5000}};
  sc_core::sc_start();
  EXPECT_EQ(r.askers[0]->done[1], ns(503));
}

TEST(TlbHierarchy, SettingLatencyAndLookupLatencyIsAConfigError) {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  cfg.loadString("l1: {lookup_latency: 3, latency: 2}\n");
  tlb::Tlb t("l1", ctx, 1);
  try {
    cfg.finalize();
    FAIL() << "expected a config error";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_NE(e.problems()[0].find("l1.lookup_latency"), std::string::npos) << e.problems()[0];
  }
}

TEST(TlbHierarchy, PerSizeArraysHoldTheirOwnSizesAndAreProbedTogether) {
  Rig r(
      "l1:\n  latency: 2\n  clock: 1GHz\n  arrays:\n"
      "    small: {entries: 4, ways: 4, page_sizes: [4KiB]}\n"
      "    large: {entries: 2, ways: 2, page_sizes: [2MiB]}\n",
      false);
  auto& a = *r.askers[0];
  const uint64_t huge = uint64_t{1} << 30;
  a.questions = {{ns(0), huge}};
  for (unsigned i = 0; i < 5; ++i)
    a.questions.push_back({ns(1000 * (i + 1)), 0x10000 + i * 0x1000});
  a.questions.push_back({ns(10000), huge + 0x12345});  // still held: its array is separate
  a.questions.push_back({ns(11000), 0x14000});         // the newest 4 KiB page
  sc_core::sc_start();
  ASSERT_EQ(r.l1->arrayCount(), 2u);
  EXPECT_EQ(a.answers[6].resolvedLevel, 1);
  EXPECT_EQ(a.answers[6].pageShift, 21u);
  EXPECT_EQ(a.answers[6].pa.value(), huge + 0x12345 + kOffset);
  EXPECT_EQ(a.done[6], ns(10002));  // same latency for either array
  EXPECT_EQ(a.answers[7].resolvedLevel, 1);
  // Arrays are kept in name order ("large", "small"), whatever their order in the file.
  EXPECT_EQ(r.l1->array(1).validEntries(), 4u);  // five 4 KiB pages through four entries
  EXPECT_EQ(r.l1->array(0).validEntries(), 1u);
  EXPECT_EQ(r.stat("l1.evictions"), 1);
  EXPECT_EQ(r.vec("l1.arrayHits", 0), 1);
  EXPECT_EQ(r.vec("l1.arrayHits", 1), 1);
}

TEST(TlbHierarchy, ArraysMustNotShareAPageSize) {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  cfg.loadString(
      "l1:\n  arrays:\n    a: {entries: 4, page_sizes: [4KiB]}\n"
      "    b: {entries: 4, page_sizes: [4096, 2MiB]}\n");
  tlb::Tlb t("l1", ctx, 1);
  EXPECT_THROW(cfg.finalize(), ConfigError);
}

TEST(TlbHierarchy, GlobalEntriesMatchEveryAsidAndSurviveNonGlobalFlushes) {
  Rig r("l1: {clock: 1GHz, invalidation_cycles: {page: 10, asid: 20, non_global: 30, all: 40}}\n",
        false);
  auto& a = *r.askers[0];
  // 0x7000 is global, 0x9000 is not; both filled under ASID 1, then looked up under ASID 2.
  a.questions = {
      {ns(0), 0x7000, 1}, {ns(1000), 0x9000, 1}, {ns(2000), 0x7000, 2}, {ns(3000), 0x9000, 2}};
  sc_core::sc_start();
  EXPECT_EQ(a.answers[2].resolvedLevel, 1);  // global: hit in another ASID
  EXPECT_TRUE(a.answers[2].global);
  EXPECT_EQ(a.answers[3].resolvedLevel, 0xff);  // not global: ASID 2 misses
  auto& t = *r.l1;
  EXPECT_EQ(t.core().validEntries(), 3u);  // 0x7000 (global), 0x9000 in ASIDs 1 and 2
  t.invalidateAsid(1);                     // INVPCID single context: the global one stays
  EXPECT_EQ(t.core().validEntries(), 2u);
  t.invalidateNonGlobal();  // CR3 write: only the global one stays
  EXPECT_EQ(t.core().validEntries(), 1u);
  EXPECT_NE(t.core().lookup(5, 0x7000), nullptr);
  t.invalidatePage(3, VirtAddr(0x7000));  // INVLPG drops a global entry too
  EXPECT_EQ(t.core().validEntries(), 0u);
  tlb::TlbEntry g;
  g.global = true;
  g.vpn = 0x7;
  g.asid = 1;
  t.core().insert(g);
  t.invalidateAll();  // CR4.PGE toggle: globals too
  EXPECT_EQ(t.core().validEntries(), 0u);
  for (unsigned k = 0; k < kInvalidationKinds; ++k) {
    EXPECT_EQ(r.vec("l1.invalidationOps", k), 1) << k;
    EXPECT_EQ(r.vec("l1.invalidationCycles", k), 10.0 * (k + 1)) << k;
  }
  EXPECT_EQ(t.invalidationCostPs(Invalidation::NonGlobal), 30000u);  // 30 cycles at 1 GHz
  EXPECT_EQ(r.stat("l1.invalidations"), 4);
}

TEST(TlbHierarchy, ExclusiveLevelsHoldOnlyVictimsAndHandHitsUp) {
  // l1: one set of 2 ways; exclusive with respect to l2.
  Rig r("l1: {entries: 2, ways: 2, fill: exclusive, clock: 1GHz}\nl2: {clock: 1GHz}\n", true);
  auto& a = *r.askers[0];
  a.questions = {{ns(0), 0x1000}, {ns(1000), 0x2000}, {ns(2000), 0x3000}, {ns(3000), 0x1000}};
  sc_core::sc_start();
  // Three misses: l2 filled none of them; l1's victim (0x1000) moved down; the fourth lookup
  // hits it in l2, which hands it up and drops it, taking l1's new victim (0x2000) instead.
  EXPECT_EQ(r.resolver.calls, 3u);
  EXPECT_EQ(a.answers[3].resolvedLevel, 2);
  EXPECT_EQ(r.stat("l2.movedUp"), 1);
  EXPECT_EQ(r.stat("l2.victimFills"), 2);
  EXPECT_EQ(r.l2->core().validEntries(), 1u);
  EXPECT_NE(r.l2->core().lookup(1, 0x2000), nullptr);
  EXPECT_EQ(r.l2->core().lookup(1, 0x1000), nullptr);
  EXPECT_EQ(r.l1->core().validEntries(), 2u);
}

TEST(TlbHierarchy, LookupsPerCycleBoundDelaysTheExtraLookup) {
  Rig r("l1: {latency: 1, lookups_per_cycle: 2, clock: 1GHz}\n", false, 3);
  for (auto& a : r.askers) a->questions = {{ns(0), 0x5000}, {ns(1000), 0x5000}};
  sc_core::sc_start();
  // At 1000 ns (all hits) two lookups fit in the cycle, the third waits one cycle.
  std::vector<sc_time> t;
  for (auto& a : r.askers) t.push_back(a->done[1]);
  std::sort(t.begin(), t.end());
  EXPECT_EQ(t, (std::vector<sc_time>{ns(1001), ns(1001), ns(1002)}));
  EXPECT_EQ(r.stat("l1.lookupStalls"), 2);  // one at 0 ns, one at 1000 ns
}

TEST(TlbHierarchy, MshrsBoundOutstandingMissesInLt) {
  Rig r("l1: {latency: 0, lookups_per_cycle: 0, mshrs: 1, clock: 1GHz}\n", false, 2);
  r.askers[0]->questions = {{ns(0), 0x1000}};
  r.askers[1]->questions = {{ns(0), 0x2000}};
  sc_core::sc_start();
  // The second miss at 0 ns finds the only MSHR busy until 100 ns.
  std::vector<sc_time> t{r.askers[0]->done[0], r.askers[1]->done[0]};
  std::sort(t.begin(), t.end());
  EXPECT_EQ(t, (std::vector<sc_time>{ns(100), ns(200)}));
  EXPECT_EQ(r.stat("l1.mshrStalls"), 1);
  EXPECT_EQ(r.stat("l1.mshrStallCycles"), 100);
}

TEST(TlbHierarchy, MissesToOnePageMergeInLt) {
  Rig r("l1: {latency: 0, lookups_per_cycle: 0, mshrs: 1, clock: 1GHz}\n", false, 2);
  r.askers[0]->questions = {{ns(0), 0x1000}};
  r.askers[1]->questions = {{ns(0), 0x1008}};
  sc_core::sc_start();
  EXPECT_EQ(r.resolver.calls, 1u);
  for (auto& a : r.askers) {
    EXPECT_EQ(a->done[0], ns(100));  // the merged one gets the translation when the miss does
    EXPECT_EQ(a->answers[0].pa.value(), a->questions[0].va + kOffset);
  }
  EXPECT_EQ(r.stat("l1.mshrMerges"), 1);
  EXPECT_EQ(r.stat("l1.misses"), 2);
  EXPECT_EQ(r.stat("l1.hits"), 0);
}

TEST(TlbHierarchy, MshrsBoundOutstandingMissesInAt) {
  Rig r("l1: {latency: 0, lookups_per_cycle: 0, mshrs: 2, clock: 1GHz}\n", false, 4);
  for (unsigned i = 0; i < 4; ++i) r.askers[i]->questions = {{ns(0), 0x1000 * (i + 1), 1, true}};
  sc_core::sc_start();
  std::vector<sc_time> t;
  for (auto& a : r.askers) t.push_back(a->done[0]);
  std::sort(t.begin(), t.end());
  EXPECT_EQ(t, (std::vector<sc_time>{ns(100), ns(100), ns(200), ns(200)}));
  EXPECT_EQ(r.resolver.calls, 4u);
}

TEST(TlbHierarchy, MissesToOnePageMergeInAt) {
  Rig r("l1: {latency: 0, lookups_per_cycle: 0, mshrs: 4, clock: 1GHz}\n", false, 3);
  for (unsigned i = 0; i < 3; ++i) r.askers[i]->questions = {{ns(0), 0x1000 + 8 * i, 1, true}};
  sc_core::sc_start();
  EXPECT_EQ(r.resolver.calls, 1u);
  for (auto& a : r.askers) {
    EXPECT_EQ(a->done[0], ns(100));
    EXPECT_EQ(a->answers[0].fault, FaultKind::None);
  }
  EXPECT_EQ(r.stat("l1.mshrMerges"), 2);
}

TEST(TlbHierarchy, PolicyIsAnotherNameOfReplacementAndNotBothMayBeSet) {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  cfg.loadString(
      "l1:\n  arrays:\n    a: {entries: 4, ways: 4, policy: fifo, page_sizes: [4KiB]}\n"
      "l2: {policy: plru, replacement: lru}\n");
  tlb::Tlb t1("l1", ctx, 1);
  tlb::Tlb t2("l2", ctx, 2);
  try {
    cfg.finalize();
    FAIL() << "expected a config error";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_NE(e.problems()[0].find("'l2.policy' and 'l2.replacement'"), std::string::npos)
        << e.problems()[0];
  }
  EXPECT_EQ(cfg.declared().at("l1.arrays.a.replacement").value, "fifo");
}
