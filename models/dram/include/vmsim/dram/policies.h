// Controller policies (scheduler, row-buffer page policy, refresh) behind small interfaces.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vmsim/dram/channel_state.h"
#include "vmsim/dram/config.h"

namespace vmsim::dram {

/// A transaction waiting in the controller (read queue, write buffer or a bank command queue).
struct Entry {
  uint64_t addr = 0;
  uint64_t id = 0;
  uint64_t added = 0;  ///< cycle it entered the controller
  unsigned bank = 0;   ///< flat bank index in the channel
  uint32_t row = 0;
  uint32_t column = 0;
  bool isWrite = false;
  bool classified = false;  ///< first command chosen (row hit/miss/conflict counted)
};
using BankQueue = std::vector<Entry>;

/// Row-buffer policy: which column command (with or without auto-precharge) serves entry i.
class PagePolicy {
 public:
  virtual ~PagePolicy() = default;
  virtual Cmd columnCommand(const BankQueue& q, size_t i) const = 0;
  /// columnCommand(q, i) depends on entry i alone, not on the others.
  virtual bool entryLocal() const { return false; }
};

/// The command a bank queue offers: the first entry (queue order) whose next command may issue
/// at the asked cycle; otherwise cmd == Count and readyAt is the earliest cycle any entry could
/// (kNever: blocked by a scheduling rule until the state changes).
struct Pick {
  Cmd cmd = Cmd::Count;
  size_t index = 0;
  uint64_t readyAt = kNever;
  bool ready() const { return cmd != Cmd::Count; }
};

/// What a bank queue can offer while its contents and its bank's state stay the same: for each
/// command some entry needs next, the first such entry (queue order). A command's ready cycle
/// depends only on the command and the bank, so among entries needing the same command the first
/// one is the one pick() would choose; pick() at any cycle is therefore the first listed command
/// ready by then (Candidates::pick). Timing limits only grow, so the list stays exact until the
/// queue or the bank changes, and only that queue needs a rescan.
struct Candidates {
  struct Item {
    Cmd cmd;
    uint32_t index;
  };
  std::array<Item, kCmdCount> items{};  ///< in queue order, one per command
  unsigned n = 0;
  void add(Cmd c, size_t i) {
    for (unsigned k = 0; k < n; ++k)
      if (items[k].cmd == c) return;
    items[n++] = {c, uint32_t(i)};
  }
  /// Same result as Scheduler::pick on the queue these candidates were made from.
  Pick pick(const ChannelState& cs, unsigned bank, uint64_t clk) const {
    uint64_t best = kNever;
    for (unsigned k = 0; k < n; ++k) {
      const uint64_t t = cs.readyAt(items[k].cmd, bank);
      if (t <= clk) return {items[k].cmd, items[k].index, t};
      best = std::min(best, t);
    }
    return {Cmd::Count, 0, best};
  }
};

/// Chooses among the entries of one (non-empty, per-bank) command queue.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  /// The choice at cycle clk, by scanning every entry (the reference rule).
  virtual Pick pick(const BankQueue& q, const ChannelState& cs, const PagePolicy& page,
                    uint64_t clk) const = 0;
  /// The entries pick() may choose, whatever the cycle, for the current queue and bank state.
  virtual void candidates(const BankQueue& q, const ChannelState& cs, const PagePolicy& page,
                          Candidates& out) const = 0;
  /// Appending e to the non-empty queue q leaves candidates() as they are (b: q's bank). False
  /// whenever unsure.
  virtual bool keepsCandidatesOnAppend(const BankQueue& q, const Entry& e, const BankState& b,
                                       const PagePolicy& page) const = 0;
};

struct RefreshRequest {
  bool perBank = false;
  unsigned rank = 0;
  unsigned bank = 0;  ///< flat bank index (per-bank refresh only)
};

/// Produces refresh requests at their due cycles.
class RefreshPolicy {
 public:
  virtual ~RefreshPolicy() = default;
  virtual uint64_t nextDue() const = 0;  ///< kNever if none
  virtual RefreshRequest pop() = 0;      ///< the request due at nextDue(); advances
  /// The requests repeat: every periodRequests() pops the same ranks/banks come in the same
  /// order, periodCycles() later (0: nothing repeats). Lets an idle controller skip refreshes.
  virtual uint64_t periodRequests() const = 0;
  virtual uint64_t periodCycles() const = 0;
  /// Advances by n whole periods (n x periodRequests() pops) without producing them.
  virtual void skipPeriods(uint64_t n) = 0;
};

std::unique_ptr<PagePolicy> makePagePolicy(const std::string& name);
std::unique_ptr<Scheduler> makeScheduler(const std::string& name, unsigned rowHitCap);
std::unique_ptr<RefreshPolicy> makeRefreshPolicy(const std::string& name, const DramConfig& cfg);
std::vector<std::string> pagePolicyNames();
std::vector<std::string> schedulerNames();
std::vector<std::string> refreshPolicyNames();

}  // namespace vmsim::dram
