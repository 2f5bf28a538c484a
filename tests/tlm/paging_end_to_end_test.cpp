// Every page-table format through the whole platform (requester -> MMU -> TLBs -> walker ->
// DRAM, kernel building the tables, SSD swap), with every load checked against the bytes last
// stored; the walk depth each format implies; config errors of the format and the VA range.
#include <gtest/gtest.h>

#include "cli_support.h"

#include <string>

using namespace vmsim::test;

namespace {

// The tests' base configuration: the model's own hierarchy keys, no CPU preset.
const std::string kDefault = std::string(VMSIM_SOURCE_DIR) + "/tests/data/configs/base.yaml";
const std::string kP = " --param system.";

struct FormatCase {
  const char* name;
  unsigned levels;
  uint64_t base;  // the footprint high in the format's user range (every level's index used)
};

const FormatCase kCases[] = {
    {"x86-64-4", 4, 0x7f1234500000ull}, {"x86-64-5", 5, 0x00f1234500000000ull},
    {"sv39", 3, 0x3f12300000ull},       {"sv48", 4, 0x7f1234500000ull},
    {"sv57", 5, 0x00f1234500000000ull},
};

void PrintTo(const FormatCase& c, std::ostream* os) {
  *os << c.name;
}

class PagingEndToEnd : public ::testing::TestWithParam<FormatCase> {};

std::string caseName(const ::testing::TestParamInfo<FormatCase>& i) {
  std::string n = i.param.name;
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  return n;
}

std::string formatArgs(const FormatCase& c) {
  return kP + "kernel.page_table_format=" + c.name + kP +
         "cpu0.requester.workload.base=" + std::to_string(c.base);
}

}  // namespace

TEST_P(PagingEndToEnd, StoresReadBackThroughSwappingInLtAndAt) {
  for (const char* mode : {"lt", "at"}) {
    const auto out = tempDir(std::string("paging_swap_") + GetParam().name + mode);
    const Result r = runVmsim(
        kDefault + formatArgs(GetParam()) + kP + "kernel.memory_size=2MiB" + kP +
        "cpu0.requester.verify_data=true" + kP + "cpu0.requester.workload.footprint=6MiB" + kP +
        "cpu0.requester.workload.count=20000" + kP + "cpu0.requester.workload.write_fraction=0.5" +
        kP + "cpu0.requester.mode=" + mode + " --outdir " + out);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    const std::string s = slurp(out + "/stats.txt");
    EXPECT_EQ(statValue(s, "system.cpu0.requester.accesses"), 20000) << mode;
    EXPECT_EQ(statValue(s, "system.cpu0.requester.dataMismatches"), 0) << mode;
    EXPECT_GT(statValue(s, "system.kernel.majorFaults"), 100) << mode;
    EXPECT_GT(statValue(s, "system.kernel.swapOuts"), 100) << mode;
    EXPECT_EQ(statValue(s, "system.cpu0.mmu.walker.reservedFaults"), 0) << mode;
  }
}

TEST_P(PagingEndToEnd, WithoutHardwareAccessedBitsTheRevokedEncodingWorks) {
  const auto out = tempDir(std::string("paging_noad_") + GetParam().name);
  const Result r = runVmsim(
      kDefault + formatArgs(GetParam()) + kP + "kernel.memory_size=2MiB" + kP +
      "cpu0.mmu.walker.set_accessed_dirty=false" + kP + "cpu0.requester.verify_data=true" + kP +
      "cpu0.requester.workload.footprint=4MiB" + kP + "cpu0.requester.workload.count=20000" + kP +
      "cpu0.requester.workload.write_fraction=0.5 --outdir " + out);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string s = slurp(out + "/stats.txt");
  EXPECT_EQ(statValue(s, "system.cpu0.requester.dataMismatches"), 0);
  EXPECT_GT(statValue(s, "system.kernel.referenceFaults"), 0);
  EXPECT_GT(statValue(s, "system.kernel.secondChances"), 0);
}

TEST_P(PagingEndToEnd, EveryCompleteWalkReadsOneEntryPerLevel) {
  // No walk caches and memory enough for the footprint: each walk that finds its page reads
  // `levels` PTEs; a walk that faults (first touch) reads at most that many.
  const auto out = tempDir(std::string("paging_depth_") + GetParam().name);
  const Result r =
      runVmsim(kDefault + formatArgs(GetParam()) + kP + "cpu0.mmu.walker.walk_cache=none" + kP +
               "cpu0.requester.workload.footprint=16MiB" + kP +
               "cpu0.requester.workload.count=100000 --outdir " + out);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string s = slurp(out + "/stats.txt");
  const double walks = statValue(s, "system.cpu0.mmu.walker.walks");
  const double faults = statValue(s, "system.cpu0.mmu.walker.faults");
  const double reads = statValue(s, "system.cpu0.mmu.walker.memReads");
  const unsigned levels = GetParam().levels;
  EXPECT_GT(walks, 10 * faults);  // mostly complete walks: the bounds below tell the depth
  EXPECT_GE(reads, levels * (walks - faults) + faults);
  EXPECT_LE(reads, levels * walks);
  EXPECT_EQ(statValue(s, "system.cpu0.mmu.walker.walkCacheMisses"), 0);
}

INSTANTIATE_TEST_SUITE_P(AllFormats, PagingEndToEnd, ::testing::ValuesIn(kCases), caseName);

TEST(PagingEndToEndErrors, AFootprintOutsideTheFormatsUserRangeIsAConfigError) {
  // 2^40 is a fine x86-64-4 address but beyond sv39's 2^38 user half.
  const Result r =
      runVmsim(kDefault + kP + "kernel.page_table_format=sv39" + kP +
               "cpu0.requester.workload.base=1099511627776 --outdir " + tempDir("paging_range"));
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("system.cpu0.requester.workload.base"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("system.kernel.page_table_format"), std::string::npos) << r.output;
}

TEST(PagingEndToEndErrors, AnUnknownFormatListsTheValidOnes) {
  const Result r =
      runVmsim(kDefault + kP + "kernel.page_table_format=sv32 --outdir " + tempDir("paging_name"));
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("system.kernel.page_table_format"), std::string::npos) << r.output;
  for (const char* n : {"x86-64-4", "x86-64-5", "sv39", "sv48", "sv57"}) {
    EXPECT_NE(r.output.find(n), std::string::npos) << n << "\n" << r.output;
  }
}

TEST(PagingEndToEndErrors, ABadWalkCacheGeometryIsAConfigError) {
  const Result r = runVmsim(kDefault + kP + "cpu0.mmu.walker.walk_cache=pwc" + kP +
                            "cpu0.mmu.walker.pwc.entries=24" + kP +
                            "cpu0.mmu.walker.pwc.ways=16 --outdir " + tempDir("paging_geom"));
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("system.cpu0.mmu.walker.pwc.ways"), std::string::npos) << r.output;
}

TEST(PagingEndToEndErrors, PscKeysWithAUnifiedCacheAreUnknown) {
  const Result r = runVmsim(kDefault + kP + "cpu0.mmu.walker.walk_cache=pwc" + kP +
                            "cpu0.mmu.walker.psc.pde.entries=16 --outdir " + tempDir("paging_psc"));
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("system.cpu0.mmu.walker.psc.pde.entries"), std::string::npos) << r.output;
}
