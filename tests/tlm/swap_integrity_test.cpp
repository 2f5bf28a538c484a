// Integrity through each disk preset (configs/swap/*.yaml), LT and AT: a workload over a
// footprint 4x physical memory writes and reads back at random, every load checked against the
// last store; every byte must match while thousands of pages go to the disk and come back.
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <tuple>

#include "cli_support.h"

using namespace vmsim::test;

namespace {

class SwapIntegrity : public testing::TestWithParam<std::tuple<const char*, const char*>> {};

TEST_P(SwapIntegrity, EveryByteReadsBackThroughTheDisk) {
  const auto [preset, mode] = GetParam();
  const auto dir = tempDir(std::string("swap_integrity_") + preset + "_" + mode);
  const std::string cfg =
      std::string(VMSIM_SOURCE_DIR) + "/tests/data/swap/" + preset + "_integrity.yaml";
  const Result r =
      runVmsim(cfg + " --param system.cpu0.requester.mode=" + mode + " --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  const double accesses = statValue(stats, "system.cpu0.requester.accesses");
  const double swapOuts = statValue(stats, "system.kernel.swapOuts");
  const double swapIns = statValue(stats, "system.kernel.swapIns");
  std::cout << preset << " " << mode << ": " << accesses << " accesses checked, " << swapOuts
            << " pages written to disk, " << swapIns << " read from disk, disk requests "
            << statValue(stats, "system.swap.writes") << " writes / "
            << statValue(stats, "system.swap.reads") << " reads\n";
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.dataMismatches"), 0);
  EXPECT_EQ(accesses, 20000);
  // 4x overcommit: most accesses fault, a dirty victim goes out, the page comes back in.
  EXPECT_GT(swapOuts, 5000);
  EXPECT_GT(swapIns, 5000);
  // Every page the kernel moved went through the disk (a request may carry several pages).
  EXPECT_GE(statValue(stats, "system.swap.pages"), swapOuts + swapIns);
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.faults::total"), 0);
}

INSTANTIATE_TEST_SUITE_P(Presets, SwapIntegrity,
                         testing::Combine(testing::Values("nvme", "sata_ssd", "hdd_7200"),
                                          testing::Values("lt", "at")),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param)) + "_" +
                                  std::get<1>(info.param);
                         });

}  // namespace
