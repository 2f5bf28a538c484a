// ChannelState's command plans (limits left out where a wider array covers them, RDA/WRA read
// from RD's/WR's slots, REF limits kept per rank) against the plain rule: every bank keeps its
// own limits from every command's full lists, tFAW from the rank's last four ACTs. Random
// command streams on every preset and on two ranks; readyAt must agree for every command and
// bank (REF as the latest over the rank's banks, which is what an all-bank REF waits for;
// REFB only where per-bank refresh can issue it). The same with all-bank refreshes in the
// stream: PREs of the rank's open banks (refreshPrecharge, banks from forEachOpenBank) then the
// REF, against plain PREs in the reference.
#include <gtest/gtest.h>

#include <random>

#include "vmsim/dram/channel_state.h"
#include "vmsim/dram/timing_table.h"

using namespace vmsim::dram;

namespace {

class Reference {
 public:
  explicit Reference(const DramConfig& cfg)
      : org_(cfg.org),
        t_(cfg),
        tFAW_(cfg.timing.tFAW),
        banks_(cfg.org.banksPerChannel()),
        acts_(cfg.org.ranks) {}
  void issue(Cmd c, unsigned bank, uint64_t clk) {
    const unsigned perRank = org_.banksPerRank(), perGroup = org_.banksPerGroup;
    for (unsigned i = 0; i < banks_.size(); ++i) {
      Scope s;
      if (c == Cmd::REF) {
        if (i / perRank != bank / perRank) continue;
        s = Scope::Rank;
      } else if (i == bank) {
        s = Scope::SameBank;
      } else if (i / perRank != bank / perRank) {
        s = Scope::OtherRank;
      } else {
        s = i / perGroup == bank / perGroup ? Scope::OtherBankSameGroup : Scope::OtherGroupSameRank;
      }
      for (const auto& [second, d] : t_.list(c, s)) {
        uint64_t& e = banks_[i][unsigned(second)];
        e = std::max(e, clk + d);
      }
    }
    if (c == Cmd::ACT) acts_[bank / perRank].push_back(clk);
  }
  uint64_t readyAt(Cmd c, unsigned bank) const {
    uint64_t t = banks_[bank][unsigned(c)];
    const auto& a = acts_[bank / org_.banksPerRank()];
    if (c == Cmd::ACT && a.size() >= 4 && tFAW_ != 0) {
      // the latest of "4th-last ACT + tFAW" over time is the oldest of the last four's
      uint64_t m = 0;
      for (size_t k = 3; k < a.size(); ++k) m = std::max(m, a[k - 3] + tFAW_);
      t = std::max(t, m);
    }
    return t;
  }

 private:
  Organisation org_;
  TimingTable t_;
  unsigned tFAW_;
  std::vector<CmdTimes> banks_;
  std::vector<std::vector<uint64_t>> acts_;
};

// An all-bank refresh of `rank` as the LT model does it: a PRE for each open bank (ascending),
// then the REF at or after every bank's REF limit. Checks forEachOpenBank against
// BankState::open, and that readyAt(PRE) and rankRefReadyAt agree between the PREs.
void refresh(ChannelState& cs, Reference& ref, unsigned rank, uint64_t clk,
             const std::string& what) {
  std::vector<unsigned> open, visited;
  for (unsigned i = 0; i < cs.banks(); ++i) {
    if (cs.rankOf(i) == rank && cs.bank(i).open) open.push_back(i);
  }
  cs.forEachOpenBank(rank, [&](unsigned b) {
    visited.push_back(b);
    ASSERT_EQ(cs.readyAt(Cmd::PRE, b), ref.readyAt(Cmd::PRE, b)) << what << " bank " << b;
    const uint64_t at = std::max(clk, cs.readyAt(Cmd::PRE, b));
    cs.refreshPrecharge(b, at);
    ref.issue(Cmd::PRE, b, at);
  });
  ASSERT_EQ(visited, open) << what;
  uint64_t refAt = 0;
  for (unsigned i = 0; i < cs.banks(); ++i) {
    ASSERT_FALSE(cs.rankOf(i) == rank && cs.bank(i).open) << what;
    if (cs.rankOf(i) == rank) refAt = std::max(refAt, ref.readyAt(Cmd::REF, i));
  }
  ASSERT_EQ(cs.rankRefReadyAt(rank), refAt) << what;
  unsigned bank0 = 0;
  while (cs.rankOf(bank0) != rank) ++bank0;
  const uint64_t at = std::max(clk, refAt);
  cs.issue(Cmd::REF, bank0, 0, at);
  ref.issue(Cmd::REF, bank0, at);
}

void check(DramConfig cfg, unsigned seed, bool refreshes = false) {
  ChannelState cs(cfg);
  Reference ref(cfg);
  std::mt19937_64 rng(seed);
  const unsigned banks = cs.banks(), perRank = cfg.org.banksPerRank();
  uint64_t clk = 1000;
  for (unsigned n = 0; n < 3000; ++n) {
    const unsigned b = unsigned(rng() % banks);
    Cmd c = Cmd(rng() % kCmdCount);
    if (c == Cmd::REF && rng() % 4 != 0) c = Cmd::RD;  // REF less often
    if (c == Cmd::REFB && (cfg.timing.tRFCb == 0 || cfg.timing.tREFIb == 0)) c = Cmd::WR;
    // Times may go backwards (the LT model's arrivals do); limits only grow.
    clk = clk + rng() % 40 - 15;
    if (refreshes && rng() % 8 == 0) {
      refresh(cs, ref, b / perRank, clk, cfg.name + " step " + std::to_string(n));
      if (testing::Test::HasFatalFailure()) return;
      c = Cmd::ACT;  // and reopen a bank, so that the next refresh has open banks to close
    }
    const unsigned at = c == Cmd::REF ? b / perRank * perRank : b;
    cs.issue(c, at, 0, clk);
    ref.issue(c, at, clk);
    for (unsigned r = 0; r < cfg.org.ranks; ++r) {
      uint64_t refMax = 0;
      for (unsigned i = r * perRank; i < (r + 1) * perRank; ++i) {
        for (unsigned k = 0; k < kCmdCount; ++k) {
          if (Cmd(k) == Cmd::REF) continue;
          const bool refb = cfg.timing.tRFCb != 0 && cfg.timing.tREFIb != 0;
          if (Cmd(k) == Cmd::REFB && !refb) continue;  // never asked without per-bank refresh
          ASSERT_EQ(cs.readyAt(Cmd(k), i), ref.readyAt(Cmd(k), i))
              << cfg.name << " step " << n << " " << toString(Cmd(k)) << " bank " << i;
        }
        refMax = std::max(refMax, ref.readyAt(Cmd::REF, i));
      }
      ASSERT_EQ(cs.rankRefReadyAt(r), refMax) << cfg.name << " step " << n << " rank " << r;
    }
  }
}

}  // namespace

TEST(dramChannelPlans, ReadyTimesMatchTheFullListsOnEveryPreset) {
  unsigned seed = 1;
  for (const std::string& name : presetNames()) {
    DramConfig cfg = preset(name);
    check(cfg, seed++);
    cfg.org.ranks = 2;
    cfg.name += " x2 ranks";
    check(cfg, seed++);
  }
}

TEST(dramChannelPlans, RefreshPrechargesGiveTheReadyTimesOfPlainOnesOnEveryPreset) {
  unsigned seed = 100;
  for (const std::string& name : presetNames()) {
    DramConfig cfg = preset(name);
    check(cfg, seed++, true);
    if (HasFatalFailure()) return;
    cfg.org.ranks = 2;
    cfg.name += " x2 ranks";
    check(cfg, seed++, true);
    if (HasFatalFailure()) return;
  }
}
