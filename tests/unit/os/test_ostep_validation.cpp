// Runs every OSTEP reference file through runOstep (all cases must match) and checks that the
// runner does catch a wrong expected value and malformed input.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "vmsim/validate/ostep.h"

namespace fs = std::filesystem;

namespace {

const fs::path kDataDir = fs::path(VMSIM_TEST_DATA_DIR) / "ostep";

class OstepFile : public ::testing::TestWithParam<std::string> {};

TEST_P(OstepFile, EveryCaseMatches) {
  std::ostringstream out;
  const int rc = vmsim::validate::runOstep((kDataDir / GetParam()).string(), out);
  EXPECT_EQ(rc, 0) << out.str();
  EXPECT_NE(out.str().find(" passed, 0 failed"), std::string::npos) << out.str();
}

INSTANTIATE_TEST_SUITE_P(Reference, OstepFile,
                         ::testing::Values("relocation.jsonl", "segmentation.jsonl", "malloc.jsonl",
                                           "paging-linear.jsonl", "paging-multilevel.jsonl",
                                           "paging-policy.jsonl"),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.find('.'));
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(OstepData, EveryShippedFileIsCovered) {
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(kDataDir))
    if (e.path().extension() == ".jsonl") ++files;
  EXPECT_EQ(files, 6u);
}

/// A scratch file removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    path_ = fs::temp_directory_path() /
            ("vmsim_ostep_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".jsonl");
    std::ofstream(path_) << text;
  }
  ~TempFile() { fs::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

std::string firstLine(const std::string& file) {
  std::ifstream in(kDataDir / file);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string replaceOnce(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(OstepRunner, CorruptedExpectedValueIsAFailure) {
  const std::string good = firstLine("relocation.jsonl");
  // rel-p001's first result is va 306 -> pa 2850; claim 2851 instead.
  const std::string bad = replaceOnce(good, "\"pa\": 2850", "\"pa\": 2851");
  ASSERT_NE(good, bad);
  TempFile f(good + "\n" + bad + "\n");
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runOstep(f.path(), out), 1);
  EXPECT_NE(out.str().find("expected.results[0].pa: expected 2851, got 2850"), std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("1 passed, 1 failed\n"), std::string::npos) << out.str();
}

TEST(OstepRunner, CorruptedPolicyStepIsAFailure) {
  const std::string good = firstLine("paging-policy.jsonl");
  const std::string bad =
      replaceOnce(good, "\"hitrate_pct\": \"30.00\"", "\"hitrate_pct\": \"30.0\"");
  ASSERT_NE(good, bad);
  TempFile f(bad + "\n");
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runOstep(f.path(), out), 1);
  EXPECT_NE(out.str().find("hitrate_pct"), std::string::npos) << out.str();
}

TEST(OstepRunner, MissingExpectedFieldIsAFailure) {
  // A model-produced field the case does not expect counts as a difference too.
  const std::string good = firstLine("paging-linear.jsonl");
  const std::string bad = replaceOnce(good, ", \"vpn\": 2, \"valid\": false", ", \"valid\": false");
  ASSERT_NE(good, bad);
  TempFile f(bad + "\n");
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runOstep(f.path(), out), 1);
  EXPECT_NE(out.str().find("expected.results[0].vpn: not expected"), std::string::npos)
      << out.str();
}

TEST(OstepRunner, AStringWhereANumberIsExpectedIsAFailure) {
  const std::string bad =
      replaceOnce(firstLine("relocation.jsonl"), "\"pa\": 2850", "\"pa\": \"2850\"");
  TempFile f(bad + "\n");
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runOstep(f.path(), out), 1);
  EXPECT_NE(out.str().find("expected \"2850\" (string), got 2850 (integer)"), std::string::npos)
      << out.str();
}

TEST(OstepRunner, MisleadingPrefixIsOverruledByTheInputShape) {
  std::string line = firstLine("paging-policy.jsonl");
  line = replaceOnce(line, "\"pol-p001\"", "\"rel-p999\"");
  TempFile f(line + "\n");
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runOstep(f.path(), out), 0) << out.str();
}

TEST(OstepRunner, UnknownSimulatorIsMalformed) {
  TempFile f("{\"id\": \"tlb-1\", \"input\": {\"entries\": 4}, \"expected\": {}}\n");
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runOstep(f.path(), out), 2);
  EXPECT_NE(out.str().find(":1: error: case tlb-1: cannot tell"), std::string::npos) << out.str();
}

TEST(OstepRunner, MalformedJsonNamesFileAndLine) {
  TempFile f(firstLine("segmentation.jsonl") + "\n{\"id\": \"seg-x\", \"input\": \n");
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runOstep(f.path(), out), 2);
  EXPECT_NE(out.str().find(f.path() + ":2: error"), std::string::npos) << out.str();
}

TEST(OstepRunner, MissingInputFieldNamesIt) {
  const std::string bad = replaceOnce(firstLine("relocation.jsonl"), "\"limit\"", "\"limmit\"");
  TempFile f(bad + "\n");
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runOstep(f.path(), out), 2);
  EXPECT_NE(out.str().find(":1: error: case rel-p001: missing field 'limit'"), std::string::npos)
      << out.str();
}

TEST(OstepRunner, UnreadableFileIsAnError) {
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runOstep("/nonexistent/cases.jsonl", out), 2);
  EXPECT_NE(out.str().find("/nonexistent/cases.jsonl: error"), std::string::npos);
}

TEST(OstepRunner, UnfamiliarIdsAreRecognisedByShape) {
  std::string line = firstLine("malloc.jsonl");
  line = replaceOnce(line, "\"mal-p001\"", "\"heap-case-1\"");
  TempFile f(line + "\n");
  std::ostringstream out;
  EXPECT_EQ(vmsim::validate::runOstep(f.path(), out), 0) << out.str();
  EXPECT_EQ(out.str(), "1 passed, 0 failed\n");
}

}  // namespace
