// Full DRAM validation (tests/data/dram) through runDram, plus its failure paths.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "vmsim/validate/dram.h"

namespace fs = std::filesystem;

namespace {

TEST(dramValidation, ReferenceDataPasses) {
  std::ostringstream out;
  const int rc = vmsim::validate::runDram(std::string(VMSIM_TEST_DATA_DIR) + "/dram", out);
  std::cout << out.str();
  EXPECT_EQ(rc, 0);
  // Every metric of the three workloads (tests/CMakeLists.txt Validate.DramCli expects the same).
  EXPECT_NE(out.str().find("117 passed, 0 failed"), std::string::npos);
  EXPECT_EQ(out.str().find("FAIL"), std::string::npos);
}

// A folder with the paced trace and a results.json holding only its entry, edited by `edit`.
std::string pacedRun(const std::string& tag, const std::function<void(YAML::Node&)>& edit,
                     int expectRc) {
  const fs::path src = fs::path(VMSIM_TEST_DATA_DIR) / "dram";
  const fs::path dir = fs::temp_directory_path() / ("vmsim_dram_validation_" + tag);
  fs::remove_all(dir);
  fs::create_directories(dir / "traces");
  fs::copy_file(src / "traces" / "row_conflict_paced.trace.gz",
                dir / "traces" / "row_conflict_paced.trace.gz");
  for (const char* f : {"read_latency_histograms.json", "dram_config.json"})
    fs::copy_file(src / f, dir / f);
  YAML::Node all = YAML::LoadFile((src / "results.json").string());
  YAML::Node w = YAML::Clone(all["row_conflict_paced"]);
  edit(w);
  YAML::Node one;
  one["row_conflict_paced"] = w;
  YAML::Emitter e;
  e << one;
  std::ofstream(dir / "results.json") << e.c_str();
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runDram(dir.string(), out), expectRc) << out.str();
  fs::remove_all(dir);
  return out.str();
}

TEST(dramValidation, PacedReferenceChecksEveryMetric) {
  const std::string out = pacedRun(
      "paced", [](YAML::Node&) {}, 0);
  EXPECT_NE(out.find("39 passed, 0 failed"), std::string::npos) << out;
  for (const char* m : {"read_latency_cycles.p99", "read_latency_cycles.max", "act_cmds",
                        "pre_cmds", "ondemand_pre_cmds", "ref_cmds", "sim_cycles",
                        "read_latency_histogram", "envelope bandwidth_GBps"})
    EXPECT_NE(out.find(m), std::string::npos) << m;
}

// Each perturbation alone must fail the exact line (the looser envelope may still pass).
TEST(dramValidation, PerturbedResultsFail) {
  auto failsOn = [](const std::string& tag, const std::function<void(YAML::Node&)>& edit,
                    const std::string& metric) {
    const std::string out = pacedRun(tag, edit, 1);
    EXPECT_NE(out.find("38 passed, 1 failed"), std::string::npos) << tag << "\n" << out;
    const auto at = out.find("exact    " + metric);
    ASSERT_NE(at, std::string::npos) << tag;
    EXPECT_NE(out.substr(at, out.find('\n', at) - at).find("FAIL"), std::string::npos) << tag;
  };
  failsOn(
      "bw", [](YAML::Node& w) { w["dramsim3"]["bandwidth_GBps"] = "0.7757"; },  // +1 %
      "bandwidth_GBps");
  failsOn(
      "p99", [](YAML::Node& w) { w["dramsim3"]["read_latency_cycles"]["p99"] = "435"; },
      "read_latency_cycles.p99");
  failsOn(
      "act", [](YAML::Node& w) { w["dramsim3"]["act_cmds"] = "95942"; }, "act_cmds");
  failsOn(
      "avg", [](YAML::Node& w) { w["dramsim3"]["read_latency_cycles"]["avg"] = "68.469"; },
      "read_latency_cycles.avg");
}

TEST(dramValidation, UnknownMetricFails) {
  const std::string out = pacedRun(
      "typo", [](YAML::Node& w) { w["dramsim3"]["bandwith_GBps"] = "0.768"; }, 1);
  EXPECT_NE(out.find("dramsim3.bandwith_GBps: unknown metric  FAIL"), std::string::npos) << out;
}

TEST(dramValidation, EmptyResultsAreAnError) {
  const fs::path dir = fs::temp_directory_path() / "vmsim_dram_validation_empty";
  fs::create_directories(dir);
  std::ofstream(dir / "results.json") << "{}";
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runDram(dir.string(), out), 2);
  EXPECT_NE(out.str().find((dir / "results.json").string() + ": expected an object of workloads"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("found none"), std::string::npos) << out.str();
  std::ofstream(dir / "results.json") << R"({"w": {"dramsim3": {}}})";
  std::ostringstream out2;
  EXPECT_EQ(vmsim::validate::runDram(dir.string(), out2), 1);
  EXPECT_NE(out2.str().find("0 passed, 1 failed"), std::string::npos) << out2.str();
  fs::remove_all(dir);
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
