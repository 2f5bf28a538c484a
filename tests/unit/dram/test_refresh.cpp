// Refresh: DRAMsim3 staggered all-bank REF per rank, per-bank refresh, and idle-cycle skipping.
#include <gtest/gtest.h>

#include "dram_test_util.h"

using namespace vmsim::dram;
using namespace vmsim::dram::test;

namespace {

TEST(dramRefresh, RankStaggeredEveryHalfTrefi) {
  Controller c(preset("DDR4-2400"));
  EXPECT_EQ(c.nextEventCycle(), 4680u);  // idle: next thing is rank 0's refresh
  c.advanceTo(4680);
  EXPECT_EQ(c.stats().refCmds, 0u);
  c.advanceTo(4681);
  EXPECT_EQ(c.stats().refCmds, 1u);
  c.advanceTo(9361);
  EXPECT_EQ(c.stats().refCmds, 2u);
  c.advanceTo(9360 * 100 + 1);
  EXPECT_EQ(c.stats().refCmds, 200u);
}

TEST(dramRefresh, OpenRowIsPrechargedAndReadsWaitForTrfc) {
  Controller c(preset("DDR4-2400"));
  const auto d =
      drive(c, {{addrOf(c, 0, 0, 0, 1, 0), false, 4000}, {addrOf(c, 0, 0, 0, 1, 1), false, 4685}});
  EXPECT_EQ(c.stats().refCmds, 1u);
  EXPECT_EQ(c.stats().preCmds, 1u);  // refresh closed the open row
  const Completion& late = byId(d, 1);
  EXPECT_GE(late.done, 4680u + 420u + 17u + 21u);  // REF, tRFC, ACT, tRCD, data
}

TEST(dramRefresh, OtherRankKeepsWorkingDuringRefresh) {
  Controller c(preset("DDR4-2400"));
  const auto d = drive(c, {{addrOf(c, 1, 0, 0, 1, 0), false, 4685}});
  EXPECT_EQ(d[0].done - d[0].added, 39u);
}

TEST(dramRefresh, PerBankRefreshWhereTheStandardHasIt) {
  DramConfig cfg = preset("LPDDR4-3200");
  cfg.ctrl.refresh = "bank_staggered";
  Controller c(cfg);
  c.advanceTo(3 * 780 + 1);
  EXPECT_EQ(c.stats().refbCmds, 3u);
  EXPECT_EQ(c.stats().refCmds, 0u);
  DramConfig ddr4 = preset("DDR4-2400");
  ddr4.ctrl.refresh = "bank_staggered";
  EXPECT_THROW({ Controller bad(ddr4); }, std::invalid_argument);
}

TEST(dramRefresh, IdleControllerSkipsCycles) {
  DramConfig cfg = preset("DDR4-2400");
  cfg.ctrl.refresh = "none";
  Controller c(cfg);
  EXPECT_EQ(c.nextEventCycle(), kNever);
  c.advanceTo(uint64_t(1) << 50);  // instant: nothing to simulate
  EXPECT_EQ(c.cycle(), uint64_t(1) << 50);
  Controller r(preset("DDR4-2400"));
  r.advanceTo(uint64_t(4680) * 100000 + 1);  // only refresh events are simulated
  EXPECT_EQ(r.stats().refCmds, 100000u);
}

TEST(dramRefresh, UnknownPolicyListsValidNames) {
  DramConfig cfg = preset("DDR4-2400");
  cfg.ctrl.refresh = "sometimes";
  try {
    Controller c(cfg);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("rank_staggered"), std::string::npos);
  }
}

}  // namespace

namespace {

TEST(dramRefresh, PerBankRefreshCoversEveryBankOncePerTrefi) {
  for (const char* name : {"LPDDR4-3200", "DDR5-4800", "HBM2"}) {
    DramConfig cfg = preset(name);
    cfg.ctrl.refresh = "bank_staggered";
    Controller c(cfg, 0);
    std::vector<unsigned> perBank(cfg.org.banksPerChannel(), 0);
    c.setCommandCallback([&](const IssuedCommand& x) {
      if (x.cmd == Cmd::REFB) ++perBank[x.bank];
    });
    const uint64_t rounds = 4;
    c.advanceTo(rounds * cfg.org.banksPerChannel() * (cfg.timing.tREFIb / cfg.org.ranks) + 1);
    for (unsigned b = 0; b < perBank.size(); ++b) EXPECT_EQ(perBank[b], rounds) << name << b;
  }
}

}  // namespace
