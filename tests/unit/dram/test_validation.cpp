// Full DRAM validation (tests/data/dram) through runDram, plus its failure paths.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "vmsim/validate/dram.h"

namespace fs = std::filesystem;

namespace {

TEST(dramValidation, ReferenceDataPasses) {
  std::ostringstream out;
  const int rc = vmsim::validate::runDram(std::string(VMSIM_TEST_DATA_DIR) + "/dram", out);
  std::cout << out.str();
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.str().find(" 0 failed"), std::string::npos);
  EXPECT_EQ(out.str().find("FAIL"), std::string::npos);
}

TEST(dramValidation, MissingTraceAndBadJsonFail) {
  const fs::path dir = fs::temp_directory_path() / "vmsim_dram_validation_missing";
  fs::create_directories(dir / "traces");
  std::ofstream(dir / "results.json") << R"({"ghost": {"dramsim3": {"bandwidth_GBps": 1.0}}})";
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runDram(dir.string(), out), 1);
  EXPECT_NE(out.str().find("0 passed, 1 failed"), std::string::npos) << out.str();
  std::ofstream(dir / "results.json") << "{ not json";
  std::ostringstream out2;
  EXPECT_EQ(vmsim::validate::runDram(dir.string(), out2), 2);
  EXPECT_EQ(vmsim::validate::runDram((dir / "nowhere").string(), out2), 2);
  fs::remove_all(dir);
}

TEST(dramValidation, MissingMetricsAreSkipped) {
  const fs::path dir = fs::temp_directory_path() / "vmsim_dram_validation_writes";
  fs::create_directories(dir / "traces");
  std::ofstream(dir / "traces" / "w.trace") << "0x0 WRITE 0\n0x40 WRITE 1000\n";
  std::ofstream(dir / "results.json")
      << R"({"w": {"dramsim3": {"read_latency_cycles": {"avg": null}, "ref_cmds": 0}}})";
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runDram(dir.string(), out), 0) << out.str();
  EXPECT_NE(out.str().find("1 passed, 0 failed"), std::string::npos) << out.str();
  fs::remove_all(dir);
}

TEST(dramValidation, ReplayWritesStatsOrExplainsBadInput) {
  std::ostringstream out;
  const std::string trace =
      std::string(VMSIM_TEST_DATA_DIR) + "/dram/traces/row_conflict_paced.trace.gz";
  EXPECT_EQ(vmsim::validate::replayDram(trace, "DDR4-2400", out), 0);
  EXPECT_NE(out.str().find("read_latency_cycles avg 68.468"), std::string::npos) << out.str();
  std::ostringstream bad;
  EXPECT_EQ(vmsim::validate::replayDram(trace, "DDR9", bad), 2);
  EXPECT_NE(bad.str().find("DDR4-2400"), std::string::npos);
  EXPECT_EQ(vmsim::validate::replayDram("/nonexistent.trace", "DDR4-2400", bad), 2);
}

}  // namespace
