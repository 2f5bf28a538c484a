// Scheduler (DRAMsim3 FR-FCFS with row-hit cap, FCFS), page policies (DRAMSys names), refresh.
#include "vmsim/dram/policies.h"

#include <algorithm>
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
  bool entryLocal() const override { return true; }
};
struct ClosedPage : PagePolicy {
  Cmd columnCommand(const BankQueue& q, size_t i) const override { return autoPre(q[i]); }
  bool entryLocal() const override { return true; }
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

// Oldest entry first; the bank state decides the command: closed -> ACT (the same for every
// entry), open -> column command for entries hitting the row, PRE for the oldest otherwise.
Pick offerAct(const BankQueue& q, const ChannelState& cs, uint64_t clk) {
  const uint64_t t = cs.readyAt(Cmd::ACT, q[0].bank);
  return t <= clk ? Pick{Cmd::ACT, 0, t} : Pick{Cmd::Count, 0, t};
}

// DRAMsim3 CommandQueue::GetFirstReadyInQueue: first ready entry in queue order, so a younger
// row hit overtakes an older conflict; PRE only for the oldest entry and only if no queued entry
// hits the open row or the row already served `cap` column commands; a write may not pass an
// older read to the same location.
class FrFcfs : public Scheduler {
 public:
  explicit FrFcfs(unsigned cap) : cap_(cap) {}
  Pick pick(const BankQueue& q, const ChannelState& cs, const PagePolicy& page,
            uint64_t clk) const override {
    const BankState& b = cs.bank(q[0].bank);
    if (!b.open) return offerAct(q, cs, clk);
    uint64_t best = kNever;
    for (size_t i = 0; i < q.size(); ++i) {
      Cmd c = Cmd::PRE;
      if (q[i].row != b.openRow) {
        if (i != 0 || !prechargeAllowed(q, b)) continue;
      } else {
        c = page.columnCommand(q, i);
        if (isWriteCmd(c) && passesOlderRead(q, i)) continue;
      }
      const uint64_t t = cs.readyAt(c, q[0].bank);
      if (t <= clk) return {c, i, t};
      best = std::min(best, t);
    }
    return {Cmd::Count, 0, best};
  }
  void candidates(const BankQueue& q, const ChannelState& cs, const PagePolicy& page,
                  Candidates& out) const override {
    out.n = 0;
    const BankState& b = cs.bank(q[0].bank);
    if (!b.open) return out.add(Cmd::ACT, 0);
    // One pass: the first entry hitting the open row decides whether the oldest entry, if it
    // misses, may have its PRE (prechargeAllowed), which comes first in queue order.
    size_t i = 0;
    while (i < q.size() && q[i].row != b.openRow) ++i;
    if (i != 0 && (b.columnsSinceAct >= cap_ || i == q.size())) out.add(Cmd::PRE, 0);
    for (; i < q.size(); ++i) {
      if (q[i].row != b.openRow) continue;
      const Cmd c = page.columnCommand(q, i);
      if (isWriteCmd(c) && passesOlderRead(q, i)) continue;
      out.add(c, i);
    }
  }
  // A closed bank offers ACT for entry 0 whatever follows it. With an open bank, an entry that
  // misses the open row adds no column command and leaves the PRE rule (no queued hit) as it
  // was, as long as no entry's column command depends on the others.
  bool keepsCandidatesOnAppend(const BankQueue&, const Entry& e, const BankState& b,
                               const PagePolicy& page) const override {
    return !b.open || (page.entryLocal() && e.row != b.openRow);
  }

 private:
  bool prechargeAllowed(const BankQueue& q, const BankState& b) const {
    if (b.columnsSinceAct >= cap_) return true;
    for (const Entry& e : q)
      if (e.row == b.openRow) return false;
    return true;
  }
  static bool passesOlderRead(const BankQueue& q, size_t i) {
    for (size_t j = 0; j < i; ++j)
      if (!q[j].isWrite && q[j].row == q[i].row && q[j].column == q[i].column) return true;
    return false;
  }
  unsigned cap_;
};

// Strict arrival order within a bank: only the oldest entry is served.
class Fcfs : public Scheduler {
 public:
  Pick pick(const BankQueue& q, const ChannelState& cs, const PagePolicy& page,
            uint64_t clk) const override {
    const BankState& b = cs.bank(q[0].bank);
    if (!b.open) return offerAct(q, cs, clk);
    const Cmd c = q[0].row == b.openRow ? page.columnCommand(q, 0) : Cmd::PRE;
    const uint64_t t = cs.readyAt(c, q[0].bank);
    return t <= clk ? Pick{c, 0, t} : Pick{Cmd::Count, 0, t};
  }
  void candidates(const BankQueue& q, const ChannelState& cs, const PagePolicy& page,
                  Candidates& out) const override {
    out.n = 0;
    const BankState& b = cs.bank(q[0].bank);
    out.add(!b.open ? Cmd::ACT : q[0].row == b.openRow ? page.columnCommand(q, 0) : Cmd::PRE, 0);
  }
  // Only the oldest entry counts; its column command may depend on the others.
  bool keepsCandidatesOnAppend(const BankQueue&, const Entry&, const BankState& b,
                               const PagePolicy& page) const override {
    return !b.open || page.entryLocal();
  }
};

// DRAMsim3 RANK_LEVEL_STAGGERED: every tREFI/ranks cycles the next rank in turn.
class RankStaggered : public RefreshPolicy {
 public:
  RankStaggered(unsigned interval, unsigned ranks) : interval_(interval), ranks_(ranks) {}
  uint64_t nextDue() const override { return uint64_t(interval_) * (k_ + 1); }
  RefreshRequest pop() override { return {false, unsigned(k_++ % ranks_), 0}; }
  uint64_t periodRequests() const override { return ranks_; }
  uint64_t periodCycles() const override { return uint64_t(interval_) * ranks_; }
  void skipPeriods(uint64_t n) override { k_ += n * ranks_; }

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
  uint64_t periodRequests() const override { return ranks_; }
  uint64_t periodCycles() const override { return interval_; }
  void skipPeriods(uint64_t n) override { k_ += n * ranks_; }

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
  uint64_t periodRequests() const override { return uint64_t(org_.ranks) * org_.banksPerRank(); }
  uint64_t periodCycles() const override { return uint64_t(interval_) * periodRequests(); }
  void skipPeriods(uint64_t n) override { k_ += n * periodRequests(); }

 private:
  unsigned interval_;
  Organisation org_;
  uint64_t k_ = 0;
};

class NoRefresh : public RefreshPolicy {
 public:
  uint64_t nextDue() const override { return kNever; }
  RefreshRequest pop() override { throw std::logic_error("no refresh is ever due"); }
  uint64_t periodRequests() const override { return 0; }
  uint64_t periodCycles() const override { return 0; }
  void skipPeriods(uint64_t) override {}
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
