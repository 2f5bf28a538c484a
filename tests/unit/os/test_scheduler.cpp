// Rules of the per-core scheduling policies (models/os/src/scheduler.cpp), without SystemC.
#include <gtest/gtest.h>

#include <map>

#include "vmsim/os/scheduler.h"

namespace vmsim::os {
namespace {

TEST(RoundRobin, RunsEveryTaskInTurnForTheSameSlice) {
  RoundRobinPolicy rr(100);
  for (unsigned t = 0; t < 3; ++t) rr.add(t, 1024);
  std::vector<unsigned> order;
  for (int i = 0; i < 7; ++i) {
    auto p = rr.pick();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->slice, 100u);
    order.push_back(p->task);
    rr.preempted(p->task, 100);
  }
  EXPECT_EQ(order, (std::vector<unsigned>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(RoundRobin, AnExitedTaskLeavesTheQueueAndTheLastOneRunsAlone) {
  RoundRobinPolicy rr(5);
  rr.add(0, 1024);
  rr.add(1, 1024);
  auto p = rr.pick();
  ASSERT_EQ(p->task, 0u);
  rr.ranAndExited(0, 3);
  rr.remove(0);
  EXPECT_EQ(rr.runnable(), 1u);
  for (int i = 0; i < 3; ++i) {
    p = rr.pick();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->task, 1u);
    rr.preempted(1, 5);
  }
  rr.remove(1);
  EXPECT_EQ(rr.runnable(), 0u);
  EXPECT_FALSE(rr.pick());
}

TEST(RoundRobin, RemovingAWaitingTaskSkipsIt) {
  RoundRobinPolicy rr(1);
  for (unsigned t = 0; t < 3; ++t) rr.add(t, 1024);
  rr.remove(1);  // killed while waiting
  EXPECT_EQ(rr.pick()->task, 0u);
  rr.preempted(0, 1);
  EXPECT_EQ(rr.pick()->task, 2u);
  rr.preempted(2, 1);
  EXPECT_EQ(rr.pick()->task, 0u);
}

TEST(Fair, EqualWeightsShareThePeriodAndAlternate) {
  FairPolicy f(6000, 750);
  f.add(0, 1024);
  f.add(1, 1024);
  std::map<unsigned, uint64_t> ran;
  unsigned last = 99;
  for (int i = 0; i < 10; ++i) {
    auto p = f.pick();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->slice, 3000u);  // half of the 6000 period each
    EXPECT_NE(p->task, last);    // the other one has the smaller virtual runtime
    last = p->task;
    ran[p->task] += p->slice;
    f.preempted(p->task, p->slice);
  }
  EXPECT_EQ(ran[0], ran[1]);
}

TEST(Fair, WeightsSplitTheCpuInProportion) {
  // nice 0 (1024) against nice 5 (335): about 3:1 of the CPU over many slices.
  FairPolicy f(6000, 10);
  f.add(0, niceWeight(0));
  f.add(1, niceWeight(5));
  uint64_t ran[2] = {0, 0};
  for (int i = 0; i < 1000; ++i) {
    auto p = f.pick();
    ran[p->task] += p->slice;
    f.preempted(p->task, p->slice);
  }
  const double ratio = static_cast<double>(ran[0]) / static_cast<double>(ran[1]);
  EXPECT_NEAR(ratio, 1024.0 / 335.0, 0.05);
}

TEST(Fair, ThePeriodStretchesToTheMinimumGranularity) {
  // 10 tasks x 750 do not fit into 6000: the period becomes 7500 and each slice 750.
  FairPolicy f(6000, 750);
  for (unsigned t = 0; t < 10; ++t) f.add(t, 1024);
  auto p = f.pick();
  EXPECT_EQ(p->slice, 750u);
}

TEST(Fair, ALateTaskStartsAtTheSmallestVirtualRuntime) {
  FairPolicy f(1000, 100);
  f.add(0, 1024);
  for (int i = 0; i < 5; ++i) {
    auto p = f.pick();
    f.preempted(p->task, 1000);
  }
  EXPECT_DOUBLE_EQ(f.vruntime(0), 5000);
  f.add(1, 1024);  // does not get 5000 units to catch up
  EXPECT_DOUBLE_EQ(f.vruntime(1), 5000);
  auto p = f.pick();
  EXPECT_EQ(p->task, 0u);  // ties go to the lowest number
  f.preempted(0, p->slice);
  EXPECT_EQ(f.pick()->task, 1u);
}

TEST(Fair, ShortRunsAreChargedAsTheyRan) {
  FairPolicy f(1000, 100);
  f.add(0, 1024);
  f.add(1, 2048);
  auto p = f.pick();
  ASSERT_EQ(p->task, 0u);
  f.preempted(0, 10);  // ran less than its slice
  EXPECT_DOUBLE_EQ(f.vruntime(0), 10);
  p = f.pick();
  ASSERT_EQ(p->task, 1u);
  f.ranAndExited(1, 40);
  EXPECT_DOUBLE_EQ(f.vruntime(1), 20);
  EXPECT_EQ(f.runnable(), 1u);
  EXPECT_EQ(f.pick()->task, 0u);
}

TEST(Policies, NiceWeightsAreLinuxsTable) {
  EXPECT_EQ(niceWeight(0), 1024u);
  EXPECT_EQ(niceWeight(-20), 88761u);
  EXPECT_EQ(niceWeight(19), 15u);
  EXPECT_EQ(niceWeight(1), 820u);
  EXPECT_EQ(niceWeight(40), 15u);
}

TEST(Policies, FactoryNamesEveryPolicy) {
  for (const auto& n : schedulingPolicyNames())
    EXPECT_EQ(makeSchedulingPolicy(n, 10, 1)->name(), n);
  try {
    makeSchedulingPolicy("lottery", 10, 1);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("round_robin, fair"), std::string::npos);
  }
}

}  // namespace
}  // namespace vmsim::os
