// The vmsim binary on translation-hardware configurations of issue 7: the L2 TLB turned off,
// TLB FIFO replacement with dirty-bit updates, page sizes the kernel never maps, and textbook
// segmentation keeping the configured protection of the workload's footprint.
#include <gtest/gtest.h>

#include "cli_support.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace vmsim::test;

namespace {

const std::string kSrc = VMSIM_SOURCE_DIR;
// The tests' base configuration: the model's own hierarchy keys, no CPU preset.
const std::string kDefault = kSrc + "/tests/data/configs/base.yaml";
const std::string kP = " --param system.cpu0.";

// Every translation that misses both L1 TLBs (none is answered by an L2) is one walk.
void expectWalksEqualL1Misses(const std::string& stats) {
  const double misses = statValue(stats, "system.cpu0.mmu.l1i.misses") +
                        statValue(stats, "system.cpu0.mmu.l1d.misses");
  EXPECT_GT(misses, 0);
  EXPECT_EQ(statValue(stats, "system.cpu0.mmu.walker.walks"), misses);
  EXPECT_FALSE(hasStat(stats, "system.cpu0.mmu.l2.hits"));
}

}  // namespace

// Issue 7 item 2: with only `l2: {enabled: false}` both L1 TLBs bound the walker's single-bind
// socket (SystemC E109).
TEST(TranslationConfig, L2DisabledAloneRunsAndEveryL1MissWalks) {
  const auto dir = tempDir("nol2");
  std::ofstream(dir + "/x.yaml") << "system: {cpu0: {mmu: {l2: {enabled: false}}}}\n";
  const Result r =
      runVmsim(dir + "/x.yaml" + kP + "requester.workload.count=20000 --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(r.output.find("E109"), std::string::npos) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.accesses"), 20000);
  expectWalksEqualL1Misses(stats);
  // Fetches and loads: both L1s reach the walker.
  std::ofstream t(dir + "/t.trace");
  for (int i = 0; i < 64; ++i) {
    t << "F 0x" << std::hex << 0x400000 + i * 0x1000 << " 4\nL 0x" << 0x10000000 + i * 0x3000
      << std::dec << " 8\n";
  }
  t.close();
  const Result tr = runVmsim(dir + "/x.yaml" + kP + "requester.workload.type=trace" + kP +
                             "requester.workload.trace=" + dir + "/t.trace --outdir " + dir + "/t");
  ASSERT_EQ(tr.exitCode, 0) << tr.output;
  const std::string ts = slurp(dir + "/t/stats.txt");
  EXPECT_GE(statValue(ts, "system.cpu0.mmu.l1i.misses"), 64);
  EXPECT_GE(statValue(ts, "system.cpu0.mmu.l1d.misses"), 64);
  expectWalksEqualL1Misses(ts);
}

// ... and on the default config the l2's entries/ways were "unknown keys".
TEST(TranslationConfig, L2DisabledOnTheDefaultConfigNamesItsKeysAsIgnored) {
  const auto dir = tempDir("nol2_default");
  const Result r = runVmsim(kDefault + kP + "mmu.l2.enabled=false" + kP +
                            "requester.workload.count=20000 --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(r.output.find("unknown configuration key"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ignoring system.cpu0.mmu.l2.entries, system.cpu0.mmu.l2.ways"),
            std::string::npos)
      << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.accesses"), 20000);
  expectWalksEqualL1Misses(stats);
  // A misspelt key of the disabled level is still an error, now with the right suggestion.
  const Result typo =
      runVmsim(kDefault + kP + "mmu.l2.enabled=false" + kP + "mmu.l2.entires=64 --outdir " + dir);
  EXPECT_EQ(typo.exitCode, 2);
  EXPECT_NE(typo.output.find("did you mean 'system.cpu0.mmu.l2.entries'"), std::string::npos)
      << typo.output;
}

// Issue 7 item 3: a 4-entry fully associative FIFO L1 on L A; L B; L C; L D; S A; L E; L B;
// L C; L D. The store sets A's dirty bit (an update, not a fill), so E replaces A, the oldest
// entry, and B, C, D hit: 3 hits (it gave 0 when the update moved the FIFO pointer). With S B
// the update is not at the pointer and the answer was already 3.
TEST(TranslationConfig, FifoTlbDirtyUpdateKeepsTheReplacementOrder) {
  for (const char* store : {"0", "1"}) {
    const auto dir = tempDir(std::string("fifo") + store);
    std::ofstream t(dir + "/t.trace");
    const uint64_t base = 0x10000000;
    auto line = [&](const char* op, uint64_t page) {
      t << op << " 0x" << std::hex << base + page * 4096 << std::dec << " 8\n";
    };
    for (uint64_t p = 0; p < 4; ++p) line("L", p);
    line("S", std::stoull(store));
    line("L", 4);
    for (uint64_t p = 1; p < 4; ++p) line("L", p);
    t.close();
    const Result r =
        runVmsim(kDefault + kP + "requester.workload.type=trace" + kP +
                 "requester.workload.trace=" + dir + "/t.trace" + kP + "mmu.l1d.entries=4" + kP +
                 "mmu.l1d.ways=4" + kP + "mmu.l1d.replacement=fifo --outdir " + dir);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    const std::string stats = slurp(dir + "/stats.txt");
    EXPECT_EQ(statValue(stats, "system.cpu0.requester.accesses"), 9) << store;
    EXPECT_EQ(statValue(stats, "system.cpu0.mmu.l1d.dirtyMisses"), 1) << store;
    EXPECT_EQ(statValue(stats, "system.cpu0.mmu.l1d.hits"), 3) << "S on page " << store;
    EXPECT_EQ(statValue(stats, "system.cpu0.mmu.l1d.evictions"), 1) << store;
  }
}

// Issue 7 item 7: a TLB for page sizes the kernel never maps misses on every lookup; say so.
TEST(TranslationConfig, TlbWithoutAnyMappedPageSizeIsWarnedAbout) {
  const auto dir = tempDir("pagesizes");
  const Result r = runVmsim(kDefault + kP + "mmu.l1d.page_sizes=[2097152]" + kP +
                            "requester.workload.count=2000 --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("system.cpu0.mmu.l1d: holds only 2 MiB pages, but the kernel maps "
                          "only 4 KiB pages: every lookup will miss"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(statValue(slurp(dir + "/stats.txt"), "system.cpu0.mmu.l1d.hits"), 0);
  // The default sizes (4 KiB and 2 MiB) include one the kernel maps: no warning.
  const Result quiet =
      runVmsim(kDefault + kP + "requester.workload.count=2000 --outdir " + dir + "/q");
  ASSERT_EQ(quiet.exitCode, 0) << quiet.output;
  EXPECT_EQ(quiet.output.find("every lookup will miss"), std::string::npos) << quiet.output;
}

// Issue 7 item 29 (page sizes): an empty or repeating list is a configuration error.
TEST(TranslationConfig, EmptyOrDuplicatedPageSizesAreConfigErrors) {
  const auto dir = tempDir("pagesizes_bad");
  const Result empty = runVmsim(kDefault + kP + "mmu.l1d.page_sizes=[] --outdir " + dir);
  EXPECT_EQ(empty.exitCode, 2);
  EXPECT_NE(empty.output.find("'system.cpu0.mmu.l1d.page_sizes': the list is empty"),
            std::string::npos)
      << empty.output;
  const Result dup =
      runVmsim(kDefault + kP + "mmu.l2.page_sizes=[4096,2097152,4096] --outdir " + dir);
  EXPECT_EQ(dup.exitCode, 2);
  EXPECT_NE(dup.output.find("'system.cpu0.mmu.l2.page_sizes': 4096 is listed twice"),
            std::string::npos)
      << dup.output;
  EXPECT_FALSE(fs::exists(dir + "/stats.txt"));
}

// Issue 7 item 5: the platform mapped the footprint with heap permissions over the code
// segment's configured r-x, so stores into it succeeded.
TEST(TranslationConfig, SegmentationKeepsTheConfiguredProtectionOfTheFootprint) {
  const auto dir = tempDir("seg_prot");
  const std::string cfg = kSrc + "/configs/textbook/segmentation.yaml";
  const Result r =
      runVmsim(cfg + kP + "requester.workload.base=0" + kP + "requester.workload.footprint=512KiB" +
               kP + "requester.workload.count=20000 --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  const double stores = statValue(stats, "system.cpu0.requester.accessesByKind::store");
  EXPECT_GT(stores, 1000);
  EXPECT_EQ(statValue(stats, "system.cpu0.mmu.faults::protection"), stores);
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.faults::protection"), stores);
  EXPECT_EQ(statValue(stats, "system.cpu0.mmu.faults::segmentation"), 0);  // loads are fine
  EXPECT_NE(r.output.find("protection violation at VA 0x"), std::string::npos) << r.output;
  EXPECT_NE(slurp(dir + "/config.ini").find("protection=r-x"), std::string::npos);
  // A read-write code segment takes the same stores.
  const Result rw =
      runVmsim(cfg + kP + "requester.workload.base=0" + kP + "requester.workload.footprint=512KiB" +
               kP + "requester.workload.count=20000" + kP +
               "mmu.segmentation.code.protection=rwx --outdir " + dir + "/rw");
  ASSERT_EQ(rw.exitCode, 0) << rw.output;
  EXPECT_EQ(statValue(slurp(dir + "/rw/stats.txt"), "system.cpu0.mmu.faults::total"), 0);
}

// With `addressing: explicit`, loads and stores without a selector use the heap segment: the
// footprint is mapped there (it went to the code segment, chosen by the VA's top bits, and
// every access faulted).
TEST(TranslationConfig, ExplicitSegmentationMapsTheFootprintInTheHeapSegment) {
  const auto dir = tempDir("seg_explicit");
  const Result r = runVmsim(
      kSrc + "/configs/textbook/segmentation.yaml" + kP + "mmu.segmentation.addressing=explicit" +
      kP + "requester.workload.base=0" + kP + "requester.workload.count=5000 --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.accesses"), 5000);
  EXPECT_EQ(statValue(stats, "system.cpu0.mmu.faults::total"), 0);
}

// OSTEP's exact two-level machine (32-byte pages, one-byte entries without protection bits,
// 128 frames) runs in the platform: the footprint is mapped at the scheme's page size, with the
// format's implicit rwx (it was refused, and rounded up to 4 KiB pages).
TEST(TranslationConfig, OstepTwoLevelFormatRunsInThePlatform) {
  const auto dir = tempDir("two_level_ostep");
  const Result r = runVmsim(kSrc + "/configs/textbook/two_level.yaml" + kP +
                            "mmu.two_level.entry_bytes=1" + kP + "mmu.two_level.page_size=32" + kP +
                            "mmu.two_level.address_space=32KiB" + kP + "mmu.phys_size=4KiB" + kP +
                            "requester.workload.base=0" + kP + "requester.workload.footprint=2KiB" +
                            kP + "requester.workload.count=5000 --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  EXPECT_EQ(statValue(stats, "system.cpu0.mmu.faults::total"), 0);
  EXPECT_EQ(statValue(stats, "system.cpu0.mmu.tableReads"), 2 * 5000);
}

// The same rule as for a disabled L2, for parts a mode does not build: switching the MMU mode
// on a config written for the other one names those keys as ignored instead of refusing them.
TEST(TranslationConfig, KeysOfPartsTheMmuModeDoesNotBuildAreIgnored) {
  const auto dir = tempDir("mode_keys");
  const Result tb =
      runVmsim(kDefault + kP + "mmu.mode=linear" + kP + "requester.workload.footprint=4MiB" + kP +
               "requester.workload.count=1000 --outdir " + dir + "/tb");
  ASSERT_EQ(tb.exitCode, 0) << tb.output;
  EXPECT_NE(tb.output.find("ignoring system.cpu0.mmu.l1i.entries"), std::string::npos) << tb.output;
  EXPECT_NE(tb.output.find("system.cpu0.mmu.walker.walkers"), std::string::npos) << tb.output;
  EXPECT_NE(tb.output.find("ignoring system.kernel.memory_size, system.swap.type"),
            std::string::npos)
      << tb.output;
  EXPECT_EQ(statValue(slurp(dir + "/tb/stats.txt"), "system.cpu0.mmu.tableReads"), 1000);

  const Result radix = runVmsim(kSrc + "/configs/textbook/linear.yaml" + kP + "mmu.mode=radix" +
                                kP + "requester.workload.count=1000 --outdir " + dir + "/radix");
  ASSERT_EQ(radix.exitCode, 0) << radix.output;
  EXPECT_NE(radix.output.find("ignoring system.cpu0.mmu.phys_base, system.cpu0.mmu.phys_size, "
                              "system.cpu0.mmu.linear.page_size"),
            std::string::npos)
      << radix.output;

  // Keys that belong to no part at all are still errors.
  const Result typo =
      runVmsim(kDefault + kP + "mmu.mode=linear" + kP + "requester.workload.footprint=4MiB" + kP +
               "mmu.latencyy=2 --outdir " + dir + "/typo");
  EXPECT_EQ(typo.exitCode, 2);
  EXPECT_NE(typo.output.find("unknown configuration key 'system.cpu0.mmu.latencyy'"),
            std::string::npos)
      << typo.output;
}

// Two textbook cores with the default phys_base shared one physical region, so each one's
// frames overwrote the other's data; a region beyond the DRAM failed only when the first
// table byte was written (SystemC error, exit 1). Both are configuration errors now.
TEST(TranslationConfig, TextbookPhysicalRegionsMustBeDisjointAndInsideTheDram) {
  const auto dir = tempDir("tb_regions");
  const std::string linear = kSrc + "/configs/textbook/linear.yaml";
  std::ofstream(dir + "/two.yaml")
      << "include: " << linear << "\n"
      << "system:\n  cores: 2\n"
      << "  cpu0: {requester: {verify_data: true, workload: {count: 20000, write_fraction: 0.5}}}\n"
      << "  cpu1:\n"
      << "    requester: {verify_data: true, workload: {type: synthetic, pattern: random, base: "
         "268435456, footprint: 4MiB, count: 20000, write_fraction: 0.5, seed: 2}}\n"
      << "    mmu: {mode: linear, linear: {page_size: 4KiB, address_space: 1GiB}}\n";
  const Result shared = runVmsim(dir + "/two.yaml --outdir " + dir + "/shared");
  EXPECT_EQ(shared.exitCode, 2) << shared.output;
  EXPECT_NE(shared.output.find("'system.cpu1.mmu.phys_base'/'phys_size': the physical region "
                               "[0x10000000, 0x14000000) overlaps system.cpu0.mmu's"),
            std::string::npos)
      << shared.output;
  const Result apart = runVmsim(
      dir + "/two.yaml --param system.cpu1.mmu.phys_base=320MiB --outdir " + dir + "/apart");
  ASSERT_EQ(apart.exitCode, 0) << apart.output;
  const std::string stats = slurp(dir + "/apart/stats.txt");
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.dataMismatches"), 0);
  EXPECT_EQ(statValue(stats, "system.cpu1.requester.dataMismatches"), 0);

  // A radix core's kernel owns [memory_base, memory_base + memory_size).
  const Result kernel = runVmsim(dir +
                                 "/two.yaml --param system.cpu0.mmu.mode=radix"
                                 " --param system.cpu1.mmu.phys_base=128MiB --outdir " +
                                 dir + "/kernel");
  EXPECT_EQ(kernel.exitCode, 2) << kernel.output;
  EXPECT_NE(kernel.output.find("overlaps system.kernel's [0x0, 0x10000000)"), std::string::npos)
      << kernel.output;

  const Result beyond = runVmsim(linear + kP + "mmu.phys_base=64GiB --outdir " + dir + "/beyond");
  EXPECT_EQ(beyond.exitCode, 2) << beyond.output;
  EXPECT_NE(beyond.output.find("'system.cpu0.mmu.phys_base'/'phys_size': the physical region "
                               "[0x1000000000, 0x1004000000) does not lie inside the DRAM"),
            std::string::npos)
      << beyond.output;
}
