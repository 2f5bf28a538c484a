// Independent protocol checker: every command the controller issues on a loaded DDR4-2400 run
// obeys the command-to-command table of tests/data/dram/README.md, tFAW and the bank states.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <tuple>

#include "dram_test_util.h"

using namespace vmsim::dram;
using namespace vmsim::dram::test;

namespace {

enum Rel { SameBank, SameGroup, OtherGroup, OtherRank };

// README "Command-to-command delays enforced" (cycles), written down independently of the model.
unsigned minDistance(Cmd a, Cmd b, Rel r) {
  static const std::map<std::tuple<Cmd, Cmd>, std::array<unsigned, 4>> table = {
      {{Cmd::RD, Cmd::RD}, {6, 6, 4, 5}},     {{Cmd::WR, Cmd::WR}, {6, 6, 4, 4}},
      {{Cmd::RD, Cmd::WR}, {10, 10, 10, 10}}, {{Cmd::WR, Cmd::RD}, {25, 25, 19, 0}},
      {{Cmd::RD, Cmd::PRE}, {9, 0, 0, 0}},    {{Cmd::WR, Cmd::PRE}, {34, 0, 0, 0}},
      {{Cmd::ACT, Cmd::RD}, {17, 0, 0, 0}},   {{Cmd::ACT, Cmd::WR}, {17, 0, 0, 0}},
      {{Cmd::ACT, Cmd::PRE}, {39, 0, 0, 0}},  {{Cmd::ACT, Cmd::ACT}, {56, 6, 4, 0}},
      {{Cmd::PRE, Cmd::ACT}, {17, 0, 0, 0}},  {{Cmd::PRE, Cmd::REF}, {17, 0, 0, 0}}};
  if (a == Cmd::REF && (b == Cmd::ACT || b == Cmd::REF)) return r == OtherRank ? 0 : 420;
  auto it = table.find({a, b});
  return it == table.end() ? 0 : it->second[r];
}

Rel relation(unsigned a, unsigned b) {
  if (a / 16 != b / 16) return OtherRank;
  if (a == b) return SameBank;
  return (a % 16) / 4 == (b % 16) / 4 ? SameGroup : OtherGroup;
}

void checkDistances(const std::vector<IssuedCommand>& cmds) {
  for (size_t j = 1; j < cmds.size(); ++j) {
    ASSERT_GT(cmds[j].cycle, cmds[j - 1].cycle) << "one command per cycle";
    for (size_t i = j; i-- > 0 && cmds[j].cycle - cmds[i].cycle < 500;) {
      const IssuedCommand &x = cmds[i], &y = cmds[j];
      // REF is a rank command: compare it with every bank of its rank.
      const Rel r = (x.cmd == Cmd::REF || y.cmd == Cmd::REF)
                        ? (x.bank / 16 == y.bank / 16 ? SameBank : OtherRank)
                        : relation(x.bank, y.bank);
      const unsigned need = minDistance(x.cmd, y.cmd, r);
      ASSERT_GE(y.cycle - x.cycle, need)
          << toString(x.cmd) << "@" << x.cycle << " bank " << x.bank << " -> " << toString(y.cmd)
          << "@" << y.cycle << " bank " << y.bank;
    }
  }
}

void checkFawAndStates(const std::vector<IssuedCommand>& cmds) {
  std::vector<std::vector<uint64_t>> acts(2);
  std::vector<int> openRow(32, -1);
  for (const auto& c : cmds) {
    const unsigned rank = c.bank / 16;
    switch (c.cmd) {
      case Cmd::ACT:
        ASSERT_EQ(openRow[c.bank], -1) << "ACT to an open bank @" << c.cycle;
        openRow[c.bank] = int(c.row);
        acts[rank].push_back(c.cycle);
        if (acts[rank].size() > 4) {
          ASSERT_GE(c.cycle - acts[rank][acts[rank].size() - 5], 26u) << "tFAW @" << c.cycle;
        }
        break;
      case Cmd::PRE:
        ASSERT_NE(openRow[c.bank], -1) << "PRE to a closed bank @" << c.cycle;
        openRow[c.bank] = -1;
        break;
      case Cmd::RD:
      case Cmd::WR:
        ASSERT_EQ(openRow[c.bank], int(c.row)) << "column command to a wrong row @" << c.cycle;
        break;
      case Cmd::REF:
        for (unsigned b = rank * 16; b < rank * 16 + 16; ++b)
          ASSERT_EQ(openRow[b], -1) << "REF with bank " << b << " open @" << c.cycle;
        break;
      default:
        FAIL() << "unexpected " << toString(c.cmd);
    }
  }
}

std::vector<IssuedCommand> runMixed(const std::string& scheduler, unsigned spacing) {
  DramConfig cfg = preset("DDR4-2400");
  cfg.ctrl.scheduler = scheduler;
  Controller c(cfg);
  std::vector<IssuedCommand> cmds;
  c.setCommandCallback([&](const IssuedCommand& x) { cmds.push_back(x); });
  std::mt19937_64 rng(7);
  std::vector<Req> reqs;
  for (uint64_t i = 0; i < 30000; ++i) {
    // Hot rows (hits), random rows (conflicts), both ranks, one third writes.
    const uint32_t row = rng() % 4 == 0 ? uint32_t(rng() % 65536) : uint32_t(rng() % 3);
    const uint64_t a = addrOf(c, rng() % 2, rng() % 4, rng() % 4, row, uint32_t(rng() % 128));
    reqs.push_back({a, rng() % 3 == 0, spacing * i});
  }
  drive(c, reqs);
  EXPECT_GT(c.stats().refCmds, 0u);
  EXPECT_GT(c.stats().readRowHits + c.stats().writeRowHits, 0u);
  EXPECT_GT(c.stats().writeCmds, 0u);
  return cmds;
}

TEST(dramProtocol, FrFcfsSaturatedRunObeysEveryTimingRule) {
  const auto cmds = runMixed("frfcfs", 2);
  checkDistances(cmds);
  checkFawAndStates(cmds);
}

TEST(dramProtocol, FrFcfsPacedRunObeysEveryTimingRule) {
  const auto cmds = runMixed("frfcfs", 30);
  checkDistances(cmds);
  checkFawAndStates(cmds);
}

TEST(dramProtocol, FcfsRunObeysEveryTimingRule) {
  const auto cmds = runMixed("fcfs", 3);
  checkDistances(cmds);
  checkFawAndStates(cmds);
}

}  // namespace

namespace {

// For every preset, page policy and scheduler: bank-state legality, one command per cycle (two
// of different classes with HBM dual issue), tFAW, and that every request completes.
void checkGeneric(const DramConfig& cfg, const std::vector<IssuedCommand>& cmds) {
  const unsigned perRank = cfg.org.banksPerRank();
  std::vector<int64_t> openRow(cfg.org.banksPerChannel(), -1);
  std::vector<std::vector<uint64_t>> acts(cfg.org.ranks);
  for (size_t i = 0; i < cmds.size(); ++i) {
    const IssuedCommand& c = cmds[i];
    if (i > 0 && cmds[i - 1].cycle == c.cycle) {
      ASSERT_TRUE(cfg.ctrl.dualCommandIssue) << "two commands @" << c.cycle;
      ASSERT_NE(isColumn(cmds[i - 1].cmd), isColumn(c.cmd)) << "@" << c.cycle;
    }
    const unsigned rank = c.bank / perRank;
    if (c.cmd == Cmd::ACT) {
      ASSERT_EQ(openRow[c.bank], -1) << cfg.name << " ACT to open bank @" << c.cycle;
      openRow[c.bank] = c.row;
      acts[rank].push_back(c.cycle);
      if (acts[rank].size() > 4) {
        ASSERT_GE(c.cycle - acts[rank][acts[rank].size() - 5], cfg.timing.tFAW) << cfg.name;
      }
    } else if (c.cmd == Cmd::PRE) {
      ASSERT_NE(openRow[c.bank], -1) << cfg.name << " PRE to closed bank @" << c.cycle;
      openRow[c.bank] = -1;
    } else if (isColumn(c.cmd)) {
      ASSERT_EQ(openRow[c.bank], int64_t(c.row)) << cfg.name << " column to wrong row";
      if (c.cmd == Cmd::RDA || c.cmd == Cmd::WRA) openRow[c.bank] = -1;
    } else if (c.cmd == Cmd::REF) {
      for (unsigned b = rank * perRank; b < (rank + 1) * perRank; ++b)
        ASSERT_EQ(openRow[b], -1) << cfg.name << " REF with open bank @" << c.cycle;
    } else if (c.cmd == Cmd::REFB) {
      ASSERT_EQ(openRow[c.bank], -1) << cfg.name << " REFB to open bank @" << c.cycle;
    }
  }
}

TEST(dramProtocol, EveryPresetPolicyAndSchedulerKeepsBankStatesLegal) {
  for (const auto& name : presetNames()) {
    for (const char* page : {"open", "closed", "open_adaptive", "closed_adaptive"}) {
      for (const char* sched : {"frfcfs", "fcfs"}) {
        DramConfig cfg = preset(name);
        cfg.ctrl.pagePolicy = page;
        cfg.ctrl.scheduler = sched;
        if (cfg.timing.tRFCb) cfg.ctrl.refresh = "bank_staggered";
        Controller c(cfg, 0);
        std::vector<IssuedCommand> cmds;
        c.setCommandCallback([&](const IssuedCommand& x) { cmds.push_back(x); });
        std::mt19937_64 rng(11);
        std::vector<Req> reqs;
        for (uint64_t i = 0; i < 3000; ++i) {
          const uint32_t row = uint32_t(rng() % 3);
          const uint64_t a =
              addrOf(c, unsigned(rng() % cfg.org.ranks), unsigned(rng() % cfg.org.bankGroups),
                     unsigned(rng() % cfg.org.banksPerGroup), row,
                     uint32_t(rng() % cfg.org.burstsPerRow()));
          reqs.push_back({a, rng() % 3 == 0, 3 * i});
        }
        drive(c, reqs);
        SCOPED_TRACE(name + "/" + page + "/" + sched);
        EXPECT_FALSE(c.readsPending());
        EXPECT_EQ(c.stats().reads + c.stats().writes, reqs.size());
        checkGeneric(cfg, cmds);
      }
    }
  }
}

}  // namespace
