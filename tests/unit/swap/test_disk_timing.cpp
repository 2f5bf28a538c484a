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
  EXPECT_EQ(ssd.serviceNs(0, 0, kPage, false), p.readNs + xfer);
  EXPECT_EQ(ssd.serviceNs(10000000, kPageSectors * 1000, kPage, true),
            10000000 + xfer + p.programNs);
}

TEST(SsdTiming, PagesOnDifferentChannelsOverlap) {
  SsdTiming ssd;
  const SsdParams p;
  const uint64_t flashPageSectors = p.pageBytes / kSectorBytes;
  // One request covering one flash page on each channel finishes like a single page.
  const uint64_t striped = ssd.serviceNs(0, 0, p.channels * p.pageBytes, false);
  EXPECT_EQ(striped, p.readNs + ssd.transferNs(p.pageBytes));
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
  // Array reads overlap across dies; only the transfers serialise on the channel.
  EXPECT_EQ(done, p.readNs + p.diesPerChannel * ssd.transferNs(p.pageBytes));
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
