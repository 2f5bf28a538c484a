// AT controller: unloaded latencies, FR-FCFS/FCFS, row-hit cap, page policies, write drain.
#include <gtest/gtest.h>

#include <random>

#include "dram_test_util.h"

using namespace vmsim::dram;
using namespace vmsim::dram::test;

namespace {

DramConfig ddr4(const std::string& page = "open", const std::string& sched = "frfcfs") {
  DramConfig c = preset("DDR4-2400");
  c.ctrl.pagePolicy = page;
  c.ctrl.scheduler = sched;
  return c;
}

uint64_t latency(const Completion& c) {
  return c.done - c.added;
}

TEST(dramController, UnloadedLatencies) {
  Controller c(ddr4());
  const auto done = drive(c, {{addrOf(c, 0, 1, 2, 5, 0), false, 100},
                              {addrOf(c, 0, 1, 2, 5, 3), false, 1000},
                              {addrOf(c, 0, 1, 2, 9, 0), false, 2000}});
  EXPECT_EQ(latency(byId(done, 0)), 39u);  // closed bank: ACT + tRCD + CL + BL/2 + 1
  EXPECT_EQ(latency(byId(done, 1)), 22u);  // row hit
  EXPECT_EQ(latency(byId(done, 2)), 56u);  // row conflict: PRE + tRP + ...
  EXPECT_EQ(c.stats().rowMisses, 1u);
  EXPECT_EQ(c.stats().rowHits, 1u);
  EXPECT_EQ(c.stats().rowConflicts, 1u);
  EXPECT_EQ(c.stats().actCmds, 2u);
  EXPECT_EQ(c.stats().preCmds, 1u);
}

TEST(dramController, ClosedPagePolicyClosesAfterEveryAccess) {
  Controller c(ddr4("closed"));
  const auto done = drive(c, {{addrOf(c, 0, 0, 0, 5, 0), false, 100},
                              {addrOf(c, 0, 0, 0, 5, 1), false, 1000},
                              {addrOf(c, 0, 0, 0, 9, 0), false, 2000}});
  for (uint64_t id = 0; id < 3; ++id) EXPECT_EQ(latency(byId(done, id)), 39u) << id;
  EXPECT_EQ(c.stats().preCmds, 0u);  // auto-precharge only
  EXPECT_EQ(c.stats().actCmds, 3u);
}

// Two requests queued together for one bank: same row -> adaptive policies keep it open.
std::vector<Completion> pairThenLater(Controller& c, uint32_t secondRow) {
  return drive(c, {{addrOf(c, 0, 0, 0, 5, 0), false, 100},
                   {addrOf(c, 0, 0, 0, secondRow, 1), false, 100},
                   {addrOf(c, 0, 0, 0, 5, 2), false, 1000}});
}

TEST(dramController, OpenAdaptiveClosesOnlyWhenAnotherRowWaits) {
  Controller same(ddr4("open_adaptive"));
  auto d = pairThenLater(same, 5);
  EXPECT_EQ(latency(byId(d, 2)), 22u);  // nothing else waited: row left open
  Controller other(ddr4("open_adaptive"));
  d = pairThenLater(other, 6);
  EXPECT_EQ(other.stats().preCmds, 1u);  // row 5 auto-precharged for row 6; only row 6 needs PRE
}

TEST(dramController, ClosedAdaptiveKeepsRowOpenForQueuedHits) {
  Controller c(ddr4("closed_adaptive"));
  const auto d = pairThenLater(c, 5);
  EXPECT_EQ(latency(byId(d, 1)) - latency(byId(d, 0)), 6u);  // second one a row hit (tCCD_L)
  EXPECT_EQ(latency(byId(d, 2)), 39u);                       // closed after the last queued hit
}

// X (row 2) queued before the hits H1..H6 (row 1) to the open row 1.
std::vector<Req> capScenario(const Controller& c) {
  std::vector<Req> r = {{addrOf(c, 0, 0, 0, 1, 0), false, 0}, {addrOf(c, 0, 0, 0, 2, 0), false, 5}};
  for (uint32_t col = 1; col <= 6; ++col) r.push_back({addrOf(c, 0, 0, 0, 1, col), false, 5});
  return r;
}

size_t positionOf(const std::vector<Completion>& v, uint64_t id) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i].id == id) return i;
  return v.size();
}

TEST(dramController, FrFcfsServesQueuedRowHitsBeforeAnOlderConflict) {
  Controller c(ddr4());
  const auto d = drive(c, capScenario(c));
  EXPECT_EQ(positionOf(d, 1), d.size() - 1);  // back-to-back hits never leave a PRE slot
}

// Bank queue [X (row 2), H (row 1)] with row 1 open and both commands timing-ready.
Pick pickAfterColumns(unsigned columns, unsigned cap) {
  const DramConfig cfg = preset("DDR4-2400");
  ChannelState cs(cfg);
  cs.issue(Cmd::ACT, 0, 1, 0);
  for (unsigned i = 0; i < columns; ++i) cs.issue(Cmd::RD, 0, 1, 17 + 6 * i);
  BankQueue q(2);
  q[0].bank = q[1].bank = 0;
  q[0].row = 2, q[1].row = 1, q[1].column = 5;
  return makeScheduler("frfcfs", cap)->pick(q, cs, *makePagePolicy("open"), 1000);
}

TEST(dramScheduler, RowHitCapLetsTheOldestConflictPrecharge) {
  const Pick below = pickAfterColumns(3, 4);
  EXPECT_EQ(below.cmd, Cmd::RD);  // pending hit protects the row
  EXPECT_EQ(below.index, 1u);
  const Pick atCap = pickAfterColumns(4, 4);
  EXPECT_EQ(atCap.cmd, Cmd::PRE);  // 4 column commands since ACT: the conflict may close it
  EXPECT_EQ(atCap.index, 0u);
  EXPECT_EQ(pickAfterColumns(4, 8).cmd, Cmd::RD);
}

TEST(dramScheduler, FcfsOnlyLooksAtTheOldest) {
  const DramConfig cfg = preset("DDR4-2400");
  ChannelState cs(cfg);
  cs.issue(Cmd::ACT, 0, 1, 0);
  BankQueue q(2);
  q[0].row = 2, q[1].row = 1;
  const Pick p = makeScheduler("fcfs", 4)->pick(q, cs, *makePagePolicy("open"), 1000);
  EXPECT_EQ(p.cmd, Cmd::PRE);
  EXPECT_EQ(p.index, 0u);
  const Pick early = makeScheduler("fcfs", 4)->pick(q, cs, *makePagePolicy("open"), 10);
  EXPECT_FALSE(early.ready());
  EXPECT_EQ(early.readyAt, 39u);  // tRAS
}

TEST(dramController, FcfsKeepsArrivalOrderWithinABank) {
  Controller c(ddr4("open", "fcfs"));
  const auto d = drive(c, capScenario(c));
  for (uint64_t id = 0; id < d.size(); ++id) EXPECT_EQ(d[id].id, id);
}

TEST(dramController, WritesArePostedAndDrainedInBatches) {
  Controller c(ddr4());
  std::vector<Req> w;
  for (uint32_t i = 0; i < 8; ++i) w.push_back({addrOf(c, 0, i % 4, 0, 3, i), true, 10 + i});
  const auto d = drive(c, w);
  for (const auto& x : d) EXPECT_EQ(x.done, x.added + 1);  // acknowledged next cycle
  c.advanceTo(4000);
  EXPECT_EQ(c.stats().writeCmds, 0u);  // 8 writes: below the drain threshold
  c.add(addrOf(c, 1, 0, 0, 3, 0), true, 99);
  c.advanceTo(4500);
  EXPECT_EQ(c.stats().writeCmds, 9u);  // more than 8 and idle queues: drained
}

TEST(dramController, ReadsAreForwardedFromPendingWritesAndWritesMerge) {
  Controller c(ddr4());
  const uint64_t a = addrOf(c, 0, 0, 0, 3, 4);
  const auto d = drive(c, {{a, true, 10}, {a, true, 11}, {a, false, 12}});
  EXPECT_EQ(latency(byId(d, 2)), 1u);
  EXPECT_EQ(c.stats().mergedWrites, 1u);
  EXPECT_EQ(c.stats().readsFromWriteBuffer, 1u);
  EXPECT_EQ(c.stats().readCmds, 0u);
  EXPECT_EQ(c.writeBufferSize(), 1u);
}

TEST(dramController, FullQueueRejectsAndThrows) {
  Controller c(ddr4());
  for (unsigned i = 0; i < 32; ++i) c.add(addrOf(c, 0, 0, 0, i, 0), false, i);
  EXPECT_FALSE(c.canAccept(false));
  EXPECT_TRUE(c.canAccept(true));
  EXPECT_THROW(c.add(addrOf(c, 0, 0, 0, 99, 0), false, 99), std::logic_error);
}

TEST(dramController, SaturatedStreamReachesBankGroupLimitedBandwidth) {
  Controller c(ddr4());
  std::vector<Req> r;
  for (uint64_t i = 0; i < 4096; ++i) r.push_back({i * 64, false, 2 * i});
  drive(c, r);
  const double bw = c.stats().bandwidthGBps(c.cycle(), c.config().timing.tCKns, 64);
  EXPECT_GT(bw, 12.0);
  EXPECT_LT(bw, 19.2);
}

}  // namespace

namespace {

// Reads and writes to a few hot lines: a drain can end at a write whose read is still in the read
// queue (DRAMsim3 would spin forever once every command queue is empty); the run must finish.
TEST(dramController, ReadAfterWriteOnHotLinesNeverLivelocks) {
  Controller c(ddr4());
  std::mt19937 rng(5);
  std::vector<Req> r;
  for (uint64_t i = 0; i < 20000; ++i) r.push_back({64 * (rng() % 256), rng() % 2 == 0, 3 * i});
  const auto d = drive(c, r);
  const DramStats& s = c.stats();
  EXPECT_EQ(s.reads + s.writes, r.size());
  EXPECT_EQ(s.readCmds + s.readsFromWriteBuffer + s.mergedReads, s.reads);
  EXPECT_FALSE(c.readsPending());
  EXPECT_GT(s.drainEscapes, 0u);  // the scenario does reach the escape
}

}  // namespace

namespace {

// HBM2 has separate row and column command buses: an ACT/PRE and a RD/WR may share a cycle.
size_t sameCycleIssues(bool dual) {
  DramConfig cfg = preset("HBM2");
  cfg.ctrl.dualCommandIssue = dual;
  Controller c(cfg, 0);
  std::vector<IssuedCommand> cmds;
  c.setCommandCallback([&](const IssuedCommand& x) { cmds.push_back(x); });
  std::mt19937 rng(3);
  std::vector<Req> r;
  for (uint64_t i = 0; i < 2000; ++i)
    r.push_back({addrOf(c, 0, rng() % 4, rng() % 4, rng() % 4, rng() % 16), false, i});
  drive(c, r);
  size_t pairs = 0;
  for (size_t i = 1; i < cmds.size(); ++i) {
    if (cmds[i].cycle != cmds[i - 1].cycle) continue;
    ++pairs;
    EXPECT_NE(isColumn(cmds[i].cmd), isColumn(cmds[i - 1].cmd)) << "@" << cmds[i].cycle;
  }
  return pairs;
}

TEST(dramController, HbmDualCommandIssue) {
  EXPECT_GT(sameCycleIssues(true), 0u);
  EXPECT_EQ(sameCycleIssues(false), 0u);
}

}  // namespace
