// End-to-end runs of the whole platform (requester -> MMU -> TLBs -> walker -> router -> DRAM,
// kernel, swap): data integrity through swapping, determinism, LT/AT agreement, config errors,
// and faults reported with their address.
#include <gtest/gtest.h>

#include "cli_support.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "vmsim/platform/run.h"

namespace fs = std::filesystem;
using namespace vmsim::test;

namespace {

// The tests' base configuration: the model's own hierarchy keys, no CPU preset.
const std::string kDefault = std::string(VMSIM_SOURCE_DIR) + "/tests/data/configs/base.yaml";
const std::string kSmall = " --param system.cpu0.requester.workload.count=20000";

}  // namespace

TEST(EndToEnd, DefaultConfigWritesEveryOutputFile) {
  const auto out = tempDir("default");
  const Result r = runVmsim(kDefault + kSmall + " --outdir " + out);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  for (const char* f : {"stats.txt", "stats.json", "config.ini", "config.json"}) {
    EXPECT_TRUE(fs::exists(fs::path(out) / f)) << f;
  }
  const std::string stats = slurp(out + "/stats.txt");
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.accesses"), 20000);
  EXPECT_GT(statValue(stats, "system.cpu0.mmu.walker.walks"), 0);
  EXPECT_GT(statValue(stats, "system.kernel.minorFaults"), 0);
  EXPECT_NE(r.output.find("vmsim summary"), std::string::npos);
  EXPECT_NE(r.output.find("DRAM row-hit rate"), std::string::npos);
  // The summary names TLBs and caches apart (the base config enables all four caches).
  for (const char* line :
       {"l1d TLB hit rate", "dcache hit rate", "l2cache hit rate", "llc hit rate"})
    EXPECT_NE(r.output.find(line), std::string::npos) << line << "\n" << r.output;
  EXPECT_EQ(r.output.find("SystemC 2.3"), std::string::npos) << "banner should be off";
  EXPECT_NE(slurp(out + "/config.ini").find("[system.cpu0.mmu.l1d]"), std::string::npos);
}

TEST(EndToEnd, StoresReadBackThroughHeavySwapping) {
  // 8 MiB touched with 2 MiB of memory: most pages go to the SSD and come back.
  vmsim::Config cfg;
  cfg.loadFile(kDefault);
  for (const char* o : {"system.kernel.memory_size=2MiB", "system.cpu0.requester.verify_data=true",
                        "system.cpu0.requester.workload.footprint=8MiB",
                        "system.cpu0.requester.workload.count=60000",
                        "system.cpu0.requester.workload.write_fraction=0.5"}) {
    cfg.applyOverride(o);
  }
  vmsim::stats::Registry reg;
  vmsim::platform::RunOptions opt;
  opt.outdir = tempDir("swap");
  opt.printSummary = false;
  std::ostringstream out, err;
  const auto res = vmsim::platform::runSimulation(cfg, reg, opt, out, err);
  ASSERT_EQ(res.exitCode, 0) << err.str();
  EXPECT_EQ(reg.value("system.cpu0.requester.accesses"), 60000);
  EXPECT_EQ(reg.value("system.cpu0.requester.dataMismatches"), 0);
  EXPECT_GT(reg.value("system.kernel.majorFaults"), 1000);
  EXPECT_GT(reg.value("system.kernel.swapOuts"), 1000);
  EXPECT_GT(reg.value("system.swap.writes"), 1000);
}

TEST(EndToEnd, SameConfigAndSeedGiveByteIdenticalStats) {
  const std::string args = kDefault + kSmall + " --param system.stats.include_host=false";
  const auto a = tempDir("det_a"), b = tempDir("det_b");
  ASSERT_EQ(runVmsim(args + " --outdir " + a).exitCode, 0);
  ASSERT_EQ(runVmsim(args + " --outdir " + b).exitCode, 0);
  EXPECT_EQ(slurp(a + "/stats.txt"), slurp(b + "/stats.txt"));
  EXPECT_EQ(slurp(a + "/stats.json"), slurp(b + "/stats.json"));
  // And a different seed really changes the run.
  const auto c = tempDir("det_c");
  ASSERT_EQ(
      runVmsim(args + " --param system.cpu0.requester.workload.seed=2 --outdir " + c).exitCode, 0);
  EXPECT_NE(slurp(a + "/stats.txt"), slurp(c + "/stats.txt"));
}

TEST(EndToEnd, LtAndAtAgreeOnHitsMissesAndFaultsForOneInOrderRequester) {
  const auto lt = tempDir("lt"), at = tempDir("at");
  ASSERT_EQ(runVmsim(kDefault + kSmall + " --outdir " + lt).exitCode, 0);
  ASSERT_EQ(runVmsim(kDefault + kSmall +
                     " --param system.cpu0.requester.mode=at"
                     " --param system.cpu0.requester.max_outstanding=1 --outdir " +
                     at)
                .exitCode,
            0);
  const std::string a = slurp(lt + "/stats.txt"), b = slurp(at + "/stats.txt");
  for (const char* s :
       {"system.cpu0.mmu.l1d.hits", "system.cpu0.mmu.l1d.misses", "system.cpu0.mmu.l2.hits",
        "system.cpu0.mmu.l2.misses", "system.cpu0.mmu.walker.walks", "system.cpu0.mmu.pageFaults",
        "system.kernel.minorFaults", "system.kernel.majorFaults",
        "system.cpu0.requester.accesses"}) {
    EXPECT_EQ(statValue(a, s), statValue(b, s)) << s;
  }
  EXPECT_GT(statValue(b, "system.dram.atAccesses"), 0);  // AT really went through the queues
  EXPECT_EQ(statValue(a, "system.dram.atAccesses"), 0);
}

// Runs each of `runs` (overrides of the default experiment, with `mode` and `count` accesses)
// with the direct calls connected and with --socket-path: the stats must be the same, byte for
// byte. `tag` names the output directories.
namespace {
void expectDirectCallsMatchSockets(const std::string& tag, const std::string& mode, int count,
                                   const std::vector<std::string>& runs) {
  int n = 0;
  for (const auto& overrides : runs) {
    const std::string args =
        kDefault + " --param system.cpu0.requester.mode=" + mode +
        " --param system.cpu0.requester.workload.count=" + std::to_string(count) +
        " --param system.stats.include_host=false" + overrides;
    const auto direct = tempDir(tag + "direct_" + std::to_string(n));
    const auto sockets = tempDir(tag + "sockets_" + std::to_string(n++));
    ASSERT_EQ(runVmsim(args + " --outdir " + direct).exitCode, 0);
    ASSERT_EQ(runVmsim(args + " --socket-path --outdir " + sockets).exitCode, 0);
    const std::string text = slurp(direct + "/stats.txt");
    EXPECT_EQ(statValue(text, "system.cpu0.requester.accesses"), count) << overrides;
    EXPECT_EQ(statValue(text, "system.cpu0.requester.dataMismatches"), 0) << overrides;
    EXPECT_EQ(text, slurp(sockets + "/stats.txt")) << overrides;
    EXPECT_EQ(slurp(direct + "/stats.json"), slurp(sockets + "/stats.json")) << overrides;
  }
}

}  // namespace

// The internal LT direct calls (requester -> MMU -> L1D with the access's issuer as a plain
// value, the MMU's fused one-page path, the entry TLB's lookup without a payload) must give what
// the TLM sockets give: the same stats, byte for byte, with them connected and without. Loads
// and stores checked against their data, TLB and cache misses, demand faults and swapping are
// in these runs.
TEST(EndToEnd, DirectCallsGiveTheStatsOfTheSocketPath) {
  expectDirectCallsMatchSockets(
      "", "lt", 30000,
      {
          " --param system.cpu0.requester.verify_data=true",
          " --param system.cpu0.requester.workload.pattern=sequential"
          " --param system.cpu0.requester.workload.footprint=64KiB",
          " --param system.kernel.memory_size=2MiB --param system.cpu0.requester.verify_data=true"
          " --param system.cpu0.requester.workload.footprint=6MiB"
          " --param system.cpu0.requester.workload.write_fraction=0.5",
      });
}

// The AT direct hops (requester -> MMU -> L1D and back without the sockets, the issuer's
// VmAccess handed along: DirectAtTarget, docs/timed-path.md) must give what the sockets give.
TEST(EndToEnd, AtDirectHopsGiveTheStatsOfTheSocketPath) {
  expectDirectCallsMatchSockets("at_", "at", 10000,
                                {
                                    " --param system.cpu0.requester.verify_data=true",
                                    " --param system.cpu0.requester.workload.pattern=sequential"
                                    " --param system.cpu0.requester.workload.footprint=64KiB",
                                });
}

TEST(EndToEnd, MisspeltKeyFailsBeforeSimulationWithSuggestion) {
  const Result r =
      runVmsim(kDefault + " --param system.cpu0.mmu.l1d.entires=32 --outdir " + tempDir("typo"));
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("'system.cpu0.mmu.l1d.entires'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("did you mean 'system.cpu0.mmu.l1d.entries'"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("vmsim summary"), std::string::npos);
}

TEST(EndToEnd, BadValuesAreReportedTogether) {
  const Result r = runVmsim(kDefault +
                            " --param system.cpu0.mmu.l1d.ways=lots"
                            " --param system.dram.preset=DDR9 --param system.cores=0 --outdir " +
                            tempDir("bad"));
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("'lots' is not a valid uint"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("DDR4-2400"), std::string::npos) << r.output;  // lists valid presets
  EXPECT_NE(r.output.find("out of range [1, 64]"), std::string::npos) << r.output;
}

TEST(EndToEnd, MalformedTraceNamesFileAndLine) {
  const auto dir = tempDir("trace");
  std::ofstream(dir + "/t.trace") << "R 0x1000 8\nW 0x2000 8\nX 0x3000 8\n";
  const Result r = runVmsim(kDefault + " --param system.cpu0.requester.workload.type=trace" +
                            " --param system.cpu0.requester.workload.trace=" + dir + "/t.trace" +
                            " --outdir " + dir);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find(dir + "/t.trace:3"), std::string::npos) << r.output;
}

TEST(EndToEnd, SegmentationFaultIsReportedWithAddressAndCounted) {
  const auto dir = tempDir("segv");
  // The last address is above the canonical user half: no process can map it.
  std::ofstream(dir + "/t.trace") << "W 0x10000 8\nR 0x10000 8\nR 0x900000000000 8\n";
  const Result r = runVmsim(kDefault + " --param system.cpu0.requester.workload.type=trace" +
                            " --param system.cpu0.requester.workload.trace=" + dir + "/t.trace" +
                            " --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("segmentation fault at VA 0x900000000000"), std::string::npos)
      << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.faults::segmentation"), 1);
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.accesses"), 3);
}

TEST(EndToEnd, DramTracePlatformReplaysATraceIntoTheController) {
  const auto dir = tempDir("dramtrace");
  // Two reads to one row (a closed bank, then a row hit) and one to another row of that bank.
  std::ofstream(dir + "/t.trace") << "0x0 READ 0\n0x40 READ 100\n0x40000000 READ 200\n";
  const std::string cfg = std::string(VMSIM_SOURCE_DIR) + "/configs/dram_trace.yaml";
  const Result r = runVmsim(cfg + " --param system.trace.file=" + dir + "/t.trace --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  EXPECT_EQ(statValue(stats, "system.dram.reads"), 3);
  EXPECT_EQ(statValue(stats, "system.dram.readLatency.min"), 22);  // the unloaded row hit
  EXPECT_EQ(statValue(stats, "system.dram.readLatency.max"), 56);  // the unloaded conflict
  EXPECT_EQ(statValue(stats, "system.dram.actCmds"), 2);
}

TEST(EndToEnd, DramTracePlatformNamesTheBadLine) {
  const auto dir = tempDir("dramtrace_bad");
  std::ofstream(dir + "/t.trace") << "0x0 READ 0\n0x40 FETCH 10\n";
  const std::string cfg = std::string(VMSIM_SOURCE_DIR) + "/configs/dram_trace.yaml";
  const Result r = runVmsim(cfg + " --param system.trace.file=" + dir + "/t.trace --outdir " + dir);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find(dir + "/t.trace:2"), std::string::npos) << r.output;
}

TEST(EndToEnd, TextbookModesRunInThePlatformWithTheirTableCosts) {
  // One table read per access for a linear table, two for the two-level one, none for
  // base-and-bounds; every access completes without a fault.
  const std::vector<std::pair<std::string, double>> modes = {
      {"base_bounds", 0}, {"segmentation", 0}, {"linear", 1}, {"two_level", 2}};
  for (const auto& [mode, readsPerAccess] : modes) {
    const auto dir = tempDir("tb_" + mode);
    const std::string cfg = std::string(VMSIM_SOURCE_DIR) + "/configs/textbook/" + mode + ".yaml";
    const Result r =
        runVmsim(cfg + " --param system.cpu0.requester.workload.count=5000 --outdir " + dir);
    ASSERT_EQ(r.exitCode, 0) << mode << ": " << r.output;
    const std::string stats = slurp(dir + "/stats.txt");
    EXPECT_EQ(statValue(stats, "system.cpu0.requester.accesses"), 5000) << mode;
    EXPECT_EQ(statValue(stats, "system.cpu0.mmu.tableReads"), 5000 * readsPerAccess) << mode;
    EXPECT_EQ(statValue(stats, "system.cpu0.requester.faults::segmentation"), 0) << mode;
  }
  // The inverted table needs at least one read per access (anchor, then chain).
  const auto dir = tempDir("tb_inverted");
  const Result r = runVmsim(std::string(VMSIM_SOURCE_DIR) +
                            "/configs/textbook/inverted.yaml --param "
                            "system.cpu0.requester.workload.count=5000 --outdir " +
                            dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_GE(statValue(slurp(dir + "/stats.txt"), "system.cpu0.mmu.tableReads"), 5000);
}

TEST(EndToEnd, TextbookModesRejectRawTraces) {
  const auto dir = tempDir("tb_trace");
  std::ofstream(dir + "/t.trace") << "R 0x1000 8\n";
  const Result r = runVmsim(kDefault + " --param system.cpu0.mmu.mode=linear" +
                            " --param system.cpu0.requester.workload.type=trace" +
                            " --param system.cpu0.requester.workload.trace=" + dir + "/t.trace" +
                            " --outdir " + dir);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("needs the radix mode"), std::string::npos) << r.output;
}

TEST(EndToEnd, SimulatedProgramGrowsTheHeapThroughTheKernelAndItsErrorsAreReported) {
  const auto dir = tempDir("program");
  std::ofstream(dir + "/p.prog") << "# a small C program with bugs\n"
                                    "malloc 1 100000\n"  // brk grows: page faults
                                    "write 1 0 64\n"
                                    "write 1 99936 64\n"
                                    "malloc 2 1048576\n"  // above the mmap threshold
                                    "write 2 524288 8\n"
                                    "free 2\n"  // munmap
                                    "malloc 3 32\n"
                                    "read 3 0 8\n"  // never written
                                    "free 1\n"
                                    "read 1 0 8\n"     // use after free
                                    "free 1\n"         // double free
                                    "write 3 32 8\n";  // past the end of b
  const Result r = runVmsim(kDefault + " --param system.cpu0.requester.workload.type=program" +
                            " --param system.cpu0.requester.workload.program.file=" + dir +
                            "/p.prog --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  const std::string h = "system.cpu0.requester.heap.";
  EXPECT_EQ(statValue(stats, h + "mmaps"), 1);
  EXPECT_EQ(statValue(stats, h + "munmaps"), 1);
  EXPECT_GE(statValue(stats, h + "brk_growths"), 1);
  EXPECT_EQ(statValue(stats, h + "errors.use_after_free"), 1);
  EXPECT_EQ(statValue(stats, h + "errors.double_free"), 1);
  EXPECT_EQ(statValue(stats, h + "errors.uninitialized_read"), 1);
  EXPECT_EQ(statValue(stats, h + "errors.heap_overflow"), 1);
  EXPECT_EQ(statValue(stats, h + "errors.leak"), 1);            // block 3 is never freed
  EXPECT_GE(statValue(stats, "system.kernel.minorFaults"), 3);  // only touched pages fault
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.faults::segmentation"), 0);
  EXPECT_NE(r.output.find("memory error"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(program line 12)"), std::string::npos) << r.output;  // the double free
}

TEST(EndToEnd, MalformedProgramFileNamesFileAndLine) {
  const auto dir = tempDir("program_bad");
  std::ofstream(dir + "/p.prog") << "malloc 1 64\nfrobnicate 1\n";
  const Result r = runVmsim(kDefault + " --param system.cpu0.requester.workload.type=program" +
                            " --param system.cpu0.requester.workload.program.file=" + dir +
                            "/p.prog --outdir " + dir);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find(dir + "/p.prog:2"), std::string::npos) << r.output;
}

// Every allocator and fit policy runs a random program through the platform without false alarms.
class AllocatorEndToEnd : public testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(AllocatorEndToEnd, RandomProgramRunsCleanly) {
  const auto [allocator, policy] = GetParam();
  const auto dir = tempDir(std::string("alloc_") + allocator + "_" + policy);
  const std::string w = " --param system.cpu0.requester.workload.";
  const Result r = runVmsim(kDefault + w + "type=program" + w + "program.ops=3000" + w +
                            "program.allocator=" + allocator + w + "program.policy=" + policy +
                            " --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  const std::string h = "system.cpu0.requester.heap.";
  EXPECT_GT(statValue(stats, h + "mallocs"), 100);
  for (const char* e : {"double_free", "invalid_free", "use_after_free", "heap_overflow",
                        "uninitialized_read", "invalid_access", "leak"}) {
    EXPECT_EQ(statValue(stats, h + "errors." + e), 0) << e;
  }
  EXPECT_GT(statValue(stats, "system.kernel.minorFaults"), 0);
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.faults::segmentation"), 0);
}

// Memory a program gives back (brk shrinks, munmap of large blocks) is zero when it is mapped
// again: the data checker forgets its old bytes, so a checked run finds no mismatch (it found 9,
// all of them bytes of discarded pages), while the program really shrinks and unmaps.
TEST(EndToEnd, ProgramThatShrinksAndUnmapsVerifiesCleanly) {
  const auto dir = tempDir("prog_discard");
  const std::string w = " --param system.cpu0.requester.workload.";
  const Result r = runVmsim(kDefault + w + "type=program" + w + "program.ops=3000" + w +
                            "program.max_size=4194304" +
                            " --param system.cpu0.requester.verify_data=true --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  const std::string h = "system.cpu0.requester.heap.";
  EXPECT_GT(statValue(stats, h + "brk_shrinks"), 0);
  EXPECT_GT(statValue(stats, h + "munmaps"), 0);
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.dataMismatches"), 0);
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.faults::total"), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Policies, AllocatorEndToEnd,
    testing::Values(std::make_pair("freelist", "FIRST"), std::make_pair("freelist", "NEXT"),
                    std::make_pair("freelist", "BEST"), std::make_pair("freelist", "WORST"),
                    std::make_pair("segregated", "FIRST"), std::make_pair("buddy", "FIRST"),
                    std::make_pair("slab", "FIRST")),
    [](const auto& info) { return std::string(info.param.first) + "_" + info.param.second; });

// Every page-replacement policy the kernel offers keeps data intact under heavy swapping.
class ReplacementEndToEnd : public testing::TestWithParam<const char*> {};

TEST_P(ReplacementEndToEnd, DataSurvivesSwapping) {
  const auto dir = tempDir(std::string("repl_") + GetParam());
  const Result r = runVmsim(kDefault + " --param system.kernel.replacement=" + GetParam() +
                            " --param system.kernel.memory_size=1MiB"
                            " --param system.cpu0.requester.verify_data=true"
                            " --param system.cpu0.requester.workload.footprint=4MiB"
                            " --param system.cpu0.requester.workload.count=20000 --outdir " +
                            dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.dataMismatches"), 0);
  EXPECT_GT(statValue(stats, "system.kernel.majorFaults"), 100);
}

INSTANTIATE_TEST_SUITE_P(Kernel, ReplacementEndToEnd,
                         testing::Values("fifo", "random", "lru", "mru", "clock", "ostep-clock"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

TEST(EndToEnd, TwoCoresShareTheKernelDramAndSwap) {
  const auto dir = tempDir("twocores");
  const std::string w = " --param system.cpu1.requester.workload.";
  const Result r = runVmsim(kDefault + kSmall + " --param system.cores=2" + w + "type=synthetic" +
                            w + "pattern=sequential" + w + "count=5000" +
                            " --param system.kernel.memory_size=4MiB --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.accesses"), 20000);
  EXPECT_EQ(statValue(stats, "system.cpu1.requester.accesses"), 5000);
  EXPECT_GT(statValue(stats, "system.cpu1.mmu.walker.walks"), 0);
  EXPECT_GT(statValue(stats, "system.kernel.majorFaults"), 0);  // 4 MiB shared by both processes
  EXPECT_NE(r.output.find("cpu1 l1d TLB hit rate"), std::string::npos) << r.output;
}

TEST(EndToEnd, PeriodicDumpsAddCumulativeBlocksBeforeTheFinalOne) {
  const auto dir = tempDir("periodic");
  const Result r = runVmsim(kDefault + kSmall + " --param system.stats.dump_period=1ms" +
                            " --param system.stats.include_host=false --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  std::istringstream in(slurp(dir + "/stats.txt"));
  std::string line;
  std::vector<double> seconds, accesses;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string n, v;
    ls >> n >> v;
    if (n == "simSeconds") seconds.push_back(std::stod(v));
    if (n == "system.cpu0.requester.accesses") accesses.push_back(std::stod(v));
  }
  ASSERT_GE(seconds.size(), 2u);
  ASSERT_EQ(seconds.size(), accesses.size());
  for (size_t i = 0; i + 1 < seconds.size(); ++i) {
    EXPECT_NEAR(seconds[i], 0.001 * (i + 1), 1e-9);  // one block per period
    EXPECT_LE(accesses[i], accesses[i + 1]);         // cumulative
  }
  EXPECT_EQ(accesses.back(), 20000);
}

TEST(EndToEnd, MissingTraceFileIsNamed) {
  const auto dir = tempDir("notrace");
  const Result r = runVmsim(kDefault + " --param system.cpu0.requester.workload.type=trace" +
                            " --param system.cpu0.requester.workload.trace=" + dir +
                            "/missing.trace --outdir " + dir);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find(dir + "/missing.trace: cannot open"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("region"), std::string::npos) << r.output;
}

// Issue 7.1: without hardware A/D updates (the walker's set_accessed_dirty=false) the kernel
// treats writable pages as dirty, so no written page is dropped as clean and zero-filled again.
TEST(EndToEnd, NoDataLostWhenTheWalkerSetsNoAccessedDirtyBits) {
  const auto dir = tempDir("noad");
  const std::string p = " --param system.cpu0.";
  const Result r = runVmsim(kDefault + p + "mmu.walker.set_accessed_dirty=false" + p +
                            "requester.verify_data=true" + p + "requester.workload.footprint=8MiB" +
                            p + "requester.workload.count=60000" + p +
                            "requester.workload.write_fraction=0.5"
                            " --param system.kernel.memory_size=2MiB --outdir " +
                            dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.dataMismatches"), 0);
  // Each of the 2048 pages is zero-filled once; every later fault reads it back from swap (or
  // finds it in the swap cache).
  EXPECT_EQ(statValue(stats, "system.kernel.zeroFills"), 2048);
  EXPECT_EQ(statValue(stats, "system.kernel.minorFaults"),
            2048 + statValue(stats, "system.kernel.swapCacheHits"));
  EXPECT_GT(statValue(stats, "system.kernel.majorFaults"), 1000);
  EXPECT_EQ(statValue(stats, "system.kernel.cleanEvictions"), 0);
  // Second chance goes by the kernel's software reference bit: spared pages lose their present
  // bit, and a use re-validates them in a reference fault.
  EXPECT_GT(statValue(stats, "system.kernel.secondChances"), 0);
  EXPECT_GT(statValue(stats, "system.kernel.referenceFaults"), 0);
  // The kernel set D itself, so stores do not go back to the walker on every TLB hit.
  EXPECT_EQ(statValue(stats, "system.cpu0.mmu.l1d.dirtyMisses"), 0);
}

// Issue 7.4: second chance under FIFO moves the referenced page to the tail; under MRU it cannot
// change the victim, so asking for it is refused.
TEST(EndToEnd, FifoGivesRealSecondChancesAndMruRefusesTheAccessedBit) {
  const auto dir = tempDir("fifo2");
  const std::string common = kDefault +
                             " --param system.kernel.memory_size=1MiB"
                             " --param system.cpu0.requester.workload.footprint=4MiB" +
                             kSmall;
  const Result r = runVmsim(common + " --param system.kernel.replacement=fifo --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  const double evictions = statValue(stats, "system.kernel.evictions");
  const double spared = statValue(stats, "system.kernel.secondChances");
  EXPECT_GT(evictions, 1000);
  EXPECT_GT(spared, 0);
  EXPECT_NE(spared, evictions);  // it was exactly equal: the same victim was picked again
  const Result mru = runVmsim(common +
                              " --param system.kernel.replacement=mru"
                              " --param system.kernel.use_accessed_bit=true --outdir " +
                              tempDir("mru2"));
  EXPECT_EQ(mru.exitCode, 2) << mru.output;
  EXPECT_NE(mru.output.find("system.kernel.use_accessed_bit"), std::string::npos) << mru.output;
}

// Issue 7.14: per-process resident pages, and a finished process's memory freed at its exit.
TEST(EndToEnd, AFinishedProcessFreesItsMemoryAndResidentPagesAreReportedPerProcess) {
  const auto dir = tempDir("exit");
  const std::string w = " --param system.cpu1.requester.workload.";
  const Result r = runVmsim(kDefault + " --param system.cores=2" +
                            " --param system.cpu0.requester.workload.count=3000" + w +
                            "type=synthetic" + w + "pattern=random" + w + "footprint=64MiB" + w +
                            "count=30000 --param system.kernel.memory_size=4MiB --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  const double atExit0 = statValue(stats, "system.kernel.proc0.residentAtExit");
  EXPECT_GT(atExit0, 100);
  EXPECT_GT(statValue(stats, "system.kernel.proc1.residentAtExit"), 100);
  EXPECT_EQ(statValue(stats, "system.kernel.proc0.residentPages"), 0);
  EXPECT_EQ(statValue(stats, "system.kernel.proc1.residentPages"), 0);
  // Every fault took a frame; every eviction or exit gave one back. cpu1 went on in the frames
  // cpu0 freed at its exit, so more pages were resident at the two exits together than the
  // 1024 frames of memory could ever hold at once.
  const double faults =
      statValue(stats, "system.kernel.minorFaults") + statValue(stats, "system.kernel.majorFaults");
  const double atExits = atExit0 + statValue(stats, "system.kernel.proc1.residentAtExit");
  EXPECT_EQ(faults - statValue(stats, "system.kernel.evictions"), atExits);
  EXPECT_GT(atExits, 1024);
  EXPECT_EQ(statValue(stats, "system.kernel.proc0.evictions") +
                statValue(stats, "system.kernel.proc1.evictions"),
            statValue(stats, "system.kernel.evictions"));
}

// Issue 7.16: with swap disabled the platform builds no swap disk (nothing to bind), and the swap
// disk's keys are accepted as ignored.
TEST(EndToEnd, SwapDisabledRunsWithoutASwapDisk) {
  const auto dir = tempDir("noswap");
  const Result r = runVmsim(kDefault + kSmall +
                            " --param system.kernel.swap.enabled=false"
                            " --param system.kernel.memory_size=1MiB --outdir " +
                            dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("system.kernel.swap.enabled is false; ignoring system.swap.type"),
            std::string::npos)
      << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  EXPECT_EQ(stats.find("system.swap."), std::string::npos);
  EXPECT_GT(statValue(stats, "system.kernel.outOfMemory"), 0);
  EXPECT_EQ(statValue(stats, "system.kernel.evictions"), 0);
}
