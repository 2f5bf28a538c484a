// Time-sliced cores end to end through the vmsim binary (docs/os.md, "Scheduling and context
// switches"): slices interleave processes, switch counts follow the slice, PCID tagging keeps TLB
// entries across switches while a flush loses them, per-process stats add up to the totals, and
// two processes under memory pressure lose no data.
#include <gtest/gtest.h>

#include "cli_support.h"

#include <cmath>
#include <tuple>

using namespace vmsim::test;

namespace {

const std::string kBase = std::string(VMSIM_SOURCE_DIR) + "/tests/data/configs/sched_base.yaml";
const std::string kS = " --param system.cpu0.scheduler.";
const std::string kA = " --param system.process.a.workload.";
const std::string kB = " --param system.process.b.workload.";

std::string run(const std::string& name, const std::string& args) {
  const auto dir = tempDir(name);
  const Result r = runVmsim(kBase + args + " -q --outdir " + dir);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  return slurp(dir + "/stats.txt");
}

Result runBad(const std::string& name, const std::string& args) {
  const auto dir = tempDir(name);
  return runVmsim(kBase + args + " -q --outdir " + dir);
}

double sv(const std::string& st, const std::string& n) {
  return statValue(st, n);
}

}  // namespace

TEST(Scheduling, SlicesInAccessesInterleaveTheProcessesAndCountTheSwitches) {
  // 50,000 accesses each in slices of 1000: 100 slices, 99 switches between them, each process
  // given the core 50 times; a process whose workload ends with its slice is not dispatched again.
  const std::string st = run("acc", kS + "slice_accesses=1000");
  EXPECT_EQ(sv(st, "system.cpu0.scheduler.contextSwitches"), 99);
  EXPECT_EQ(sv(st, "system.cpu0.scheduler.sliceEnds"), 98);
  EXPECT_EQ(sv(st, "system.cpu0.scheduler.exits"), 2);
  EXPECT_EQ(sv(st, "system.process.a.dispatches"), 50);
  EXPECT_EQ(sv(st, "system.process.b.dispatches"), 50);
  // Interleaved: a ends one slice before b (round robin), not after all of b.
  const double endA = sv(st, "system.process.a.endTime"), endB = sv(st, "system.process.b.endTime");
  EXPECT_LT(endA, endB);
  EXPECT_GT(endA, 0.95 * endB);
  // Uneven slices of 3000 and a 10,000-access b: a's slices alternate with b's until b ends.
  const std::string un = run("uneven", kS + "slice_accesses=3000" + kB + "count=10000");
  // b: 3000+3000+3000+1000 (4 dispatches), a fills the rest: a b a b a b a b a ... a.
  EXPECT_EQ(sv(un, "system.process.b.dispatches"), 4);
  EXPECT_EQ(sv(un, "system.cpu0.scheduler.contextSwitches"), 8);
}

TEST(Scheduling, TimeSlicesFollowTheSliceLength) {
  for (const char* slice : {"20us", "80us"}) {
    const std::string st = run(std::string("time_") + slice, kS + "time_slice=" + slice);
    const double sliceCycles = (std::string(slice) == "20us" ? 20e-6 : 80e-6) * 2e9;
    const double a = sv(st, "system.process.a.cpuCycles"), b = sv(st, "system.process.b.cpuCycles");
    const double switches = sv(st, "system.cpu0.scheduler.contextSwitches");
    // While both run, every slice is a full slice (ending within one access of its length);
    // the shorter-running process sets how many there are.
    const double both = 2 * std::min(a, b) / sliceCycles;
    EXPECT_NEAR(switches, both, 2.5) << slice;
    // Each switch costs its direct and address-space parts (PCID: no flush).
    EXPECT_EQ(sv(st, "system.cpu0.scheduler.switchCycles"), switches * (4250 + 420));
    EXPECT_EQ(sv(st, "system.cpu0.scheduler.tlbFlushes"), 0);
    // One core, no idle time: its time is the processes' slices plus the switches.
    const double simCycles = sv(st, "simTicks") / 500;  // 1 ps ticks, 2 GHz
    EXPECT_NEAR(a + b + sv(st, "system.cpu0.scheduler.switchCycles"), simCycles, 2);
  }
}

TEST(Scheduling, PcidKeepsTlbEntriesAcrossSwitchesWhileAFlushLosesThem) {
  // Two 2 MiB footprints (512 pages each) fit in the 1536-entry L2 TLB together.
  const std::string fp = kA + "footprint=2MiB" + kB + "footprint=2MiB" + kS + "time_slice=40us";
  const std::string pcid = run("pcid", fp + kS + "tlb=pcid");
  const std::string flush = run("flush", fp + kS + "tlb=flush");
  const double switches = sv(flush, "system.cpu0.scheduler.contextSwitches");
  ASSERT_GT(switches, 50);
  // PCID: the walks of a run with one switch (each page's first touch: the walk, its fault, the
  // retry, a store's D update), whatever the number of switches.
  const std::string once = run("once", fp + kS + "time_slice=100ms");
  ASSERT_EQ(sv(once, "system.cpu0.scheduler.contextSwitches"), 1);
  const double walksPcid = sv(pcid, "system.cpu0.mmu.walker.walks");
  EXPECT_EQ(walksPcid, sv(once, "system.cpu0.mmu.walker.walks"));
  EXPECT_EQ(sv(pcid, "system.cpu0.scheduler.tlbFlushes"), 0);
  EXPECT_EQ(sv(pcid, "system.kernel.tlbFlushes::nonGlobal"), 0);
  // Flush: every switch empties the TLBs, and each slice walks its working set again.
  const double walksFlush = sv(flush, "system.cpu0.mmu.walker.walks");
  EXPECT_GT(walksFlush, 10 * walksPcid);
  EXPECT_EQ(sv(flush, "system.cpu0.scheduler.tlbFlushes"), switches);
  EXPECT_EQ(sv(flush, "system.kernel.tlbFlushes::nonGlobal"), switches);
  EXPECT_GT(sv(flush, "system.cpu0.mmu.l2.misses"), 5 * sv(pcid, "system.cpu0.mmu.l2.misses"));
  EXPECT_GT(sv(flush, "system.cpu0.scheduler.switchCyclesByPart::tlbFlush"), 0);
  // The same accesses either way, only slower with flushes.
  EXPECT_EQ(sv(pcid, "system.cpu0.requester.accesses"),
            sv(flush, "system.cpu0.requester.accesses"));
  EXPECT_GT(sv(flush, "system.cpu0.requester.avgLatency"),
            sv(pcid, "system.cpu0.requester.avgLatency"));
  // One PCID slot: every switch recycles it, flushing the other process's entries.
  const std::string one = run("one_slot", fp + kS + "tlb=pcid" + kS + "pcid_slots=1");
  const double s1 = sv(one, "system.cpu0.scheduler.contextSwitches");
  EXPECT_EQ(sv(one, "system.cpu0.scheduler.tlbFlushes"), s1);
  EXPECT_EQ(sv(one, "system.kernel.tlbFlushes::asid"), s1 + 2);  // and the two exits
  EXPECT_GT(sv(one, "system.cpu0.mmu.walker.walks"), 10 * walksPcid);
}

TEST(Scheduling, PerProcessStatsAddUpToTheTotals) {
  // Memory pressure (4 MiB for two 4 MiB footprints): faults of every kind, swapping.
  const std::string st = run("sums", kS + "time_slice=30us" + kA + "footprint=4MiB" + kB +
                                         "footprint=4MiB" + kA + "count=40000" + kB +
                                         "count=30000" + " --param system.kernel.memory_size=4MiB");
  ASSERT_GT(sv(st, "system.kernel.majorFaults"), 100);
  ASSERT_GT(sv(st, "system.kernel.swapOuts"), 100);
  for (const char* s : {"minorFaults", "majorFaults", "swapIns", "swapOuts", "segmentationFaults",
                        "protectionFaults", "outOfMemory"}) {
    EXPECT_EQ(
        sv(st, std::string("system.kernel.a.") + s) + sv(st, std::string("system.kernel.b.") + s),
        sv(st, std::string("system.kernel.") + s))
        << s;
  }
  EXPECT_EQ(sv(st, "system.kernel.a.evictions") + sv(st, "system.kernel.b.evictions"),
            sv(st, "system.kernel.evictions"));
  EXPECT_EQ(sv(st, "system.process.a.accesses"), 40000);
  EXPECT_EQ(sv(st, "system.process.b.accesses"), 30000);
  EXPECT_EQ(sv(st, "system.process.a.accesses") + sv(st, "system.process.b.accesses"),
            sv(st, "system.cpu0.requester.accesses"));
  EXPECT_NEAR(sv(st, "system.process.a.totalLatency") + sv(st, "system.process.b.totalLatency"),
              sv(st, "system.cpu0.requester.totalLatency"), 1);
  for (const char* k : {"load", "store"}) {
    EXPECT_EQ(sv(st, std::string("system.process.a.accessesByKind::") + k) +
                  sv(st, std::string("system.process.b.accessesByKind::") + k),
              sv(st, std::string("system.cpu0.requester.accessesByKind::") + k));
  }
  // Swap use: pages were in swap, and every slot went back when the processes exited.
  EXPECT_GT(sv(st, "system.kernel.a.peakSwapPages"), 0);
  EXPECT_GT(sv(st, "system.kernel.b.peakSwapPages"), 0);
  EXPECT_EQ(sv(st, "system.kernel.a.swapPages"), 0);
  EXPECT_EQ(sv(st, "system.kernel.b.swapPages"), 0);
  EXPECT_EQ(sv(st, "system.kernel.a.residentPages"), 0);
}

TEST(Scheduling, TwoProcessesUnderMemoryPressureLoseNothingInLtAndAt) {
  const std::string args = kS + "time_slice=25us" + kA + "footprint=6MiB" + kB + "footprint=6MiB" +
                           kA + "count=30000" + kB + "count=30000" +
                           " --param system.kernel.memory_size=4MiB" +
                           " --param system.cpu0.requester.verify_data=true";
  for (const char* mode : {"lt", "at"}) {
    for (const char* tlb : {"pcid", "flush"}) {
      const std::string st =
          run(std::string("verify_") + mode + tlb,
              args + " --param system.cpu0.requester.mode=" + mode + kS + "tlb=" + tlb);
      EXPECT_GT(sv(st, "system.kernel.majorFaults"), 500) << mode << tlb;
      EXPECT_GT(sv(st, "system.cpu0.scheduler.contextSwitches"), 20) << mode << tlb;
      EXPECT_EQ(sv(st, "system.cpu0.requester.dataMismatches"), 0) << mode << tlb;
      EXPECT_EQ(sv(st, "system.process.a.dataMismatches"), 0) << mode << tlb;
      EXPECT_EQ(sv(st, "system.process.b.dataMismatches"), 0) << mode << tlb;
      EXPECT_EQ(sv(st, "system.cpu0.requester.faults::total"), 0) << mode << tlb;
      EXPECT_EQ(sv(st, "system.cpu0.requester.accesses"), 60000) << mode << tlb;
    }
  }
}

TEST(Scheduling, WithPcidTheDaemonsShootdownsStillReachTheCoreOfAWaitingProcess) {
  // mm_cpumask: with PCIDs the core stays in the set of a process it switched away from (it may
  // still cache its entries), so the reclaim daemon's first invalidation of that process's pages
  // sends it an IPI; the core then leaves the set and flushes the process's PCID when it runs it
  // again (KernelSwitch.* pin the rules). With flushes it held nothing of it already.
  const std::string args = kS + "time_slice=25us" + kA + "footprint=6MiB" + kB + "footprint=6MiB" +
                           kA + "count=30000" + kB + "count=30000" +
                           " --param system.kernel.memory_size=4MiB";
  const std::string pcid = run("ipi_pcid", args + kS + "tlb=pcid");
  const double switches = sv(pcid, "system.cpu0.scheduler.contextSwitches");
  const double stale = sv(pcid, "system.cpu0.scheduler.tlbFlushes");
  EXPECT_GT(sv(pcid, "system.kernel.ipis"), 0);
  EXPECT_EQ(sv(pcid, "system.kernel.ipis"), sv(pcid, "system.cpu0.mmu.interrupts"));
  EXPECT_GT(stale, 100);  // the daemon evicts pages of the waiting process
  EXPECT_LE(stale, switches);
  EXPECT_EQ(sv(pcid, "system.kernel.tlbFlushes::nonGlobal"), 0);
  const std::string flush = run("ipi_flush", args + kS + "tlb=flush");
  EXPECT_EQ(sv(flush, "system.cpu0.scheduler.tlbFlushes"),
            sv(flush, "system.cpu0.scheduler.contextSwitches"));
  EXPECT_EQ(sv(flush, "system.kernel.ipis"), sv(flush, "system.cpu0.mmu.interrupts"));
}

TEST(Scheduling, FairPolicyGivesTheCpuByNiceWeight) {
  // nice 0 against nice 5 (weights 1024 and 335): a gets about 3/4 of the core while both run,
  // so it ends after about 4/3 of its own work of the total; round robin ends it near the end.
  const std::string args = kS + "policy=fair" + kS + "time_slice=400us" + kS +
                           "fair.min_granularity=20us" + kA + "count=40000" + kB + "count=40000";
  const std::string fair = run("fair", args + " --param system.process.b.nice=5");
  const double ratio = sv(fair, "system.process.a.endTime") / sv(fair, "system.process.b.endTime");
  const double expect = (40000.0 + 40000.0 * 335 / 1024) / 80000.0;  // 0.66
  EXPECT_NEAR(ratio, expect, 0.04);
  const std::string even = run("fair_even", args);
  EXPECT_GT(sv(even, "system.process.a.endTime") / sv(even, "system.process.b.endTime"), 0.95);
}

// LT against AT with time slices: TimedPath.LtAndAtAgreeWithTimeSlicedProcesses
// (tests/tlm/timed_path_test.cpp).

TEST(Scheduling, ConfigurationMistakesAreErrorsNamingTheKey) {
  const std::string w = " --param system.cpu0.requester.workload.count=5";
  Result r = runBad("bad_workload", w);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("'system.cpu0.requester.workload': system.cpu0 runs processes"),
            std::string::npos)
      << r.output;
  r = runBad("bad_both", kS + "time_slice=1ms" + kS + "slice_accesses=10");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("both set"), std::string::npos) << r.output;
  r = runBad("bad_name", " --param 'system.cpu0.processes=[a, kernel]'");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("'system.process.kernel'"), std::string::npos) << r.output;
  r = runBad("bad_two_cores", " --param system.cores=2 --param 'system.cpu1.processes=[b]'");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("process 'b' is already run by cpu0"), std::string::npos) << r.output;
  r = runBad("bad_policy", kS + "policy=lottery");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("round_robin, fair"), std::string::npos) << r.output;
  r = runBad("bad_unlisted", " --param system.process.c.workload.count=5");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("system.process.c.workload.count"), std::string::npos) << r.output;
  r = runBad("bad_textbook", " --param system.cpu0.mmu.mode=linear");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("needs the radix mode"), std::string::npos) << r.output;
}

TEST(Scheduling, TwoTimeSlicedCoresAndOneCoreAloneRunTogether) {
  // cpu0 runs a and b, cpu1 runs c and d, cpu2 its own workload: each core idles after its last
  // process, and everything finishes.
  const std::string st =
      run("cores", std::string(" --param system.cores=3 --param 'system.cpu1.processes=[c, d]'") +
                       " --param 'system.cpu*.scheduler.time_slice=20us'" +
                       " --param system.process.c.workload.count=20000" +
                       " --param system.process.d.workload.count=20000" +
                       " --param system.process.d.workload.seed=7" +
                       " --param system.cpu2.requester.workload.count=10000");
  EXPECT_EQ(sv(st, "system.process.c.accesses") + sv(st, "system.process.d.accesses"),
            sv(st, "system.cpu1.requester.accesses"));
  EXPECT_GT(sv(st, "system.cpu1.scheduler.contextSwitches"), 10);
  EXPECT_GT(sv(st, "system.cpu0.scheduler.contextSwitches"), 10);
  EXPECT_EQ(sv(st, "system.cpu2.requester.accesses"), 10000);
  EXPECT_FALSE(hasStat(st, "system.cpu2.scheduler.contextSwitches"));
  // A core idles from the end of its last process to the end of the run.
  const double end = sv(st, "simTicks") / 500;  // core cycles
  double idleSum = 0;
  for (const auto& [core, p, q] : {std::tuple{"cpu0", "a", "b"}, std::tuple{"cpu1", "c", "d"}}) {
    const double last = std::max(sv(st, std::string("system.process.") + p + ".endTime"),
                                 sv(st, std::string("system.process.") + q + ".endTime")) *
                        2000;
    const double idle = sv(st, std::string("system.") + core + ".scheduler.idleCycles");
    EXPECT_NEAR(idle, end - last, 0.001 * end) << core;
    idleSum += idle;
  }
  EXPECT_GT(idleSum, 0.01 * end);  // the two cores do not end together
}

TEST(Scheduling, AProgramAndATraceRunAsProcessesOfOneCore) {
  // a: a simulated program (malloc/free over brk and mmap), b: a real trace to its end; both
  // checked byte for byte while they take turns.
  const std::string st =
      run("mixed", kS + "time_slice=20us" + kA + "type=program" + kA + "program.ops=2000" + kB +
                       "type=trace" + kB + "trace=" + VMSIM_SOURCE_DIR +
                       "/workloads/traces/list_walk.lackey.gz" + kB + "count=0" +
                       " --param system.cpu0.requester.verify_data=true");
  EXPECT_EQ(sv(st, "system.process.b.accesses"), 247915);  // the whole trace
  EXPECT_GT(sv(st, "system.process.a.heap.mallocs"), 100);
  EXPECT_GT(sv(st, "system.process.a.heap.brk_growths"), 0);
  EXPECT_GT(sv(st, "system.cpu0.scheduler.contextSwitches"), 20);
  EXPECT_EQ(sv(st, "system.process.a.accesses") + sv(st, "system.process.b.accesses"),
            sv(st, "system.cpu0.requester.accesses"));
  EXPECT_EQ(sv(st, "system.cpu0.requester.dataMismatches"), 0);
  EXPECT_EQ(sv(st, "system.cpu0.requester.faults::total"), 0);
  EXPECT_EQ(
      sv(st, "system.kernel.a.segmentationFaults") + sv(st, "system.kernel.b.segmentationFaults"),
      0);
}

TEST(Scheduling, TheOomKillerEndsOneProcessAndTheOtherGoesOn) {
  // Two 3 MiB footprints in 4 MiB of memory without swap: the killer ends the process with the
  // larger resident set; the core runs the other to its end.
  const std::string st =
      run("oom", kS + "time_slice=20us" + kA + "footprint=3MiB" + kB + "footprint=3MiB" +
                     " --param system.kernel.memory_size=4MiB" +
                     " --param system.kernel.swap.enabled=false");
  EXPECT_EQ(sv(st, "system.kernel.oomKills"), 1);
  const double a = sv(st, "system.process.a.accesses"), b = sv(st, "system.process.b.accesses");
  EXPECT_EQ(std::max(a, b), 50000);  // the survivor ran its whole workload
  EXPECT_LT(std::min(a, b), 50000);
  EXPECT_EQ(a + b, sv(st, "system.cpu0.requester.accesses"));
  EXPECT_EQ(sv(st, "system.cpu0.requester.faults::total"), 0);
  EXPECT_EQ(sv(st, "system.kernel.a.residentPages") + sv(st, "system.kernel.b.residentPages"), 0);
}
