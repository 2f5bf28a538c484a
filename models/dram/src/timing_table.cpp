// Delay table from JEDEC parameters; formulas as DRAMsim3 1.0 src/timing.cc (see README table).
#include "vmsim/dram/timing_table.h"

#include <algorithm>

namespace vmsim::dram {

std::string toString(Cmd c) {
  static const char* const names[] = {"ACT", "PRE", "RD", "WR", "RDA", "WRA", "REF", "REFB"};
  return c < Cmd::Count ? names[unsigned(c)] : "?";
}

namespace {
unsigned clampSub(long v) {
  return v < 0 ? 0u : unsigned(v);
}
}  // namespace

TimingTable::TimingTable(const DramConfig& cfg) {
  addColumnRules(cfg);
  addRowRules(cfg);
  addRefreshRules(cfg);
}

void TimingTable::add(Cmd first, Scope scope, List items) {
  auto& l = lists_[unsigned(first)][unsigned(scope)];
  l.insert(l.end(), items.begin(), items.end());
}

unsigned TimingTable::delay(Cmd first, Cmd second, Scope scope) const {
  unsigned d = 0;
  for (const auto& [c, v] : list(first, scope))
    if (c == second) d = std::max(d, v);
  return d;
}

void TimingTable::addColumnRules(const DramConfig& cfg) {
  const Timing& t = cfg.timing;
  const long burst = cfg.burstCycles(), rl = t.readLatency(), wl = t.writeLatency();
  const long rdDelay = cfg.readDelay(), wrDelay = cfg.writeDelay();
  const unsigned rrL = unsigned(std::max<long>(burst, t.tCCD_L));
  const unsigned rrS = unsigned(std::max<long>(burst, t.tCCD_S));
  const unsigned rrO = unsigned(burst + t.tRTRS);
  const unsigned rw = clampSub(rl + burst - wl + t.tRTRS);  // DDR4 spec: RD to WR, any bank
  const unsigned rwO = clampSub(rdDelay + burst + t.tRTRS - wrDelay);
  const unsigned wrL = unsigned(wrDelay + t.tWTR_L), wrS = unsigned(wrDelay + t.tWTR_S);
  const unsigned wrO = clampSub(wrDelay + burst + t.tRTRS - rdDelay);
  const unsigned wwL = rrL, wwS = rrS, wwO = unsigned(burst);
  const unsigned rtp = std::max(t.tRTP, t.tRTP_L);
  const unsigned r2p = t.AL + rtp, w2p = unsigned(wl + burst + t.tWR);
  const unsigned rpAb = t.tRPab ? t.tRPab : t.tRP;

  for (Cmd rd : {Cmd::RD, Cmd::RDA}) {
    List same = {{Cmd::RD, rrL}, {Cmd::RDA, rrL}, {Cmd::WR, rw}, {Cmd::WRA, rw}};
    add(rd, Scope::SameBank, same);
    add(rd, Scope::OtherBankSameGroup, same);
    add(rd, Scope::OtherGroupSameRank,
        {{Cmd::RD, rrS}, {Cmd::RDA, rrS}, {Cmd::WR, rw}, {Cmd::WRA, rw}});
    add(rd, Scope::OtherRank, {{Cmd::RD, rrO}, {Cmd::RDA, rrO}, {Cmd::WR, rwO}, {Cmd::WRA, rwO}});
  }
  for (Cmd wr : {Cmd::WR, Cmd::WRA}) {
    List same = {{Cmd::RD, wrL}, {Cmd::RDA, wrL}, {Cmd::WR, wwL}, {Cmd::WRA, wwL}};
    add(wr, Scope::SameBank, same);
    add(wr, Scope::OtherBankSameGroup, same);
    add(wr, Scope::OtherGroupSameRank,
        {{Cmd::RD, wrS}, {Cmd::RDA, wrS}, {Cmd::WR, wwS}, {Cmd::WRA, wwS}});
    add(wr, Scope::OtherRank, {{Cmd::RD, wrO}, {Cmd::RDA, wrO}, {Cmd::WR, wwO}, {Cmd::WRA, wwO}});
  }
  add(Cmd::RD, Scope::SameBank, {{Cmd::PRE, r2p}});
  add(Cmd::WR, Scope::SameBank, {{Cmd::PRE, w2p}});
  // Auto-precharge: the bank closes itself tRTP / tWR after the burst, then needs tRP.
  const unsigned rda2a = r2p + t.tRP, wra2a = w2p + t.tRP;
  add(Cmd::RDA, Scope::SameBank, {{Cmd::ACT, rda2a}, {Cmd::REF, r2p + rpAb}, {Cmd::REFB, rda2a}});
  add(Cmd::WRA, Scope::SameBank, {{Cmd::ACT, wra2a}, {Cmd::REF, w2p + rpAb}, {Cmd::REFB, wra2a}});
}

void TimingTable::addRowRules(const DramConfig& cfg) {
  const Timing& t = cfg.timing;
  const unsigned a2r = (t.tRCDRD ? t.tRCDRD : t.tRCD) - std::min(t.AL, t.tRCD);
  const unsigned a2w = (t.tRCDWR ? t.tRCDWR : t.tRCD) - std::min(t.AL, t.tRCD);
  const unsigned rpAb = t.tRPab ? t.tRPab : t.tRP;
  add(Cmd::ACT, Scope::SameBank,
      {{Cmd::ACT, t.tRC},
       {Cmd::RD, a2r},
       {Cmd::RDA, a2r},
       {Cmd::WR, a2w},
       {Cmd::WRA, a2w},
       {Cmd::PRE, t.tRAS},
       {Cmd::REFB, t.tRC}});  // REFB: the bank must close first (tRAS + tRP)
  add(Cmd::ACT, Scope::OtherBankSameGroup, {{Cmd::ACT, t.tRRD_L}, {Cmd::REFB, t.tRRD_L}});
  add(Cmd::ACT, Scope::OtherGroupSameRank, {{Cmd::ACT, t.tRRD_S}, {Cmd::REFB, t.tRRD_S}});
  // LPDDR4 distinguishes tRPab (before an all-bank REF) from tRPpb.
  add(Cmd::PRE, Scope::SameBank, {{Cmd::ACT, t.tRP}, {Cmd::REF, rpAb}, {Cmd::REFB, t.tRP}});
}

void TimingTable::addRefreshRules(const DramConfig& cfg) {
  const Timing& t = cfg.timing;
  add(Cmd::REF, Scope::Rank, {{Cmd::ACT, t.tRFC}, {Cmd::REF, t.tRFC}, {Cmd::REFB, t.tRFC}});
  if (t.tRFCb == 0) return;
  add(Cmd::REFB, Scope::SameBank, {{Cmd::ACT, t.tRFCb}, {Cmd::REFB, t.tRFCb}, {Cmd::REF, t.tRFCb}});
  const List others = {{Cmd::ACT, t.tRREFD}, {Cmd::REFB, t.tRREFD}};
  add(Cmd::REFB, Scope::OtherBankSameGroup, others);
  add(Cmd::REFB, Scope::OtherGroupSameRank, others);
}

}  // namespace vmsim::dram
