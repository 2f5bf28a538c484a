// The controller's incremental scheduling state against brute-force rescans: cached candidates
// per bank queue against Scheduler::pick's full scan, and event skipping (hints, earliest-ready
// bound, transaction-queue scan positions) against ticking every cycle.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "dram_test_util.h"
#include "vmsim/dram/addr_counts.h"
#include "vmsim/dram/ready_index.h"

using namespace vmsim::dram;
using namespace vmsim::dram::test;

namespace {

// Random commands on random banks, as a busy channel would issue them (state kept legal enough
// for the bookkeeping: ACT on closed banks, column commands and PRE on open ones).
void randomCommand(ChannelState& cs, std::mt19937_64& g, uint64_t clk, unsigned avoidBank) {
  unsigned b = unsigned(g() % cs.banks());
  if (b == avoidBank) b = (b + 1) % cs.banks();
  const BankState& s = cs.bank(b);
  if (!s.open) return cs.issue(Cmd::ACT, b, uint32_t(g() % 4), clk);
  static const Cmd kOpen[] = {Cmd::RD, Cmd::WR, Cmd::PRE, Cmd::RDA, Cmd::RD, Cmd::WRA};
  cs.issue(kOpen[g() % 6], b, s.openRow, clk);
}

// A queue of 1..8 entries for one bank, rows around the open one, a few columns (so that writes
// meet older reads of the same location).
BankQueue randomQueue(std::mt19937_64& g, unsigned bank, uint32_t openRow) {
  BankQueue q(1 + g() % 8);
  for (Entry& e : q) {
    e.bank = bank;
    e.row = g() % 3 ? openRow : openRow + 1 + uint32_t(g() % 3);
    e.column = uint32_t(g() % 3);
    e.isWrite = g() % 2;
  }
  return q;
}

void expectSamePick(const Pick& a, const Pick& b, const std::string& what) {
  ASSERT_EQ(a.cmd, b.cmd) << what;
  ASSERT_EQ(a.readyAt, b.readyAt) << what;
  if (a.ready()) {
    ASSERT_EQ(a.index, b.index) << what;
  }
}

// While the queue and its bank stay the same, the candidates made once give pick()'s choice at
// every later cycle, however the other banks' commands raise the shared timing limits.
TEST(dramIncremental, CandidatesGiveTheFullScanChoiceOnRandomQueues) {
  for (const char* preset_ : {"DDR4-2400", "DDR3-1600", "HBM2", "LPDDR4-3200"})
    for (const char* sched : {"frfcfs", "fcfs"})
      for (const char* page : {"open", "closed", "open_adaptive", "closed_adaptive"})
        for (unsigned cap : {1u, 4u}) {
          const DramConfig cfg = preset(preset_);
          const auto s = makeScheduler(sched, cap);
          const auto p = makePagePolicy(page);
          std::mt19937_64 g(cap * 7 + std::string(page).size());
          const std::string what = std::string(preset_) + " " + sched + " " + page;
          unsigned ready = 0, waiting = 0;
          for (int trial = 0; trial < 300; ++trial) {
            ChannelState cs(cfg);
            uint64_t clk = 0;
            for (int k = 0; k < 40; ++k) randomCommand(cs, g, clk += g() % 6, ~0u);
            const unsigned bank = unsigned(g() % cs.banks());
            // The bank: closed, or open with 0..5 column commands since its ACT.
            if (cs.bank(bank).open) cs.issue(Cmd::PRE, bank, 0, clk += 1);
            if (g() % 4) {
              cs.issue(Cmd::ACT, bank, uint32_t(g() % 4), clk += 1);
              for (unsigned n = unsigned(g() % 6); n; --n)
                cs.issue(Cmd::RD, bank, cs.bank(bank).openRow, clk += 1);
            }
            const BankQueue q = randomQueue(g, bank, cs.bank(bank).openRow);
            Candidates c;
            s->candidates(q, cs, *p, c);
            for (int step = 0; step < 30; ++step) {
              const uint64_t at = clk + g() % 80;
              const Pick full = s->pick(q, cs, *p, at);
              expectSamePick(c.pick(cs, bank, at), full, what);
              ++(full.ready() ? ready : waiting);
              randomCommand(cs, g, clk += g() % 5, bank);  // other banks only
            }
          }
          EXPECT_GT(ready, 300u) << what;  // both outcomes were exercised
          EXPECT_GT(waiting, 300u) << what;
        }
}

// A scheduler that says an appended entry leaves a queue's candidates as they are must be right:
// against candidates rebuilt from the longer queue, on random queues, bank states and entries.
TEST(dramIncremental, AppendKeepsCandidatesOnlyWhenTheRebuildAgrees) {
  unsigned changed = 0;  // appends the schedulers did not let through (over all combinations)
  for (const char* sched : {"frfcfs", "fcfs"})
    for (const char* page : {"open", "closed", "open_adaptive", "closed_adaptive"})
      for (unsigned cap : {1u, 4u}) {
        const DramConfig cfg = preset("DDR4-2400");
        const auto s = makeScheduler(sched, cap);
        const auto p = makePagePolicy(page);
        std::mt19937_64 g(cap * 13 + std::string(page).size() + std::string(sched).size());
        const std::string what = std::string(sched) + " " + page + " cap " + std::to_string(cap);
        unsigned kept = 0;
        for (int trial = 0; trial < 3000; ++trial) {
          ChannelState cs(cfg);
          uint64_t clk = 0;
          const unsigned bank = unsigned(g() % cs.banks());
          if (g() % 4) {
            cs.issue(Cmd::ACT, bank, uint32_t(g() % 4), clk += 100);
            for (unsigned n = unsigned(g() % 6); n; --n)
              cs.issue(Cmd::RD, bank, cs.bank(bank).openRow, clk += 10);
          }
          BankQueue q = randomQueue(g, bank, cs.bank(bank).openRow);
          const Entry e = randomQueue(g, bank, cs.bank(bank).openRow)[0];
          Candidates before, after;
          s->candidates(q, cs, *p, before);
          const bool keeps = s->keepsCandidatesOnAppend(q, e, cs.bank(bank), *p);
          q.push_back(e);
          s->candidates(q, cs, *p, after);
          bool same = before.n == after.n;
          for (unsigned k = 0; same && k < before.n; ++k)
            same = before.items[k].cmd == after.items[k].cmd &&
                   before.items[k].index == after.items[k].index;
          if (keeps) {
            ASSERT_TRUE(same) << what << " trial " << trial;
          }
          ++(keeps ? kept : changed);
        }
        EXPECT_GT(kept, 300u) << what;  // the shortcut is taken
      }
  EXPECT_GT(changed, 3000u);  // and not always
}

TEST(dramIncremental, CandidatesListEachCommandOnceInQueueOrder) {
  const DramConfig cfg = preset("DDR4-2400");
  ChannelState cs(cfg);
  cs.issue(Cmd::ACT, 3, 5, 0);
  BankQueue q(5);
  for (Entry& e : q) e.bank = 3;
  q[0].row = 9;                                        // conflict: no PRE while hits wait
  q[1].row = 5, q[1].column = 1;                       // RD
  q[2].row = 5, q[2].column = 1, q[2].isWrite = true;  // WR behind a read of its location
  q[3].row = 5, q[3].column = 2;                       // RD again
  q[4].row = 5, q[4].column = 3, q[4].isWrite = true;  // first WR that may go
  Candidates c;
  makeScheduler("frfcfs", 4)->candidates(q, cs, *makePagePolicy("open"), c);
  ASSERT_EQ(c.n, 2u);
  EXPECT_EQ(c.items[0].cmd, Cmd::RD);
  EXPECT_EQ(c.items[0].index, 1u);
  EXPECT_EQ(c.items[1].cmd, Cmd::WR);
  EXPECT_EQ(c.items[1].index, 4u);
}

// The index against a plain array of hints: after every advance, the due set is exactly the
// filed queues whose hint has come and nextAfterDue() the least other hint (near, far, none),
// filed by set() or, for a due queue and a later hint, defer().
TEST(dramIncremental, ReadyIndexMatchesABruteForceScan) {
  for (unsigned queues : {5u, 32u, 64u, 100u, 200u}) {
    std::mt19937_64 g(queues);
    ReadyIndex idx;
    idx.init(queues);
    std::vector<uint64_t> hint(queues, kNever);
    uint64_t now = 0;
    unsigned dueSeen = 0, farSeen = 0, deferSeen = 0;
    for (int step = 0; step < 20000; ++step) {
      const unsigned op = unsigned(g() % 10);
      if (op < 6) {  // re-file a queue: due, near, far or never
        const unsigned q = unsigned(g() % queues);
        const unsigned kind = unsigned(g() % 10);
        const uint64_t h = kind == 0   ? kNever
                           : kind == 1 ? now - std::min<uint64_t>(now, g() % 5)
                           : kind < 8  ? now + 1 + g() % 70
                                       : now + 60 + g() % 600;
        // defer() is set() for a due queue and a later hint (how the controller re-files a
        // queue it picked and found not ready); use it whenever that holds.
        if (hint[q] <= now && h > now && g() % 2) {
          idx.defer(q, h);
          ++deferSeen;
        } else {
          idx.set(q, h);
        }
        hint[q] = h;
      } else {  // advance by small steps mostly, sometimes past the wheel
        now += op < 9 ? g() % 4 : 1 + g() % 300;
        idx.advance(now);
      }
      ASSERT_EQ(idx.now(), now);
      uint64_t least = kNever;
      for (unsigned q = 0; q < queues; ++q) {
        ASSERT_EQ(idx.hint(q), hint[q]);
        const bool due = hint[q] <= now;
        ASSERT_EQ(bool(idx.due()[q / 64] >> (q % 64) & 1), due)
            << "queue " << q << " step " << step;
        if (!due) least = std::min(least, hint[q]);
        dueSeen += due;
        farSeen += hint[q] != kNever && hint[q] >= now + 64;
      }
      ASSERT_EQ(idx.nextAfterDue(), least) << "step " << step;
    }
    EXPECT_GT(dueSeen, 1000u);
    EXPECT_GT(farSeen, 1000u);
    EXPECT_GT(deferSeen, 1000u);
  }
}

// The flat address map against std::unordered_map under random increments and erases of few
// addresses (long probe runs, wrap-around, growth, backward-shift deletion).
TEST(dramIncremental, AddrCountsMatchesAnUnorderedMap) {
  for (unsigned spread : {8u, 64u, 5000u}) {
    std::mt19937_64 g(spread);
    AddrCounts m(4);
    std::unordered_map<uint64_t, uint32_t> ref;
    for (int step = 0; step < 200000; ++step) {
      const uint64_t a = (g() % spread) << (g() % 2 ? 6 : 18);
      if (g() % 3) {
        ASSERT_EQ(m.increment(a), ++ref[a]);
      } else {
        auto it = ref.find(a);
        ASSERT_EQ(m.erase(a), it == ref.end() ? 0u : it->second);
        if (it != ref.end()) ref.erase(it);
      }
      ASSERT_EQ(m.size(), ref.size());
      const uint64_t probe = (g() % spread) << 6;
      auto it = ref.find(probe);
      ASSERT_EQ(m.get(probe), it == ref.end() ? 0u : it->second);
    }
    for (const auto& [a, n] : ref) ASSERT_EQ(m.get(a), n);
  }
}

struct Trace {
  std::vector<IssuedCommand> cmds;
  std::vector<Completion> done;
  DramStats stats;
};

// Adds the requests at their cycles, simulating either event to event (advanceTo) or every
// cycle (tick), until every read has returned.
Trace run(const DramConfig& cfg, const std::vector<Req>& reqs, bool everyCycle) {
  Controller c(cfg);
  c.setIdleRefreshSkip(false);
  Trace t;
  c.setCommandCallback([&](const IssuedCommand& x) { t.cmds.push_back(x); });
  c.setCompletionCallback([&](const Completion& x) { t.done.push_back(x); });
  auto until = [&](uint64_t cyc) {
    if (!everyCycle) return c.advanceTo(cyc);
    while (c.cycle() < cyc) c.tick();
  };
  for (size_t i = 0; i < reqs.size(); ++i) {
    if (c.cycle() < reqs[i].cycle) until(reqs[i].cycle);
    while (!c.canAccept(reqs[i].isWrite))
      everyCycle ? c.tick() : c.advanceTo(c.nextEventCycle() + 1);
    c.add(reqs[i].addr, reqs[i].isWrite, i);
  }
  while (c.readsPending()) until(c.cycle() + 1);
  until(c.lastDoneCycle() + 1000);
  t.stats = c.stats();
  return t;
}

std::vector<Req> randomTraffic(const Controller& c, unsigned seed, unsigned rows, unsigned gap) {
  std::mt19937_64 g(seed);
  std::vector<Req> r;
  uint64_t t = 0;
  const DramConfig& cfg = c.config();
  for (int i = 0; i < 6000; ++i) {
    t += g() % (gap + 1);
    if (g() % 400 == 0) t += 3000 + g() % 20000;
    r.push_back(
        {addrOf(c, unsigned(g() % cfg.org.ranks), unsigned(g() % cfg.org.bankGroups),
                unsigned(g() % cfg.org.banksPerGroup), uint32_t(g() % rows), uint32_t(g() % 4)),
         g() % 3 == 0, t});
  }
  return r;
}

// Event skipping never passes over a cycle where ticking would have done something, and the
// cached state (candidates, hints, scan positions) gives the same commands as fresh ticks.
TEST(dramIncremental, EventSkippingMatchesTickingEveryCycle) {
  for (const char* preset_ : {"DDR4-2400", "HBM2", "LPDDR4-3200"})
    for (const char* page : {"open", "closed_adaptive"})
      for (const char* refresh : {"rank_staggered", "bank_staggered"}) {
        DramConfig cfg = preset(preset_);
        cfg.org.channels = 1;
        cfg.ctrl.pagePolicy = page;
        cfg.ctrl.refresh = refresh;
        if (std::string(refresh) == "bank_staggered" && cfg.timing.tRFCb == 0) continue;
        for (unsigned gap : {0u, 3u, 40u}) {
          const std::string what =
              std::string(preset_) + " " + page + " " + refresh + " gap " + std::to_string(gap);
          const Controller probe(cfg);
          const auto reqs = randomTraffic(probe, gap + 1, gap == 0 ? 3 : 50, gap);
          const Trace a = run(cfg, reqs, false), b = run(cfg, reqs, true);
          ASSERT_EQ(a.cmds.size(), b.cmds.size()) << what;
          for (size_t i = 0; i < a.cmds.size(); ++i) {
            ASSERT_EQ(a.cmds[i].cmd, b.cmds[i].cmd) << what << " command " << i;
            ASSERT_EQ(a.cmds[i].bank, b.cmds[i].bank) << what << " command " << i;
            ASSERT_EQ(a.cmds[i].row, b.cmds[i].row) << what << " command " << i;
            ASSERT_EQ(a.cmds[i].cycle, b.cmds[i].cycle) << what << " command " << i;
          }
          ASSERT_EQ(a.done.size(), b.done.size()) << what;
          for (size_t i = 0; i < a.done.size(); ++i) {
            EXPECT_EQ(a.done[i].id, b.done[i].id) << what;
            EXPECT_EQ(a.done[i].done, b.done[i].done) << what;
          }
          EXPECT_GT(a.cmds.size(), reqs.size() / 2) << what;  // (gap 0 hits few lines: merges)
          EXPECT_EQ(a.stats.readLatency.bins(), b.stats.readLatency.bins()) << what;
        }
      }
}

}  // namespace
