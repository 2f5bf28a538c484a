// Bank state machine and timing bookkeeping, the rules of DRAMsim3 channel_state.cc/bankstate.cc.
#include "vmsim/dram/channel_state.h"

#include <algorithm>

namespace vmsim::dram {

ChannelState::ChannelState(const DramConfig& cfg)
    : org_(cfg.org),
      table_(cfg),
      tFAW_(cfg.timing.tFAW),
      banks_(cfg.org.banksPerChannel()),
      faw_(cfg.org.ranks) {}

uint64_t ChannelState::fawReadyAt(unsigned rank) const {
  const ActWindow& w = faw_[rank];
  if (w.count < 4 || tFAW_ == 0) return 0;
  return w.t[w.head] + tFAW_;  // oldest of the last four ACTs
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
  const unsigned perRank = org_.banksPerRank(), perGroup = org_.banksPerGroup;
  const unsigned rank = bankIdx / perRank, group = (bankIdx % perRank) / perGroup;
  if (c == Cmd::REF) {
    const auto& l = table_.list(c, Scope::Rank);
    for (unsigned i = rank * perRank; i < (rank + 1) * perRank; ++i) applyList(i, l, clk);
    return;
  }
  const auto& same = table_.list(c, Scope::SameBank);
  const auto& sameGroup = table_.list(c, Scope::OtherBankSameGroup);
  const auto& sameRank = table_.list(c, Scope::OtherGroupSameRank);
  const auto& other = table_.list(c, Scope::OtherRank);
  unsigned i = 0;
  for (unsigned r = 0; r < org_.ranks; ++r) {
    if (r != rank) {
      if (!other.empty())
        for (unsigned k = 0; k < perRank; ++k) applyList(i + k, other, clk);
      i += perRank;
      continue;
    }
    for (unsigned g = 0; g < org_.bankGroups; ++g, i += perGroup) {
      const auto& l = g == group ? sameGroup : sameRank;
      if (!l.empty())
        for (unsigned k = 0; k < perGroup; ++k) applyList(i + k, l, clk);
    }
  }
  applyList(bankIdx, same, clk);
}

RefreshStep ChannelState::rankRefreshStep(unsigned rank, uint64_t clk) const {
  const unsigned perRank = org_.banksPerRank();
  unsigned readyForRef = 0;
  for (unsigned i = rank * perRank; i < (rank + 1) * perRank; ++i) {
    const BankState& b = banks_[i];
    const Cmd need = b.open ? Cmd::PRE : Cmd::REF;
    if (b.earliest[unsigned(need)] > clk) continue;
    if (need == Cmd::PRE) return {Cmd::PRE, i};
    ++readyForRef;
  }
  if (readyForRef == perRank) return {Cmd::REF, rank * perRank};
  return {};
}

RefreshStep ChannelState::bankRefreshStep(unsigned bankIdx, uint64_t clk) const {
  const BankState& b = banks_[bankIdx];
  const Cmd need = b.open ? Cmd::PRE : Cmd::REFB;
  if (b.earliest[unsigned(need)] > clk) return {};
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
      preMin = std::min(preMin, b.earliest[unsigned(Cmd::PRE)]);
    } else {
      refMax = std::max(refMax, b.earliest[unsigned(Cmd::REF)]);
    }
  }
  return anyOpen ? preMin : refMax;
}

uint64_t ChannelState::bankRefreshReadyAt(unsigned bankIdx) const {
  const BankState& b = banks_[bankIdx];
  return b.earliest[unsigned(b.open ? Cmd::PRE : Cmd::REFB)];
}

}  // namespace vmsim::dram
