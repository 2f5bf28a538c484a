// Per-constraint checks of the DDR4-2400 delay table and checker (README "Command-to-command").
#include <gtest/gtest.h>

#include "vmsim/dram/channel_state.h"
#include "vmsim/dram/timing_table.h"

using namespace vmsim::dram;

namespace {

class dramDdr4Timing : public ::testing::Test {
 protected:
  DramConfig cfg = preset("DDR4-2400");
  TimingTable t{cfg};
  unsigned d(Cmd a, Cmd b, Scope s) const { return t.delay(a, b, s); }
};

TEST_F(dramDdr4Timing, ReadToRead) {
  EXPECT_EQ(d(Cmd::RD, Cmd::RD, Scope::SameBank), 6u);
  EXPECT_EQ(d(Cmd::RD, Cmd::RD, Scope::OtherBankSameGroup), 6u);  // tCCD_L
  EXPECT_EQ(d(Cmd::RD, Cmd::RD, Scope::OtherGroupSameRank), 4u);  // tCCD_S
  EXPECT_EQ(d(Cmd::RD, Cmd::RD, Scope::OtherRank), 5u);           // BL/2 + tRTRS
}

TEST_F(dramDdr4Timing, WriteToWrite) {
  EXPECT_EQ(d(Cmd::WR, Cmd::WR, Scope::SameBank), 6u);
  EXPECT_EQ(d(Cmd::WR, Cmd::WR, Scope::OtherBankSameGroup), 6u);
  EXPECT_EQ(d(Cmd::WR, Cmd::WR, Scope::OtherGroupSameRank), 4u);
  EXPECT_EQ(d(Cmd::WR, Cmd::WR, Scope::OtherRank), 4u);
}

TEST_F(dramDdr4Timing, ReadToWriteTurnaround) {
  for (Scope s :
       {Scope::SameBank, Scope::OtherBankSameGroup, Scope::OtherGroupSameRank, Scope::OtherRank})
    EXPECT_EQ(d(Cmd::RD, Cmd::WR, s), 10u);
}

TEST_F(dramDdr4Timing, WriteToReadUsesTwtr) {
  EXPECT_EQ(d(Cmd::WR, Cmd::RD, Scope::SameBank), 25u);  // CWL + 4 + tWTR_L
  EXPECT_EQ(d(Cmd::WR, Cmd::RD, Scope::OtherBankSameGroup), 25u);
  EXPECT_EQ(d(Cmd::WR, Cmd::RD, Scope::OtherGroupSameRank), 19u);  // CWL + 4 + tWTR_S
  EXPECT_EQ(d(Cmd::WR, Cmd::RD, Scope::OtherRank), 0u);
}

TEST_F(dramDdr4Timing, PrechargeRules) {
  EXPECT_EQ(d(Cmd::RD, Cmd::PRE, Scope::SameBank), 9u);    // tRTP
  EXPECT_EQ(d(Cmd::WR, Cmd::PRE, Scope::SameBank), 34u);   // CWL + 4 + tWR
  EXPECT_EQ(d(Cmd::ACT, Cmd::PRE, Scope::SameBank), 39u);  // tRAS
  EXPECT_EQ(d(Cmd::PRE, Cmd::ACT, Scope::SameBank), 17u);  // tRP
}

TEST_F(dramDdr4Timing, ActivateRules) {
  EXPECT_EQ(d(Cmd::ACT, Cmd::RD, Scope::SameBank), 17u);  // tRCD
  EXPECT_EQ(d(Cmd::ACT, Cmd::WR, Scope::SameBank), 17u);
  EXPECT_EQ(d(Cmd::ACT, Cmd::ACT, Scope::SameBank), 56u);           // tRC
  EXPECT_EQ(d(Cmd::ACT, Cmd::ACT, Scope::OtherBankSameGroup), 6u);  // tRRD_L
  EXPECT_EQ(d(Cmd::ACT, Cmd::ACT, Scope::OtherGroupSameRank), 4u);  // tRRD_S
  EXPECT_EQ(d(Cmd::ACT, Cmd::ACT, Scope::OtherRank), 0u);
}

TEST_F(dramDdr4Timing, RefreshBlocksRankForTrfc) {
  EXPECT_EQ(d(Cmd::REF, Cmd::ACT, Scope::Rank), 420u);
  EXPECT_EQ(d(Cmd::REF, Cmd::REF, Scope::Rank), 420u);
  ChannelState cs(cfg);
  cs.issue(Cmd::REF, cs.bankIndex(1, 0, 0), 0, 100);
  EXPECT_EQ(cs.readyAt(Cmd::ACT, cs.bankIndex(1, 3, 2)), 520u);
  EXPECT_EQ(cs.readyAt(Cmd::ACT, cs.bankIndex(0, 3, 2)), 0u);  // other rank unaffected
}

TEST_F(dramDdr4Timing, FourActivateWindow) {
  ChannelState cs(cfg);
  const unsigned banks[] = {cs.bankIndex(0, 0, 0), cs.bankIndex(0, 1, 0), cs.bankIndex(0, 2, 0),
                            cs.bankIndex(0, 3, 0), cs.bankIndex(0, 0, 1)};
  uint64_t t = 10;
  for (int i = 0; i < 4; ++i) {
    t = std::max(t, cs.readyAt(Cmd::ACT, banks[i]));
    cs.issue(Cmd::ACT, banks[i], 1, t);
  }
  EXPECT_EQ(t, 22u);                                           // tRRD_S = 4 apart
  EXPECT_EQ(cs.readyAt(Cmd::ACT, banks[4]), 10u + 26u);        // tFAW from the first ACT
  EXPECT_EQ(cs.readyAt(Cmd::ACT, cs.bankIndex(1, 0, 0)), 0u);  // per rank
}

TEST_F(dramDdr4Timing, BankStateMachine) {
  ChannelState cs(cfg);
  const unsigned b = cs.bankIndex(0, 2, 1);
  EXPECT_EQ(cs.required(b, 7, Cmd::RD), Cmd::ACT);
  cs.issue(Cmd::ACT, b, 7, 0);
  EXPECT_EQ(cs.required(b, 7, Cmd::RD), Cmd::RD);
  EXPECT_EQ(cs.required(b, 8, Cmd::RD), Cmd::PRE);
  cs.issue(Cmd::RD, b, 7, 17);
  EXPECT_EQ(cs.bank(b).columnsSinceAct, 1u);
  EXPECT_EQ(cs.readyAt(Cmd::PRE, b), 39u);  // max(tRAS, RD + tRTP = 26)
  cs.issue(Cmd::RDA, b, 7, 23);
  EXPECT_FALSE(cs.bank(b).open);
  EXPECT_EQ(cs.readyAt(Cmd::ACT, b), 56u);  // tRC from ACT dominates RDA + tRTP + tRP = 49
}

TEST(dramTiming, OtherStandardsBuild) {
  for (const auto& name : presetNames()) {
    DramConfig c = preset(name);
    TimingTable t(c);
    EXPECT_GE(t.delay(Cmd::ACT, Cmd::RD, Scope::SameBank), 1u) << name;
    EXPECT_EQ(t.delay(Cmd::REF, Cmd::ACT, Scope::Rank), c.timing.tRFC) << name;
  }
  TimingTable hbm(preset("HBM2"));
  EXPECT_EQ(hbm.delay(Cmd::RD, Cmd::PRE, Scope::SameBank), 6u);  // tRTP_L
  TimingTable lp(preset("LPDDR4-3200"));
  EXPECT_EQ(lp.delay(Cmd::PRE, Cmd::REF, Scope::SameBank), 34u);    // tRPab
  EXPECT_EQ(lp.delay(Cmd::REFB, Cmd::ACT, Scope::SameBank), 224u);  // tRFCpb
}

}  // namespace

namespace {

// A table whose delays do not shrink from bank group to rank falls back to per-bank bookkeeping.
TEST(dramTiming, NonNestedDelaysAreStillEnforcedExactly) {
  DramConfig cfg = preset("DDR4-2400");
  cfg.timing.tRRD_S = 8, cfg.timing.tRRD_L = 4;
  ChannelState cs(cfg);
  cs.issue(Cmd::ACT, cs.bankIndex(0, 0, 0), 1, 100);
  EXPECT_EQ(cs.readyAt(Cmd::ACT, cs.bankIndex(0, 0, 1)), 104u);
  EXPECT_EQ(cs.readyAt(Cmd::ACT, cs.bankIndex(0, 1, 0)), 108u);
  EXPECT_EQ(cs.readyAt(Cmd::ACT, cs.bankIndex(0, 0, 0)), 156u);
  EXPECT_EQ(cs.readyAt(Cmd::ACT, cs.bankIndex(1, 0, 0)), 0u);
}

TEST(dramTiming, NestedBookkeepingMatchesPerBankTables) {
  ChannelState cs(preset("DDR4-2400"));
  cs.issue(Cmd::ACT, cs.bankIndex(0, 1, 1), 1, 0);
  cs.issue(Cmd::RD, cs.bankIndex(0, 1, 1), 1, 17);
  EXPECT_EQ(cs.readyAt(Cmd::RD, cs.bankIndex(0, 1, 1)), 23u);   // same bank
  EXPECT_EQ(cs.readyAt(Cmd::RD, cs.bankIndex(0, 1, 3)), 23u);   // same group
  EXPECT_EQ(cs.readyAt(Cmd::RD, cs.bankIndex(0, 2, 0)), 21u);   // other group
  EXPECT_EQ(cs.readyAt(Cmd::RD, cs.bankIndex(1, 1, 1)), 22u);   // other rank
  EXPECT_EQ(cs.readyAt(Cmd::WR, cs.bankIndex(1, 0, 0)), 27u);   // RD -> WR other rank: 10
  EXPECT_EQ(cs.readyAt(Cmd::PRE, cs.bankIndex(0, 1, 1)), 39u);  // tRAS
  EXPECT_EQ(cs.readyAt(Cmd::PRE, cs.bankIndex(0, 1, 3)), 0u);   // no PRE limit on other banks
}

}  // namespace
