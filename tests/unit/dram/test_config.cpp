// Presets and factories: every preset validates and runs; unknown names list the valid ones.
#include <gtest/gtest.h>

#include "vmsim/dram/controller.h"
#include "vmsim/dram/memory_system.h"

using namespace vmsim::dram;

namespace {

TEST(dramConfig, Ddr4_2400MatchesTheReferenceConfiguration) {
  const DramConfig c = preset("DDR4-2400");
  EXPECT_EQ(c.org.ranks, 2u);
  EXPECT_EQ(c.org.banksPerChannel(), 32u);
  EXPECT_EQ(c.org.burstsPerRow(), 128u);
  EXPECT_EQ(c.org.burstBytes(), 64u);
  EXPECT_EQ(c.org.channelBytes(), uint64_t(16) << 30);
  EXPECT_EQ(c.readDelay(), 21u);
  EXPECT_EQ(c.writeDelay(), 16u);
  EXPECT_NEAR(c.peakBandwidthGBps(), 19.2, 1e-9);
  EXPECT_EQ(c.timing.tRC, 56u);
}

TEST(dramConfig, EveryPresetRunsTrafficOnEveryChannel) {
  for (const auto& name : presetNames()) {
    const DramConfig cfg = preset(name);
    ASSERT_NO_THROW(cfg.validate()) << name;
    MemorySystem mem(cfg);
    const uint64_t stride = cfg.org.burstBytes();
    uint64_t id = 0;
    for (uint64_t a = 0; a < 256 * stride; a += stride * 3) {
      while (!mem.canAccept(a, id % 3 == 0)) mem.tick();
      mem.add(a, id % 3 == 0, id);
      ++id;
      mem.tick();
    }
    while (mem.readsPending()) mem.advanceTo(mem.nextEventCycle() + 1);
    const DramStats s = mem.stats();
    EXPECT_GT(s.readCmds, 0u) << name;
    EXPECT_GT(s.readLatency.min(), cfg.timing.CL) << name;
  }
}

TEST(dramConfig, UnknownNamesListValidOnes) {
  auto message = [](auto f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message([] { preset("DDR9"); }).find("DDR4-2400"), std::string::npos);
  EXPECT_NE(message([] { makeScheduler("lifo", 4); }).find("frfcfs"), std::string::npos);
  EXPECT_NE(message([] { makePagePolicy("ajar"); }).find("open_adaptive"), std::string::npos);
  DramConfig c = preset("DDR4-2400");
  c.org.rows = 1000;
  EXPECT_NE(message([&] { c.validate(); }).find("org.rows"), std::string::npos);
  c = preset("DDR4-2400");
  c.ctrl.writeDrainLow = 40;
  EXPECT_NE(message([&] { c.validate(); }).find("writeDrainLow"), std::string::npos);
}

TEST(dramConfig, MemorySystemRoutesByChannelField) {
  const DramConfig cfg = preset("HBM2");
  MemorySystem mem(cfg);
  AddressMapping m(cfg.ctrl.mapping, cfg.org);
  DramAddress d;
  d.channel = 6;
  const uint64_t a = m.encode(d);
  EXPECT_EQ(mem.channelOf(a), 6u);
  mem.add(a, false, 1);
  mem.advanceTo(1000);
  EXPECT_EQ(mem.channel(6).stats().readCmds, 1u);
  EXPECT_EQ(mem.channel(0).stats().readCmds, 0u);
  Controller wrong(cfg, 0);
  EXPECT_THROW(wrong.add(a, false, 1), std::invalid_argument);
}

}  // namespace
