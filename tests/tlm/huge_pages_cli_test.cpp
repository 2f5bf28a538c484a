// Huge pages through the whole platform (the vmsim binary): a 1 GiB random footprint needs far
// fewer walks and TLB misses with THP always than with 4 KiB pages; the workload keys page_size
// and thp_madvise reach the region; THPs survive overcommit with swapping without losing data.
#include <gtest/gtest.h>

#include "cli_support.h"

namespace {

using namespace vmsim::test;

// The tests' base configuration: the model's own hierarchy keys, no CPU preset.
const std::string kDefault = std::string(VMSIM_SOURCE_DIR) + "/tests/data/configs/base.yaml";
const std::string kP = " --param system.";

std::string run(const std::string& name, const std::string& args) {
  const auto dir = tempDir(name);
  const Result r = runVmsim(kDefault + args + " --outdir " + dir);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  return slurp(dir + "/stats.txt");
}

TEST(HugePagesRun, OneGiBRandomFootprintNeedsFarFewerWalksWithThpAlways) {
  // 1 GiB of 4 KiB pages is 262144 translations, far beyond the 1536-entry L2 TLB; as 512
  // 2 MiB pages it fits the same L2 TLB (it holds 4 KiB and 2 MiB entries).
  const std::string base = kP + "kernel.memory_size=2GiB" + kP +
                           "cpu0.requester.workload.footprint=1GiB" + kP +
                           "cpu0.requester.workload.count=200000";
  const std::string small = run("thp_never", base);
  const std::string huge =
      run("thp_always", base + kP + "kernel.thp=always" + kP + "cpu0.requester.verify_data=true");
  const double walks4k = statValue(small, "system.cpu0.mmu.walker.walks");
  const double walks2m = statValue(huge, "system.cpu0.mmu.walker.walks");
  const double l2miss4k = statValue(small, "system.cpu0.mmu.l2.misses");
  const double l2miss2m = statValue(huge, "system.cpu0.mmu.l2.misses");
  EXPECT_GT(walks4k, 150000) << "4 KiB pages: most accesses walk";
  EXPECT_LT(walks2m * 50, walks4k) << "THP: " << walks2m << " walks vs " << walks4k;
  EXPECT_LT(l2miss2m * 50, l2miss4k);
  EXPECT_EQ(statValue(huge, "system.kernel.hugeFaults::2MiB"), 512);
  EXPECT_EQ(statValue(huge, "system.kernel.minorFaults"), 512);
  EXPECT_EQ(statValue(huge, "system.kernel.thpFallbacks::total"), 0);
  EXPECT_EQ(statValue(small, "system.kernel.hugeFaults::2MiB"), 0);
  EXPECT_EQ(statValue(huge, "system.cpu0.requester.dataMismatches"), 0);
  EXPECT_LT(statValue(huge, "system.cpu0.requester.avgLatency"),
            statValue(small, "system.cpu0.requester.avgLatency"));
}

TEST(HugePagesRun, WorkloadPageSizeAndMadviseReachTheRegion) {
  const std::string w = kP + "cpu0.requester.workload.";
  const std::string base = w + "count=20000";
  const std::string two = run("ps2m", base + w + "page_size=2MiB");
  EXPECT_EQ(statValue(two, "system.kernel.hugeFaults::2MiB"), 32);  // the 64 MiB footprint
  EXPECT_EQ(statValue(two, "system.kernel.minorFaults"), 32);
  const std::string giga = run(
      "ps1g", base + w + "page_size=1GiB" + w + "base=0x40000000" + kP + "kernel.memory_size=2GiB");
  EXPECT_EQ(statValue(giga, "system.kernel.hugeFaults::1GiB"), 1);
  const std::string adv = run("madv", base + kP + "kernel.thp=madvise" + w + "thp_madvise=true");
  EXPECT_EQ(statValue(adv, "system.kernel.hugeFaults::2MiB"), 32);
  const std::string notAdv = run("nomadv", base + kP + "kernel.thp=madvise");
  EXPECT_EQ(statValue(notAdv, "system.kernel.hugeFaults::2MiB"), 0);
  EXPECT_GT(statValue(notAdv, "system.kernel.thpFallbacks::notAdvised"), 0);
}

TEST(HugePagesRun, MisalignedHugeRegionAndBadPageSizeAreConfigErrors) {
  const std::string w = kP + "cpu0.requester.workload.";
  const auto dir = tempDir("ps_bad");
  // The default base 0x10000000 rounded down to 1 GiB would be page 0 and overlap the code.
  Result r = runVmsim(kDefault + w + "page_size=1GiB --outdir " + dir);
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.output.find("workload.base' / 'page_size'"), std::string::npos) << r.output;
  r = runVmsim(kDefault + w + "page_size=1GiB" + w + "base=0x40000000 --outdir " + dir);
  EXPECT_NE(r.exitCode, 0) << "1 GiB of unswappable pages in 256 MiB of memory";
  EXPECT_NE(r.output.find("huge-page regions are never swapped"), std::string::npos) << r.output;
  r = runVmsim(kDefault + w + "page_size=64KiB --outdir " + dir);
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.output.find("workload.page_size"), std::string::npos) << r.output;
  r = runVmsim(kDefault + kP + "kernel.thp=sometimes --outdir " + dir);
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.output.find("system.kernel.thp"), std::string::npos) << r.output;
}

TEST(HugePagesRun, ProgramMallocAdvisesItsMemoryWithThpMadvise) {
  // Allocations up to 4 MiB: mmap'ed chunks large enough to hold aligned 2 MiB ranges, which
  // THP backs only when malloc advises them (as glibc's glibc.malloc.hugetlb=1 does).
  const std::string w = kP + "cpu0.requester.workload.";
  const std::string base = w + "type=program" + w + "program.ops=3000" + w +
                           "program.max_size=4194304" + kP + "kernel.thp=madvise";
  const std::string adv = run("prog_adv", base + w + "thp_madvise=true");
  const std::string plain = run("prog_plain", base);
  EXPECT_GT(statValue(adv, "system.kernel.hugeFaults::2MiB"), 0);
  EXPECT_EQ(statValue(plain, "system.kernel.hugeFaults::2MiB"), 0);
  EXPECT_GT(statValue(plain, "system.kernel.thpFallbacks::notAdvised"), 0);
  EXPECT_EQ(statValue(adv, "system.kernel.thpFallbacks::notAdvised"), 0);
  EXPECT_LT(statValue(adv, "system.kernel.minorFaults"),
            statValue(plain, "system.kernel.minorFaults"));
  EXPECT_EQ(statValue(adv, "system.cpu0.requester.faults::segmentation"), 0);
}

TEST(HugePagesRun, ThpUnderOvercommitSplitsAndLosesNothing) {
  // 48 MiB touched with 32 MiB of memory: THPs are split for reclaim and their pages swapped;
  // in LT and AT, and with RISC-V Sv39 tables (another leaf encoding).
  for (const std::string mode : {"lt", "at", "sv39"}) {
    const std::string s =
        run("thp_swap_" + mode, kP + "kernel.thp=always" + kP + "kernel.memory_size=32MiB" + kP +
                                    "cpu0.requester.workload.footprint=48MiB" + kP +
                                    "cpu0.requester.workload.count=40000" + kP +
                                    "cpu0.requester.workload.write_fraction=0.5" + kP +
                                    "cpu0.requester.verify_data=true" +
                                    (mode == "sv39" ? kP + "kernel.page_table_format=sv39"
                                                    : kP + "cpu0.requester.mode=" + mode));
    EXPECT_GT(statValue(s, "system.kernel.hugeFaults::2MiB"), 0) << mode;
    EXPECT_GT(statValue(s, "system.kernel.hugeSplits"), 0) << mode;
    EXPECT_GT(statValue(s, "system.kernel.swapOuts"), 1000) << mode;
    EXPECT_GT(statValue(s, "system.kernel.swapIns"), 1000) << mode;
    EXPECT_EQ(statValue(s, "system.cpu0.requester.dataMismatches"), 0) << mode;
    EXPECT_EQ(statValue(s, "system.cpu0.requester.faults::outOfMemory"), 0) << mode;
  }
}

}  // namespace
