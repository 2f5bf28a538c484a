// Swap-device command queue without SystemC: C-LOOK and FIFO order with the HDD model's timing,
// the queue-depth bound, SSD die parallelism through the queue, buffered-write acknowledgement.
#include <gtest/gtest.h>

#include <vector>

#include "vmsim/swap/disk_queue.h"
#include "vmsim/swap/hdd_timing.h"
#include "vmsim/swap/ssd_timing.h"

namespace vmsim::swap {
namespace {

constexpr uint32_t kPage = 4096;

// Runs the queue until it is empty, dispatching whenever it asks; returns every dispatch.
std::vector<Dispatched> drain(DiskQueue& q, uint64_t fromNs) {
  std::vector<Dispatched> out;
  q.dispatch(fromNs, out);
  while (q.nextDispatchNs() != UINT64_MAX) q.dispatch(q.nextDispatchNs(), out);
  return out;
}

std::vector<uint64_t> ids(const std::vector<Dispatched>& d) {
  std::vector<uint64_t> v;
  for (const auto& x : d) v.push_back(x.id);
  return v;
}

TEST(DiskQueue, SchedulingNames) {
  EXPECT_EQ(schedulingFromName("clook"), Scheduling::CLook);
  EXPECT_EQ(schedulingFromName("fifo"), Scheduling::Fifo);
  EXPECT_THROW(schedulingFromName("sstf"), std::invalid_argument);
}

TEST(DiskQueue, CLookServesAscendingFromTheHeadThenWrapsToTheLowest) {
  HddTiming hdd;
  DiskQueue q(hdd, Scheduling::CLook, 32, true);
  // The first request moves the head to LBA 600000 (its end).
  q.submit({0, 0, 600000 - kPage / kSectorBytes, kPage, false});
  std::vector<Dispatched> first;
  q.dispatch(0, first);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(q.headLba(), 600000u);
  // While it is in service, requests arrive below and above the head, in mixed order.
  const std::vector<uint64_t> lbas{100000, 800000, 300000, 700000, 650000, 50000};
  for (uint64_t i = 0; i < lbas.size(); ++i) q.submit({i + 1, 1000, lbas[i], kPage, false});
  EXPECT_EQ(q.waiting(), lbas.size());
  const auto served = drain(q, 1000);
  // Upwards from 600000: 650000, 700000, 800000; then back to the lowest: 50000, 100000, 300000.
  EXPECT_EQ(ids(served), (std::vector<uint64_t>{5, 4, 2, 6, 1, 3}));
  // Timing is the HDD model's, request after request in that order.
  HddTiming reference;
  uint64_t t = reference.serviceNs(0, 600000 - kPage / kSectorBytes, kPage, false);
  EXPECT_EQ(first[0].doneNs, t);
  for (const auto& d : served) {
    EXPECT_EQ(d.startNs, t);
    t = reference.serviceNs(t, lbas[d.id - 1], kPage, false);
    EXPECT_EQ(d.doneNs, t);
  }
}

TEST(DiskQueue, CLookBeatsFifoOnAScatteredBatch) {
  std::vector<uint64_t> lbas;
  uint64_t lcg = 7;
  for (int i = 0; i < 32; ++i) {
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    lbas.push_back((lcg >> 24) % 3000000000ULL);
  }
  uint64_t end[2];
  for (int s = 0; s < 2; ++s) {
    HddTiming hdd;
    DiskQueue q(hdd, s ? Scheduling::CLook : Scheduling::Fifo, 32, true);
    for (uint64_t i = 0; i < lbas.size(); ++i) q.submit({i, 0, lbas[i], kPage, true});
    const auto served = drain(q, 0);
    ASSERT_EQ(served.size(), lbas.size());
    if (!s) {  // FIFO keeps arrival order
      for (uint64_t i = 0; i < served.size(); ++i) EXPECT_EQ(served[i].id, i);
    } else {  // C-LOOK from head 0: one ascending sweep
      for (uint64_t i = 1; i < served.size(); ++i)
        EXPECT_LT(lbas[served[i - 1].id], lbas[served[i].id]);
    }
    end[s] = served.back().doneNs;
  }
  // One sweep's short seeks against 32 random ones (~8.5 ms each); both still wait for the
  // platter (4.17 ms on average), so the sweep saves about a third.
  EXPECT_LT(end[1] * 10, end[0] * 7);
}

TEST(DiskQueue, QueueDepthBoundsOutstandingCommands) {
  HddTiming hdd;
  DiskQueue q(hdd, Scheduling::CLook, 4, true);
  for (uint64_t i = 0; i < 4; ++i) q.submit({i, 0, 1000000 * (i + 1), kPage, false});
  EXPECT_TRUE(q.full(0));
  EXPECT_EQ(q.outstanding(0), 4u);
  EXPECT_THROW(q.submit({4, 0, 0, kPage, false}), std::logic_error);
  std::vector<Dispatched> out;
  q.dispatch(0, out);
  ASSERT_EQ(out.size(), 1u);  // the arm serves one at a time
  EXPECT_TRUE(q.full(out[0].doneNs - 1));
  EXPECT_FALSE(q.full(out[0].doneNs));  // its completion frees a command slot
  EXPECT_EQ(q.outstanding(out[0].doneNs), 3u);
  q.submit({4, out[0].doneNs, 0, kPage, false});
  EXPECT_TRUE(q.full(out[0].doneNs));
}

TEST(DiskQueue, LtPathWaitsForACommandSlot) {
  SsdTiming ssd;
  const SsdParams p;
  const uint64_t pageSectors = p.pageBytes / kSectorBytes;
  // Two reads on different channels: at queue depth 1 the second is issued when the first ends.
  DiskQueue one(ssd, Scheduling::Fifo, 1, false);
  const Dispatched a = one.serveNow(0, 0, kPage, false);
  const Dispatched b = one.serveNow(0, pageSectors, kPage, false);
  EXPECT_EQ(a.startNs, 0u);
  EXPECT_EQ(b.startNs, a.doneNs);
  EXPECT_EQ(b.doneNs, 2 * a.doneNs);
  // At depth 2 both start at once and overlap on their own channels and dies.
  SsdTiming ssd2;
  DiskQueue two(ssd2, Scheduling::Fifo, 2, false);
  const Dispatched c = two.serveNow(0, 0, kPage, false);
  const Dispatched d = two.serveNow(0, pageSectors, kPage, false);
  EXPECT_EQ(d.startNs, 0u);
  EXPECT_EQ(c.doneNs, a.doneNs);
  EXPECT_EQ(d.doneNs, c.doneNs + ssd2.hostTransferNs(kPage));  // only the host link is shared
}

TEST(DiskQueue, SsdDieParallelismSpeedsUpABatchByTheNumberOfDies) {
  SsdParams p;
  p.channels = 4;
  p.diesPerChannel = 2;
  const uint32_t dies = p.channels * p.diesPerChannel;
  const uint64_t pageSectors = p.pageBytes / kSectorBytes;
  auto batch = [&](uint32_t depth, uint64_t strideSectors) {
    SsdTiming ssd(p);
    DiskQueue q(ssd, Scheduling::Fifo, depth, false);
    uint64_t end = 0;
    for (uint64_t i = 0; i < dies; ++i) {
      // Submit when a slot is free (the shell's END_REQ rule), then dispatch.
      uint64_t t = 0;
      if (q.full(t)) t = q.nextCompletionNs();
      q.submit({i, t, i * strideSectors, kPage, false});
      std::vector<Dispatched> out;
      q.dispatch(t, out);
      for (const auto& d : out) end = std::max(end, d.doneNs);
    }
    return end;
  };
  const uint64_t serial = batch(1, pageSectors);
  const uint64_t parallel = batch(dies, pageSectors);  // one page on every die
  // A 4 KiB read is ~115 us of array read, ~25 us on its channel and ~1 us on the host link:
  // the dies overlap their array reads, the 2 dies of a channel share its bus, and the second
  // dies' 4 pages (ready together) share the host link.
  const SsdTiming t(p);
  const uint64_t one = p.readNs + t.transferNs(kPage) + t.hostTransferNs(kPage);
  EXPECT_EQ(serial, dies * one);
  EXPECT_EQ(parallel, p.readNs + 2 * t.transferNs(kPage) + p.channels * t.hostTransferNs(kPage));
  EXPECT_GT(double(serial) / double(parallel), 0.8 * dies);
  // The same batch on one die gains nothing from the queue depth.
  const uint64_t oneDie = batch(dies, uint64_t{dies} * pageSectors);
  EXPECT_GE(oneDie, dies * p.readNs);
}

TEST(DiskQueue, BufferedWriteFreesItsCommandSlotAtTheAcknowledgement) {
  SsdParams p;
  p.writeBufferBytes = 64 << 20;
  SsdTiming ssd(p);
  DiskQueue q(ssd, Scheduling::Fifo, 1, false);
  const Dispatched w = q.serveNow(0, 0, kPage, true);
  EXPECT_EQ(w.doneNs, ssd.hostTransferNs(kPage));  // acknowledged from the buffer
  EXPECT_TRUE(q.full(0));
  // A read on another channel is issued at the acknowledgement (the command slot is free then),
  // long before the program ends.
  const Dispatched r = q.serveNow(0, p.pageBytes / kSectorBytes, kPage, false);
  EXPECT_EQ(r.startNs, w.doneNs);
  EXPECT_LT(r.doneNs, p.programNs);
}

}  // namespace
}  // namespace vmsim::swap

namespace vmsim::swap {
namespace {

// A blocking request dated ahead of simulated time (temporal decoupling), then a queued one at
// an earlier time: both are served, the queued one after the device is free.
TEST(DiskQueue, LtAndQueuedRequestsMix) {
  HddTiming hdd;
  DiskQueue q(hdd, Scheduling::CLook, 32, true);
  const Dispatched lt = q.serveNow(5000000, 1000, kPage, false);
  q.submit({7, 1000000, 2000000, kPage, true});
  std::vector<Dispatched> out;
  q.dispatch(1000000, out);
  EXPECT_TRUE(out.empty());  // the arm is busy with the blocking request
  ASSERT_EQ(q.nextDispatchNs(), lt.doneNs);
  q.dispatch(lt.doneNs, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, 7u);
  EXPECT_EQ(out[0].startNs, lt.doneNs);
}

}  // namespace
}  // namespace vmsim::swap
