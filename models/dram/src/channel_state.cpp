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
      faw_(cfg.org.ranks),
      refbUsed_(cfg.timing.tRFCb != 0 && cfg.timing.tREFIb != 0),
      open_((cfg.org.banksPerChannel() + 63) / 64) {
  if (nested_) buildPlans();
}

void ChannelState::buildPlans() {
  // Latest delay per second command in a list (0: none; the lists may repeat a command).
  auto latest = [&](Cmd first, Scope scope) {
    std::array<uint64_t, kCmdCount> m{};
    for (const auto& [s, d] : table_.list(first, scope))
      m[unsigned(s)] = std::max<uint64_t>(m[unsigned(s)], uint64_t{d} + 1);
    return m;  // delay + 1, so that a present zero delay differs from none
  };
  // Per first command, per array (bank, group, rank, other ranks): the latest delays.
  std::array<std::array<std::array<uint64_t, kCmdCount>, 4>, kCmdCount> sets{};
  bool aliased = true;  // every list limits RDA as RD and WRA as WR
  for (unsigned f = 0; f < kCmdCount; ++f) {
    const Cmd c = Cmd(f);
    if (c == Cmd::REF) {
      sets[f][2] = latest(c, Scope::Rank);  // REF sets its rank only
    } else {
      sets[f] = {latest(c, Scope::SameBank), latest(c, Scope::OtherBankSameGroup),
                 latest(c, Scope::OtherGroupSameRank), latest(c, Scope::OtherRank)};
    }
    if (org_.ranks == 1) sets[f][3] = {};  // there is no other rank
    for (const auto& set : sets[f]) {
      aliased = aliased && set[unsigned(Cmd::RDA)] == set[unsigned(Cmd::RD)] &&
                set[unsigned(Cmd::WRA)] == set[unsigned(Cmd::WR)];
    }
  }
  if (aliased) {
    slot_[unsigned(Cmd::RDA)] = uint8_t(Cmd::RD);
    slot_[unsigned(Cmd::WRA)] = uint8_t(Cmd::WR);
  }
  for (unsigned f = 0; f < kCmdCount; ++f) {
    auto set = sets[f];
    // An all-bank REF waits for every bank of its rank (rankRefReadyAt(), and the AT
    // controller's refresh steps, which issue it only once all banks are ready), so its limits
    // are kept per rank: bank and group limits on REF move to the rank's array.
    for (unsigned a = 0; a < 2; ++a) {
      uint64_t& v = set[a][unsigned(Cmd::REF)];
      set[2][unsigned(Cmd::REF)] = std::max(set[2][unsigned(Cmd::REF)], v);
      v = 0;
    }
    Plan& p = plans_[f];
    unsigned n = 0;
    for (unsigned a = 0; a < 4; ++a) {
      for (unsigned s = 0; s < kCmdCount; ++s) {
        const uint64_t v = set[a][s];
        if (v == 0 || slot_[s] != s) continue;            // no limit, or read from another slot
        if (Cmd(s) == Cmd::REFB && !refbUsed_) continue;  // never asked (refbUsed_)
        // Covered by the group's or the rank's array (they hold the issuing bank too); the
        // other ranks' array is not, so it is kept whole.
        const bool covered =
            (a == 0 && (set[1][s] >= v || set[2][s] >= v)) || (a == 1 && set[2][s] >= v);
        if (!covered) p.items[n++] = {s, uint32_t(v - 1)};
      }
      p.end[a] = uint8_t(n);
    }
  }
  buildRefreshPrecharge();
}

void ChannelState::buildRefreshPrecharge() {
  // The REF comes at or after the PRE's own limit on it (rankRefReadyAt reads it), and sets its
  // limits in the rank's array, which readyAt() of every bank of the rank reads: a PRE limit on
  // a command s that is at most dPR + (REF's delay to s) after the PRE is never later than what
  // the REF sets. Those on PRE and REF are read before the REF, those on other ranks are not
  // covered: kept.
  const Plan& pre = plans_[unsigned(Cmd::PRE)];
  const Plan& ref = plans_[unsigned(Cmd::REF)];
  auto delayIn = [](const Plan& p, unsigned from, unsigned to, unsigned cmd) -> int64_t {
    int64_t d = -1;  // none
    for (unsigned i = from; i < to; ++i) {
      if (p.items[i].cmd == cmd) d = std::max<int64_t>(d, p.items[i].delay);
    }
    return d;
  };
  const int64_t dPR = delayIn(pre, pre.end[1], pre.end[2], unsigned(Cmd::REF));
  Plan& out = refreshPre_;
  unsigned n = 0;
  for (unsigned a = 0, i = 0; a < 4; ++a) {
    for (; i < pre.end[a]; ++i) {
      const Limit l = pre.items[i];
      const int64_t dRef = delayIn(ref, ref.end[1], ref.end[2], l.cmd);
      const bool covered = a < 3 && dPR >= 0 && dRef >= 0 && l.cmd != unsigned(Cmd::PRE) &&
                           l.cmd != unsigned(Cmd::REF) && dPR + dRef >= int64_t{l.delay};
      if (!covered) out.items[n++] = l;
    }
    out.end[a] = uint8_t(n);
  }
}

uint64_t ChannelState::rankRefReadyAt(unsigned rank) const {
  const unsigned k = unsigned(Cmd::REF);
  if (nested_) return ranks_[rank][k];  // buildPlans() keeps every REF limit there
  const unsigned perRank = org_.banksPerRank();
  uint64_t at = 0;
  for (unsigned b = rank * perRank; b < (rank + 1) * perRank; ++b)
    at = std::max(at, readyAt(Cmd::REF, b));
  return at;
}

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

// Scopes that are not nested (no shipped table): every list as it is.
void ChannelState::updateTiming(Cmd c, unsigned bankIdx, uint64_t clk) {
  if (c == Cmd::REF) {
    applyList(ranks_[rankOf(bankIdx)], table_.list(c, Scope::Rank), clk);
    return;
  }
  updateTimingPerBank(c, bankIdx, clk);
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
