// Event-driven DRAM channel controller with the rules of DRAMsim3 1.0 (queues, FR-FCFS, refresh).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "vmsim/dram/addr_counts.h"
#include "vmsim/dram/address_mapping.h"
#include "vmsim/dram/channel_state.h"
#include "vmsim/dram/config.h"
#include "vmsim/dram/policies.h"
#include "vmsim/dram/ready_index.h"
#include "vmsim/dram/stats.h"

namespace vmsim::dram {

/// A finished request. Reported as soon as its done cycle is known (at RD issue for reads, at
/// acceptance for posted writes and for reads answered from the write buffer).
struct Completion {
  uint64_t id = 0;
  uint64_t addr = 0;
  bool isWrite = false;
  uint64_t added = 0;  ///< cycle the request entered the controller
  uint64_t done = 0;   ///< cycle of the last data beat (reads) or the write acknowledge
};
using CompletionCallback = std::function<void(const Completion&)>;

/// One DRAM command as issued on the command bus (for command traces and protocol checkers).
struct IssuedCommand {
  Cmd cmd = Cmd::Count;
  unsigned bank = 0;  ///< flat bank index in the channel (REF: first bank of the rank)
  uint32_t row = 0;
  uint64_t cycle = 0;
};
using CommandCallback = std::function<void(const IssuedCommand&)>;

/// One channel. Per cycle (DRAMsim3 Controller::ClockTick): insert due refreshes, issue at most
/// one command (refresh work first, else round-robin over per-bank command queues), then move at
/// most one transaction from the read queue or, while draining, the write buffer.
/// Idle cycles are skipped: nextEventCycle() says when tick() can next change anything.
class Controller {
 public:
  explicit Controller(const DramConfig& cfg, unsigned channel = 0);

  void setCompletionCallback(CompletionCallback cb) { onComplete_ = std::move(cb); }
  void setCommandCallback(CommandCallback cb) { onCommand_ = std::move(cb); }
  bool canAccept(bool isWrite) const {
    return isWrite ? writeBuffer_.size() < cfg_.ctrl.writeBufferSize
                   : readQueue_.size() < cfg_.ctrl.readQueueSize;
  }
  /// Accepts a request at cycle(); throws std::logic_error if its queue is full.
  void add(uint64_t addr, bool isWrite, uint64_t id = 0);

  void tick();  ///< simulates cycle() and advances to the next cycle
  uint64_t cycle() const { return clk_; }
  /// Earliest cycle >= cycle() at which tick() may do anything (kNever: never, without input).
  /// Asked again with nothing changed (the replay asks, then advanceTo() asks): the same answer.
  uint64_t nextEventCycle() const {
    if (active_) return clk_;
    if (next_.version != version_ || next_.clk != clk_)
      next_ = {version_, clk_, computeNextEvent()};
    return next_.cycle;
  }
  /// Simulates every cycle before c (skipping idle ones); afterwards cycle() == c.
  void advanceTo(uint64_t c);

  /// Idle refresh skipping (default on): once the controller has served a whole refresh period
  /// with nothing but REFs at their earliest cycles, later whole periods of an idle gap are
  /// counted in closed form instead of simulated. Results are identical either way (a REF of a
  /// later period sets the same limits, later, as the skipped ones); off only for tests.
  void setIdleRefreshSkip(bool on) { idleSkip_ = on; }
  uint64_t ticks() const { return ticks_; }  ///< cycles actually simulated by tick()
  uint64_t skippedRefreshes() const { return skippedRefs_; }

  bool readsPending() const { return !pendingReads_.empty(); }
  bool idle() const;  ///< no transaction anywhere in the controller
  uint64_t lastDoneCycle() const { return lastDone_; }
  size_t readQueueSize() const { return readQueue_.size(); }
  size_t writeBufferSize() const { return writeBuffer_.size(); }

  const DramStats& stats() const { return stats_; }
  const ChannelState& channelState() const { return cs_; }
  const DramConfig& config() const { return cfg_; }
  const AddressMapping& mapping() const { return mapping_; }

 private:
  Entry makeEntry(uint64_t addr, bool isWrite, uint64_t id) const;
  enum class CmdClass { Any, Row, Column };
  Cmd tryRefresh();
  Cmd issueFromQueues(CmdClass only);
  void issue(unsigned q, size_t i, Cmd c);
  void finishRead(const Entry& e);
  void report(const Entry& e, uint64_t done);
  void command(Cmd c, unsigned bank, uint32_t row);
  bool scheduleTransaction();
  enum class Move { Moved, None, ReadFirst };
  Move moveOne(std::vector<Entry>& queue, size_t& scanFrom);
  /// The cheap tests of skipIdleRefreshes, inline: nearly every call in a busy run ends here.
  void maybeSkipIdleRefreshes(uint64_t c) {
    if (idleSkip_ && cleanRefs_ != 0 && !active_ && !onCommand_) skipIdleRefreshes(c);
  }
  void skipIdleRefreshes(uint64_t c);
  uint64_t queueReadyAt(unsigned q) const;
  uint64_t computeNextEvent() const;
  /// The queue's pick at cycle(): from its candidates (a queue with one candidate, nearly every
  /// one, offers it once its ready cycle has come), or, with several, from the last pick if no
  /// command has issued since (nextEventCycle's pick is then the next tick's, also after a gap).
  Pick pickAt(unsigned q) const {
    QueueState& s = qs_[q];
    const bool rebuilt = !s.valid;
    if (rebuilt) {
      scheduler_->candidates(cmdQueues_[q], cs_, *page_, s.cands);
      s.valid = 1;
    }
    if (s.cands.n == 1) {
      const Candidates::Item it = s.cands.items[0];
      const uint64_t t = cs_.readyAt(it.cmd, q);
      return t <= clk_ ? Pick{it.cmd, it.index, t} : Pick{Cmd::Count, 0, t};
    }
    if (!rebuilt && s.last.commands == commands_) {
      // No command since: the same state. A pick that was not ready stays exact for later
      // cycles until its ready cycle.
      if (s.last.clk == clk_) return s.last.pick;
      if (!s.last.pick.ready() && s.last.pick.readyAt > clk_) return s.last.pick;
    }
    s.last = {clk_, commands_, s.cands.pick(cs_, q, clk_)};
    return s.last.pick;
  }
  /// The queue's contents or its bank's state changed: its candidates and hint are stale.
  void invalidate(unsigned q) {
    ready_.set(q, 0);
    qs_[q].valid = 0;
  }
  /// Queues [lo, hi) wait for the pending refresh (lo == hi: none).
  void blockedRange(unsigned& lo, unsigned& hi) const;
  /// Calls f(q) for every queue in `bits` in round-robin order after rr_ until f returns true.
  template <typename F>
  bool forEachAfterRr(const std::vector<uint64_t>& bits, F f) const;

  DramConfig cfg_;
  unsigned channel_;
  AddressMapping mapping_;
  ChannelState cs_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<PagePolicy> page_;
  std::unique_ptr<RefreshPolicy> refresh_;
  CompletionCallback onComplete_;
  CommandCallback onCommand_;

  std::vector<Entry> readQueue_, writeBuffer_;
  std::vector<BankQueue> cmdQueues_;
  /// Per queue: no command before its hint (kNever: empty, or held by a scheduling rule until
  /// the queue or its bank changes). Timing limits only grow, so a hint stays a valid lower bound
  /// until the queue's contents or its bank's state change (then invalidate() files it as due).
  mutable ReadyIndex ready_;
  struct LastPick {
    uint64_t clk = kNever, commands = 0;
    Pick pick;
  };
  /// Per queue, in one array: its candidates (valid while `valid`) and, for a queue with several,
  /// its last pick.
  struct QueueState {
    Candidates cands;
    uint8_t valid = 0;
    LastPick last;
  };
  mutable std::vector<QueueState> qs_;
  uint64_t commands_ = 0;               ///< commands issued (timing changes)
  std::vector<uint64_t> nonEmptyBits_;  ///< bit q: cmdQueues_[q] holds entries
  /// Entries [0, scan) of the read queue / write buffer target a full command queue (a full
  /// queue gets room only at a column command, which then resets both to 0).
  size_t readScan_ = 0, writeScan_ = 0;
  unsigned nonEmptyQueues_ = 0;
  AddrCounts pendingReads_;                               ///< addr -> reads waiting for it
  std::unordered_multimap<uint64_t, Entry> mergedReads_;  ///< reads behind another read
  AddrCounts pendingWrites_;  ///< addresses with a write in the buffer (count: writes merged)
  struct PendingRef {
    RefreshRequest r;
    uint64_t earliest;    ///< earliest cycle any schedule could issue it (due, one per cycle)
    bool hadPre = false;  ///< it needed a PRE
  };
  std::deque<PendingRef> pendingRefs_;
  uint64_t refDue_ = 0;  ///< refresh_->nextDue(), which only pop() and skipPeriods() change
  uint64_t lastRefEarliest_ = 0;  ///< PendingRef::earliest of the last popped request
  uint64_t cleanRefs_ = 0;  ///< refreshes in a row served as one REF at `earliest`, nothing else
  bool cleanPerBank_ = false;
  bool idleSkip_ = true;
  uint64_t ticks_ = 0, skippedRefs_ = 0;

  uint64_t clk_ = 0;
  unsigned rr_ = 0;         ///< last command queue served (round robin)
  unsigned drainLeft_ = 0;  ///< writes still to move in the current drain
  bool active_ = false;     ///< last tick (or an add) changed state
  uint64_t version_ = 0;    ///< counts the calls that may change state (add, tick, skips)
  struct NextEvent {
    uint64_t version = ~uint64_t(0), clk = 0, cycle = 0;
  };
  mutable NextEvent next_;  ///< nextEventCycle() for (version_, clk_)
  uint64_t lastDone_ = 0;
  DramStats stats_;
};

}  // namespace vmsim::dram
