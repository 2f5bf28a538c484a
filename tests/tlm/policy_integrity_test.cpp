// Integrity under every replacement policy: a workload stores a distinct pattern into every page
// of a footprint 4x physical memory (the requester's store bytes depend on address and sequence
// number) and reads every page back several times in random order, each load checked against
// the last store (verify_data), under each policy, each disk preset (configs/swap/*.yaml), LT and
// AT, one process and two (two cores, each its own process over the same virtual addresses).
// Every byte must match; each case reports the pages written to and read from the disk.
// The default suite runs a representative subset; VMSIM_INTEGRITY_FULL (the `long` label) runs
// the whole matrix.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "cli_support.h"

using namespace vmsim::test;

namespace {

constexpr uint64_t kMemoryPages = 512;  // 2 MiB
constexpr int kReadRounds = 4;

/// Stores 64 bytes at two places of every page of `pages` pages, then `kReadRounds` random
/// permutations of loads of both; returns the number of accesses.
uint64_t writeTrace(const std::string& path, uint64_t pages, unsigned seed) {
  std::ofstream t(path);
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> order(pages);
  for (uint64_t i = 0; i < pages; ++i) order[i] = i;
  uint64_t n = 0;
  auto line = [&](const char* op, uint64_t page, uint64_t off) {
    t << op << " 0x" << std::hex << 0x10000000 + page * 4096 + off << std::dec << " 64\n";
    ++n;
  };
  std::shuffle(order.begin(), order.end(), rng);
  for (const uint64_t p : order) {
    line("S", p, (p * 64) % 2048);
    line("S", p, 2048 + (p * 128) % 2048);
  }
  for (int r = 0; r < kReadRounds; ++r) {
    std::shuffle(order.begin(), order.end(), rng);
    for (const uint64_t p : order) {
      line("L", p, 2048 + (p * 128) % 2048);
      line("L", p, (p * 64) % 2048);
    }
  }
  return n;
}

using Case = std::tuple<const char*, const char*, const char*, int>;  // policy, disk, mode, procs

class PolicyIntegrity : public testing::TestWithParam<Case> {};

TEST_P(PolicyIntegrity, EveryByteReadsBack) {
  const auto [policy, disk, mode, procs] = GetParam();
  const std::string name =
      std::string(policy) + "_" + disk + "_" + mode + "_" + std::to_string(procs);
  const auto dir = tempDir("integrity_" + name);
  // 4x memory in all: each process's footprint is its share.
  const uint64_t pages = 4 * kMemoryPages / static_cast<uint64_t>(procs);
  std::string cfg = "include: [" + std::string(VMSIM_SOURCE_DIR) +
                    "/tests/data/os/integrity_matrix.yaml, " + VMSIM_SOURCE_DIR + "/configs/swap/" +
                    disk + ".yaml]\nsystem:\n  cores: " + std::to_string(procs) +
                    "\n  kernel: {replacement: " + policy + "}\n";
  std::vector<uint64_t> accesses;
  for (int c = 0; c < procs; ++c) {
    const std::string trace = dir + "/p" + std::to_string(c) + ".trace";
    accesses.push_back(writeTrace(trace, pages, 17 + static_cast<unsigned>(c)));
    cfg += "  cpu" + std::to_string(c) + ":\n    requester:\n      mode: " + mode +
           "\n      verify_data: true\n      workload: {type: trace, trace: " + trace + "}\n";
  }
  std::ofstream(dir + "/run.yaml") << cfg;
  const Result r = runVmsim(dir + "/run.yaml --outdir " + dir + "/out");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/out/stats.txt");
  for (int c = 0; c < procs; ++c) {
    const std::string req = "system.cpu" + std::to_string(c) + ".requester.";
    EXPECT_EQ(statValue(stats, req + "accesses"), static_cast<double>(accesses[c])) << c;
    EXPECT_EQ(statValue(stats, req + "dataMismatches"), 0) << c;
    EXPECT_EQ(statValue(stats, req + "faults::total"), 0) << c;
  }
  const double out = statValue(stats, "system.kernel.swapOuts");
  const double in = statValue(stats, "system.kernel.swapIns");
  std::cout << name << ": " << out << " pages written to disk, " << in << " read from disk ("
            << statValue(stats, "system.swap.writes") << " write / "
            << statValue(stats, "system.swap.reads") << " read requests), "
            << statValue(stats, "system.kernel.swapCacheHits") << " swap-cache hits\n";
  // 3/4 of the footprint cannot be resident after the stores: it went to the disk, and the
  // reads bring it back (some from the swap cache or read-ahead instead of one by one).
  const double spill = 3.0 * kMemoryPages * 0.9;
  EXPECT_GT(out, spill);
  EXPECT_GT(in + statValue(stats, "system.kernel.swapReadaheadHits"), spill);
  EXPECT_GE(statValue(stats, "system.swap.pages"), out + in);
}

const char* const kPolicies[] = {"fifo", "random",  "lru", "mru",   "clock", "ostep-clock",
                                 "nru",  "wsclock", "vms", "linux", "opt"};

std::string caseName(const testing::TestParamInfo<Case>& info) {
  std::string n = std::string(std::get<0>(info.param)) + "_" + std::get<1>(info.param) + "_" +
                  std::get<2>(info.param) + "_" + std::to_string(std::get<3>(info.param)) + "p";
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

#ifdef VMSIM_INTEGRITY_FULL
INSTANTIATE_TEST_SUITE_P(Matrix, PolicyIntegrity,
                         testing::Combine(testing::ValuesIn(kPolicies),
                                          testing::Values("nvme", "sata_ssd", "hdd_7200"),
                                          testing::Values("lt", "at"), testing::Values(1, 2)),
                         caseName);
#else
// Every policy twice: one process on the NVMe SSD in LT, two processes on the HDD in AT (the
// full matrix has the other combinations).
INSTANTIATE_TEST_SUITE_P(NvmeLtOne, PolicyIntegrity,
                         testing::Combine(testing::ValuesIn(kPolicies), testing::Values("nvme"),
                                          testing::Values("lt"), testing::Values(1)),
                         caseName);
INSTANTIATE_TEST_SUITE_P(HddAtTwo, PolicyIntegrity,
                         testing::Combine(testing::ValuesIn(kPolicies), testing::Values("hdd_7200"),
                                          testing::Values("at"), testing::Values(2)),
                         caseName);
#endif

}  // namespace
