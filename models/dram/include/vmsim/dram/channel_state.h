// Bank state machines and the timing checker of one channel (DRAMsim3 ChannelState/BankState).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "vmsim/dram/config.h"
#include "vmsim/dram/timing_table.h"

namespace vmsim::dram {

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

using CmdTimes = std::array<uint64_t, kCmdCount>;  ///< first cycle each command may issue

struct BankState {
  bool open = false;
  uint32_t openRow = 0;
  uint32_t columnsSinceAct = 0;  ///< DRAMsim3 row_hit_count
  CmdTimes earliest{};  ///< same-bank limits not in the shared arrays; readyAt() adds those
};

/// One step towards a pending refresh: a PRE for an open bank or the REF itself.
struct RefreshStep {
  Cmd cmd = Cmd::Count;  ///< Count: nothing can issue now
  unsigned bank = 0;     ///< flat bank index in the channel
  bool valid() const { return cmd != Cmd::Count; }
};

class ChannelState {
 public:
  explicit ChannelState(const DramConfig& cfg);

  unsigned bankIndex(unsigned rank, unsigned bankGroup, unsigned bank) const {
    return (rank * org_.bankGroups + bankGroup) * org_.banksPerGroup + bank;
  }
  unsigned rankOf(unsigned bankIdx) const { return bankIdx >> rankShift_; }  // sizes are 2^n
  unsigned banks() const { return unsigned(banks_.size()); }
  const BankState& bank(unsigned idx) const { return banks_[idx]; }
  const TimingTable& table() const { return table_; }

  /// Next command a request for (bank, row) needs: ACT, PRE or the given column command.
  Cmd required(unsigned bankIdx, uint32_t row, Cmd column) const {
    const BankState& b = banks_[bankIdx];
    if (!b.open) return Cmd::ACT;
    return b.openRow == row ? column : Cmd::PRE;
  }
  /// First cycle at which command c may issue to the bank (tFAW included for ACT). REFB only
  /// with per-bank refresh (tRFCb and tREFIb set).
  uint64_t readyAt(Cmd c, unsigned bankIdx) const {
    const unsigned k = slot_[unsigned(c)];
    const uint64_t t = std::max(banks_[bankIdx].earliest[k], groups_[bankIdx >> groupShift_][k]);
    return std::max(t, ranks_[rankOf(bankIdx)][k]);
  }
  /// First cycle at which an all-bank REF may issue to the rank: the latest readyAt(REF, b)
  /// over its banks (readyAt(REF, b) of one bank alone may say the rank's, which is all that an
  /// all-bank REF asks).
  uint64_t rankRefReadyAt(unsigned rank) const;
  /// Applies the command's state change and timing consequences. REF/REFB: bankIdx in rank.
  /// Inline (below): one to four calls per LT access and one per command in the cycle-level
  /// controller, where the call and its saved registers cost about a third of the body.
  inline void issue(Cmd c, unsigned bankIdx, uint32_t row, uint64_t clk);
  /// issue(PRE, bankIdx, 0, clk) for a PRE that closes a bank for an all-bank REF of its rank
  /// issued next (after any other such PREs, and at or after readyAt(REF) then): the limits
  /// that this REF sets at least as late for the whole rank are left out (with DDR4, the
  /// bank's tRP before an ACT: tRFC after the REF is later), so it writes only those that
  /// readyAt(PRE) and readyAt(REF) read before that REF (rankRefReadyAt) and any on other
  /// ranks. Every readyAt() after the REF is that of issue().
  inline void refreshPrecharge(unsigned bankIdx, uint64_t clk);
  /// Calls f(bank) for every open bank of the rank, in ascending order (f may close it).
  template <class F>
  void forEachOpenBank(unsigned rank, F&& f) const {
    const unsigned first = rank << rankShift_, end = first + (1u << rankShift_);
    for (unsigned w = first / 64; w * 64 < end; ++w) {
      uint64_t bits = open_[w];
      if (end - w * 64 < 64) bits &= (uint64_t{1} << (end - w * 64)) - 1;  // rank ends here
      if (first > w * 64) bits &= ~uint64_t{0} << (first - w * 64);        // starts here
      for (; bits; bits &= bits - 1) f(w * 64 + unsigned(__builtin_ctzll(bits)));
    }
  }

  /// DRAMsim3 refresh order: first open bank whose PRE is ready, else REF once all are ready.
  RefreshStep rankRefreshStep(unsigned rank, uint64_t clk) const;
  RefreshStep bankRefreshStep(unsigned bankIdx, uint64_t clk) const;
  /// Earliest cycle at which rankRefreshStep / bankRefreshStep can return a command.
  uint64_t rankRefreshReadyAt(unsigned rank) const;
  uint64_t bankRefreshReadyAt(unsigned bankIdx) const;

 private:
  static void applyList(CmdTimes& times, const TimingTable::List& l, uint64_t clk) {
    for (const auto& [c, d] : l) {
      uint64_t& e = times[unsigned(c)];
      if (clk + d > e) e = clk + d;
    }
  }
  void updateTiming(Cmd c, unsigned bankIdx, uint64_t clk);
  void updateTimingPerBank(Cmd c, unsigned bankIdx, uint64_t clk);
  bool scopesNested() const;
  void buildPlans();
  void buildRefreshPrecharge();
  inline void updateState(Cmd c, unsigned bankIdx, uint32_t row);

  Organisation org_;
  unsigned rankShift_, groupShift_;  ///< log2(banks per rank / per group)
  TimingTable table_;
  unsigned tFAW_;
  std::vector<BankState> banks_;
  // When every delay shrinks from same bank to bank group to rank (true for JEDEC tables), a
  // constraint is stored once per group / rank instead of in every bank.
  bool nested_;
  /// Nested scopes: what a command sets, as flat (command, delay) runs per array it writes:
  /// [0, end[0]) the bank's own limits, then its group's, its rank's, the other ranks'. A limit
  /// that a wider array gets at least as late is left out of the narrower one: readyAt() takes
  /// the maximum of the three arrays, and the wider one covers the issuing bank too, so the
  /// answers are those of the full lists (JEDEC tables repeat most same-bank limits in the
  /// group's, which is why this halves the writes of a column command).
  struct Limit {
    uint32_t cmd, delay;
  };
  struct Plan {
    std::array<Limit, 4 * kCmdCount> items{};
    std::array<uint8_t, 4> end{};
  };
  std::array<Plan, kCmdCount> plans_{};
  Plan refreshPre_{};  ///< refreshPrecharge(): PRE's plan less what the REF after it covers
  /// Where readyAt() finds each command's limits. When every list gives RDA the limits of RD
  /// and WRA those of WR (the JEDEC tables do), RDA and WRA read RD's and WR's, and the plans
  /// set those only: a third fewer writes per command. Otherwise each command has its own.
  std::array<uint8_t, kCmdCount> slot_{0, 1, 2, 3, 4, 5, 6, 7};
  /// ranks_[r]: limits set by commands to rank r (other groups) and to other ranks, and for ACT
  /// tFAW after the last four ACTs of the rank; readyAt() takes only their maximum, so one array
  /// holds them all.
  std::vector<CmdTimes> groups_, ranks_;
  struct ActWindow {
    std::array<uint64_t, 4> t{};
    unsigned count = 0, head = 0;
  };
  std::vector<ActWindow> faw_;
  /// Whether a REFB can ever issue: per-bank refresh (the only source of REFB and of the
  /// question readyAt(REFB)) needs tRFCb and tREFIb. Without them the plans leave out the limits
  /// on REFB (three of an ACT's nine), and readyAt(REFB) is not meaningful.
  bool refbUsed_;
  /// Bit b (word b / 64): bank b is open. Kept with BankState::open, so that a refresh visits
  /// the open banks only (forEachOpenBank).
  std::vector<uint64_t> open_;
  void setOpen(unsigned bankIdx, bool open) {
    uint64_t& w = open_[bankIdx / 64];
    const uint64_t bit = uint64_t{1} << (bankIdx % 64);
    w = open ? w | bit : w & ~bit;
  }
  /// Applies plan p of a command issued at clk to bank bankIdx (nested scopes).
  inline void applyPlan(const Plan& p, unsigned bankIdx, uint64_t clk);
};

inline void ChannelState::updateState(Cmd c, unsigned bankIdx, uint32_t row) {
  if (c == Cmd::REF) {
    return;  // all banks of the rank are closed already
  }
  BankState& b = banks_[bankIdx];
  switch (c) {
    case Cmd::ACT:
      b.open = true, b.openRow = row, b.columnsSinceAct = 0;
      setOpen(bankIdx, true);
      break;
    case Cmd::PRE:
      b.open = false, b.columnsSinceAct = 0;
      setOpen(bankIdx, false);
      break;
    case Cmd::RD:
    case Cmd::WR:
      ++b.columnsSinceAct;
      break;
    case Cmd::RDA:
    case Cmd::WRA:
      b.open = false, b.columnsSinceAct = 0;
      setOpen(bankIdx, false);
      break;
    default:
      break;
  }
}

inline void ChannelState::applyPlan(const Plan& p, unsigned bankIdx, uint64_t clk) {
  const Limit* it = p.items.data();
  auto apply = [&](CmdTimes& times, const Limit* end) {
    for (; it != end; ++it) {
      uint64_t& e = times[it->cmd];
      e = std::max(e, clk + it->delay);
    }
  };
  const unsigned rank = rankOf(bankIdx);
  apply(banks_[bankIdx].earliest, p.items.data() + p.end[0]);
  apply(groups_[bankIdx >> groupShift_], p.items.data() + p.end[1]);
  apply(ranks_[rank], p.items.data() + p.end[2]);
  if (p.end[3] != p.end[2]) {
    for (unsigned r = 0; r < org_.ranks; ++r) {
      if (r == rank) continue;
      it = p.items.data() + p.end[2];
      apply(ranks_[r], p.items.data() + p.end[3]);
    }
  }
}

inline void ChannelState::refreshPrecharge(unsigned bankIdx, uint64_t clk) {
  if (!nested_) return issue(Cmd::PRE, bankIdx, 0, clk);
  updateState(Cmd::PRE, bankIdx, 0);
  applyPlan(refreshPre_, bankIdx, clk);
}

inline void ChannelState::issue(Cmd c, unsigned bankIdx, uint32_t row, uint64_t clk) {
  updateState(c, bankIdx, row);
  if (nested_) {
    applyPlan(plans_[unsigned(c)], bankIdx, clk);  // nested scopes (every JEDEC table)
  } else {
    updateTiming(c, bankIdx, clk);
  }
  if (c == Cmd::ACT) {
    ActWindow& w = faw_[rankOf(bankIdx)];
    if (w.count < 4) {
      w.t[(w.head + w.count) % 4] = clk;
      ++w.count;
    } else {
      w.t[w.head] = clk;
      w.head = (w.head + 1) % 4;
    }
    // No ACT of the rank before the oldest of its last four ACTs + tFAW (a limit that only
    // grows, and changes only here).
    if (w.count == 4 && tFAW_ != 0) {
      uint64_t& e = ranks_[rankOf(bankIdx)][unsigned(Cmd::ACT)];
      e = std::max(e, w.t[w.head] + tFAW_);
    }
  }
}

}  // namespace vmsim::dram
