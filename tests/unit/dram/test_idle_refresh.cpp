// Idle refresh in closed form (Controller and LtTimingModel): an idle gap of N tREFI gives
// exactly what simulating every REF gives (stats, completions, bank timing state), and the work
// done does not grow with the gap.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dram_test_util.h"
#include "vmsim/dram/lt_timing_model.h"

using namespace vmsim::dram;
using namespace vmsim::dram::test;

namespace {

void expectSameStats(const DramStats& a, const DramStats& b, const std::string& what) {
  EXPECT_EQ(a.reads, b.reads) << what;
  EXPECT_EQ(a.writes, b.writes) << what;
  EXPECT_EQ(a.readCmds, b.readCmds) << what;
  EXPECT_EQ(a.writeCmds, b.writeCmds) << what;
  EXPECT_EQ(a.actCmds, b.actCmds) << what;
  EXPECT_EQ(a.preCmds, b.preCmds) << what;
  EXPECT_EQ(a.ondemandPreCmds, b.ondemandPreCmds) << what;
  EXPECT_EQ(a.refCmds, b.refCmds) << what;
  EXPECT_EQ(a.refbCmds, b.refbCmds) << what;
  EXPECT_EQ(a.readRowHits, b.readRowHits) << what;
  EXPECT_EQ(a.writeRowHits, b.writeRowHits) << what;
  EXPECT_EQ(a.rowHits, b.rowHits) << what;
  EXPECT_EQ(a.rowMisses, b.rowMisses) << what;
  EXPECT_EQ(a.rowConflicts, b.rowConflicts) << what;
  EXPECT_EQ(a.readLatency.count(), b.readLatency.count()) << what;
  EXPECT_EQ(a.readLatency.average(), b.readLatency.average()) << what;
  EXPECT_EQ(a.readLatency.max(), b.readLatency.max()) << what;
  EXPECT_EQ(a.readLatency.bins(), b.readLatency.bins()) << what;
}

void expectSameState(const ChannelState& a, const ChannelState& b, const std::string& what) {
  for (unsigned i = 0; i < a.banks(); ++i) {
    EXPECT_EQ(a.bank(i).open, b.bank(i).open) << what << " bank " << i;
    EXPECT_EQ(a.bank(i).openRow, b.bank(i).openRow) << what << " bank " << i;
    EXPECT_EQ(a.bank(i).columnsSinceAct, b.bank(i).columnsSinceAct) << what << " bank " << i;
    for (unsigned c = 0; c < kCmdCount; ++c)
      EXPECT_EQ(a.readyAt(Cmd(c), i), b.readyAt(Cmd(c), i))
          << what << " bank " << i << " cmd " << c;
  }
}

// Traffic that leaves rows open in both ranks, an idle gap ending at `resume`, then traffic that
// meets refreshes of both ranks.
std::vector<Req> gapTraffic(const Controller& c, uint64_t resume) {
  std::vector<Req> r;
  for (uint32_t i = 0; i < 24; ++i)
    r.push_back({addrOf(c, i % 2, i % 4, (i / 4) % 4, 7 + i % 3, i), i % 5 == 0, 100 + 40 * i});
  for (uint32_t i = 0; i < 40; ++i)
    r.push_back({addrOf(c, i % 2, i % 3, 1, 9 + i % 2, i), i % 4 == 0, resume + 300 * i});
  return r;
}

struct AtRun {
  DramStats stats;
  std::vector<Completion> done;
  uint64_t cycle, ticks, skipped;
};

AtRun atRun(const DramConfig& cfg, uint64_t resume, bool skip, const ChannelState** state,
            std::unique_ptr<Controller>& keep) {
  keep = std::make_unique<Controller>(cfg, 0);
  Controller& c = *keep;
  c.setIdleRefreshSkip(skip);
  AtRun r;
  r.done = drive(c, gapTraffic(c, resume));
  c.setCompletionCallback({});  // drive's callback refers to its own (gone) vector
  c.advanceTo(c.cycle() + 7 * cfg.timing.tREFI + 11);  // and an idle tail
  r.stats = c.stats();
  r.cycle = c.cycle();
  r.ticks = c.ticks();
  r.skipped = c.skippedRefreshes();
  *state = &c.channelState();
  return r;
}

struct RefreshSetup {
  const char* preset;
  const char* refresh;
};
const RefreshSetup kSetups[] = {{"DDR4-2400", "rank_staggered"},
                                {"DDR4-2400", "rank_simultaneous"},
                                {"LPDDR4-3200", "bank_staggered"},
                                {"HBM2", "bank_staggered"}};

TEST(dramIdleRefresh, ControllerGapGivesTheSameResultsAsSimulatingEveryRef) {
  for (const RefreshSetup& s : kSetups) {
    DramConfig cfg = preset(s.preset);
    cfg.ctrl.refresh = s.refresh;
    const uint64_t refi = cfg.timing.tREFI;
    for (uint64_t n : std::vector<uint64_t>{0, 1, 2, 3, 10, 1000, 20000}) {
      for (uint64_t off :
           std::vector<uint64_t>{0, 1, refi / 2 - 1, refi / 2, refi / 2 + 5, refi - 1, refi + 17}) {
        const uint64_t resume = 2000 + n * refi + off;
        const std::string what = std::string(s.preset) + " " + s.refresh + " gap " +
                                 std::to_string(n) + " tREFI + " + std::to_string(off);
        const ChannelState *sa = nullptr, *sb = nullptr;
        std::unique_ptr<Controller> ka, kb;
        const AtRun a = atRun(cfg, resume, true, &sa, ka);
        const AtRun b = atRun(cfg, resume, false, &sb, kb);
        expectSameStats(a.stats, b.stats, what);
        EXPECT_EQ(a.cycle, b.cycle) << what;
        ASSERT_EQ(a.done.size(), b.done.size()) << what;
        for (size_t i = 0; i < a.done.size(); ++i) {
          EXPECT_EQ(a.done[i].id, b.done[i].id) << what;
          EXPECT_EQ(a.done[i].done, b.done[i].done) << what;
        }
        expectSameState(*sa, *sb, what);
        EXPECT_EQ(b.skipped, 0u);
        if (n >= 10) {
          EXPECT_GT(a.skipped, 0u) << what;
        }
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

TEST(dramIdleRefresh, ControllerWorkDoesNotGrowWithTheGap) {
  const DramConfig cfg = preset("DDR4-2400");
  auto ticksFor = [&](uint64_t n, bool skip) {
    const ChannelState* st = nullptr;
    std::unique_ptr<Controller> keep;
    return atRun(cfg, 2000 + n * cfg.timing.tREFI, skip, &st, keep).ticks;
  };
  const uint64_t small = ticksFor(100, true), big = ticksFor(1000000, true);
  // The same traffic; only the skipped whole periods differ (at most a period's REFs more or less
  // are simulated before the next access).
  EXPECT_LE(big, small + 8) << small << " " << big;
  EXPECT_GE(big + 8, small) << small << " " << big;
  EXPECT_GT(ticksFor(20000, false), 2u * 20000u);  // simulating every REF: 2 per tREFI
  EXPECT_LT(big, 20000u);
  // A known count: an idle controller refreshes each of the 2 ranks once per tREFI; rank 0's REFs
  // are due at 4680 (1 + 2k), rank 1's at 9360 (k + 1). Up to cycle 10^9 tREFI: 2 x 10^9 REFs.
  Controller c(cfg);
  const uint64_t end = uint64_t(1000000000) * cfg.timing.tREFI + 1;
  c.advanceTo(end);
  EXPECT_EQ(c.stats().refCmds, 2000000000u);
  EXPECT_EQ(c.stats().preCmds, 0u);
  EXPECT_LT(c.ticks(), 100u);
}

// LT: the same accesses with and without the closed form.
struct LtRun {
  DramStats stats;
  std::vector<uint64_t> done;
  uint64_t simulated, skipped;
};

LtRun ltRun(const DramConfig& cfg, uint64_t resume, bool skip) {
  LtTimingModel m(cfg);
  m.setIdleRefreshSkip(skip);
  const Controller addr(cfg, 0);  // for addrOf
  LtRun r;
  for (const Req& q : gapTraffic(addr, resume))
    r.done.push_back(m.access(q.addr, q.isWrite, q.cycle));
  r.stats = m.stats();
  r.simulated = m.refreshesSimulated();
  r.skipped = m.skippedRefreshes();
  return r;
}

TEST(dramIdleRefresh, LtGapGivesTheSameResultsAsSimulatingEveryRef) {
  for (const RefreshSetup& s : kSetups) {
    DramConfig cfg = preset(s.preset);
    cfg.ctrl.refresh = s.refresh;
    const uint64_t refi = cfg.timing.tREFI;
    for (uint64_t n : std::vector<uint64_t>{0, 1, 2, 3, 10, 1000, 20000}) {
      for (uint64_t off :
           std::vector<uint64_t>{0, 1, refi / 2 - 1, refi / 2, refi / 2 + 5, refi - 1, refi + 17}) {
        const uint64_t resume = 2000 + n * refi + off;
        const std::string what = std::string(s.preset) + " " + s.refresh + " gap " +
                                 std::to_string(n) + " tREFI + " + std::to_string(off);
        const LtRun a = ltRun(cfg, resume, true), b = ltRun(cfg, resume, false);
        expectSameStats(a.stats, b.stats, what);
        EXPECT_EQ(a.done, b.done) << what;
        EXPECT_EQ(b.skipped, 0u);
        if (n >= 10) {
          EXPECT_GT(a.skipped, 0u) << what;
        }
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

TEST(dramIdleRefresh, LtWorkDoesNotGrowWithTheGap) {
  const DramConfig cfg = preset("DDR4-2400");
  const uint64_t refi = cfg.timing.tREFI;
  const LtRun small = ltRun(cfg, 2000 + 100 * refi, true);
  const LtRun big = ltRun(cfg, 2000 + 1000000 * refi, true);
  EXPECT_LE(big.simulated, small.simulated + 8);
  EXPECT_EQ(big.stats.refCmds, small.stats.refCmds + 2 * (1000000 - 100));
  EXPECT_GT(ltRun(cfg, 2000 + 20000 * refi, false).simulated, 2u * 20000u);
  LtTimingModel m(cfg);  // a known count, as for the controller: 2 REFs per tREFI
  m.access(0, false, uint64_t(1000000000) * refi);
  EXPECT_EQ(m.stats().refCmds, 2000000000u);
  EXPECT_LT(m.refreshesSimulated(), 100u);
}

}  // namespace

namespace {

// LT arrivals may go backwards (temporal decoupling), even into the skipped stretch of a gap.
TEST(dramIdleRefresh, LtBackwardArrivalsAfterAGapMatch) {
  for (const char* refresh : {"rank_staggered", "rank_simultaneous"}) {
    DramConfig cfg = preset("DDR4-2400");
    cfg.ctrl.refresh = refresh;
    const uint64_t refi = cfg.timing.tREFI;
    const Controller addr(cfg, 0);
    auto run = [&](bool skip) {
      LtTimingModel m(cfg);
      m.setIdleRefreshSkip(skip);
      std::vector<uint64_t> done;
      uint64_t t = 1000;
      for (unsigned i = 0; i < 60; ++i) {
        const uint64_t back = i % 7 == 3 ? 5 * refi : i % 3 == 1 ? 700 : 0;
        t = (i % 20 == 10 ? t + 5000 * refi : t + 350);  // three long gaps
        done.push_back(m.access(addrOf(addr, i % 2, i % 4, i % 3, 3 + i % 5, i), i % 4 == 0,
                                t > back ? t - back : 0));
      }
      EXPECT_EQ(m.skippedRefreshes() > 0, skip) << refresh;
      return std::make_pair(done, m.stats());
    };
    const auto a = run(true), b = run(false);
    EXPECT_EQ(a.first, b.first) << refresh;
    expectSameStats(a.second, b.second, refresh);
  }
}

}  // namespace
