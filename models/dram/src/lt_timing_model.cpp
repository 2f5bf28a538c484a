// LT DRAM timing on the shared ChannelState checker (same JEDEC delays as the AT controller).
#include "vmsim/dram/lt_timing_model.h"

#include <algorithm>

namespace vmsim::dram {

LtTimingModel::Channel::Channel(const DramConfig& cfg)
    : cs(cfg), refresh(makeRefreshPolicy(cfg.ctrl.refresh, cfg)), due(refresh->nextDue()) {}

LtTimingModel::LtTimingModel(const DramConfig& cfg)
    : cfg_(cfg),
      mapping_(validated(cfg).ctrl.mapping, cfg.org),
      closedPage_(cfg.ctrl.pagePolicy == "closed" || cfg.ctrl.pagePolicy == "closed_adaptive") {
  makePagePolicy(cfg.ctrl.pagePolicy);  // reject unknown names here too
  makeScheduler(cfg.ctrl.scheduler, cfg.ctrl.rowHitCap);
  channels_.reserve(cfg.org.channels);
  for (unsigned c = 0; c < cfg.org.channels; ++c) channels_.emplace_back(cfg);
}

// Inline in access(), its only caller (one to three calls per access).
inline uint64_t LtTimingModel::book(Channel& ch, Cmd c, unsigned bank, uint32_t row, uint64_t t) {
  for (;;) {
    const uint64_t at = std::max(t, ch.cs.readyAt(c, bank));
    if (ch.due > at) {
      ch.cs.issue(c, bank, row, at);
      ch.cleanRefs = 0;
      return at;
    }
    refreshUntil(ch, at);  // a refresh falls due first: it goes ahead and may close the row
    if (ch.cs.required(bank, row, c) != c) return kNever;
  }
}

void LtTimingModel::refreshUntil(Channel& ch, uint64_t t) {
  while (ch.due <= t) {
    skipIdleRefreshes(ch, t);
    const uint64_t due = ch.due;
    const RefreshRequest r = ch.refresh->pop();
    ch.due = ch.refresh->nextDue();
    refreshOne(ch, r, due);
  }
}

void LtTimingModel::refreshOne(Channel& ch, const RefreshRequest& r, uint64_t due) {
  ++refreshesSimulated_;
  const unsigned perRank = cfg_.org.banksPerRank();
  const unsigned first = r.perBank ? r.bank : r.rank * perRank;
  const unsigned last = r.perBank ? r.bank + 1 : first + perRank;
  bool clean = true;
  if (r.perBank) {
    for (unsigned b = first; b < last; ++b) {
      if (!ch.cs.bank(b).open) continue;
      ch.cs.issue(Cmd::PRE, b, 0, std::max(due, ch.cs.readyAt(Cmd::PRE, b)));
      ++stats_.preCmds;
      clean = false;
    }
  } else {
    // The REF below follows these PREs at once: refreshPrecharge() leaves out what it covers.
    ch.cs.forEachOpenBank(r.rank, [&](unsigned b) {
      ch.cs.refreshPrecharge(b, std::max(due, ch.cs.readyAt(Cmd::PRE, b)));
      ++stats_.preCmds;
      clean = false;
    });
  }
  const Cmd ref = r.perBank ? Cmd::REFB : Cmd::REF;
  // The latest readyAt(ref, b) over the banks: for REF the rank's, in one look-up.
  uint64_t at = r.perBank ? due : std::max(due, ch.cs.rankRefReadyAt(r.rank));
  if (r.perBank) {
    // readyAt is the bank's own limit (earliest) or a limit shared by its bank group, rank and
    // the other ranks, whichever is later; so the maximum is the banks' own limits' and one
    // readyAt per bank group's (banks of a group are adjacent).
    const unsigned perGroup = std::max(1u, cfg_.org.banksPerGroup);
    for (unsigned b = first; b < last; ++b) {
      at = std::max(at, ch.cs.bank(b).earliest[static_cast<unsigned>(ref)]);
    }
    for (unsigned b = first; b < last; b += perGroup) at = std::max(at, ch.cs.readyAt(ref, b));
  }
  ch.cs.issue(ref, first, 0, at);
  ++(r.perBank ? stats_.refbCmds : stats_.refCmds);
  if (clean && at == due) {
    ++ch.cleanRefs;
    ch.cleanPerBank = r.perBank;
  } else {
    ch.cleanRefs = 0;
  }
}

// Closed-form refreshes up to t, by the argument of Controller::skipIdleRefreshes: after a whole
// clean period (every REF at its due cycle, no PRE, no access command since), later periods
// repeat it shifted; whole periods are counted, and the last full period before t is simulated so
// that its REFs set every limit the skipped ones would have.
void LtTimingModel::skipIdleRefreshes(Channel& ch, uint64_t t) {
  const uint64_t P = ch.refresh->periodRequests(), C = ch.refresh->periodCycles();
  if (!idleSkip_ || P == 0 || C == 0 || ch.cleanRefs < P || ch.due == kNever) return;
  if (t < ch.due || t - ch.due < C) return;
  const uint64_t k = (t - ch.due - C) / C;  // the P requests after the skipped ones are due by t
  if (k == 0) return;
  ch.refresh->skipPeriods(k);
  ch.due = ch.refresh->nextDue();
  (ch.cleanPerBank ? stats_.refbCmds : stats_.refCmds) += k * P;
  ch.cleanRefs += k * P;
  skippedRefs_ += k * P;
}

uint64_t LtTimingModel::access(uint64_t addr, bool isWrite, uint64_t arrivalCycle) {
  const DramAddress d = mapping_.decode(addr);
  Channel& ch = channels_[d.channel];
  const unsigned bank = ch.cs.bankIndex(d.rank, d.bankGroup, d.bank);
  const Cmd column =
      isWrite ? (closedPage_ ? Cmd::WRA : Cmd::WR) : (closedPage_ ? Cmd::RDA : Cmd::RD);
  uint64_t t = arrivalCycle + 1;         // one controller cycle, as in the AT model
  if (ch.due <= t) refreshUntil(ch, t);  // the test inline: most accesses find none due
  bool classified = false;
  for (;;) {
    const Cmd c = ch.cs.required(bank, d.row, column);
    if (!classified) {
      classified = true;
      ++(c == Cmd::ACT ? stats_.rowMisses : c == Cmd::PRE ? stats_.rowConflicts : stats_.rowHits);
    }
    if (c == column) {
      const bool rowHit = ch.cs.bank(bank).columnsSinceAct != 0;
      const uint64_t at = book(ch, c, bank, d.row, t);
      if (at == kNever) continue;  // a refresh closed the row meanwhile
      const uint64_t done = at + (isWrite ? cfg_.writeDelay() : cfg_.readDelay());
      if (isWrite) {
        ++stats_.writes, ++stats_.writeCmds, stats_.writeRowHits += rowHit;
      } else {
        ++stats_.reads, ++stats_.readCmds, stats_.readRowHits += rowHit;
        stats_.readLatency.add(done - arrivalCycle);
      }
      return done;
    }
    const uint64_t at = book(ch, c, bank, d.row, t);
    if (at == kNever) continue;
    ++(c == Cmd::ACT ? stats_.actCmds : stats_.preCmds);
    stats_.ondemandPreCmds += c == Cmd::PRE;
    t = at + 1;
  }
}

}  // namespace vmsim::dram
