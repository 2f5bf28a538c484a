// Hard-disk service time: seek curve, rotational position, media transfer, read-ahead for streams.
// Defaults: a 7200 rpm desktop drive, Seagate Barracuda XT ST32000641AS (2 TB, 8 heads, 138 MB/s
// sustained OD, 4.16 ms average latency); seek times are the Barracuda family's typical read
// figures (track-to-track 1 ms, average 8.5 ms, write +1 ms); that sheet gives no full stroke:
// 20 ms is the typical read full-stroke seek of the 7200 rpm Hitachi Deskstar 7K320 OEM
// specification (Table 6), whose single-track seek (1.0 ms read, 1.1 ms write, Table 7) agrees.
// Seek shape (sqrt for short seeks, linear for long ones) after Ruemmler & Wilkes, "An Introduction
// to Disk Drive Modeling", IEEE Computer 27(3), 1994.
#pragma once

#include "vmsim/swap/disk_timing.h"

namespace vmsim::swap {

struct HddParams {
  uint64_t capacityBytes = 2000398934016ULL;  // ST32000641AS: 3907029168 sectors
  uint32_t rpm = 7200;
  uint32_t heads = 8;
  uint64_t sustainedBytesPerSec = 138000000;  // outer diameter
  uint64_t trackToTrackSeekNs = 1000000;
  uint64_t averageSeekNs = 8500000;  // over a third of the stroke, the classic average distance
  uint64_t fullStrokeSeekNs = 20000000;
  uint64_t writeSettleExtraNs = 1000000;  // datasheets quote write seeks ~1 ms slower
  // A request starting at most this many sectors past the previous one's end is served from the
  // read-ahead / track buffer: no seek, no rotational wait (0 = exactly sequential only).
  uint64_t readAheadSectors = 2048;
};

class HddTiming final : public DiskTiming {
 public:
  explicit HddTiming(const HddParams& params = {});

  uint64_t serviceNs(uint64_t startNs, uint64_t lba, uint32_t bytes, bool write) override;
  uint64_t capacitySectors() const override { return capacitySectors_; }
  std::string describe() const override;

  // Geometry and component times, public for tests and for reports.
  uint64_t cylinders() const { return cylinders_; }
  uint64_t sectorsPerTrack() const { return sectorsPerTrack_; }
  uint64_t revolutionNs() const { return revolutionNs_; }
  uint64_t cylinderOf(uint64_t lba) const { return lba / sectorsPerCylinder_; }
  uint64_t seekNs(uint64_t cylinderDistance, bool write) const;
  // Wait after the head arrives at time `arrivalNs` until sector `lba` passes under it.
  uint64_t rotationalWaitNs(uint64_t arrivalNs, uint64_t lba) const;
  uint64_t transferNs(uint64_t bytes) const;

 private:
  bool isStreaming(uint64_t lba) const;

  HddParams p_;
  uint64_t capacitySectors_, sectorsPerTrack_, sectorsPerCylinder_, cylinders_, revolutionNs_;
  uint64_t busyUntilNs_ = 0;
  uint64_t headCylinder_ = 0;
  uint64_t nextLba_ = UINT64_MAX;  // end of the previous request, for stream detection
};

}  // namespace vmsim::swap
