// Processes end to end through vmsim (docs/os.md "Processes", docs/workloads.md "Multi-process
// traces"): fork/exit/exec/mmap/munmap/brk records of a '#!vmsim-trace 2' trace, each access
// issued under its process's ASID through the MMU, TLBs, walker and caches, in LT and AT, with
// every load checked against what its process must see (verify_data); and threads (two cores
// running one process).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli_support.h"

namespace vmsim::test {
namespace {

constexpr uint64_t kBase = 0x10000000;
constexpr uint64_t kShm = 0x20000000;

std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

// pid 1 writes 64 pages and 4 pages of a shared mapping, forks pid 2; the child reads all and
// writes 16, the parent reads all and writes 8 of the first 16 (after the child's copies: the
// last mapper, no copy), the child writes the shared pages and the parent reads them.
std::string forkTrace() {
  std::ostringstream t;
  t << "#!vmsim-trace 2\n# a fork and its copy-on-write evidence\n";
  for (int i = 0; i < 64; ++i) t << "W " << hex(kBase + i * 4096) << " 8\n";
  t << "mmap 1 " << hex(kShm) << " 16384 shared rw\n";
  for (int i = 0; i < 4; ++i) t << "1: W " << hex(kShm + i * 4096) << " 8\n";
  t << "fork 1 2\n";
  for (int i = 0; i < 64; ++i) t << "2: R " << hex(kBase + i * 4096) << " 8\n";
  for (int i = 0; i < 16; ++i) t << "2: W " << hex(kBase + i * 4096) << " 8\n";
  for (int i = 0; i < 64; ++i) t << "1: R " << hex(kBase + i * 4096) << " 8\n";
  for (int i = 0; i < 8; ++i) t << "1: W " << hex(kBase + i * 4096 + 8) << " 8\n";
  for (int i = 0; i < 4; ++i) t << "2: W " << hex(kShm + i * 4096 + 16) << " 8\n";
  for (int i = 0; i < 4; ++i) t << "1: R " << hex(kShm + i * 4096 + 16) << " 8\n";
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 64; ++i) t << "2: R " << hex(kBase + i * 4096) << " 16\n";
    for (int i = 0; i < 64; ++i) t << "1: R " << hex(kBase + i * 4096) << " 16\n";
  }
  t << "exit 2\n";
  for (int i = 0; i < 64; ++i) t << "R " << hex(kBase + i * 4096) << " 16\n";
  return t.str();
}

struct Outcome {
  int exitCode;
  std::string output, stats;
};

Outcome run(const std::string& dir, const std::string& name, const std::string& trace,
            const std::string& extra) {
  const std::string tracePath = dir + "/" + name + ".trace";
  std::ofstream(tracePath) << trace;
  const std::string yaml = dir + "/" + name + ".yaml";
  std::ofstream(yaml) << "include: " << VMSIM_SOURCE_DIR << "/tests/data/configs/base.yaml\n"
                      << "system:\n  cpu0:\n    requester:\n      verify_data: true\n"
                      << "      workload: {type: trace, trace: " << tracePath << "}\n";
  const Result r = runVmsim("run " + yaml + " -o " + dir + "/" + name + " " + extra);
  return {r.exitCode, r.output, slurp(dir + "/" + name + "/stats.txt")};
}

double stat(const Outcome& r, const std::string& n) {
  return statValue(r.stats, n);
}

TEST(ProcessesCli, ForkCopyOnWriteAndSharedMappingsInLtAndAt) {
  const std::string dir = tempDir("procs_fork");
  const std::string trace = forkTrace();
  double ticks[2] = {0, 0};
  for (const std::string mode : {"lt", "at"}) {
    const Outcome r = run(dir, "fork_" + mode, trace,
                          "--param system.cpu0.requester.mode=" + mode +
                              " --param system.cpu0.requester.max_outstanding=1");
    ASSERT_EQ(r.exitCode, 0) << r.output;
    EXPECT_EQ(stat(r, "system.cpu0.requester.dataMismatches"), 0) << mode;
    EXPECT_EQ(stat(r, "system.cpu0.requester.faults::total"), 0) << mode;
    EXPECT_EQ(stat(r, "system.kernel.forks"), 1);
    EXPECT_EQ(stat(r, "system.kernel.exits"), 2);
    // Copies = pages written while shared: the child's 16; the parent's 8 writes come after,
    // as the last mapper of those pages (reuse, no copy).
    EXPECT_EQ(stat(r, "system.kernel.cowCopies"), 16) << mode;
    EXPECT_EQ(stat(r, "system.kernel.cowReuses"), 8) << mode;
    EXPECT_EQ(stat(r, "system.kernel.cowFaults"), 24) << mode;
    EXPECT_EQ(stat(r, "system.kernel.peakSharedFrames"), 68) << mode;
    EXPECT_EQ(stat(r, "system.kernel.forkPages"), 68) << mode;
    // The shared mapping: 4 pages faulted by the parent, 0 by the child (it inherited the
    // mapped entries), and no copy-on-write.
    EXPECT_EQ(stat(r, "system.kernel.sharedMappingFaults"), 4) << mode;
    EXPECT_EQ(stat(r, "system.kernel.proc0.forks"), 1);
    EXPECT_EQ(stat(r, "system.kernel.cpu0_pid2.cowCopies"), 16);
    EXPECT_EQ(stat(r, "system.cpu0.requester.systemCalls::total"), 3);
    ticks[mode == "at"] = stat(r, "simTicks");
  }
  // One in-order requester: LT and AT time agree within a few percent.
  EXPECT_NEAR(ticks[1] / ticks[0], 1.0, 0.05) << ticks[0] << " " << ticks[1];
}

// MIPS-style software-refilled TLBs: the kernel's refill handler sends a store through a
// copy-on-write entry to the fault handler as the hardware walker does.
TEST(ProcessesCli, SoftwareRefilledTlbsSendCopyOnWriteStoresToTheKernelToo) {
  const std::string dir = tempDir("procs_refill");
  const Outcome r = run(dir, "refill", forkTrace(), "--param system.cpu0.mmu.software_refill=true");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_GT(stat(r, "system.kernel.tlbRefills"), 0);
  EXPECT_EQ(stat(r, "system.kernel.cowCopies"), 16);
  EXPECT_EQ(stat(r, "system.kernel.cowReuses"), 8);
  EXPECT_EQ(stat(r, "system.cpu0.requester.dataMismatches"), 0);
  EXPECT_EQ(stat(r, "system.cpu0.requester.faults::total"), 0);
}

TEST(ProcessesCli, NothingLeaksBetweenProcessesThroughSwapInLtAndAt) {
  const std::string dir = tempDir("procs_swap");
  for (const std::string mode : {"lt", "at"}) {
    const Outcome r = run(
        dir, "swap_" + mode, forkTrace(),
        "--param system.cpu0.requester.mode=" + mode + " --param system.kernel.memory_size=200KiB");
    ASSERT_EQ(r.exitCode, 0) << r.output;
    EXPECT_EQ(stat(r, "system.cpu0.requester.dataMismatches"), 0) << mode;
    EXPECT_EQ(stat(r, "system.cpu0.requester.faults::total"), 0) << mode;
    EXPECT_GT(stat(r, "system.kernel.sharedEvictions"), 0) << mode;
    EXPECT_GT(stat(r, "system.kernel.swapIns"), 0) << mode;
  }
}

TEST(ProcessesCli, ExecBrkAndMunmapRecords) {
  const std::string dir = tempDir("procs_exec");
  std::ostringstream t;
  t << "#!vmsim-trace 2\n";
  t << "brk 1 0x30000000\nbrk 1 0x30004000\n";
  for (int i = 0; i < 4; ++i) t << "W " << hex(0x30000000 + i * 4096) << " 8\n";
  t << "fork 1 2\n";
  for (int i = 0; i < 4; ++i) t << "2: R " << hex(0x30000000 + i * 4096) << " 8\n";
  t << "exec 2\n";
  // A fresh address space: the pages read as zeros (the checker expects them).
  for (int i = 0; i < 4; ++i) t << "2: R " << hex(0x30000000 + i * 4096) << " 8\n";
  for (int i = 0; i < 4; ++i) t << "1: R " << hex(0x30000000 + i * 4096) << " 8\n";
  t << "brk 1 0x30002000\n";  // pages 2 and 3 leave the heap: a hole
  t << "R 0x30003000 8\nR 0x30001000 8\n";
  t << "munmap 1 0x30000000 4096\nR 0x30000000 8\n";
  t << "mmap 1 0x30000000 4096 private r\nR 0x30000000 8\nW 0x30000000 8\n";
  for (const std::string mode : {"lt", "at"}) {
    const Outcome r =
        run(dir, "exec_" + mode, t.str(), "--param system.cpu0.requester.mode=" + mode);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    EXPECT_EQ(stat(r, "system.cpu0.requester.dataMismatches"), 0) << mode;
    EXPECT_EQ(stat(r, "system.kernel.execs"), 1);
    EXPECT_EQ(stat(r, "system.cpu0.requester.faults::segmentation"), 2) << r.output;
    EXPECT_EQ(stat(r, "system.cpu0.requester.faults::protection"), 1) << r.output;
    EXPECT_EQ(stat(r, "system.cpu0.requester.systemCalls::brk"), 3);
    EXPECT_EQ(stat(r, "system.cpu0.requester.systemCalls::munmap"), 1);
  }
}

TEST(ProcessesCli, MalformedRecordsAreErrorsNamingFileAndLine) {
  const std::string dir = tempDir("procs_errors");
  struct Case {
    std::string trace, message;
  };
  const Case cases[] = {
      {"#!vmsim-trace 2\nW 0x1000 8\n3: R 0x1000 8\n", ".trace:3: pid 3 is not a live process"},
      {"#!vmsim-trace 2\nfork 1 2\nfork 1 2\n", ".trace:3: child pid 2 is already a live"},
      {"#!vmsim-trace 2\nexit 1\nW 0x1000 8\n", ".trace:3: pid 1 is not a live process"},
      {"#!vmsim-trace 2\nmmap 1 0x1001 4096 shared\n", ".trace:2: address 0x1001 is not page"},
      {"#!vmsim-trace 2\nmmap 1 0x1000 4096 public\n", ".trace:2: expected private or shared"},
      {"#!vmsim-trace 2\n2: fork 2 3\n", ".trace:2: pid 2 is not a live process"},
      {"#!vmsim-trace 3\nW 0x1000 8\n", ".trace:1: unsupported trace version line"},
      {"W 0x1000 8\nfork 1 2\n", ".trace:2: unknown op 'fork'"},
  };
  int n = 0;
  for (const Case& c : cases) {
    const Outcome r = run(dir, "e" + std::to_string(n++), c.trace, "");
    EXPECT_EQ(r.exitCode, 2) << c.trace << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.trace << "\n" << r.output;
  }
}

TEST(ProcessesCli, TwoCoresRunningOneProcessShareItsPageTableAndItsShootdowns) {
  const std::string dir = tempDir("procs_threads");
  for (int core = 0; core < 2; ++core) {
    std::ofstream f(dir + "/t" + std::to_string(core) + ".trace");
    for (int round = 0; round < 4; ++round) {
      for (int i = 0; i < 40; ++i) {
        f << (round % 2 ? "R " : "W ") << hex(kBase + (core * 40 + i) * 4096) << " 8\n";
      }
    }
  }
  const std::string yaml = dir + "/threads.yaml";
  std::ofstream(yaml) << "include: " << VMSIM_SOURCE_DIR << "/tests/data/configs/base.yaml\n"
                      << "system:\n  cores: 2\n  kernel: {memory_size: 256KiB}\n"
                      << "  cpu0:\n    requester:\n      verify_data: true\n"
                      << "      workload: {type: trace, trace: " << dir << "/t0.trace}\n"
                      << "  cpu1:\n    process: cpu0\n    requester:\n      verify_data: true\n"
                      << "      workload: {type: trace, trace: " << dir << "/t1.trace}\n";
  for (const std::string mode : {"lt", "at"}) {
    const Result r = runVmsim("run " + yaml + " -o " + dir + "/" + mode +
                              " --param system.cpu0.requester.mode=" + mode +
                              " --param system.cpu1.requester.mode=" + mode);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    const std::string s = slurp(dir + "/" + mode + "/stats.txt");
    EXPECT_EQ(statValue(s, "system.cpu0.requester.dataMismatches"), 0);
    EXPECT_EQ(statValue(s, "system.cpu1.requester.dataMismatches"), 0);
    EXPECT_FALSE(hasStat(s, "system.kernel.proc1.residentPages")) << "one process, two threads";
    // Evictions of the process's pages are shot down on both cores.
    EXPECT_GT(statValue(s, "system.kernel.evictions"), 0);
    EXPECT_GT(statValue(s, "system.kernel.ipis"), 0) << mode;
    EXPECT_EQ(statValue(s, "system.kernel.exits"), 1) << "the process exits with its last thread";
  }
  // A thread of a core that does not come first is a configuration error naming the key.
  const Result bad =
      runVmsim("run " + yaml + " -o " + dir + "/bad --param system.cpu1.process=cpu1");
  EXPECT_EQ(bad.exitCode, 2);
  EXPECT_NE(bad.output.find("'system.cpu1.process': cpu1 is not an earlier core"),
            std::string::npos)
      << bad.output;
}

}  // namespace
}  // namespace vmsim::test
