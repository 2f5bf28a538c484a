// HDD and SSD service-time models: stream vs random, seek curve, queueing, SSD parallelism.
#include <gtest/gtest.h>

#include "vmsim/swap/hdd_timing.h"
#include "vmsim/swap/ssd_timing.h"

namespace vmsim::swap {
namespace {

constexpr uint32_t kPage = 4096;
constexpr uint64_t kPageSectors = kPage / kSectorBytes;

TEST(HddTiming, GeometryFromDatasheet) {
  HddTiming hdd;
  EXPECT_EQ(hdd.revolutionNs(), 8333333u);  // 7200 rpm; average latency 4.17 ms
  EXPECT_EQ(hdd.sectorsPerTrack(), 2246u);  // 138 MB/s / 120 rev/s
  EXPECT_GT(hdd.cylinders(), 200000u);
}

TEST(HddTiming, SeekMonotonicInDistanceAndHitsDatasheetPoints) {
  HddTiming hdd;
  const HddParams p;
  EXPECT_EQ(hdd.seekNs(0, false), 0u);
  EXPECT_EQ(hdd.seekNs(1, false), p.trackToTrackSeekNs);
  EXPECT_NEAR(double(hdd.seekNs(hdd.cylinders() / 3, false)), double(p.averageSeekNs), 1e3);
  EXPECT_NEAR(double(hdd.seekNs(hdd.cylinders() - 1, false)), double(p.fullStrokeSeekNs), 1e3);
  uint64_t previous = 0;
  for (uint64_t d = 1; d < hdd.cylinders(); d = d * 5 / 4 + 1) {
    const uint64_t t = hdd.seekNs(d, false);
    EXPECT_GE(t, previous) << "distance " << d;
    previous = t;
  }
  EXPECT_EQ(hdd.seekNs(1000, true), hdd.seekNs(1000, false) + p.writeSettleExtraNs);
}

TEST(HddTiming, RotationalWaitWithinOneRevolution) {
  HddTiming hdd;
  EXPECT_EQ(hdd.rotationalWaitNs(0, 0), 0u);
  for (uint64_t t = 0; t < 50000000; t += 777777)
    EXPECT_LT(hdd.rotationalWaitNs(t, t / 3), hdd.revolutionNs());
}

TEST(HddTiming, SequentialMuchFasterThanRandom) {
  HddTiming sequential, random;
  const int n = 256;
  uint64_t tSeq = 0, tRand = 0;
  uint64_t lcg = 12345;
  for (int i = 0; i < n; ++i) {
    tSeq = sequential.serviceNs(tSeq, 1000000 + i * kPageSectors, kPage, false);
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    const uint64_t lba = (lcg >> 20) % (random.capacitySectors() - kPageSectors);
    tRand = random.serviceNs(tRand, lba, kPage, false);
  }
  // Streaming 1 MiB costs about 1 MiB / 138 MB/s plus the first positioning.
  EXPECT_LT(tSeq, 30000000u);
  // Random 4 KiB reads cost ~average seek + half a revolution each (~12.7 ms).
  EXPECT_GT(tRand / n, 9000000u);
  EXPECT_LT(tRand / n, 20000000u);
  EXPECT_GT(tRand, 50 * tSeq);
}

TEST(HddTiming, RequestsQueueBehindTheActuator) {
  HddTiming hdd;
  const uint64_t first = hdd.serviceNs(0, 5000000, kPage, true);
  const uint64_t second = hdd.serviceNs(0, 900000000, kPage, true);
  EXPECT_GT(second, first + hdd.seekNs(1, true));
  // Later arrival after idle time starts at the arrival, not at busy-until.
  const uint64_t late = second + 1000000000;
  EXPECT_GE(hdd.serviceNs(late, 5000000, kPage, false), late);
}

TEST(HddTiming, OutOfRangeRejected) {
  HddTiming hdd;
  EXPECT_THROW(hdd.serviceNs(0, hdd.capacitySectors(), kPage, false), std::out_of_range);
  EXPECT_THROW(hdd.serviceNs(0, 0, 0, false), std::out_of_range);
}

TEST(SsdTiming, SinglePageReadAndWriteLatency) {
  SsdTiming ssd;
  const SsdParams p;
  const uint64_t xfer = ssd.transferNs(kPage);
  const uint64_t host = ssd.hostTransferNs(kPage);
  // A read: array read, channel, then the host link; a write: host link, channel, program.
  EXPECT_EQ(ssd.serviceNs(0, 0, kPage, false), p.readNs + xfer + host);
  EXPECT_EQ(ssd.serviceNs(10000000, kPageSectors * 1000, kPage, true),
            10000000 + host + xfer + p.programNs);
}

TEST(SsdTiming, PagesOnDifferentChannelsOverlap) {
  SsdTiming ssd;
  const SsdParams p;
  const uint64_t flashPageSectors = p.pageBytes / kSectorBytes;
  // One request covering one flash page on each channel finishes like a single page.
  const uint64_t striped = ssd.serviceNs(0, 0, p.channels * p.pageBytes, false);
  EXPECT_EQ(striped, p.readNs + ssd.transferNs(p.pageBytes) +
                         ssd.hostTransferNs(uint64_t{p.channels} * p.pageBytes));
  // The same number of pages all on channel 0, die 0 serialise.
  SsdTiming same;
  const uint64_t stride = uint64_t{p.channels} * p.diesPerChannel * flashPageSectors;
  uint64_t done = 0;
  for (uint32_t i = 0; i < p.channels; ++i)
    done = std::max(done, same.serviceNs(0, i * stride, p.pageBytes, false));
  EXPECT_GE(done, p.channels * p.readNs);
}

TEST(SsdTiming, DiesOnOneChannelShareTheBus) {
  SsdTiming ssd;
  const SsdParams p;
  const uint64_t flashPageSectors = p.pageBytes / kSectorBytes;
  uint64_t done = 0;
  for (uint32_t die = 0; die < p.diesPerChannel; ++die)
    done =
        std::max(done, ssd.serviceNs(0, die * p.channels * flashPageSectors, p.pageBytes, false));
  // Array reads overlap across dies; only the transfers serialise on the channel (the host link
  // is faster than a channel, so only the last page's host transfer adds).
  EXPECT_EQ(done, p.readNs + p.diesPerChannel * ssd.transferNs(p.pageBytes) +
                      ssd.hostTransferNs(p.pageBytes));
}

TEST(SsdTiming, AWriteWaitingForItsDieLeavesTheChannelFreeForOtherDies) {
  SsdTiming ssd;
  const SsdParams p;
  const uint64_t xfer = ssd.transferNs(kPage);
  const uint64_t flashPageSectors = p.pageBytes / kSectorBytes;
  const uint64_t die0Again = uint64_t{p.channels} * p.diesPerChannel * flashPageSectors;
  const uint64_t die1 = uint64_t{p.channels} * flashPageSectors;  // channel 0, die 1
  const uint64_t host = ssd.hostTransferNs(kPage);
  ASSERT_EQ(ssd.serviceNs(0, 0, kPage, true), host + xfer + p.programNs);
  // The second write to die 0 can only cross the channel once the die has programmed the first.
  ASSERT_EQ(ssd.serviceNs(xfer, die0Again, kPage, true),
            host + xfer + p.programNs + xfer + p.programNs);
  // Meanwhile a read on die 1 of the same channel uses the idle channel.
  EXPECT_EQ(ssd.serviceNs(xfer, die1, kPage, false), xfer + p.readNs + xfer + host);
}

SsdParams buffered(uint64_t bytes) {
  SsdParams p;
  p.writeBufferBytes = bytes;
  return p;
}

TEST(SsdWriteBuffer, WriteIsAcknowledgedAfterTheHostTransferNotTheProgram) {
  const SsdParams p = buffered(256ULL << 20);
  SsdTiming ssd(p);
  const uint64_t host = ssd.hostTransferNs(kPage);
  EXPECT_EQ(host, (kPage * 1000000000ULL + p.hostBytesPerSec - 1) / p.hostBytesPerSec);
  EXPECT_LT(host, 2000u);  // ~1 us over PCIe 3.0 x4, against a 1.6 ms program
  EXPECT_EQ(ssd.serviceNs(10000000, 0, kPage, true), 10000000 + host);
  // The program still runs: the die is busy, so a read of another page on it waits for it.
  const uint64_t die0Page2 = uint64_t{p.channels} * p.diesPerChannel * p.pageBytes / kSectorBytes;
  EXPECT_EQ(ssd.serviceNs(10000000 + host, die0Page2, kPage, false),
            10000000 + host + ssd.transferNs(kPage) + p.programNs + p.readNs +
                ssd.transferNs(kPage) + host);
  EXPECT_EQ(ssd.bufferedWrites(), 1u);
  // Without a buffer the same write completes with its program.
  SsdTiming plain;
  EXPECT_EQ(plain.serviceNs(10000000, 0, kPage, true),
            10000000 + host + plain.transferNs(kPage) + p.programNs);
}

TEST(SsdWriteBuffer, FullBufferMakesAWriteWaitForTheEarliestProgram) {
  const SsdParams p = buffered(2 * kPage);  // room for two pages
  SsdTiming ssd(p);
  const uint64_t host = ssd.hostTransferNs(kPage);
  const uint64_t flashPageSectors = p.pageBytes / kSectorBytes;
  // Pages on channels 0 and 1: their programs overlap; the first ends first.
  const uint64_t a = ssd.serviceNs(0, 0, kPage, true);
  const uint64_t b = ssd.serviceNs(0, flashPageSectors, kPage, true);
  EXPECT_EQ(a, host);
  EXPECT_EQ(b, 2 * host);  // the host link is shared
  EXPECT_EQ(ssd.bufferFullWaits(), 0u);
  EXPECT_EQ(ssd.bufferedBytes(), 2 * kPage);
  const uint64_t firstProgrammed = host + ssd.transferNs(kPage) + p.programNs;
  const uint64_t c = ssd.serviceNs(2 * host, 2 * flashPageSectors, kPage, true);
  EXPECT_EQ(c, firstProgrammed + host);
  EXPECT_EQ(ssd.bufferFullWaits(), 1u);
  // Once every program is done, writes go straight in again.
  const uint64_t later = 100000000;
  EXPECT_EQ(ssd.serviceNs(later, 3 * flashPageSectors, kPage, true), later + host);
  EXPECT_EQ(ssd.bufferFullWaits(), 1u);
}

TEST(SsdWriteBuffer, ReadOfAPageStillInTheBufferSkipsTheFlash) {
  const SsdParams p = buffered(256ULL << 20);
  SsdTiming ssd(p);
  const uint64_t host = ssd.hostTransferNs(kPage);
  const uint64_t lba = kPageSectors * 1000;
  ASSERT_EQ(ssd.serviceNs(0, lba, kPage, true), host);
  // Before its program ends: served from the buffer.
  EXPECT_EQ(ssd.serviceNs(host + 10, lba, kPage, false), 2 * host + 10);
  EXPECT_EQ(ssd.bufferReadHits(), 1u);
  // After it: a flash read (the page was programmed; the die is idle again).
  const uint64_t later = 100000000;
  EXPECT_EQ(ssd.serviceNs(later, lba, kPage, false),
            later + p.readNs + ssd.transferNs(kPage) + host);
  EXPECT_EQ(ssd.bufferReadHits(), 1u);
  // A page that was never written through the buffer is read from flash.
  EXPECT_EQ(ssd.serviceNs(2 * later, lba + kPageSectors, kPage, false),
            2 * later + p.readNs + ssd.transferNs(kPage) + host);
}

TEST(DiskTiming, FactoryByName) {
  EXPECT_NE(makeDiskTiming("hdd")->describe().find("7200 rpm"), std::string::npos);
  EXPECT_NE(makeDiskTiming("ssd")->describe().find("channels"), std::string::npos);
  EXPECT_EQ(diskTimingNames(), (std::vector<std::string>{"hdd", "ssd"}));
  try {
    makeDiskTiming("tape");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown disk timing model 'tape'; valid: hdd, ssd");
  }
}

}  // namespace
}  // namespace vmsim::swap
