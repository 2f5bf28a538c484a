// The vmsim binary with several cores and one hierarchy: every core after cpu0 takes cpu0's
// hardware keys (a CPU preset sets system.cpu0.*) unless it sets them itself, but never cpu0's
// workload, and it still needs a workload of its own; a core's clock is its modules' clock.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli_support.h"

using namespace vmsim::test;

namespace {

const std::string kSrc = VMSIM_SOURCE_DIR;

// The value of `key` in section `[section]` of a config.ini ("" if absent).
std::string iniValue(const std::string& ini, const std::string& section, const std::string& key) {
  std::istringstream in(ini);
  std::string line;
  bool inSection = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '[') {
      inSection = line == "[" + section + "]";
    } else if (inSection && line.rfind(key + "=", 0) == 0) {
      return line.substr(key.size() + 1);
    }
  }
  return "";
}

// A preset-like file that sets only cpu0's hardware, and an experiment with two cores.
std::string writeExperiment(const std::string& dir, const std::string& cpu1Extra) {
  std::ofstream(dir + "/cpu.yaml") << "system:\n"
                                      "  cpu0:\n"
                                      "    clock: 4GHz\n"
                                      "    mmu:\n"
                                      "      l1d: {entries: 32, ways: 4}\n"
                                      "      l2: {entries: 256, ways: 8}\n"
                                      "      walker: {walkers: 1}\n";
  std::ofstream(dir + "/exp.yaml")
      << "include: [" << kSrc << "/tests/data/configs/base.yaml, cpu.yaml]\n"
      << "system:\n"
         "  cores: 2\n"
         "  cpu0:\n"
         "    requester: {workload: {count: 4000, seed: 5}}\n"
         "  cpu1:\n"
         "    requester:\n"
         "      workload: {type: synthetic, pattern: page_chase, footprint: 192KiB, count: 4800,\n"
         "                 write_fraction: 0}\n"
      << cpu1Extra;
  return dir + "/exp.yaml";
}

}  // namespace

TEST(MulticoreConfig, LaterCoresTakeCpu0sHierarchyButNotItsWorkload) {
  const auto dir = tempDir("mc_inherit");
  const Result r = runVmsim(writeExperiment(dir, "") + " --outdir " + dir + "/out");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string ini = slurp(dir + "/out/config.ini");
  EXPECT_EQ(iniValue(ini, "system.cpu1.mmu.l1d", "entries"), "32");
  EXPECT_EQ(iniValue(ini, "system.cpu1.mmu.l1d", "ways"), "4");
  EXPECT_EQ(iniValue(ini, "system.cpu1.mmu.l2", "entries"), "256");
  EXPECT_EQ(iniValue(ini, "system.cpu1.mmu.walker", "walkers"), "1");
  // The core clock is every module's clock, on both cores.
  for (const char* m : {"requester", "mmu", "mmu.l1d", "mmu.l2", "mmu.walker"}) {
    EXPECT_EQ(iniValue(ini, std::string("system.cpu0.") + m, "clock"), "250ps") << m;
    EXPECT_EQ(iniValue(ini, std::string("system.cpu1.") + m, "clock"), "250ps") << m;
  }
  // The workload is the core's own: cpu0's seed 5 did not come along (default 1).
  EXPECT_EQ(iniValue(ini, "system.cpu0.requester.workload", "seed"), "5");
  EXPECT_EQ(iniValue(ini, "system.cpu1.requester.workload", "seed"), "1");
  EXPECT_EQ(iniValue(ini, "system.cpu1.requester.workload", "pattern"), "page_chase");
  // And the hardware behaves as configured: 48 pages chased cyclically through a 32-entry LRU
  // L1 DTLB (8 sets of 4 ways, 6 pages per set) miss on every access; the 256-entry L2 holds them.
  const std::string stats = slurp(dir + "/out/stats.txt");
  EXPECT_EQ(statValue(stats, "system.cpu1.mmu.l1d.hits"), 0);
  // (Each page's first access faults, and its retry misses once more.)
  EXPECT_EQ(statValue(stats, "system.cpu1.mmu.pageFaults"), 48);
  EXPECT_EQ(statValue(stats, "system.cpu1.mmu.l1d.misses"), 4800 + 48);
  EXPECT_EQ(statValue(stats, "system.cpu1.mmu.l2.hits"), 4800 - 48);
}

TEST(MulticoreConfig, ACoreOverridingOneKeyKeepsTheRest) {
  const auto dir = tempDir("mc_override");
  const Result r =
      runVmsim(writeExperiment(dir, "    mmu: {l1d: {ways: 8}}\n") + " --outdir " + dir + "/out");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string ini = slurp(dir + "/out/config.ini");
  EXPECT_EQ(iniValue(ini, "system.cpu1.mmu.l1d", "ways"), "8");
  EXPECT_EQ(iniValue(ini, "system.cpu1.mmu.l1d", "entries"), "32");
  EXPECT_EQ(iniValue(ini, "system.cpu1.mmu.l2", "entries"), "256");
  EXPECT_EQ(iniValue(ini, "system.cpu0.mmu.l1d", "ways"), "4") << "cpu0 keeps its own";
  // A module's own clock wins over the core's.
  const Result c = runVmsim(writeExperiment(dir, "") +
                            " --param system.cpu1.mmu.walker.clock=1GHz --outdir " + dir + "/c");
  ASSERT_EQ(c.exitCode, 0) << c.output;
  const std::string cini = slurp(dir + "/c/config.ini");
  EXPECT_EQ(iniValue(cini, "system.cpu1.mmu.walker", "clock"), "1ns");
  EXPECT_EQ(iniValue(cini, "system.cpu1.mmu.l2", "clock"), "250ps");
  // --param on cpu1 wins over the inherited value too.
  const Result p = runVmsim(writeExperiment(dir, "") +
                            " --param system.cpu1.mmu.l2.entries=512 --outdir " + dir + "/p");
  ASSERT_EQ(p.exitCode, 0) << p.output;
  const std::string pini = slurp(dir + "/p/config.ini");
  EXPECT_EQ(iniValue(pini, "system.cpu1.mmu.l2", "entries"), "512");
  EXPECT_EQ(iniValue(pini, "system.cpu1.mmu.l2", "ways"), "8");
}

TEST(MulticoreConfig, EveryLaterCoreStillNeedsItsOwnWorkload) {
  const auto dir = tempDir("mc_workload");
  std::ofstream(dir + "/exp.yaml") << "include: " << kSrc << "/tests/data/configs/base.yaml\n"
                                   << "system:\n  cores: 2\n  cpu1: {mmu: {l1d: {ways: 8}}}\n";
  const Result r = runVmsim(dir + "/exp.yaml --outdir " + dir + "/out");
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("'system.cpu1.requester.workload' is not configured"), std::string::npos)
      << r.output;
}
