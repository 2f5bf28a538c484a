// Unit tests of the paging-policy.py reproduction: OSTEP's textbook trace, running totals, draws
// per step, the hit-rate string and input errors.
#include <gtest/gtest.h>

#include "vmsim/os/paging_policy_sim.h"

using namespace vmsim::os;
using Pages = std::vector<uint64_t>;

namespace {

// OSTEP ch. 22's example reference string, three frames.
const Pages kTextbook = {0, 1, 2, 0, 1, 3, 0, 3, 1, 2, 1};

PagingPolicyReport run(const std::string& policy, Pages refs, uint64_t cache = 3, Pages draws = {},
                       unsigned bits = 2) {
  PagingPolicyCase c;
  c.policy = policy;
  c.cacheSize = cache;
  c.refs = std::move(refs);
  c.rngIndices = std::move(draws);
  c.clockBits = bits;
  return simulatePagingPolicy(c);
}

TEST(PagingPolicySim, TextbookOptLruFifo) {
  const auto opt = run("OPT", kTextbook);
  EXPECT_EQ(opt.hits, 6u);
  EXPECT_EQ(opt.misses, 5u);
  EXPECT_EQ(opt.hitratePct, "54.55");
  const auto lru = run("LRU", kTextbook);
  EXPECT_EQ(lru.hits, 6u);
  const auto fifo = run("FIFO", kTextbook);
  EXPECT_EQ(fifo.hits, 4u);
  EXPECT_EQ(fifo.hitratePct, "36.36");
}

TEST(PagingPolicySim, StepsCarryVictimMemoryAndRunningTotals) {
  const auto r = run("OPT", kTextbook);
  ASSERT_EQ(r.steps.size(), kTextbook.size());
  const PagingStep& s = r.steps[5];  // page 3 evicts 2 (used furthest ahead)
  EXPECT_FALSE(s.hit);
  EXPECT_EQ(s.evicted, std::optional<uint64_t>(2));
  EXPECT_EQ(s.memory, (Pages{0, 1, 3}));
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.misses, 4u);
  EXPECT_FALSE(r.usesDraws);
}

TEST(PagingPolicySim, LruMovesHitsToTheEnd) {
  const auto r = run("LRU", {1, 2, 1});
  EXPECT_EQ(r.steps[2].memory, (Pages{2, 1}));
}

TEST(PagingPolicySim, RandConsumesOneDrawPerEviction) {
  const auto r = run("RAND", {1, 2, 3, 1}, 2, {1, 0});
  EXPECT_TRUE(r.usesDraws);
  EXPECT_TRUE(r.steps[1].draws.empty());
  EXPECT_EQ(r.steps[2].draws, (Pages{1}));
  EXPECT_EQ(r.steps[2].evicted, std::optional<uint64_t>(2));
  EXPECT_EQ(r.steps[2].memory, (Pages{1, 3}));
  EXPECT_TRUE(r.steps[3].hit);
  EXPECT_TRUE(r.steps[3].draws.empty());
}

TEST(PagingPolicySim, ClockRecordsEveryProbe) {
  // 1 and 2 loaded (counter 1 each); hit on 1 -> 2 (clockBits 2). Miss on 3: probe 1 (2->1),
  // probe 2 (1->0), probe 2: victim.
  const auto r = run("CLOCK", {1, 2, 1, 3}, 2, {0, 1, 1});
  EXPECT_EQ(r.steps[3].draws, (Pages{0, 1, 1}));
  EXPECT_EQ(r.steps[3].evicted, std::optional<uint64_t>(2));
  EXPECT_EQ(r.steps[3].memory, (Pages{1, 3}));
}

TEST(PagingPolicySim, HitrateUsesTwoDecimals) {
  EXPECT_EQ(run("FIFO", {1, 1, 1}).hitratePct, "66.67");
  EXPECT_EQ(run("FIFO", {1}).hitratePct, "0.00");
  EXPECT_EQ(run("FIFO", {1, 1}).hitratePct, "50.00");
}

TEST(PagingPolicySim, BadInputIsRejected) {
  EXPECT_THROW(run("FIFO", {1}, 0), std::invalid_argument);
  EXPECT_THROW(run("FIFO", {}), std::invalid_argument);
  EXPECT_THROW(run("RAND", {1, 2, 3}, 2, {}), std::out_of_range);
  try {
    run("LFU", {1});
    FAIL();
  } catch (const std::invalid_argument& e) {
    for (const auto& n : ostepPolicyNames())
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos);
  }
}

}  // namespace
