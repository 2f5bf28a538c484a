// The replacement policies of system.kernel.replacement through the full system (vmsim runs):
// each policy's rule shows in the stats of a workload made to tell it apart, and no byte is lost.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "cli_support.h"

using namespace vmsim::test;

namespace {

const std::string kBase = std::string(VMSIM_SOURCE_DIR) + "/tests/data/os/policies_base.yaml";
const std::string kTwo = std::string(VMSIM_SOURCE_DIR) + "/tests/data/os/two_procs.yaml";

/// Runs `cfg` with `args`; the stats text (the run must succeed and lose nothing).
std::string run(const std::string& name, const std::string& cfg, const std::string& args) {
  const auto dir = tempDir("policies_" + name);
  const Result r = runVmsim(cfg + " " + args + " --outdir " + dir);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.dataMismatches"), 0) << name;
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.faults::total"), 0) << name;
  return stats;
}

std::string policy(const std::string& p) {
  return "--param system.kernel.replacement=" + p;
}

double major(const std::string& s) {
  return statValue(s, "system.kernel.majorFaults");
}

double faults(const std::string& s) {
  return statValue(s, "system.kernel.majorFaults") + statValue(s, "system.kernel.minorFaults");
}

TEST(Policies, SampledLruOrdersPagesByUseTheFaultOrderAloneIsFifo) {
  // Without sampling and without second chances the kernel's lru hears only faults: exactly
  // FIFO (the full system's lru before accessed-bit sampling).
  const std::string noBits = " --param system.kernel.use_accessed_bit=false";
  const std::string fifo = run("fifo_nobits", kBase, policy("fifo") + noBits);
  const std::string blind = run(
      "lru_blind", kBase, policy("lru") + noBits + " --param system.kernel.lru.sample_period=0");
  EXPECT_EQ(major(blind), major(fifo));
  EXPECT_EQ(statValue(blind, "simSeconds"), statValue(fifo, "simSeconds"));
  EXPECT_EQ(statValue(blind, "system.kernel.lru.samples"), 0);
  // Sampling the accessed bits (every 200 us here) orders the hot set at the recent end.
  const std::string sampled = run("lru_sampled", kBase, policy("lru") + noBits);
  EXPECT_GT(statValue(sampled, "system.kernel.lru.samples"), 10);
  EXPECT_GT(statValue(sampled, "system.kernel.lru.referenced"), 1000);
  EXPECT_GT(statValue(sampled, "system.kernel.lru.sampleCycles::pageTable"), 0);
  EXPECT_GT(statValue(sampled, "system.kernel.lru.sampleCycles::tlb"), 0);
  EXPECT_LT(major(sampled), 0.5 * major(blind));
}

TEST(Policies, LinuxActivatesTheHotSetAndFaultsLessThanFifo) {
  const std::string fifo =
      run("fifo_nobits2", kBase, policy("fifo") + " --param system.kernel.use_accessed_bit=false");
  const std::string lx = run("linux", kBase, policy("linux"));
  EXPECT_GT(statValue(lx, "system.kernel.linux.activations"), 100);
  EXPECT_GT(statValue(lx, "system.kernel.linux.deactivations"), 100);
  EXPECT_EQ(statValue(lx, "system.kernel.secondChances"), 0) << "the policy reads the bits itself";
  EXPECT_LT(major(lx), 0.5 * major(fifo));
}

// A trace of loads over one set of pages and stores over another, interleaved at random.
std::string readWriteTrace(const std::string& dir) {
  const std::string path = dir + "/rw.trace";
  std::ofstream t(path);
  uint64_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t page = (x >> 33) % 768;
    const bool store = (x >> 20) & 1;
    t << (store ? "S 0x" : "L 0x") << std::hex << (store ? 0x20000000 : 0x10000000) + page * 4096
      << std::dec << " 8\n";
  }
  return path;
}

TEST(Policies, NruEvictsCleanPagesBeforeDirtyOnes) {
  const std::string trace =
      " --param system.cpu0.requester.workload.type=trace --param "
      "system.cpu0.requester.workload.trace=" +
      readWriteTrace(tempDir("nru_trace"));
  const std::string fifo = run("fifo_rw", kBase, policy("fifo") + trace);
  const std::string nru = run("nru_rw", kBase, policy("nru") + trace);
  auto cleanShare = [](const std::string& s) {
    return statValue(s, "system.kernel.cleanEvictions") / statValue(s, "system.kernel.evictions");
  };
  // Uniform random use leaves little to choose from (measured: 55% clean evictions against
  // FIFO's 50%, 11% fewer swap writes); the thresholds are half of that.
  EXPECT_GT(cleanShare(nru), cleanShare(fifo) + 0.025);
  EXPECT_LT(statValue(nru, "system.kernel.swapOuts"),
            0.95 * statValue(fifo, "system.kernel.swapOuts"));
}

TEST(Policies, WsClockWritesOldDirtyPagesBackBeforeItEvictsThem) {
  const std::string w = " --param system.cpu0.requester.workload.write_fraction=0.6";
  const std::string ws =
      run("wsclock", kBase, policy("wsclock") + w + " --param system.kernel.wsclock.tau=100us");
  EXPECT_GT(statValue(ws, "system.kernel.cleanWrites"), 500);
  // The pages written ahead leave clean: most evictions write nothing.
  EXPECT_GT(statValue(ws, "system.kernel.cleanEvictions"),
            0.8 * statValue(ws, "system.kernel.evictions"));
  // A window longer than the run: no page is ever old, nothing is written ahead.
  const std::string wide =
      run("wsclock_wide", kBase, policy("wsclock") + w + " --param system.kernel.wsclock.tau=10s");
  EXPECT_EQ(statValue(wide, "system.kernel.cleanWrites"), 0);
  EXPECT_LT(statValue(wide, "system.kernel.cleanEvictions"),
            0.6 * statValue(wide, "system.kernel.evictions"));
}

TEST(Policies, VmsKeepsEachProcessWithinItsLimitAndReclaimsFromTheLists) {
  const std::string vms =
      run("vms", kTwo, policy("vms") + " --param system.kernel.vms.resident_limit=150");
  EXPECT_EQ(statValue(vms, "system.cpu1.requester.dataMismatches"), 0);
  EXPECT_LE(statValue(vms, "system.kernel.proc0.peakResidentPages"), 150);
  EXPECT_LE(statValue(vms, "system.kernel.proc1.peakResidentPages"), 150);
  EXPECT_GT(statValue(vms, "system.kernel.vms.localEvictions"), 1000);
  // Faults on pages still on the free or modified list take them back without I/O.
  EXPECT_GT(statValue(vms, "system.kernel.swapCacheHits"), 500);
  const std::string fifo = run("fifo_two", kTwo, policy("fifo"));
  EXPECT_EQ(statValue(fifo, "system.kernel.vms.localEvictions"), 0);
  EXPECT_GT(statValue(vms, "system.kernel.swapCacheHits"),
            3 * statValue(fifo, "system.kernel.swapCacheHits"));
}

// A loop over more pages than memory holds: LRU and FIFO fault on every page of every pass,
// Belady's OPT keeps most of them.
std::string loopTrace(const std::string& dir) {
  const std::string path = dir + "/loop.trace";
  std::ofstream t(path);
  for (int pass = 0; pass < 8; ++pass) {
    for (uint64_t page = 0; page < 600; ++page) {
      t << (pass == 0 || page % 3 == 0 ? "S 0x" : "L 0x") << std::hex << 0x10000000 + page * 4096
        << std::dec << " 8\n";
    }
  }
  return path;
}

TEST(Policies, OptFaultsLeastOnALoopLargerThanMemory) {
  const std::string trace =
      " --param system.cpu0.requester.workload.type=trace --param "
      "system.cpu0.requester.workload.trace=" +
      loopTrace(tempDir("opt_trace"));
  const std::string lru = run("lru_loop", kBase, policy("lru") + trace);
  const std::string opt = run("opt_loop", kBase, policy("opt") + trace);
  EXPECT_GT(faults(lru), 7 * 500);
  EXPECT_LT(faults(opt), 0.35 * faults(lru));
  // AT with several accesses in flight: the position the kernel sees runs a few accesses ahead.
  const std::string at =
      run("opt_loop_at", kBase, policy("opt") + trace + " --param system.cpu0.requester.mode=at");
  EXPECT_LT(faults(at), 1.1 * faults(opt) + 10);
}

TEST(Policies, OptNeedsATraceWorkload) {
  const auto dir = tempDir("opt_synthetic");
  const Result r = runVmsim(kBase + " " + policy("opt") + " --outdir " + dir);
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("'system.kernel.replacement': opt needs each process's future page "
                          "references, known only for trace workloads; cpu0"),
            std::string::npos)
      << r.output;
}

TEST(Policies, KernelPolicyKeysAreCheckedAsConfig) {
  const auto dir = tempDir("policy_keys");
  Result r = runVmsim(kBase + " " + policy("nru") +
                      " --param system.kernel.use_accessed_bit=true --outdir " + dir);
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("nru reads and clears the accessed bits itself"), std::string::npos)
      << r.output;
  r = runVmsim(kBase + " " + policy("lfu") + " --outdir " + dir);
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("wsclock"), std::string::npos) << "the valid names are listed";
}

}  // namespace
