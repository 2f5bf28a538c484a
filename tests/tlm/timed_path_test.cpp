// The timed path as a researcher reads it (issue 7): LT and AT agree for one in-order requester,
// AT honours dependencies, fault blocking, same-address order and the walker bound, loses no data
// under concurrent swapping, and faults are precise. Each test runs the vmsim binary.
#include <gtest/gtest.h>

#include <tuple>

#include "cli_support.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace vmsim::test;

namespace {

// The tests' base configuration: the model's own hierarchy keys, no CPU preset.
const std::string kDefault = std::string(VMSIM_SOURCE_DIR) + "/tests/data/configs/base.yaml";
const std::string kP = " --param system.cpu0.";

// Runs the default config with `args`; returns stats.txt.
std::string run(const std::string& name, const std::string& args) {
  const auto dir = tempDir(name);
  const Result r = runVmsim(kDefault + args + " --outdir " + dir);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  return slurp(dir + "/stats.txt");
}

const std::string kAt1 = kP + "requester.mode=at" + kP + "requester.max_outstanding=1";

}  // namespace

// Item 10: one in-order requester sees the same timing in LT and AT, within a few percent, on
// loads, stores, sequential, dependent (pointer and page chase) and page-strided workloads.
TEST(TimedPath, LtAndAtTimingAgreeForOneInOrderRequester) {
  const std::vector<std::pair<const char*, std::string>> workloads{
      {"random", ""},
      {"stores",
       kP + "requester.workload.write_fraction=1" + kP + "requester.workload.footprint=64KiB"},
      {"loads",
       kP + "requester.workload.write_fraction=0" + kP + "requester.workload.footprint=64KiB"},
      {"sequential", kP + "requester.workload.pattern=sequential"},
      {"chase",
       kP + "requester.workload.pattern=pointer_chase" + kP + "requester.workload.footprint=1MiB"},
      {"page_chase", kP + "requester.workload.pattern=page_chase" + kP +
                         "requester.workload.footprint=32MiB" + kP +
                         "requester.workload.write_fraction=0"},
      {"strided", kP + "requester.workload.pattern=strided" + kP +
                      "requester.workload.stride=4096" + kP +
                      "requester.workload.write_fraction=0.5"},
      {"thp", " --param system.kernel.thp=always" + kP + "requester.workload.footprint=64MiB"},
  };
  for (const auto& [name, w] : workloads) {
    const std::string base = kP + "requester.workload.count=50000" + w;
    const std::string lt = run(std::string("lt_") + name, base);
    const std::string at = run(std::string("at_") + name, base + kAt1);
    for (const char* s : {"system.cpu0.requester.avgLatency", "simSeconds"}) {
      const double a = statValue(lt, s), b = statValue(at, s);
      EXPECT_NEAR(a / b, 1.0, 0.05) << name << ": " << s << " LT " << a << " AT " << b;
    }
    EXPECT_EQ(statValue(lt, "system.cpu0.mmu.walker.walks"),
              statValue(at, "system.cpu0.mmu.walker.walks"))
        << name;
  }
}

// A page_chase's loads depend on each other: an AT requester allowed 8 accesses in flight runs
// them one at a time, exactly as with 1 (the same chase with independent random loads of the
// same footprint overlaps, the control that the window is used at all).
TEST(TimedPath, PageChaseLoadsDoNotOverlapInAt) {
  const std::string w = kP + "requester.workload.count=20000" + kP +
                        "requester.workload.footprint=32MiB" + kP +
                        "requester.workload.write_fraction=0" + kP + "requester.mode=at";
  const std::string chase = w + kP + "requester.workload.pattern=page_chase";
  const std::string one = run("pc_at1", chase + kP + "requester.max_outstanding=1");
  const std::string eight = run("pc_at8", chase + kP + "requester.max_outstanding=8");
  EXPECT_EQ(statValue(one, "simSeconds"), statValue(eight, "simSeconds"));
  EXPECT_EQ(statValue(one, "system.cpu0.requester.avgLatency"),
            statValue(eight, "system.cpu0.requester.avgLatency"));
  const std::string random = w + kP + "requester.workload.pattern=random";
  const double r1 =
      statValue(run("rnd_at1", random + kP + "requester.max_outstanding=1"), "simSeconds");
  const double r8 =
      statValue(run("rnd_at8", random + kP + "requester.max_outstanding=8"), "simSeconds");
  EXPECT_LT(r8, 0.9 * r1) << "independent loads overlap in the AT window";
}

// The same agreement through other cache hierarchies (docs/caches.md): an exclusive L2 below an
// inclusive L1D with the walker entering at the L2 and random replacement; small caches with
// one MSHR each (a lone in-order requester never waits for one); no L2 and no L3 (the L1s miss
// to the router); no caches at all. The L1D's hits and misses are the same in both modes.
TEST(TimedPath, LtAndAtAgreeThroughCacheHierarchies) {
  const std::string llc = " --param system.llc.";
  const std::vector<std::pair<const char*, std::string>> hierarchies{
      {"exclusive", kP + "l2cache.inclusion=exclusive" + kP + "dcache.inclusion=inclusive" + kP +
                        "mmu.walker.cache_entry=l2cache" + kP + "dcache.replacement=random" + llc +
                        "size=2MiB"},
      {"small", kP + "dcache.size=4KiB" + kP + "dcache.ways=4" + kP + "dcache.mshrs=1" + kP +
                    "l2cache.size=32KiB" + kP + "l2cache.mshrs=1" + llc + "size=256KiB" + llc +
                    "mshrs=1" + llc + "replacement=plru"},
      {"l1only", kP + "l2cache.enabled=false" + llc + "enabled=false"},
      {"none", kP + "dcache.enabled=false" + kP + "icache.enabled=false" + kP +
                   "l2cache.enabled=false" + llc + "enabled=false"},
  };
  const std::vector<std::pair<const char*, std::string>> workloads{
      {"random", kP + "requester.workload.footprint=16MiB"},
      {"stores",
       kP + "requester.workload.write_fraction=1" + kP + "requester.workload.footprint=64KiB"},
      {"chase",
       kP + "requester.workload.pattern=pointer_chase" + kP + "requester.workload.footprint=1MiB"},
  };
  for (const auto& [h, hc] : hierarchies) {
    for (const auto& [w, wc] : workloads) {
      const std::string name = std::string(h) + "_" + w;
      const std::string base = kP + "requester.workload.count=30000" + hc + wc;
      const std::string lt = run("c_lt_" + name, base);
      const std::string at = run("c_at_" + name, base + kAt1);
      for (const char* s : {"system.cpu0.requester.avgLatency", "simSeconds"}) {
        const double a = statValue(lt, s), b = statValue(at, s);
        EXPECT_NEAR(a / b, 1.0, 0.05) << name << ": " << s << " LT " << a << " AT " << b;
      }
      if (std::string(h) != "none") {
        for (const char* s :
             {"system.cpu0.dcache.misses::total", "system.cpu0.dcache.hits::total"}) {
          EXPECT_EQ(statValue(lt, s), statValue(at, s)) << name << ": " << s;
        }
      }
    }
  }
}

// Item 9: AT translation latency is measured on the time line (it was 0.17 cycles, and with an
// MMU latency an sc_time underflow of 3.4e16).
TEST(TimedPath, AtTranslationLatencyMatchesLt) {
  const std::string base = kP + "requester.workload.count=20000" + kP + "mmu.latency=5";
  const double lt = statValue(run("tl_lt", base), "system.cpu0.mmu.translationLatency::mean");
  const double at =
      statValue(run("tl_at", base + kAt1), "system.cpu0.mmu.translationLatency::mean");
  EXPECT_GT(lt, 5.0);
  EXPECT_NEAR(at / lt, 1.0, 0.05) << "LT " << lt << " AT " << at;
}

// Item 8: a walker is busy from the start of its walk, so with one walker concurrent AT walks
// queue (counted), and the run takes longer than with 64.
TEST(TimedPath, WalkerBoundIsEnforcedInAt) {
  const std::string base = kP + "requester.workload.count=30000" + kP + "requester.mode=at" + kP +
                           "requester.max_outstanding=16" + kP +
                           "requester.workload.write_fraction=0";
  const std::string one = run("w1", base + kP + "mmu.walker.walkers=1");
  const std::string many = run("w64", base + kP + "mmu.walker.walkers=64");
  EXPECT_GT(statValue(one, "system.cpu0.mmu.walker.queueCycles"), 0);
  EXPECT_GT(statValue(one, "system.cpu0.mmu.walker.queuedWalks"), 0);
  EXPECT_EQ(statValue(many, "system.cpu0.mmu.walker.queuedWalks"), 0);
  EXPECT_GT(statValue(one, "simTicks"), statValue(many, "simTicks"));
  EXPECT_GT(statValue(one, "system.cpu0.mmu.walker.walkLatency::mean"), 0);
}

// Item 11: a pointer chase's next load waits for the previous one, so more outstanding slots
// do not speed it up; independent random loads do overlap.
TEST(TimedPath, AtPointerChaseDoesNotOverlapButRandomAccessesDo) {
  const std::string chase = kP + "requester.workload.count=20000" + kP +
                            "requester.workload.pattern=pointer_chase" + kP +
                            "requester.workload.footprint=1MiB" + kP + "requester.mode=at";
  const std::string random = kP + "requester.workload.count=20000" + kP +
                             "requester.workload.footprint=1MiB" + kP + "requester.mode=at";
  const double c1 = statValue(run("c1", chase + kP + "requester.max_outstanding=1"), "simTicks");
  const double c8 = statValue(run("c8", chase + kP + "requester.max_outstanding=8"), "simTicks");
  const double r1 = statValue(run("r1", random + kP + "requester.max_outstanding=1"), "simTicks");
  const double r8 = statValue(run("r8", random + kP + "requester.max_outstanding=8"), "simTicks");
  EXPECT_EQ(c1, c8);
  EXPECT_LT(r8, 0.6 * r1);
}

// Item 11: a thread's page faults do not overlap: under heavy swapping AT with 8 outstanding
// takes as long as LT (it took a quarter of LT's time before).
TEST(TimedPath, AtFaultsOfOneThreadDoNotOverlap) {
  const std::string base = kP + "requester.workload.count=20000" +
                           " --param system.kernel.memory_size=16MiB" + kP +
                           "requester.workload.footprint=32MiB";
  const std::string lt = run("f_lt", base);
  const std::string at =
      run("f_at", base + kP + "requester.mode=at" + kP + "requester.max_outstanding=8");
  EXPECT_GT(statValue(lt, "system.kernel.majorFaults"), 1000);
  EXPECT_NEAR(statValue(at, "simSeconds") / statValue(lt, "simSeconds"), 1.0, 0.05);
}

// Item 21: AT under concurrent swapping loses no data and drops no access: a page faulted in
// for an access (and every frame an access holds) is pinned until the access completes.
TEST(TimedPath, AtLosesNothingUnderConcurrentSwapping) {
  for (const char* policy : {"mru", "clock"}) {
    const std::string s =
        run(std::string("swap_") + policy,
            " --param system.kernel.memory_size=16MiB" + kP + "requester.workload.footprint=64MiB" +
                kP + "requester.workload.write_fraction=0.5" + kP +
                "requester.workload.count=150000" + kP + "requester.verify_data=true" + kP +
                "requester.mode=at" + " --param system.kernel.replacement=" + policy);
    EXPECT_EQ(statValue(s, "system.cpu0.requester.dataMismatches"), 0) << policy;
    EXPECT_EQ(statValue(s, "system.cpu0.requester.faults::total"), 0) << policy;
    EXPECT_EQ(statValue(s, "system.cpu0.requester.accesses"), 150000) << policy;
    EXPECT_GT(statValue(s, "system.kernel.majorFaults"), 10000) << policy;
  }
}

// Item 22: with many accesses in flight, verify_data checks in program order and no load
// overtakes an older store to the same bytes (there were ~244 false mismatches per 1 M).
TEST(TimedPath, AtKeepsSameAddressOrderAndVerifiesInProgramOrder) {
  const std::string s =
      run("order", kP + "requester.mode=at" + kP + "requester.max_outstanding=32" + kP +
                       "requester.workload.footprint=64KiB" + kP +
                       "requester.workload.write_fraction=0.5" + kP +
                       "requester.workload.count=300000" + kP + "requester.verify_data=true");
  EXPECT_EQ(statValue(s, "system.cpu0.requester.dataMismatches"), 0);
  EXPECT_EQ(statValue(s, "system.cpu0.requester.accesses"), 300000);
}

// A program's munmap (free of an mmapped block, a brk shrink) is a system call: it waits until
// the core's accesses in flight are done. Before, AT unmapped a block while the stores of a
// later op were still in flight and 11 of them segfaulted (1000 ops), where LT had none.
TEST(TimedPath, AtProgramUnmapsOnlyWhenItsAccessesInFlightAreDone) {
  const std::string w =
      kP + "requester.workload.type=program" + kP + "requester.workload.program.ops=1000" + kP +
      "requester.workload.program.max_size=4194304" + kP + "requester.verify_data=true";
  const std::string lt = run("prog_lt", w);
  const std::string at =
      run("prog_at", w + kP + "requester.mode=at" + kP + "requester.max_outstanding=8");
  for (const std::string* s : {&lt, &at}) {
    EXPECT_GT(statValue(*s, "system.cpu0.requester.heap.munmaps"), 100);
    EXPECT_EQ(statValue(*s, "system.kernel.segmentationFaults"), 0);
    EXPECT_EQ(statValue(*s, "system.cpu0.requester.faults::total"), 0);
    EXPECT_EQ(statValue(*s, "system.cpu0.requester.dataMismatches"), 0);
  }
  EXPECT_EQ(statValue(lt, "system.cpu0.requester.accesses"),
            statValue(at, "system.cpu0.requester.accesses"));
}

// Item 24: faults are precise: a store crossing into an unmapped page writes nothing, and the
// report names the faulting byte.
TEST(TimedPath, PageCrossingStoreThatFaultsWritesNothing) {
  for (const char* mode : {"lt", "at"}) {
    const auto dir = tempDir(std::string("precise_") + mode);
    std::ofstream(dir + "/t.trace") << "S 0x7ffffffffff8 16\nL 0x7ffffffffff8 8\n";
    const Result r =
        runVmsim(kDefault + kP + "requester.workload.type=trace" + kP +
                 "requester.workload.trace=" + dir + "/t.trace" + kP +
                 "requester.verify_data=true" + kP + "requester.mode=" + mode + " --outdir " + dir);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    const std::string s = slurp(dir + "/stats.txt");
    EXPECT_EQ(statValue(s, "system.cpu0.requester.faults::segmentation"), 1) << mode;
    EXPECT_EQ(statValue(s, "system.cpu0.requester.dataMismatches"), 0) << mode;
    EXPECT_NE(r.output.find("at VA 0x800000000000"), std::string::npos) << r.output;
  }
}

// The page-table formats and walk caches on the timed path (issue 8): for one in-order
// requester LT and AT agree on every format (5-level walks and a unified walk cache with a
// latency of its own included) and no walk merges; with many accesses in flight, walks to one
// page merge in AT and the run reads fewer PTEs than without merging would need.
TEST(TimedPath, LtAndAtAgreeOnEveryPageTableFormatAndWalksMergeOnlyWhenOverlapping) {
  for (const char* fmt : {"x86-64-5", "sv39", "sv57"}) {
    const std::string base = kP + "requester.workload.count=30000" +
                             " --param system.kernel.page_table_format=" + fmt + kP +
                             "mmu.walker.walk_cache=pwc" + kP + "mmu.walker.pwc.latency=2";
    const std::string lt = run(std::string("fmt_lt_") + fmt, base);
    const std::string at = run(std::string("fmt_at_") + fmt, base + kAt1);
    for (const char* s : {"system.cpu0.requester.avgLatency", "simSeconds"}) {
      const double a = statValue(lt, s), b = statValue(at, s);
      EXPECT_NEAR(a / b, 1.0, 0.05) << fmt << ": " << s << " LT " << a << " AT " << b;
    }
    for (const char* s : {"system.cpu0.mmu.walker.walks", "system.cpu0.mmu.walker.memReads",
                          "system.cpu0.mmu.walker.walkCacheCycles"}) {
      EXPECT_EQ(statValue(lt, s), statValue(at, s)) << fmt << ": " << s;
    }
    EXPECT_EQ(statValue(at, "system.cpu0.mmu.walker.mergedWalks"), 0) << fmt;
  }
  // Sequential 8-byte accesses with 16 in flight: the accesses to one page miss the TLB together.
  // Their misses merge at the first place that can merge them: the L1 DTLB's MSHRs (docs/tlb.md),
  // so only one walk per page reaches the walker (whose own merging, for misses that come from
  // different TLBs, is tested in walker_formats_test.cpp).
  // The kernel's page-table accesses are timed (the default), so a page's fault takes time to
  // map it: the younger accesses behind it that miss meanwhile find it not present too. They
  // wait for that fault and retry (mmu.faultMerges) instead of trapping again: one kernel fault
  // per page, as a core raises one fault and replays the accesses behind it.
  const std::string many =
      run("fmt_merge", kP + "requester.workload.count=20000" + kP +
                           "requester.workload.pattern=sequential" + kP +
                           "requester.workload.stride=8" + kP + "requester.mode=at" + kP +
                           "requester.max_outstanding=16");
  EXPECT_GT(statValue(many, "system.cpu0.mmu.faultMerges"), 0);
  EXPECT_EQ(
      statValue(many, "system.cpu0.mmu.pageFaults"),
      statValue(many, "system.kernel.minorFaults") + statValue(many, "system.kernel.majorFaults"));
  EXPECT_EQ(statValue(many, "system.cpu0.mmu.pageFaults"),
            (20000 * 8 + 4095) / 4096);  // one per page
  const double merged = statValue(many, "system.cpu0.mmu.l1d.mshrMerges") +
                        statValue(many, "system.cpu0.mmu.walker.mergedWalks");
  EXPECT_GT(merged, 0);
  EXPECT_EQ(
      statValue(many, "system.cpu0.mmu.walker.walks") + merged,
      statValue(many, "system.cpu0.mmu.l1d.misses") - statValue(many, "system.cpu0.mmu.l2.hits"));
}

// Issue 8: a deeper TLB hierarchy with realistic latencies (l1d 1, l2 9, a private l3 of 30
// cycles, per-size arrays at the L1) keeps LT and AT within the same tolerance, with the same
// hit and miss counts at every level.
TEST(TimedPath, LtAndAtAgreeThroughAThreeLevelTlbHierarchy) {
  const std::string h = kP + "mmu.tlbs=[l1i,l1d,l2,l3]" + kP + "mmu.l2.next=l3" + kP +
                        "mmu.l2.entries=256" + kP + "mmu.l2.ways=4" + kP + "mmu.l3.entries=2048" +
                        kP + "mmu.l3.ways=16" + kP + "mmu.l3.latency=30" + kP +
                        "mmu.l1d.latency=1" + kP + "mmu.l2.latency=9";
  const std::vector<std::pair<const char*, std::string>> workloads{
      {"random", kP + "requester.workload.footprint=16MiB"},
      {"chase",
       kP + "requester.workload.pattern=pointer_chase" + kP + "requester.workload.footprint=4MiB"},
  };
  for (const auto& [name, w] : workloads) {
    const std::string base = kP + "requester.workload.count=40000" + w + h;
    const std::string lt = run(std::string("h_lt_") + name, base);
    const std::string at = run(std::string("h_at_") + name, base + kAt1);
    for (const char* s : {"system.cpu0.requester.avgLatency", "simSeconds"}) {
      const double a = statValue(lt, s), b = statValue(at, s);
      EXPECT_NEAR(a / b, 1.0, 0.05) << name << ": " << s << " LT " << a << " AT " << b;
    }
    for (const char* s : {"system.cpu0.mmu.l2.hits", "system.cpu0.mmu.l3.hits",
                          "system.cpu0.mmu.l3.misses", "system.cpu0.mmu.walker.walks"}) {
      EXPECT_EQ(statValue(lt, s), statValue(at, s)) << name << ": " << s;
    }
    EXPECT_GT(statValue(lt, "system.cpu0.mmu.l3.hits"), 0) << name;
  }
}

// Issue 9: the timed fault path (page-table accesses through the caches, zeroing as memory
// traffic, the reclaim daemon's clustered asynchronous write-back, read-ahead and the swap cache)
// gives the same data and, for one in-order requester, the same timing in LT and AT.
TEST(TimedPath, LtAndAtAgreeOnTheTimedFaultPathWithTheReclaimDaemon) {
  const std::string base =
      kP + "requester.workload.count=20000" + " --param system.kernel.memory_size=16MiB" + kP +
      "requester.workload.footprint=32MiB" + kP + "requester.workload.write_fraction=0.5" + kP +
      "requester.verify_data=true" + " --param system.kernel.cost.zero=memory";
  const std::string lt = run("tf_lt", base);
  const std::string at = run("tf_at", base + kAt1);
  for (const std::string* s : {&lt, &at}) {
    EXPECT_EQ(statValue(*s, "system.cpu0.requester.dataMismatches"), 0);
    EXPECT_EQ(statValue(*s, "system.cpu0.requester.faults::total"), 0);
    EXPECT_GT(statValue(*s, "system.kernel.reclaim.background"), 1000);
    EXPECT_GT(statValue(*s, "system.kernel.reclaim.asyncWrites"), 1000);
    EXPECT_LT(statValue(*s, "system.kernel.swapWriteRequests"),
              statValue(*s, "system.kernel.swapOuts") / 2);
    EXPECT_GT(statValue(*s, "system.kernel.swapReadahead"), 0);
    EXPECT_GT(statValue(*s, "system.kernel.faultCycles::pageTable"), 0);
    EXPECT_GT(statValue(*s, "system.kernel.faultCycles::zero"), 0);
    EXPECT_GT(statValue(*s, "system.kernel.majorFaults"), 1000);
  }
  for (const char* s : {"system.cpu0.requester.avgLatency", "simSeconds"}) {
    const double a = statValue(lt, s), b = statValue(at, s);
    EXPECT_NEAR(a / b, 1.0, 0.05) << s << ": LT " << a << " AT " << b;
  }
}

// Issue 9: the replacement policies of real kernels read and clear PTE bits through the timed
// page-table path (and lru's sampling passes run as kernel work): LT and AT still agree, and
// lose nothing, with the reclaim daemon (whose page-table accesses cost page_table_access_cycles
// each in AT: they must not wait) and with direct reclaim alone (timed alike in LT and AT).
class PolicyTiming : public testing::TestWithParam<std::tuple<const char*, bool>> {};

TEST_P(PolicyTiming, LtAndAtAgree) {
  const auto [policy, daemon] = GetParam();
  const std::string args =
      kP + "requester.workload.count=20000" + " --param system.kernel.memory_size=16MiB" + kP +
      "requester.workload.footprint=32MiB" + kP + "requester.workload.write_fraction=0.5" + kP +
      "requester.verify_data=true" + " --param system.kernel.lru.sample_period=1ms" +
      " --param system.kernel.replacement=" + policy +
      " --param system.kernel.reclaim.daemon=" + (daemon ? "true" : "false");
  const std::string tag = std::string(policy) + (daemon ? "_d" : "_nd");
  const std::string lt = run("pol_lt_" + tag, args);
  const std::string at = run("pol_at_" + tag, args + kAt1);
  for (const std::string* s : {&lt, &at}) {
    EXPECT_EQ(statValue(*s, "system.cpu0.requester.dataMismatches"), 0);
    EXPECT_EQ(statValue(*s, "system.cpu0.requester.faults::total"), 0);
    EXPECT_GT(statValue(*s, "system.kernel.majorFaults"), 1000);
  }
  for (const char* s : {"system.cpu0.requester.avgLatency", "simSeconds"}) {
    const double a = statValue(lt, s), b = statValue(at, s);
    EXPECT_NEAR(a / b, 1.0, 0.05) << s << ": LT " << a << " AT " << b;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Policies, PolicyTiming,
    testing::Values(std::make_tuple("nru", true), std::make_tuple("nru", false),
                    std::make_tuple("wsclock", true), std::make_tuple("wsclock", false),
                    std::make_tuple("vms", true), std::make_tuple("vms", false),
                    std::make_tuple("linux", true), std::make_tuple("linux", false),
                    std::make_tuple("lru", true), std::make_tuple("lru", false)),
    [](const auto& info) {
      return std::string(std::get<0>(info.param)) +
             (std::get<1>(info.param) ? "_daemon" : "_direct");
    });

// Issue 9: the daemon evicting a page of a process another core runs sends that core an IPI;
// the core pays the handler, and the shootdowns are counted.
TEST(TimedPath, ShootdownsOfAnotherCoresPagesSendIpis) {
  const std::string w = " --param system.cpu1.requester.workload.";
  const std::string s =
      run("ipi", " --param system.cores=2 --param system.kernel.memory_size=16MiB" + kP +
                     "requester.workload.footprint=24MiB" + kP + "requester.workload.count=20000" +
                     w + "type=synthetic" + w + "footprint=24MiB" + w + "count=20000");
  EXPECT_GT(statValue(s, "system.kernel.ipis"), 100);
  EXPECT_EQ(statValue(s, "system.kernel.ipis"), statValue(s, "system.cpu0.mmu.interrupts") +
                                                    statValue(s, "system.cpu1.mmu.interrupts"));
  EXPECT_GT(statValue(s, "system.cpu0.mmu.interruptCycles"), 0);
  EXPECT_GT(statValue(s, "system.kernel.faultCycles::ipi") +
                statValue(s, "system.kernel.reclaim.daemonCycles::ipi"),
            0);
}

// Processes (docs/os.md "Processes"): a fork, copy-on-write faults of parent and child, a shared
// mapping and an exit, replayed by one in-order requester: LT and AT give the same functional
// results and the same time within a few percent, with every load verified.
TEST(TimedPath, LtAndAtAgreeOnForkCopyOnWriteAndSharedMappings) {
  const auto dir = tempDir("tp_fork");
  std::ofstream t(dir + "/fork.trace");
  t << "#!vmsim-trace 2\n";
  for (int i = 0; i < 256; ++i) t << "W " << 0x10000000 + i * 4096 << " 8\n";
  t << "mmap 1 536870912 65536 shared\n";
  for (int i = 0; i < 16; ++i) t << "W " << 536870912 + i * 4096 << " 8\n";
  t << "fork 1 2\n";
  for (int i = 0; i < 256; ++i) t << (i % 2 ? "2: W " : "2: R ") << 0x10000000 + i * 4096 << " 8\n";
  for (int i = 0; i < 16; ++i) t << "2: W " << 536870912 + i * 4096 + 8 << " 8\n";
  for (int i = 0; i < 256; ++i) t << (i % 4 ? "1: R " : "1: W ") << 0x10000000 + i * 4096 << " 8\n";
  for (int i = 0; i < 16; ++i) t << "1: R " << 536870912 + i * 4096 + 8 << " 8\n";
  // The child reads everything again: its TLB entries of the pages the parent copied still map
  // the original frames (the parent's copies shot down only the parent's entries).
  for (int i = 0; i < 256; ++i) t << "2: R " << 0x10000000 + i * 4096 << " 8\n";
  t << "exit 2\n";
  t.close();
  const std::string base = kP + "requester.workload.type=trace" + kP +
                           "requester.workload.trace=" + dir + "/fork.trace" + kP +
                           "requester.verify_data=true";
  const std::string lt = run("tp_fork_lt", base);
  const std::string at = run("tp_fork_at", base + kAt1);
  for (const char* s :
       {"system.kernel.cowCopies", "system.kernel.cowReuses", "system.kernel.forkPages",
        "system.kernel.minorFaults", "system.cpu0.requester.dataMismatches"}) {
    EXPECT_EQ(statValue(lt, s), statValue(at, s)) << s;
  }
  // The child writes the 128 odd pages, the parent every 4th (even, still shared): 64 more.
  EXPECT_EQ(statValue(lt, "system.kernel.cowCopies"), 128 + 64);
  EXPECT_EQ(statValue(lt, "system.cpu0.requester.dataMismatches"), 0);
  for (const char* s : {"system.cpu0.requester.avgLatency", "simSeconds"}) {
    EXPECT_NEAR(statValue(at, s) / statValue(lt, s), 1.0, 0.05) << s;
  }
}

// A time-sliced core (docs/os.md, "Scheduling and context switches"): two processes switching
// every 30 us give the same functional results in LT and AT and timing within a few percent, with
// PCIDs and with a TLB flush at every switch. The slice ends are dated on each mode's time line
// (LT: the requester's local time), so the switches fall at the same points.
TEST(TimedPath, LtAndAtAgreeWithTimeSlicedProcesses) {
  const std::string base = std::string(VMSIM_SOURCE_DIR) + "/tests/data/configs/sched_base.yaml";
  auto runSched = [&](const std::string& name, const std::string& args) {
    const auto dir = tempDir(name);
    const Result r = runVmsim(base + args + " -q --outdir " + dir);
    EXPECT_EQ(r.exitCode, 0) << r.output;
    return slurp(dir + "/stats.txt");
  };
  for (const char* tlb : {"pcid", "flush"}) {
    const std::string args = kP + "scheduler.time_slice=30us" + kP + "scheduler.tlb=" + tlb +
                             " --param system.process.a.workload.footprint=4MiB";
    const std::string lt = runSched(std::string("sched_lt_") + tlb, args);
    const std::string at = runSched(std::string("sched_at_") + tlb, args + kAt1);
    for (const char* s :
         {"system.process.a.accesses", "system.process.b.accesses", "system.kernel.a.minorFaults",
          "system.kernel.b.minorFaults", "system.cpu0.requester.dataMismatches"}) {
      EXPECT_EQ(statValue(lt, s), statValue(at, s)) << tlb << " " << s;
    }
    for (const char* s : {"simSeconds", "system.cpu0.requester.avgLatency",
                          "system.cpu0.scheduler.contextSwitches", "system.cpu0.mmu.walker.walks",
                          "system.process.a.avgLatency", "system.process.b.avgLatency"}) {
      const double l = statValue(lt, s), a = statValue(at, s);
      EXPECT_NEAR(a / l, 1.0, 0.05) << tlb << " " << s << ": LT " << l << ", AT " << a;
    }
  }
}
