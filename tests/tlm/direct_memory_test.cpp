// store_data: false (docs/direct-memory.md): a run that keeps no program data gives the same
// timing and statistics as one that does, in LT and AT, with and without swapping; and it
// cannot be combined with verify_data, which needs the data.
#include "cli_support.h"

using namespace vmsim::test;

namespace {

const std::string kBase = std::string(VMSIM_SOURCE_DIR) + "/tests/data/configs/base.yaml";

// Drops the host measurements (hostSeconds, hostMemory, ...): all else must be byte-identical.
std::string withoutHostLines(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("host", 0) == 0 || line.find("\"host") != std::string::npos) continue;
    out += line + "\n";
  }
  return out;
}

struct Outputs {
  std::string txt, json;
};

Outputs run(const std::string& name, const std::string& args) {
  const std::string dir = tempDir(name);
  const Result r = runVmsim(kBase + " -q -o " + dir + " " + args);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  return {withoutHostLines(slurp(dir + "/stats.txt")),
          withoutHostLines(slurp(dir + "/stats.json"))};
}

void expectIdentical(const std::string& name, const std::string& args) {
  const Outputs kept = run(name + "_kept", args);
  const Outputs dropped = run(name + "_dropped", args + " -p system.dram.store_data=false");
  ASSERT_GT(kept.txt.size(), 1000u);
  EXPECT_TRUE(kept.txt == dropped.txt) << name << ": stats.txt differs";
  EXPECT_TRUE(kept.json == dropped.json) << name << ": stats.json differs";
  // The run did walk, fault and store (the comparison covers the paths that move data).
  EXPECT_GT(statValue(kept.txt, "system.kernel.minorFaults"), 100);
  EXPECT_GT(statValue(kept.txt, "system.cpu0.mmu.walker.adWrites"), 100);
}

const std::string kSmall =
    "-p system.cpu0.requester.workload.footprint=16MiB "
    "-p system.cpu0.requester.workload.count=30000";
// 16 MiB of pages in 8 MiB of memory: evictions, swap-outs and swap-ins of the pages' data.
const std::string kSwapping = kSmall + " -p system.kernel.memory_size=8MiB";

}  // namespace

TEST(DirectMemory, StoreDataFalseGivesIdenticalStatsLt) {
  expectIdentical("lt", kSmall);
}

TEST(DirectMemory, StoreDataFalseGivesIdenticalStatsAt) {
  expectIdentical("at", kSmall + " -p system.cpu0.requester.mode=at");
}

TEST(DirectMemory, StoreDataFalseGivesIdenticalStatsWhileSwappingLt) {
  expectIdentical("swap_lt", kSwapping);
  const Outputs o = run("swap_check", kSwapping);
  EXPECT_GT(statValue(o.txt, "system.kernel.swapIns"), 100);
}

TEST(DirectMemory, StoreDataFalseGivesIdenticalStatsWhileSwappingAt) {
  expectIdentical("swap_at", kSwapping + " -p system.cpu0.requester.mode=at");
}

TEST(DirectMemory, VerifyDataWithStoreDataFalseIsAConfigError) {
  const std::string dir = tempDir("verify");
  const Result r = runVmsim(kBase + " -q -o " + dir +
                            " -p system.cpu0.requester.workload.count=100"
                            " -p system.cpu0.requester.verify_data=true"
                            " -p system.dram.store_data=false");
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.output.find("system.cpu0.requester.verify_data"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("system.dram.store_data"), std::string::npos) << r.output;
  // Either alone is fine.
  EXPECT_EQ(runVmsim(kBase + " -q -o " + dir +
                     " -p system.cpu0.requester.workload.count=100"
                     " -p system.cpu0.requester.verify_data=true")
                .exitCode,
            0);
}
