// The cache hierarchy end to end through the TLM sockets (docs/caches.md): data stays right,
// hits and misses where they are exactly predictable, the walker's accesses counted by kind and
// entering where walker.cache_entry says, write-backs reaching the DRAM, each inclusion mode,
// MSHR merging and the MSHR bound in AT, and configuration errors. Each test runs vmsim.
#include <gtest/gtest.h>

#include "cli_support.h"

namespace {
using namespace vmsim::test;

// The tests' base configuration: the model's own hierarchy keys, no CPU preset.
const std::string kDefault = std::string(VMSIM_SOURCE_DIR) + "/tests/data/configs/base.yaml";
const std::string kP = " --param system.cpu0.";
const std::string kW = kP + "requester.workload.";

std::string run(const std::string& name, const std::string& args) {
  const auto dir = tempDir(name);
  const Result r = runVmsim(kDefault + args + " --outdir " + dir);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  return slurp(dir + "/stats.txt");
}

double kindTotal(const std::string& s, const std::string& cache, const std::string& kind) {
  return statValue(s, cache + ".hits::" + kind) + statValue(s, cache + ".misses::" + kind);
}

const std::string kL1 = "system.cpu0.dcache";
const std::string kL2 = "system.cpu0.l2cache";
const std::string kLlc = "system.llc";
}  // namespace

// A 16 KiB loop fits the 32 KiB L1D: each of its 256 lines misses once (first touch), every
// other access hits, in LT and AT alike, and every load returns what was stored.
TEST(Caches, SequentialLoopMissesOncePerLineThenHits) {
  for (const char* mode : {"lt", "at"}) {
    const std::string s =
        run(std::string("seq_") + mode, kW + "pattern=sequential" + kW + "footprint=16KiB" + kW +
                                            "count=20000" + kP + "requester.verify_data=true" + kP +
                                            "requester.mode=" + mode);
    EXPECT_EQ(statValue(s, "system.cpu0.requester.dataMismatches"), 0) << mode;
    // In AT the other accesses to a line whose fill is in flight merge with it (misses too).
    const double merges =
        statValue(s, kL1 + ".mshrMerges::load") + statValue(s, kL1 + ".mshrMerges::store");
    const double misses =
        statValue(s, kL1 + ".misses::load") + statValue(s, kL1 + ".misses::store") - merges;
    const double hits = statValue(s, kL1 + ".hits::load") + statValue(s, kL1 + ".hits::store");
    EXPECT_EQ(misses, 256) << mode;
    EXPECT_EQ(hits, 20000 - 256 - merges) << mode;
    if (std::string(mode) == "lt") {
      EXPECT_EQ(merges, 0);
    }
    // The L2 and the L3 see each line once, as a fill; nothing is evicted, so nothing is written.
    EXPECT_EQ(statValue(s, kL2 + ".misses::load") + statValue(s, kL2 + ".misses::store"), 256);
    EXPECT_EQ(statValue(s, kLlc + ".misses::load") + statValue(s, kLlc + ".misses::store"), 256);
    EXPECT_EQ(statValue(s, "system.dram.writes"), 0) << mode;
    EXPECT_EQ(statValue(s, kL1 + ".occupancy::data"), 256) << mode;
  }
}

// A pointer chase over 16 lines in 16 pages (slot 4160 bytes: one line per page, each in its own
// set) costs about the L1 latency once warm, not the DRAM's.
TEST(Caches, PointerChaseOverSixteenPagesCostsAboutTheL1Latency) {
  const std::string chase = kW + "pattern=pointer_chase" + kW + "stride=4160" + kW +
                            "footprint=66560" + kW + "count=20000" + kW + "write_fraction=0";
  const std::string on = run("chase_on", chase);
  const std::string off =
      run("chase_off", chase + kP + "dcache.enabled=false" + kP + "icache.enabled=false" + kP +
                           "l2cache.enabled=false --param system.llc.enabled=false");
  EXPECT_EQ(statValue(on, kL1 + ".misses::load"), 16);
  const double lat = statValue(on, "system.cpu0.requester.avgLatency");
  EXPECT_GT(lat, 4.0);  // the L1D's 4 cycles at least
  EXPECT_LT(lat, 7.0);  // plus an L1 TLB hit and the first-touch misses spread over 20000
  EXPECT_GT(statValue(off, "system.cpu0.requester.avgLatency"), 4 * lat);
}

// PTE reads and A/D writes are counted by kind where they enter (walker.cache_entry), and an
// L1D miss of a PTE reaches the L2 as a PTE read.
TEST(Caches, WalkerAccessesEnterWhereConfiguredAndAreCountedByKind) {
  // The kernel's own page-table accesses (they enter at the LLC, docs/os.md) are charged as fixed
  // cycles here, so that every PTE access the caches count is the walker's.
  const std::string base =
      kW + "count=20000" + kW + "footprint=64MiB" + " --param system.kernel.cost.page_tables=fixed";
  const std::string d = run("entry_d", base);
  const double reads = statValue(d, "system.cpu0.mmu.walker.memReads");
  const double writes = statValue(d, "system.cpu0.mmu.walker.adWrites");
  ASSERT_GT(reads, 1000);
  ASSERT_GT(writes, 1000);
  EXPECT_EQ(kindTotal(d, kL1, "pteRead"), reads);
  EXPECT_EQ(kindTotal(d, kL1, "pteWrite"), writes);
  EXPECT_EQ(kindTotal(d, kL2, "pteRead"), statValue(d, kL1 + ".misses::pteRead"));
  EXPECT_GT(statValue(d, kL1 + ".hits::pteRead"), 0);
  EXPECT_GT(statValue(d, kLlc + ".occupancy::pageTable"), 0);

  const std::string l2 = run("entry_l2", base + kP + "mmu.walker.cache_entry=l2cache");
  EXPECT_EQ(kindTotal(l2, kL1, "pteRead"), 0);
  EXPECT_EQ(kindTotal(l2, kL2, "pteRead"), statValue(l2, "system.cpu0.mmu.walker.memReads"));
  const std::string llc = run("entry_llc", base + kP + "mmu.walker.cache_entry=llc");
  EXPECT_EQ(kindTotal(llc, kL2, "pteRead"), 0);
  EXPECT_EQ(kindTotal(llc, kLlc, "pteRead"), statValue(llc, "system.cpu0.mmu.walker.memReads"));
  const std::string mem = run("entry_mem", base + kP + "mmu.walker.cache_entry=memory");
  EXPECT_EQ(kindTotal(mem, kLlc, "pteRead"), 0);
  EXPECT_EQ(statValue(mem, kLlc + ".occupancy::pageTable"), 0);
  // PTEs found in the caches make walks shorter than PTEs read from DRAM.
  EXPECT_LT(statValue(d, "system.cpu0.mmu.walker.walkLatency::mean"),
            statValue(mem, "system.cpu0.mmu.walker.walkLatency::mean"));
}

// Stores mark lines dirty; a dirty line leaving the L3 is a timed write to the DRAM. In LT the
// DRAM therefore sees exactly the L3's fills as reads and its write-backs as writes.
TEST(Caches, WritebacksReachTheDram) {
  const std::string s =
      run("wb", kW + "write_fraction=1" + kW + "footprint=32MiB" + kW + "count=200000");
  const double wb = statValue(s, kLlc + ".writebacks");
  EXPECT_GT(wb, 10000);
  EXPECT_EQ(statValue(s, "system.dram.writes"), wb);
  EXPECT_EQ(statValue(s, "system.dram.reads"),
            statValue(s, kLlc + ".misses::total") - statValue(s, kLlc + ".misses::writeback"));
  EXPECT_GT(statValue(s, kL1 + ".writebacks"), 0);
  EXPECT_EQ(kindTotal(s, kL2, "writeback"), statValue(s, kL1 + ".writebacks"));
}

// inclusive: the L2's evictions drop the L1D's copies; non_inclusive: they do not.
TEST(Caches, InclusiveL1LosesLinesTheL2Evicts) {
  const std::string base = kW + "footprint=1MiB" + kW + "count=50000" + kP + "l2cache.size=64KiB";
  const std::string inc = run("incl", base + kP + "dcache.inclusion=inclusive");
  const std::string non = run("nonincl", base + kP + "dcache.inclusion=non_inclusive");
  EXPECT_GT(statValue(inc, kL1 + ".backInvalidations"), 100);
  EXPECT_EQ(statValue(non, kL1 + ".backInvalidations"), 0);
  EXPECT_GT(statValue(inc, kL1 + ".misses::total"), statValue(non, kL1 + ".misses::total"));
}

// exclusive: every L2 victim (clean or dirty) moves down into the L3, and lines come back up
// from it; the L3 then holds what the L2 does not, so together they hold more.
TEST(Caches, ExclusiveL2MovesVictimsDownToTheL3) {
  const std::string base = kW + "footprint=8MiB" + kW + "count=50000" + kW + "write_fraction=0" +
                           " --param system.llc.size=1MiB";
  for (const char* mode : {"lt", "at"}) {
    const std::string ex =
        run(std::string("excl_") + mode,
            base + kP + "l2cache.inclusion=exclusive" + kP + "requester.mode=" + mode);
    const double down = statValue(ex, kL2 + ".victimsDown");
    EXPECT_GT(down, 1000) << mode;
    // Each victim arrives at the L3 (AT: but for the few still on their way at the end).
    const double arrived = kindTotal(ex, kLlc, "writeback");
    EXPECT_LE(arrived, down) << mode;
    EXPECT_GE(arrived, down - 8) << mode;
    EXPECT_GT(statValue(ex, kLlc + ".hits::load"), 0) << mode;
    // Loads only: just the page-table lines that got A/D bits are dirty.
    EXPECT_LT(statValue(ex, kL2 + ".writebacks"), 0.05 * down) << mode;
  }
  const std::string inc = run("excl_vs_incl", base);
  const std::string ex = run("excl_again", base + kP + "l2cache.inclusion=exclusive");
  EXPECT_LT(statValue(ex, kLlc + ".misses::load"), statValue(inc, kLlc + ".misses::load"));
}

// AT: a miss to a line whose fill is in flight merges with it; with one MSHR, independent misses
// wait for each other (stalls) and the run takes longer.
TEST(Caches, MshrsMergeAndBoundOutstandingMissesInAt) {
  const std::string at = kP + "requester.mode=at" + kP + "requester.max_outstanding=16";
  const std::string seq =
      run("merge", at + kW + "pattern=sequential" + kW + "footprint=64MiB" + kW + "count=20000");
  EXPECT_GT(statValue(seq, kL1 + ".mshrMerges::total"), 1000);
  // 4 MiB: warm after 1024 page faults; the loads miss the L1D and L2 and hit the L3.
  const std::string rnd = at + kW + "count=50000" + kW + "write_fraction=0" + kW + "footprint=4MiB";
  const std::string one = run("mshr1", rnd + kP + "dcache.mshrs=1");
  const std::string many = run("mshr64", rnd + kP + "dcache.mshrs=64");
  EXPECT_GT(statValue(one, kL1 + ".mshrStalls"), 1000);
  EXPECT_GT(statValue(one, kL1 + ".mshrStallCycles"), 0);
  EXPECT_EQ(statValue(many, kL1 + ".mshrStalls"), 0);
  EXPECT_GT(statValue(one, "simTicks"), 1.2 * statValue(many, "simTicks"));
}

// Replacement policies change the misses of a conflict-heavy run; random is deterministic.
TEST(Caches, ReplacementPoliciesAreSelectableAndDeterministic) {
  const std::string base = kW + "footprint=256KiB" + kW + "count=50000";
  double prev = -1;
  for (const char* pol : {"lru", "fifo", "plru", "random"}) {
    const std::string s = run(std::string("repl_") + pol, base + kP + "dcache.replacement=" + pol);
    const double m = statValue(s, kL1 + ".misses::total");
    EXPECT_GT(m, 1000) << pol;
    EXPECT_NE(m, prev) << pol;
    prev = m;
  }
  const auto d1 = tempDir("rnd1"), d2 = tempDir("rnd2");
  const std::string args =
      base + kP + "dcache.replacement=random --param system.stats.include_host=false";
  ASSERT_EQ(runVmsim(kDefault + args + " --outdir " + d1).exitCode, 0);
  ASSERT_EQ(runVmsim(kDefault + args + " --outdir " + d2).exitCode, 0);
  EXPECT_EQ(slurp(d1 + "/stats.txt"), slurp(d2 + "/stats.txt"));
}

TEST(Caches, BadValuesAreConfigErrorsNamingTheKey) {
  struct Case {
    std::string param, expect;
  };
  const std::vector<Case> cases{
      {kP + "dcache.size=1000", "system.cpu0.dcache.size"},
      {kP + "dcache.line=48", "system.cpu0.dcache.line"},
      {kP + "dcache.replacement=mru", "plru"},
      {kP + "l2cache.ways=3" + kP + "l2cache.size=96KiB" + kP + "l2cache.replacement=plru",
       "system.cpu0.l2cache.replacement"},
      {" --param system.llc.inclusion=exclusive", "system.llc.inclusion"},
      {kP + "mmu.walker.cache_entry=l3", "system.cpu0.mmu.walker.cache_entry"},
  };
  for (const auto& c : cases) {
    const Result r = runVmsim(kDefault + c.param + " --outdir " + tempDir("bad"));
    EXPECT_NE(r.exitCode, 0) << c.param;
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << c.param << "\n" << r.output;
  }
  // A disabled level's keys are accepted (and said to be ignored).
  const Result r = runVmsim(kDefault + kP + "l2cache.enabled=false" + kP + "l2cache.size=2MiB" +
                            kW + "count=1000 --outdir " + tempDir("disabled"));
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("system.cpu0.l2cache.size"), std::string::npos) << r.output;
}
