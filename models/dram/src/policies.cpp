// Scheduler (DRAMsim3 FR-FCFS with row-hit cap, FCFS), page policies (DRAMSys names), refresh.
#include "vmsim/dram/policies.h"

#include <functional>
#include <map>
#include <stdexcept>

namespace vmsim::dram {
namespace {

template <typename T>
std::vector<std::string> keys(const std::map<std::string, T>& m) {
  std::vector<std::string> k;
  for (const auto& [n, v] : m) k.push_back(n);
  return k;
}

template <typename T>
const T& lookup(const std::map<std::string, T>& m, const std::string& what, const std::string& n) {
  auto it = m.find(n);
  if (it != m.end()) return it->second;
  std::string all;
  for (const auto& k : keys(m)) all += (all.empty() ? "" : ", ") + k;
  throw std::invalid_argument("unknown " + what + " '" + n + "'; valid: " + all);
}

bool otherHitsRow(const BankQueue& q, size_t i) {
  for (size_t j = 0; j < q.size(); ++j)
    if (j != i && q[j].row == q[i].row) return true;
  return false;
}
bool otherConflicts(const BankQueue& q, size_t i) {
  for (size_t j = 0; j < q.size(); ++j)
    if (q[j].row != q[i].row) return true;
  return false;
}
Cmd plain(const Entry& e) {
  return e.isWrite ? Cmd::WR : Cmd::RD;
}
Cmd autoPre(const Entry& e) {
  return e.isWrite ? Cmd::WRA : Cmd::RDA;
}

struct OpenPage : PagePolicy {
  Cmd columnCommand(const BankQueue& q, size_t i) const override { return plain(q[i]); }
};
struct ClosedPage : PagePolicy {
  Cmd columnCommand(const BankQueue& q, size_t i) const override { return autoPre(q[i]); }
};
// Close after this access when nothing else wants the row and another row is waiting.
struct OpenAdaptive : PagePolicy {
  Cmd columnCommand(const BankQueue& q, size_t i) const override {
    return !otherHitsRow(q, i) && otherConflicts(q, i) ? autoPre(q[i]) : plain(q[i]);
  }
};
// Keep open only while another queued access hits the same row.
struct ClosedAdaptive : PagePolicy {
  Cmd columnCommand(const BankQueue& q, size_t i) const override {
    return otherHitsRow(q, i) ? plain(q[i]) : autoPre(q[i]);
  }
};

// Shared part: the command entry i needs and when its timing allows it.
Evaluation timingOf(const BankQueue& q, size_t i, const ChannelState& cs, const PagePolicy& page) {
  const Entry& e = q[i];
  Cmd c = cs.required(e.bank, e.row, Cmd::RD);
  if (c == Cmd::RD) c = page.columnCommand(q, i);
  return {c, cs.readyAt(c, e.bank)};
}

// DRAMsim3 CommandQueue::GetFirstReadyInQueue: oldest ready entry; PRE only for the oldest entry
// of the bank and only if no queued entry hits the open row or the row-hit cap is reached;
// a write may not pass an older read to the same location.
class FrFcfs : public Scheduler {
 public:
  explicit FrFcfs(unsigned cap) : cap_(cap) {}
  size_t window(const BankQueue& q) const override { return q.size(); }
  Evaluation evaluate(const BankQueue& q, size_t i, const ChannelState& cs,
                      const PagePolicy& page) const override {
    Evaluation ev = timingOf(q, i, cs, page);
    if (ev.cmd == Cmd::PRE && !prechargeAllowed(q, i, cs)) ev.readyAt = kNever;
    if (isWriteCmd(ev.cmd) && passesOlderRead(q, i)) ev.readyAt = kNever;
    return ev;
  }

 private:
  bool prechargeAllowed(const BankQueue& q, size_t i, const ChannelState& cs) const {
    if (i != 0) return false;  // per-bank queue: an older entry exists
    const BankState& b = cs.bank(q[i].bank);
    if (b.columnsSinceAct >= cap_) return true;
    for (size_t j = i; j < q.size(); ++j)
      if (q[j].row == b.openRow) return false;
    return true;
  }
  static bool passesOlderRead(const BankQueue& q, size_t i) {
    for (size_t j = 0; j < i; ++j)
      if (!q[j].isWrite && q[j].row == q[i].row && q[j].column == q[i].column) return true;
    return false;
  }
  unsigned cap_;
};

class Fcfs : public Scheduler {
 public:
  size_t window(const BankQueue& q) const override { return q.empty() ? 0 : 1; }
  Evaluation evaluate(const BankQueue& q, size_t i, const ChannelState& cs,
                      const PagePolicy& page) const override {
    return timingOf(q, i, cs, page);
  }
};

// DRAMsim3 RANK_LEVEL_STAGGERED: every tREFI/ranks cycles the next rank in turn.
class RankStaggered : public RefreshPolicy {
 public:
  RankStaggered(unsigned interval, unsigned ranks) : interval_(interval), ranks_(ranks) {}
  uint64_t nextDue() const override { return uint64_t(interval_) * (k_ + 1); }
  RefreshRequest pop() override { return {false, unsigned(k_++ % ranks_), 0}; }

 private:
  unsigned interval_, ranks_;
  uint64_t k_ = 0;
};

// Every tREFI all ranks at once.
class RankSimultaneous : public RefreshPolicy {
 public:
  RankSimultaneous(unsigned interval, unsigned ranks) : interval_(interval), ranks_(ranks) {}
  uint64_t nextDue() const override { return uint64_t(interval_) * (k_ / ranks_ + 1); }
  RefreshRequest pop() override { return {false, unsigned(k_++ % ranks_), 0}; }

 private:
  unsigned interval_, ranks_;
  uint64_t k_ = 0;
};

// Per-bank refresh (LPDDR4 REFpb, DDR5 REFsb, HBM2 REFSB): one bank at a time, ranks fastest.
class BankStaggered : public RefreshPolicy {
 public:
  BankStaggered(unsigned interval, const Organisation& org) : interval_(interval), org_(org) {}
  uint64_t nextDue() const override { return uint64_t(interval_) * (k_ + 1); }
  RefreshRequest pop() override {
    const unsigned rank = unsigned(k_ % org_.ranks);
    const unsigned bankInRank = unsigned((k_ / org_.ranks) % org_.banksPerRank());
    ++k_;
    return {true, rank, rank * org_.banksPerRank() + bankInRank};
  }

 private:
  unsigned interval_;
  Organisation org_;
  uint64_t k_ = 0;
};

class NoRefresh : public RefreshPolicy {
 public:
  uint64_t nextDue() const override { return kNever; }
  RefreshRequest pop() override { throw std::logic_error("no refresh is ever due"); }
};

using PageFactory = std::function<std::unique_ptr<PagePolicy>()>;
const std::map<std::string, PageFactory>& pageTable() {
  static const std::map<std::string, PageFactory> t = {
      {"open", [] { return std::make_unique<OpenPage>(); }},
      {"closed", [] { return std::make_unique<ClosedPage>(); }},
      {"open_adaptive", [] { return std::make_unique<OpenAdaptive>(); }},
      {"closed_adaptive", [] { return std::make_unique<ClosedAdaptive>(); }}};
  return t;
}

using SchedFactory = std::function<std::unique_ptr<Scheduler>(unsigned)>;
const std::map<std::string, SchedFactory>& schedTable() {
  static const std::map<std::string, SchedFactory> t = {
      {"frfcfs", [](unsigned cap) { return std::make_unique<FrFcfs>(cap); }},
      {"fcfs", [](unsigned) { return std::make_unique<Fcfs>(); }}};
  return t;
}

std::unique_ptr<RefreshPolicy> perBank(const DramConfig& c) {
  if (c.timing.tRFCb == 0 || c.timing.tREFIb == 0)
    throw std::invalid_argument("refresh 'bank_staggered' needs tRFCb and tREFIb, which " +
                                toString(c.standard) + " (" + c.name + ") does not define");
  return std::make_unique<BankStaggered>(std::max(1u, c.timing.tREFIb / c.org.ranks), c.org);
}

using RefFactory = std::function<std::unique_ptr<RefreshPolicy>(const DramConfig&)>;
const std::map<std::string, RefFactory>& refreshTable() {
  static const std::map<std::string, RefFactory> t = {
      {"rank_staggered",
       [](const DramConfig& c) {
         return std::make_unique<RankStaggered>(c.timing.tREFI / c.org.ranks, c.org.ranks);
       }},
      {"rank_simultaneous",
       [](const DramConfig& c) {
         return std::make_unique<RankSimultaneous>(c.timing.tREFI, c.org.ranks);
       }},
      {"bank_staggered", perBank},
      {"none", [](const DramConfig&) { return std::make_unique<NoRefresh>(); }}};
  return t;
}

}  // namespace

std::unique_ptr<PagePolicy> makePagePolicy(const std::string& name) {
  return lookup(pageTable(), "page policy", name)();
}
std::unique_ptr<Scheduler> makeScheduler(const std::string& name, unsigned rowHitCap) {
  return lookup(schedTable(), "scheduler", name)(rowHitCap);
}
std::unique_ptr<RefreshPolicy> makeRefreshPolicy(const std::string& name, const DramConfig& cfg) {
  const auto& f = lookup(refreshTable(), "refresh policy", name);
  if (name != "none" && cfg.timing.tREFI == 0)
    throw std::invalid_argument("refresh '" + name + "' needs tREFI > 0");
  return f(cfg);
}
std::vector<std::string> pagePolicyNames() {
  return keys(pageTable());
}
std::vector<std::string> schedulerNames() {
  return keys(schedTable());
}
std::vector<std::string> refreshPolicyNames() {
  return keys(refreshTable());
}

}  // namespace vmsim::dram
