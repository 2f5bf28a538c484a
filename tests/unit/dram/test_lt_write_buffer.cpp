// LtWriteBuffer: the LT counterpart of the AT controller's write buffer (posted writes, merging,
// read forwarding, drains, back-pressure).
#include <gtest/gtest.h>

#include "vmsim/dram/lt_timing_model.h"
#include "vmsim/dram/posted_writes.h"

using namespace vmsim::dram;

namespace {

uint64_t addr(const DramConfig& c, unsigned bg, unsigned bank, uint32_t row, uint32_t col) {
  DramAddress d;
  d.bankGroup = bg, d.bank = bank, d.row = row, d.column = col;
  return AddressMapping(c.ctrl.mapping, c.org).encode(d);
}

}  // namespace

TEST(dramLtWriteBuffer, WritesArePostedAndReadsOfWaitingWritesAreForwarded) {
  const DramConfig cfg = preset("DDR4-2400");
  LtTimingModel lt(cfg);
  LtWriteBuffer wb(cfg, lt);
  const uint64_t a = addr(cfg, 0, 0, 3, 0);
  EXPECT_EQ(wb.access(a, true, 100), 101u);             // acknowledged next cycle
  EXPECT_EQ(wb.access(a, false, 200), 201u);            // served from the buffer
  EXPECT_EQ(wb.access(a, true, 300), 301u);             // merges with the waiting write
  EXPECT_EQ(lt.stats().writes + lt.stats().reads, 0u);  // nothing reached the banks yet
  DramStats s = lt.stats();
  wb.addTo(s);
  EXPECT_EQ(s.writes, 2u);
  EXPECT_EQ(s.mergedWrites, 1u);
  EXPECT_EQ(s.reads, 1u);
  EXPECT_EQ(s.readsFromWriteBuffer, 1u);
  // A read of another address goes to the banks with the unloaded latency (row miss: 39).
  EXPECT_EQ(wb.access(addr(cfg, 1, 1, 4, 0), false, 1000) - 1000, 39u);
}

TEST(dramLtWriteBuffer, DrainsAboveTheLowWatermarkAndThenReadsWaitForTheBanks) {
  const DramConfig cfg = preset("DDR4-2400");
  LtTimingModel lt(cfg);
  LtWriteBuffer wb(cfg, lt);
  // writeDrainLow + 1 writes to one bank: the last one starts a drain.
  for (unsigned i = 0; i <= cfg.ctrl.writeDrainLow; ++i) {
    EXPECT_EQ(wb.access(addr(cfg, 0, 0, 3, i), true, 10), 11u) << i;
  }
  EXPECT_EQ(lt.stats().writes, cfg.ctrl.writeDrainLow + 1);
  EXPECT_EQ(wb.buffered(), 0u);
  // A read of the same bank right after finds it busy with the drained writes.
  const uint64_t read = wb.access(addr(cfg, 0, 0, 3, 100), false, 11);
  EXPECT_GT(read - 11, 22u + 6u * cfg.ctrl.writeDrainLow);
}

TEST(dramLtWriteBuffer, AFullBufferHoldsAWriteStreamToTheBanksRate) {
  const DramConfig cfg = preset("DDR4-2400");
  LtTimingModel lt(cfg);
  LtWriteBuffer wb(cfg, lt);
  // Writes to distinct addresses (no merging) of one bank, all arriving at cycle 0: after the first
  // writeBufferSize entries, each write waits for an entry, so acknowledgements spread out at
  // about one column command (tCCD_L) per write.
  uint64_t lastAck = 0;
  const unsigned n = 400;
  for (unsigned i = 0; i < n; ++i) {
    lastAck = wb.access(addr(cfg, 0, 0, 3 + i / 128, i % 128), true, 0);
  }
  EXPECT_GT(lastAck, uint64_t{n - cfg.ctrl.writeBufferSize} * 5);
  EXPECT_LT(lastAck, uint64_t{n} * 8);
}
