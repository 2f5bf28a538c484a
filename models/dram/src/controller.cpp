// Channel controller: DRAMsim3 1.0 controller.cc / command_queue.cc rules, event-driven.
#include "vmsim/dram/controller.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace vmsim::dram {
namespace {
std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}
}  // namespace

Controller::Controller(const DramConfig& cfg, unsigned channel)
    : cfg_(cfg),
      channel_(channel),
      mapping_(validated(cfg).ctrl.mapping, cfg.org),
      cs_(cfg),
      scheduler_(makeScheduler(cfg.ctrl.scheduler, cfg.ctrl.rowHitCap)),
      page_(makePagePolicy(cfg.ctrl.pagePolicy)),
      refresh_(makeRefreshPolicy(cfg.ctrl.refresh, cfg)),
      cmdQueues_(cfg.org.banksPerChannel()),
      qs_(cfg.org.banksPerChannel()),
      nonEmptyBits_((cfg.org.banksPerChannel() + 63) / 64, 0) {
  ready_.init(cfg.org.banksPerChannel());
  refDue_ = refresh_->nextDue();
  readQueue_.reserve(cfg.ctrl.readQueueSize);
  writeBuffer_.reserve(cfg.ctrl.writeBufferSize);
  for (auto& q : cmdQueues_) q.reserve(cfg.ctrl.cmdQueueSize);
}

Entry Controller::makeEntry(uint64_t addr, bool isWrite, uint64_t id) const {
  const DramAddress d = mapping_.decode(addr);
  if (d.channel != channel_)
    throw std::invalid_argument("address " + hex(addr) + " maps to channel " +
                                std::to_string(d.channel) + ", not to this controller's " +
                                std::to_string(channel_));
  Entry e;
  e.addr = addr, e.id = id, e.added = clk_, e.isWrite = isWrite;
  e.bank = cs_.bankIndex(d.rank, d.bankGroup, d.bank);
  e.row = d.row, e.column = d.column;
  return e;
}

void Controller::add(uint64_t addr, bool isWrite, uint64_t id) {
  if (!canAccept(isWrite))
    throw std::logic_error(std::string("DRAM controller: ") +
                           (isWrite ? "write buffer" : "read queue") + " is full");
  const Entry e = makeEntry(addr, isWrite, id);
  active_ = true;
  ++version_;
  cleanRefs_ = 0;
  if (isWrite) {
    ++stats_.writes;
    if (pendingWrites_.increment(addr) == 1)
      writeBuffer_.push_back(e);
    else
      ++stats_.mergedWrites;  // a write to the same address is still waiting: merge
    report(e, clk_ + 1);      // posted write, acknowledged next cycle
    return;
  }
  ++stats_.reads;
  if (pendingWrites_.get(addr)) {  // forwarded from the pending write
    ++stats_.readsFromWriteBuffer;
    stats_.readLatency.add(1);
    report(e, clk_ + 1);
    return;
  }
  if (pendingReads_.increment(addr) == 1) {
    readQueue_.push_back(e);
  } else {
    ++stats_.mergedReads;
    mergedReads_.emplace(addr, e);
  }
}

void Controller::report(const Entry& e, uint64_t done) {
  lastDone_ = std::max(lastDone_, done);
  if (onComplete_) onComplete_(Completion{e.id, e.addr, e.isWrite, e.added, done});
}

void Controller::command(Cmd c, unsigned bank, uint32_t row) {
  cs_.issue(c, bank, row, clk_);
  ++commands_;
  if (onCommand_) onCommand_(IssuedCommand{c, bank, row, clk_});
}

bool Controller::idle() const {
  return readQueue_.empty() && writeBuffer_.empty() && nonEmptyQueues_ == 0;
}

void Controller::tick() {
  ++ticks_;
  ++version_;
  active_ = false;
  while (refDue_ <= clk_) {
    // No schedule issues it before it is due or before the request ahead of it (one per cycle).
    lastRefEarliest_ = std::max(refDue_, lastRefEarliest_ + 1);
    pendingRefs_.push_back({refresh_->pop(), lastRefEarliest_});
    refDue_ = refresh_->nextDue();
    active_ = true;
  }
  Cmd first = pendingRefs_.empty() ? Cmd::Count : tryRefresh();
  if (first == Cmd::Count) first = issueFromQueues(CmdClass::Any);
  const bool issued = first != Cmd::Count;
  // HBM: separate row and column command buses (DRAMsim3 enable_hbm_dual_cmd).
  if (issued && cfg_.ctrl.dualCommandIssue)
    issueFromQueues(isColumn(first) ? CmdClass::Row : CmdClass::Column);
  if (scheduleTransaction() || issued) active_ = true;
  ++clk_;
}

Cmd Controller::tryRefresh() {
  PendingRef& p = pendingRefs_.front();
  const RefreshRequest& r = p.r;
  const RefreshStep s =
      r.perBank ? cs_.bankRefreshStep(r.bank, clk_) : cs_.rankRefreshStep(r.rank, clk_);
  if (!s.valid()) return Cmd::Count;
  command(s.cmd, s.bank, 0);
  if (!cmdQueues_[s.bank].empty()) invalidate(s.bank);
  if (s.cmd == Cmd::PRE) {
    ++stats_.preCmds;
    p.hadPre = true;
    return s.cmd;
  }
  ++(s.cmd == Cmd::REF ? stats_.refCmds : stats_.refbCmds);
  // Clean: no timing limit held it back and it needed no PRE (see skipIdleRefreshes).
  if (!p.hadPre && clk_ == p.earliest) {
    ++cleanRefs_;
    cleanPerBank_ = r.perBank;
  } else {
    cleanRefs_ = 0;
  }
  pendingRefs_.pop_front();
  return s.cmd;
}

// Closed-form refresh over an idle gap ending at cycle c. After a whole period P of refresh
// requests served cleanly (each a lone REF issued at the earliest cycle any schedule could, with
// no other command since), period n + 1 repeats period n shifted by C cycles: its REFs are held
// only by limits the previous period's REFs set, shifted by C, and were not held by them then
// (older commands only weigh less). So whole periods are counted instead of simulated, leaving a
// full period before c to be simulated: its REFs set every limit the skipped ones would have (the
// same commands on the same ranks/banks, later), so the state at c is the same.
void Controller::skipIdleRefreshes(uint64_t c) {
  if (!idleSkip_ || cleanRefs_ == 0 || active_ || onCommand_) return;  // the cheap tests first
  const uint64_t P = refresh_->periodRequests(), C = refresh_->periodCycles();
  // Nothing but refresh can happen: no read or command queued, no drain under way or able to
  // start (posted writes may wait in the buffer below the drain threshold), no command tracing.
  const size_t w = writeBuffer_.size();
  const bool quiet = readQueue_.empty() && nonEmptyQueues_ == 0 && drainLeft_ == 0 &&
                     w < cfg_.ctrl.writeDrainHigh && w <= cfg_.ctrl.writeDrainLow;
  if (!idleSkip_ || P == 0 || C == 0 || cleanRefs_ < P || active_ || !pendingRefs_.empty() ||
      !quiet || onCommand_)
    return;
  const uint64_t d0 = refDue_;
  if (d0 == kNever || c <= d0 || c - d0 <= C + P) return;
  const uint64_t k = (c - d0 - C - P) / C;  // the P requests after the skipped ones end before c
  if (k == 0) return;
  ++version_;
  refresh_->skipPeriods(k);
  refDue_ = refresh_->nextDue();
  lastRefEarliest_ += k * C;
  (cleanPerBank_ ? stats_.refbCmds : stats_.refCmds) += k * P;
  cleanRefs_ += k * P;
  skippedRefs_ += k * P;
}

void Controller::blockedRange(unsigned& lo, unsigned& hi) const {
  lo = hi = 0;
  if (pendingRefs_.empty()) return;
  const RefreshRequest& r = pendingRefs_.front().r;
  if (r.perBank) {
    lo = r.bank, hi = r.bank + 1;
  } else {
    lo = r.rank * cfg_.org.banksPerRank(), hi = lo + cfg_.org.banksPerRank();
  }
}

template <typename F>
bool Controller::forEachAfterRr(const std::vector<uint64_t>& bits, F f) const {
  const unsigned n = unsigned(cmdQueues_.size()), words = unsigned(bits.size());
  const unsigned s = rr_ + 1 == n ? 0 : rr_ + 1, sw = s >> 6, sb = s & 63;
  for (unsigned w = sw; w < words; ++w) {  // queues s .. n-1
    uint64_t m = bits[w];
    if (w == sw) m &= ~0ull << sb;
    for (; m; m &= m - 1)
      if (f(w * 64 + unsigned(__builtin_ctzll(m)))) return true;
  }
  for (unsigned w = 0; w <= sw; ++w) {  // queues 0 .. s-1
    uint64_t m = bits[w];
    if (w == sw) m &= sb ? (1ull << sb) - 1 : 0;
    for (; m; m &= m - 1)
      if (f(w * 64 + unsigned(__builtin_ctzll(m)))) return true;
  }
  return false;
}

// Round robin from the queue after the last one served; the first queue whose pick is ready
// issues. A queue whose hint lies ahead cannot (the hint is a lower bound), so only the due
// queues are picked, each from its cached candidates (rebuilt only after a change).
Cmd Controller::issueFromQueues(CmdClass only) {
  if (nonEmptyQueues_ == 0) return Cmd::Count;
  ready_.advance(clk_);
  unsigned lo, hi;
  blockedRange(lo, hi);
  Cmd issued = Cmd::Count;
  forEachAfterRr(ready_.due(), [&](unsigned q) {
    if (q >= lo && q < hi) return false;
    const Pick p = pickAt(q);
    if (p.ready()) {
      if (only != CmdClass::Any && isColumn(p.cmd) != (only == CmdClass::Column)) return false;
      rr_ = q;
      issue(q, p.index, p.cmd);
      issued = p.cmd;
      return true;
    }
    ready_.defer(q, p.readyAt);  // q is due (now() == clk_) and not ready: readyAt > clk_
    return false;
  });
  return issued;
}

void Controller::issue(unsigned q, size_t i, Cmd c) {
  invalidate(q);
  cleanRefs_ = 0;
  BankQueue& queue = cmdQueues_[q];
  Entry& e = queue[i];
  if (!e.classified) {
    e.classified = true;
    ++(c == Cmd::ACT ? stats_.rowMisses : c == Cmd::PRE ? stats_.rowConflicts : stats_.rowHits);
  }
  if (!isColumn(c)) {
    ++(c == Cmd::ACT ? stats_.actCmds : stats_.preCmds);
    stats_.ondemandPreCmds += c == Cmd::PRE;
    command(c, e.bank, e.row);
    return;
  }
  const bool rowHit = cs_.bank(e.bank).columnsSinceAct != 0;
  if (isRead(c)) {
    ++stats_.readCmds;
    stats_.readRowHits += rowHit;
    finishRead(e);
  } else {
    ++stats_.writeCmds;
    stats_.writeRowHits += rowHit;
    pendingWrites_.erase(e.addr);
  }
  command(c, e.bank, e.row);
  if (queue.size() == cfg_.ctrl.cmdQueueSize) readScan_ = writeScan_ = 0;  // room again
  queue.erase(queue.begin() + long(i));
  if (queue.empty()) {
    --nonEmptyQueues_;
    nonEmptyBits_[q >> 6] &= ~(1ull << (q & 63));
    ready_.set(q, kNever);
  }
}

void Controller::finishRead(const Entry& e) {
  const uint64_t done = clk_ + cfg_.readDelay();
  stats_.readLatency.add(done - e.added);
  report(e, done);
  if (pendingReads_.get(e.addr) > 1) {
    auto range = mergedReads_.equal_range(e.addr);
    for (auto m = range.first; m != range.second; ++m) {
      stats_.readLatency.add(done - m->second.added);
      report(m->second, done);
    }
    mergedReads_.erase(range.first, range.second);
  }
  pendingReads_.erase(e.addr);
}

// DRAMsim3 Controller::ScheduleTransaction: start a drain when the write buffer is full, or holds
// more than writeDrainLow writes while every command queue is empty; then move one transaction.
bool Controller::scheduleTransaction() {
  bool changed = false;
  if (drainLeft_ == 0 && !writeBuffer_.empty()) {
    const size_t n = writeBuffer_.size();
    if (n >= cfg_.ctrl.writeDrainHigh || (n > cfg_.ctrl.writeDrainLow && nonEmptyQueues_ == 0)) {
      drainLeft_ = unsigned(n);
      changed = true;
    }
  }
  if (drainLeft_ == 0) return moveOne(readQueue_, readScan_) == Move::Moved || changed;
  switch (moveOne(writeBuffer_, writeScan_)) {
    case Move::Moved:
      return true;
    case Move::None:
      return changed;
    case Move::ReadFirst:
      drainLeft_ = 0;  // the drain ends at a write whose address a read still waits for
      // With every command queue empty that read can only be in the read queue, and DRAMsim3
      // would restart and end the drain forever; serve the read queue instead (livelock escape).
      if (nonEmptyQueues_ == 0 && moveOne(readQueue_, readScan_) == Move::Moved)
        ++stats_.drainEscapes;
      return true;
  }
  return true;
}

// Moves the first transaction (queue order) whose bank command queue has room. The entries
// before scanFrom are known to target full queues and are not looked at again.
Controller::Move Controller::moveOne(std::vector<Entry>& queue, size_t& scanFrom) {
  for (size_t i = scanFrom; i < queue.size(); ++i) {
    const unsigned bank = queue[i].bank;
    BankQueue& target = cmdQueues_[bank];
    if (target.size() >= cfg_.ctrl.cmdQueueSize) continue;
    scanFrom = i;
    if (queue[i].isWrite) {
      if (pendingReads_.get(queue[i].addr)) return Move::ReadFirst;  // read-after-write order
      --drainLeft_;
    }
    if (target.empty()) {
      ++nonEmptyQueues_;
      nonEmptyBits_[bank >> 6] |= 1ull << (bank & 63);
      invalidate(bank);
    } else if (!qs_[bank].valid ||
               !scheduler_->keepsCandidatesOnAppend(target, queue[i], cs_.bank(bank), *page_)) {
      invalidate(bank);  // else its candidates, last pick and hint stay exact
    }
    target.push_back(queue[i]);
    queue.erase(queue.begin() + long(i));
    return Move::Moved;
  }
  scanFrom = queue.size();
  return Move::None;
}

uint64_t Controller::queueReadyAt(unsigned q) const {
  if (ready_.hint(q) > clk_) return ready_.hint(q);
  const uint64_t t = pickAt(q).readyAt;
  if (t > clk_)
    ready_.defer(q, t);  // q is due (now() == clk_): the common case
  else
    ready_.set(q, t);
  return t;
}

uint64_t Controller::computeNextEvent() const {
  uint64_t t = refDue_;
  if (!pendingRefs_.empty()) {
    const RefreshRequest& r = pendingRefs_.front().r;
    t = std::min(t, r.perBank ? cs_.bankRefreshReadyAt(r.bank) : cs_.rankRefreshReadyAt(r.rank));
  }
  if (nonEmptyQueues_ > 0) {
    ready_.advance(clk_);
    unsigned lo, hi;
    blockedRange(lo, hi);
    if (lo == hi) {  // re-pick the due queues; the rest wait in the index
      const std::vector<uint64_t>& due = ready_.due();
      for (unsigned w = 0; w < due.size(); ++w)
        for (uint64_t m = due[w]; m; m &= m - 1)
          t = std::min(t, queueReadyAt(w * 64 + unsigned(__builtin_ctzll(m))));
      t = std::min(t, ready_.nextAfterDue());
    } else {  // queues the pending refresh holds do not count
      forEachAfterRr(nonEmptyBits_, [&](unsigned q) {
        if ((q < lo || q >= hi) && ready_.hint(q) != kNever) t = std::min(t, queueReadyAt(q));
        return false;
      });
    }
  }
  return std::max(t, clk_);
}

void Controller::advanceTo(uint64_t c) {
  while (clk_ < c) {
    maybeSkipIdleRefreshes(c);
    const uint64_t n = nextEventCycle();
    if (n >= c) {
      clk_ = c;
      return;
    }
    clk_ = n;
    tick();
  }
}

}  // namespace vmsim::dram
