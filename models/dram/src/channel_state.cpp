// Bank state machine and timing bookkeeping, the rules of DRAMsim3 channel_state.cc/bankstate.cc.
#include "vmsim/dram/channel_state.h"

#include <algorithm>

namespace vmsim::dram {
namespace {
unsigned log2u(unsigned v) {
  unsigned n = 0;
  while (v > 1) v >>= 1, ++n;
  return n;
}
}  // namespace

ChannelState::ChannelState(const DramConfig& cfg)
    : org_(cfg.org),
      rankShift_(log2u(cfg.org.banksPerRank())),
      groupShift_(log2u(cfg.org.banksPerGroup)),
      table_(cfg),
      tFAW_(cfg.timing.tFAW),
      banks_(cfg.org.banksPerChannel()),
      nested_(scopesNested()),
      groups_(cfg.org.ranks * cfg.org.bankGroups),
      ranks_(cfg.org.ranks),
      faw_(cfg.org.ranks) {}

bool ChannelState::scopesNested() const {
  for (unsigned f = 0; f < kCmdCount; ++f) {
    if (Cmd(f) == Cmd::REF) continue;
    for (unsigned s = 0; s < kCmdCount; ++s) {
      const unsigned bank = table_.delay(Cmd(f), Cmd(s), Scope::SameBank);
      const unsigned group = table_.delay(Cmd(f), Cmd(s), Scope::OtherBankSameGroup);
      const unsigned rank = table_.delay(Cmd(f), Cmd(s), Scope::OtherGroupSameRank);
      if (bank < group || group < rank) return false;
    }
  }
  return true;
}

void ChannelState::issue(Cmd c, unsigned bankIdx, uint32_t row, uint64_t clk) {
  updateState(c, bankIdx, row);
  updateTiming(c, bankIdx, clk);
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

void ChannelState::updateState(Cmd c, unsigned bankIdx, uint32_t row) {
  if (c == Cmd::REF) {
    return;  // all banks of the rank are closed already
  }
  BankState& b = banks_[bankIdx];
  switch (c) {
    case Cmd::ACT:
      b.open = true, b.openRow = row, b.columnsSinceAct = 0;
      break;
    case Cmd::PRE:
      b.open = false, b.columnsSinceAct = 0;
      break;
    case Cmd::RD:
    case Cmd::WR:
      ++b.columnsSinceAct;
      break;
    case Cmd::RDA:
    case Cmd::WRA:
      b.open = false, b.columnsSinceAct = 0;
      break;
    default:
      break;
  }
}

void ChannelState::updateTiming(Cmd c, unsigned bankIdx, uint64_t clk) {
  const unsigned rank = rankOf(bankIdx);
  if (c == Cmd::REF) {
    applyList(ranks_[rank], table_.list(c, Scope::Rank), clk);
    return;
  }
  if (!nested_) return updateTimingPerBank(c, bankIdx, clk);
  applyList(banks_[bankIdx].earliest, table_.list(c, Scope::SameBank), clk);
  applyList(groups_[bankIdx >> groupShift_], table_.list(c, Scope::OtherBankSameGroup), clk);
  applyList(ranks_[rank], table_.list(c, Scope::OtherGroupSameRank), clk);
  const auto& other = table_.list(c, Scope::OtherRank);
  if (!other.empty())
    for (unsigned r = 0; r < org_.ranks; ++r)
      if (r != rank) applyList(ranks_[r], other, clk);
}

// General case: every bank gets the list of its scope.
void ChannelState::updateTimingPerBank(Cmd c, unsigned bankIdx, uint64_t clk) {
  const unsigned perRank = org_.banksPerRank(), perGroup = org_.banksPerGroup;
  const unsigned rank = bankIdx / perRank, group = (bankIdx % perRank) / perGroup;
  const auto& sameGroup = table_.list(c, Scope::OtherBankSameGroup);
  const auto& sameRank = table_.list(c, Scope::OtherGroupSameRank);
  const auto& other = table_.list(c, Scope::OtherRank);
  for (unsigned i = 0; i < banks_.size(); ++i) {
    if (i / perRank != rank)
      applyList(banks_[i].earliest, other, clk);
    else if (i != bankIdx)
      applyList(banks_[i].earliest, (i % perRank) / perGroup == group ? sameGroup : sameRank, clk);
  }
  applyList(banks_[bankIdx].earliest, table_.list(c, Scope::SameBank), clk);
}

RefreshStep ChannelState::rankRefreshStep(unsigned rank, uint64_t clk) const {
  const unsigned perRank = org_.banksPerRank();
  unsigned readyForRef = 0;
  for (unsigned i = rank * perRank; i < (rank + 1) * perRank; ++i) {
    const BankState& b = banks_[i];
    const Cmd need = b.open ? Cmd::PRE : Cmd::REF;
    if (readyAt(need, i) > clk) continue;
    if (need == Cmd::PRE) return {Cmd::PRE, i};
    ++readyForRef;
  }
  if (readyForRef == perRank) return {Cmd::REF, rank * perRank};
  return {};
}

RefreshStep ChannelState::bankRefreshStep(unsigned bankIdx, uint64_t clk) const {
  const BankState& b = banks_[bankIdx];
  const Cmd need = b.open ? Cmd::PRE : Cmd::REFB;
  if (readyAt(need, bankIdx) > clk) return {};
  return {need, bankIdx};
}

uint64_t ChannelState::rankRefreshReadyAt(unsigned rank) const {
  const unsigned perRank = org_.banksPerRank();
  uint64_t preMin = kNever, refMax = 0;
  bool anyOpen = false;
  for (unsigned i = rank * perRank; i < (rank + 1) * perRank; ++i) {
    const BankState& b = banks_[i];
    if (b.open) {
      anyOpen = true;
      preMin = std::min(preMin, readyAt(Cmd::PRE, i));
    } else {
      refMax = std::max(refMax, readyAt(Cmd::REF, i));
    }
  }
  return anyOpen ? preMin : refMax;
}

uint64_t ChannelState::bankRefreshReadyAt(unsigned bankIdx) const {
  const BankState& b = banks_[bankIdx];
  return readyAt(b.open ? Cmd::PRE : Cmd::REFB, bankIdx);
}

}  // namespace vmsim::dram
