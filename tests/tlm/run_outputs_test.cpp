// The vmsim command line as a researcher uses it (issue 7): a runnable config.json, an INI
// config.ini, streamed periodic dumps, partial outputs after SIGINT/SIGTERM, and bad input
// (keys, includes, ranges, physical memory, cores, output folder) refused with exit 2 before
// simulating.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "cli_support.h"

namespace fs = std::filesystem;
using namespace vmsim::test;

namespace {

// The value of a stat, or -1 when the stat is missing (no test failure: some tests look for
// stats that only some runs have).
double statOrMissing(const std::string& text, const std::string& name) {
  return hasStat(text, name) ? statValue(text, name) : -1;
}

// The last "Begin ... End" block of a stats.txt, without the host figures (they vary by run).
std::string lastBlockWithoutHost(const std::string& stats) {
  const auto b = stats.rfind("\n---------- Begin Simulation Statistics");
  std::istringstream in(stats.substr(b == std::string::npos ? 0 : b));
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("host", 0) == 0) continue;
    out += line + "\n";
  }
  return out;
}

// The tests' base configuration: the model's own hierarchy keys, no CPU preset.
const std::string kDefault = std::string(VMSIM_SOURCE_DIR) + "/tests/data/configs/base.yaml";
const std::string kP = " --param system.cpu0.requester.";
const std::string kSmall = kP + "workload.count=20000";
const std::string kNoHost = " --param system.stats.include_host=false";

// A configuration error: exit 2, no simulation, and every `needle` in the message.
void expectConfigError(const std::string& args, const std::vector<std::string>& needles) {
  const auto dir = tempDir("err");
  const Result r = runVmsim(args + " --outdir " + dir + "/out");
  EXPECT_EQ(r.exitCode, 2) << args << "\n" << r.output;
  EXPECT_EQ(r.output.find("vmsim summary"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("E549"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir + "/out/stats.txt")) << args;
  for (const auto& n : needles)
    EXPECT_NE(r.output.find(n), std::string::npos) << n << "\n" << r.output;
}

}  // namespace

// --- item 17: the output folder reproduces the run
// ------------------------------------------------

TEST(RunOutputs, ConfigJsonReRunsTheSameExperiment) {
  for (const std::string& cfg :
       {kDefault, std::string(VMSIM_SOURCE_DIR) + "/configs/default.yaml",
        std::string(VMSIM_SOURCE_DIR) + "/configs/textbook/two_level.yaml",
        kDefault + kP + "workload.type=program" + kP + "workload.program.ops=500" +
            " --param system.dram.preset=DDR5-4800 --param system.swap.type=hdd"}) {
    const auto a = tempDir("rerun_a"), b = tempDir("rerun_b");
    // Non-default values of several types, including a clock and a float with many digits.
    const Result r1 = runVmsim(cfg + kSmall + kNoHost + kP + "clock=3GHz" + kP +
                               "workload.write_fraction=0.123456789012" +
                               " --param system.stats.dump_period=2ms --outdir " + a);
    ASSERT_EQ(r1.exitCode, 0) << r1.output;
    const std::string json = slurp(a + "/config.json");
    EXPECT_EQ(json.find("\"clock\": 500,"), std::string::npos) << json;  // a unit is written
    EXPECT_NE(json.find("\"dump_period\": \"2ms\""), std::string::npos) << json;
    const Result r2 = runVmsim(a + "/config.json --outdir " + b);
    ASSERT_EQ(r2.exitCode, 0) << r2.output;
    EXPECT_EQ(slurp(a + "/stats.txt"), slurp(b + "/stats.txt")) << cfg;
    EXPECT_EQ(json, slurp(b + "/config.json"));
  }
}

TEST(RunOutputs, ConfigIniIsReadByPythonsConfigparser) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  const auto dir = tempDir("ini");
  const Result r = runVmsim(kDefault + kSmall + " --param system.cores=2" + " --param " +
                            "system.cpu1.requester.workload.count=100 --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const Result py = runShell(
      "/usr/bin/python3 -c \"import configparser,sys; "
      "c=configparser.ConfigParser(interpolation=None); c.read_file(open(sys.argv[1])); "
      "print('sections', len(c.sections()), c['system.cpu0.mmu']['latency'])\" " +
      dir + "/config.ini");
  EXPECT_EQ(py.exitCode, 0) << py.output;
  EXPECT_NE(py.output.find("sections "), std::string::npos) << py.output;
}

TEST(RunOutputs, DumpPeriodZeroMeansOff) {
  const auto dir = tempDir("dump0");
  const Result r =
      runVmsim(kDefault + kSmall + " --param system.stats.dump_period=0 --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string s = slurp(dir + "/stats.txt");
  EXPECT_EQ(s.find("Begin Simulation"), s.rfind("Begin Simulation"));  // one block
}

// --- item 18 (and 31): periodic dumps are streamed out
// --------------------------------------------

TEST(RunOutputs, ManyPeriodicDumpsCostNoMemoryAndKeepTheFinalBlock) {
  const auto a = tempDir("dumps_many"), b = tempDir("dumps_none");
  const std::string w = kP + "workload.count=60000";
  const Result r1 = runVmsim(kDefault + w + " --param system.stats.dump_period=10us --outdir " + a);
  ASSERT_EQ(r1.exitCode, 0) << r1.output;
  const Result r2 = runVmsim(kDefault + w + " --outdir " + b);
  ASSERT_EQ(r2.exitCode, 0) << r2.output;
  const std::string many = slurp(a + "/stats.txt"), none = slurp(b + "/stats.txt");
  size_t blocks = 0;
  for (size_t p = many.find("Begin Simulation"); p != std::string::npos;
       p = many.find("Begin Simulation", p + 1)) {
    ++blocks;
  }
  const double sim = statOrMissing(none, "simSeconds");
  EXPECT_EQ(blocks, static_cast<size_t>(sim / 10e-6) + 1);  // one per period, then the final one
  EXPECT_EQ(lastBlockWithoutHost(many), lastBlockWithoutHost(none));
  // Streaming: the host memory does not grow with the text written (it held the whole text,
  // and a copy of it, before).
  // (Not under AddressSanitizer: its quarantine keeps freed memory, up to 256 MiB, so the peak
  // RSS follows the bytes allocated, not those held; LeakSanitizer checks what is held.)
#if !defined(__SANITIZE_ADDRESS__)
  const double extra = statOrMissing(many, "hostMemory") - statOrMissing(none, "hostMemory");
  EXPECT_LT(extra, static_cast<double>(many.size()) / 4)
      << "stats.txt " << many.size() << " bytes, host memory +" << extra;
#endif
  EXPECT_GT(many.size(), 8u << 20);  // enough text for the bound above to mean something
}

// --- item 19: an interrupted run writes its outputs, marked partial
// -------------------------------

namespace {
void interruptAndCheck(int sig, int expectedExit) {
  const auto dir = tempDir("sig" + std::to_string(sig));
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string cfg = kDefault;
    const std::string out = dir;
    const int fd = ::open((dir + "/log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(VMSIM_BINARY, VMSIM_BINARY, cfg.c_str(), "--param",
          "system.cpu0.requester.workload.count=1000000000000", "--outdir", out.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Let it elaborate and simulate a while (its outputs exist, empty, once it simulates).
  for (int i = 0; i < 200 && !fs::exists(dir + "/stats.json"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  kill(pid, sig);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << slurp(dir + "/log");
  EXPECT_EQ(WEXITSTATUS(status), expectedExit) << slurp(dir + "/log");
  const std::string stats = slurp(dir + "/stats.txt");
  EXPECT_NE(stats.find("End Simulation Statistics"), std::string::npos);
  EXPECT_EQ(statOrMissing(stats, "partial"), 1) << stats.substr(0, 2000);
  EXPECT_GT(statOrMissing(stats, "system.cpu0.requester.accesses"), 0);
  const std::string json = slurp(dir + "/stats.json");
  EXPECT_NE(json.find("\"partial\": true"), std::string::npos);
  EXPECT_NE(slurp(dir + "/config.json").find("\"count\": 1000000000000"), std::string::npos);
  EXPECT_NE(slurp(dir + "/config.ini").find("[system.cpu0.mmu]"), std::string::npos);
  EXPECT_NE(slurp(dir + "/log").find("interrupted by"), std::string::npos) << slurp(dir + "/log");
}
}  // namespace

TEST(RunOutputs, SigintEndsTheRunWithPartialOutputsAndExit130) {
  interruptAndCheck(SIGINT, 130);
}

TEST(RunOutputs, SigtermEndsTheRunWithPartialOutputsAndExit143) {
  interruptAndCheck(SIGTERM, 143);
}

TEST(RunOutputs, CompleteRunsAreNotMarkedPartial) {
  const auto dir = tempDir("complete");
  ASSERT_EQ(runVmsim(kDefault + kSmall + " --outdir " + dir).exitCode, 0);
  EXPECT_EQ(slurp(dir + "/stats.txt").find("partial"), std::string::npos);
  EXPECT_EQ(slurp(dir + "/stats.json").find("partial"), std::string::npos);
}

// --- item 25: malformed YAML structure
// --------------------------------------------------------------

TEST(RunOutputs, MalformedKeysAndIncludesAreConfigErrors) {
  const auto d = tempDir("yaml");
  std::ofstream(d + "/key.yaml") << "{[a]: 1}\n";
  std::ofstream(d + "/inc_empty.yaml") << "include: \"\"\n";
  std::ofstream(d + "/inc_block.yaml") << "include: |\n";
  std::ofstream(d + "/inc_dir.yaml") << "include: " << d << "\n";
  expectConfigError(d + "/key.yaml", {d + "/key.yaml:1", "'[a]'"});
  expectConfigError(kDefault + " --param 'system.foo={[1]: 2}'", {"system.foo", "'[1]'"});
  expectConfigError(d + "/inc_empty.yaml", {d + "/inc_empty.yaml:1", "'include'"});
  expectConfigError(d + "/inc_block.yaml", {d + "/inc_block.yaml:1", "'include'"});
  expectConfigError(d + "/inc_dir.yaml", {d + "/inc_dir.yaml:1", "'include'", "directory"});
  expectConfigError(d, {d + ": is a directory"});
}

// --- item 29: nonsense refused before simulating
// --------------------------------------------------

TEST(RunOutputs, DuplicateKeyNamesFileKeyAndBothLines) {
  const auto d = tempDir("dup");
  std::ofstream(d + "/dup.yaml") << "include: " << kDefault
                                 << "\nsystem:\n  cores: 1\n  cores: 2\n";
  expectConfigError(d + "/dup.yaml",
                    {d + "/dup.yaml:4", "duplicate key 'system.cores'", "first at line 3"});
}

TEST(RunOutputs, LeadingZeroCountIsRefused) {
  expectConfigError(kDefault + kP + "workload.count=017",
                    {"'system.cpu0.requester.workload.count'", "leading zeros"});
}

TEST(RunOutputs, MemorySizeNotAPageMultipleIsRefused) {
  expectConfigError(kDefault + " --param system.kernel.memory_size=100MB",
                    {"'system.kernel.memory_size'", "multiple of the 4096-byte page"});
}

TEST(RunOutputs, WorkloadOnPageZeroIsRefused) {
  expectConfigError(kDefault + kP + "workload.base=0",
                    {"'system.cpu0.requester.workload.base'", "page 0"});
  expectConfigError(kDefault + kP + "workload.base=100", {"page 0"});
}

TEST(RunOutputs, SwapTooSmallForTheOvercommitIsRefused) {
  expectConfigError(
      kDefault + " --param system.kernel.memory_size=16MiB" + kP +
          "workload.footprint=64MiB --param system.swap.size=16MiB",
      {"16384 pages", "4096 frames", "4096 swap slots", "'system.swap.size'", "at least 48MiB"});
  // Enough swap, or few enough accesses to touch only part of the footprint: accepted.
  const auto dir = tempDir("swapok");
  EXPECT_EQ(runVmsim(kDefault + " --param system.kernel.memory_size=16MiB" + kP +
                     "workload.footprint=64MiB --param system.swap.size=16MiB" + kP +
                     "workload.count=2000 --outdir " + dir)
                .exitCode,
            0);
}

TEST(RunOutputs, OvercommitWithoutSwapIsAWarningAtTheStart) {
  const auto dir = tempDir("noswap");
  const Result r = runVmsim(kDefault + " --param system.kernel.memory_size=8MiB" + kSmall +
                            " --param system.kernel.swap.enabled=false --outdir " + dir);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  const auto warn = r.output.find("'system.kernel.swap.enabled' false");
  EXPECT_NE(warn, std::string::npos) << r.output;
  EXPECT_LT(warn, r.output.find("vmsim summary")) << r.output;
}

TEST(RunOutputs, CoresWithoutTheirOwnWorkloadAreRefused) {
  expectConfigError(
      kDefault + " --param system.cores=3 --param system.cpu1.requester.workload.count=10",
      {"'system.cores'", "'system.cpu2.requester.workload' is not configured"});
}

TEST(RunOutputs, UnwritableOutdirIsFoundBeforeSimulating) {
  const auto d = tempDir("outdir");
  std::ofstream(d + "/file") << "x";
  const Result r = runVmsim(kDefault + kP + "workload.count=200000 --outdir " + d + "/file/sub");
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find(d + "/file/sub"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("vmsim summary"), std::string::npos) << r.output;
}

// --- item 27: the kernel's memory lies inside the DRAM
// ----------------------------------------------

TEST(RunOutputs, KernelMemoryOutsideTheDramIsRefused) {
  expectConfigError(kDefault + " --param system.kernel.memory_base=16GiB",
                    {"'system.kernel.memory_base'", "DRAM size"});
  expectConfigError(kDefault + " --param system.kernel.memory_size=32GiB",
                    {"'system.kernel.memory_size'", "DRAM size"});
  expectConfigError(kDefault + " --param system.kernel.memory_base=16256MiB",  // + 256MiB default
                    {"'system.kernel.memory_size'", "memory_base + memory_size"});
}

// --- item 28: values outside a physical range
// ------------------------------------------------------

TEST(RunOutputs, TimesAndCountsOutsideAPhysicalRangeAreRefused) {
  expectConfigError(kDefault + kP + "clock=1e30s", {"'system.cpu0.requester.clock'", "2^64 ps"});
  expectConfigError(kDefault + kP + "clock=1000s",
                    {"'system.cpu0.requester.clock'", "out of range [10ps, 1us]"});
  expectConfigError(kDefault + kP + "workload.count=18446744073709551615",
                    {"'system.cpu0.requester.workload.count'", "18446744073709551615",
                     "out of range [0, 1e+12]"});
  expectConfigError(kDefault + " --param system.stats.dump_period=1ps",
                    {"'system.stats.dump_period'", "minimum period of 1us"});
}
