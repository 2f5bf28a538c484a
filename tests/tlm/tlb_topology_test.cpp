// TLB topologies through the whole platform (the vmsim binary): a 3-level hierarchy whose last
// level is shared by two cores (each core's misses walk on its own walker), a unified L1, the
// software-managed (MIPS-style) refill through the kernel, and the configuration errors of
// topologies that cannot be built. docs/tlb.md.
#include <gtest/gtest.h>

#include "cli_support.h"

#include <fstream>

using namespace vmsim::test;

namespace {

// The tests' base configuration: the model's own hierarchy keys, no CPU preset.
const std::string kDefault = std::string(VMSIM_SOURCE_DIR) + "/tests/data/configs/base.yaml";
const std::string kP = " --param system.cpu0.";

std::string core(int i, int seed) {
  const std::string c = "cpu" + std::to_string(i);
  return "  " + c +
         ":\n    requester:\n      verify_data: true\n      workload: {type: synthetic, "
         "pattern: random, footprint: 4MiB, count: 40000, write_fraction: 0.3, seed: " +
         std::to_string(seed) +
         "}\n    mmu:\n      tlbs: [l1i, l1d, l2]\n      l1d: {entries: 64, ways: 4, latency: 1}\n"
         "      l2: {entries: 128, ways: 4, latency: 8, next: shared.stlb}\n";
}

// Runs `yaml` (written to a file); returns stats.txt, or "" with a test failure.
std::string runYaml(const std::string& name, const std::string& yaml, const std::string& args = "",
                    int expectExit = 0, std::string* output = nullptr) {
  const auto dir = tempDir(name);
  std::ofstream(dir + "/c.yaml") << yaml;
  const Result r = runVmsim(dir + "/c.yaml" + args + " --outdir " + dir);
  EXPECT_EQ(r.exitCode, expectExit) << r.output;
  if (output) *output = r.output;
  return expectExit == 0 ? slurp(dir + "/stats.txt") : "";
}

}  // namespace

TEST(TlbTopology, SharedLastLevelServesTwoCoresAndRoutesMissesToEachCoresWalker) {
  const std::string yaml = "system:\n  cores: 2\n" + core(0, 1) + core(1, 2) +
                           "  shared:\n    stlb: {entries: 2048, ways: 16, latency: 12, next: "
                           "walker}\n  kernel: {memory_size: 64MiB}\n";
  const std::string s = runYaml("shared3", yaml);
  for (const char* c : {"cpu0", "cpu1"}) {
    const std::string p = std::string("system.") + c + ".";
    EXPECT_EQ(statValue(s, p + "requester.accesses"), 40000) << c;
    EXPECT_EQ(statValue(s, p + "requester.dataMismatches"), 0) << c;
    EXPECT_EQ(statValue(s, p + "requester.faults::total"), 0) << c;
    EXPECT_GT(statValue(s, p + "mmu.walker.walks"), 500) << c;  // its own walker walks
    EXPECT_GT(statValue(s, p + "mmu.l2.misses"), 0) << c;
  }
  const double l2Misses =
      statValue(s, "system.cpu0.mmu.l2.misses") + statValue(s, "system.cpu1.mmu.l2.misses");
  const double stlbLookups =
      statValue(s, "system.shared.stlb.hits") + statValue(s, "system.shared.stlb.misses");
  EXPECT_EQ(stlbLookups, l2Misses);  // every L2 miss of either core looks the shared level up
  EXPECT_GT(statValue(s, "system.shared.stlb.hits"), 0);
  // Every shared-level miss (not merged into another) is one walk of the requesting core.
  EXPECT_EQ(
      statValue(s, "system.shared.stlb.misses") - statValue(s, "system.shared.stlb.mshrMerges"),
      statValue(s, "system.cpu0.mmu.walker.walks") + statValue(s, "system.cpu1.mmu.walker.walks"));
  // The shared level's latency is on the path: a slower one makes translation slower.
  std::string slow = yaml;
  slow.replace(slow.find("latency: 12"), 11, "latency: 60");
  const std::string s2 = runYaml("shared3_slow", slow);
  EXPECT_GT(statValue(s2, "system.cpu0.mmu.translationLatency::mean"),
            statValue(s, "system.cpu0.mmu.translationLatency::mean") + 5);
  EXPECT_EQ(statValue(s2, "system.cpu0.mmu.walker.walks"),
            statValue(s, "system.cpu0.mmu.walker.walks"));
}

TEST(TlbTopology, AUnifiedL1TakesFetchesAndData) {
  const auto dir = tempDir("unified");
  std::ofstream t(dir + "/t.trace");
  for (int i = 0; i < 40; ++i) {
    t << "F 0x" << std::hex << 0x400000 + (i % 8) * 0x1000 << " 4\nL 0x"
      << 0x10000000 + (i % 16) * 0x1000 << std::dec << " 8\n";
  }
  t.close();
  std::ofstream(dir + "/c.yaml")
      << "system:\n  cpu0:\n    requester:\n      workload: {type: trace, trace: " << dir
      << "/t.trace}\n    mmu:\n      tlbs: [l1, l2]\n      fetch_tlb: l1\n      data_tlb: l1\n"
         "      l1: {entries: 32, ways: 4, next: l2}\n      l2: {entries: 256, ways: 4}\n";
  const Result r = runVmsim(dir + "/c.yaml --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string s = slurp(dir + "/stats.txt");
  // 40 fetches and 40 loads over 8 code and 16 data pages; each page misses twice: before its
  // page fault and on the retry.
  EXPECT_EQ(statValue(s, "system.cpu0.mmu.pageFaults"), 24);
  EXPECT_EQ(statValue(s, "system.cpu0.mmu.l1.hits") + statValue(s, "system.cpu0.mmu.l1.misses"),
            80 + 24);
  EXPECT_EQ(statValue(s, "system.cpu0.mmu.l1.misses"), 48);
  EXPECT_EQ(statValue(s, "system.cpu0.mmu.l2.hits") + statValue(s, "system.cpu0.mmu.l2.misses"),
            48);
  EXPECT_EQ(statValue(s, "system.cpu0.mmu.walker.walks"), 48);
  EXPECT_FALSE(hasStat(s, "system.cpu0.mmu.l1d.hits"));
  EXPECT_FALSE(hasStat(s, "system.cpu0.mmu.l1i.hits"));
}

TEST(TlbTopology, SoftwareRefillTrapsEveryLastLevelMissToTheKernel) {
  const std::string base =
      kP + "requester.workload.count=20000" + kP + "requester.verify_data=true";
  const auto dir = tempDir("swrefill");
  const Result r = runVmsim(kDefault + base + kP + "mmu.software_refill=true --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string s = slurp(dir + "/stats.txt");
  const double l2Misses = statValue(s, "system.cpu0.mmu.l2.misses");
  EXPECT_GT(l2Misses, 1000);
  EXPECT_EQ(statValue(s, "system.cpu0.mmu.refillTraps"), l2Misses);
  EXPECT_EQ(statValue(s, "system.kernel.tlbRefills"), l2Misses);
  EXPECT_EQ(statValue(s, "system.cpu0.mmu.walker.walks"), 0);  // the hardware walker is unused
  // Four levels per refill, fewer for a refill that finds the page unmapped (a page fault).
  const double faults = statValue(s, "system.cpu0.mmu.pageFaults");
  EXPECT_GT(faults, 0);
  EXPECT_LE(statValue(s, "system.kernel.refillPteReads"), 4 * l2Misses);
  EXPECT_GE(statValue(s, "system.kernel.refillPteReads"), 4 * (l2Misses - faults) + faults);
  EXPECT_EQ(statValue(s, "system.cpu0.requester.dataMismatches"), 0);
  EXPECT_EQ(statValue(s, "system.cpu0.requester.faults::total"), 0);
  // A dearer trap makes the run slower; the hardware walker's keys are accepted as ignored.
  const auto dir2 = tempDir("swrefill_slow");
  const Result r2 =
      runVmsim(kDefault + base + kP + "mmu.software_refill=true" + kP +
               "mmu.refill_trap_cycles=500" + kP + "mmu.walker.walkers=4 --outdir " + dir2);
  ASSERT_EQ(r2.exitCode, 0) << r2.output;
  EXPECT_NE(r2.output.find("ignoring system.cpu0.mmu.walker.walkers"), std::string::npos)
      << r2.output;
  const std::string s2 = slurp(dir2 + "/stats.txt");
  EXPECT_GT(statValue(s2, "simTicks"), statValue(s, "simTicks"));
  EXPECT_EQ(statValue(s2, "system.kernel.tlbRefills"), l2Misses);
}

TEST(TlbTopology, TopologiesThatCannotBeBuiltAreConfigErrorsNamingTheKey) {
  struct Case {
    const char* name;
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"badnext", kP + "mmu.l1d.next=l3", "'system.cpu0.mmu.l1d.next': 'l3' is no other TLB"},
      {"cycle", kP + "mmu.l2.next=l1d", "form a cycle"},
      {"l2off", kP + "mmu.l2.enabled=false" + kP + "mmu.tlbs=[l1i,l1d,l2]", "lists l2"},
      {"entry", kP + "mmu.data_tlb=l9", "'system.cpu0.mmu.data_tlb': 'l9' is not in"},
      {"unreached", kP + "mmu.tlbs=[l1i,l1d,l2,extra]", "extra is reached neither"},
      {"noshared", kP + "mmu.l2.next=shared.stlb", "shared.stlb is not configured"},
      {"unused_shared", " --param system.shared.stlb.entries=64", "no core's TLB misses"},
      {"fill", kP + "mmu.l1d.fill=sometimes", "valid values are: inclusive, exclusive"},
  };
  for (const auto& c : cases) {
    const auto dir = tempDir(std::string("bad_") + c.name);
    const Result r = runVmsim(kDefault + c.args + " --outdir " + dir);
    EXPECT_EQ(r.exitCode, 2) << c.name << ": " << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.name << ": " << r.output;
  }
}

TEST(TlbTopology, ExclusiveL1AndPerSizeArraysRunThroughThePlatform) {
  const std::string yaml =
      "system:\n  cpu0:\n    requester:\n      verify_data: true\n      workload: {type: "
      "synthetic, pattern: random, footprint: 2MiB, count: 30000, write_fraction: 0.3}\n"
      "    mmu:\n      l1d:\n        fill: exclusive\n        arrays:\n"
      "          4k: {entries: 64, ways: 4, page_sizes: [4KiB]}\n"
      "          2m: {entries: 32, ways: 4, page_sizes: [2MiB]}\n"
      "      l2: {entries: 256, ways: 4}\n";
  const std::string s = runYaml("excl", yaml);
  EXPECT_EQ(statValue(s, "system.cpu0.requester.dataMismatches"), 0);
  EXPECT_EQ(statValue(s, "system.cpu0.requester.faults::total"), 0);
  // 512 pages of data: the 64-entry L1 and 256-entry L2 hold 320 of them together (exclusive),
  // so the L2 serves hits that an inclusive L2 of 256 entries holding L1's copies would not.
  EXPECT_GT(statValue(s, "system.cpu0.mmu.l2.victimFills"), 0);
  EXPECT_GT(statValue(s, "system.cpu0.mmu.l2.movedUp"), 0);
  // Only data reaches the L2 (no fetches): each of its hits hands the entry up to the L1.
  EXPECT_EQ(statValue(s, "system.cpu0.mmu.l2.movedUp"), statValue(s, "system.cpu0.mmu.l2.hits"));
  std::string incl = yaml;
  incl.replace(incl.find("fill: exclusive"), 15, "fill: inclusive");
  const std::string si = runYaml("incl", incl);
  EXPECT_LT(statValue(s, "system.cpu0.mmu.walker.walks"),
            statValue(si, "system.cpu0.mmu.walker.walks"));
  EXPECT_EQ(statValue(si, "system.cpu0.mmu.l2.victimFills"), 0);
}
