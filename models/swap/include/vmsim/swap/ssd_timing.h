// Flash SSD service time: per-die array read / program, per-channel data transfer, striping.
// Defaults: organisation of MQSim's default ssdconfig.xml (Tavakkol et al., FAST 2018): 8 channels,
// 4 chips x 2 dies per channel. Die timing from the Micron MT29F128G08CBECB MLC NAND datasheet:
// 16 KiB page, read page 115 us (max), program page 1600 us (typ), NV-DDR2 166 MT/s on 8 bits.
#pragma once

#include <vector>

#include "vmsim/swap/disk_timing.h"

namespace vmsim::swap {

struct SsdParams {
  uint64_t capacityBytes = 256ULL << 30;
  uint32_t channels = 8;
  uint32_t diesPerChannel = 8;
  uint32_t pageBytes = 16384;
  uint64_t readNs = 115000;
  uint64_t programNs = 1600000;
  uint64_t channelBytesPerSec = 166000000;
};

// Flash pages are striped channel first, then die (page p -> channel p % C, die (p / C) % D), so
// a multi-page request spreads over all channels. Static mapping: no FTL, garbage collection or
// erase (swap slots are overwritten in place and the model charges a program per page written).
class SsdTiming final : public DiskTiming {
 public:
  explicit SsdTiming(const SsdParams& params = {});

  uint64_t serviceNs(uint64_t startNs, uint64_t lba, uint32_t bytes, bool write) override;
  uint64_t capacitySectors() const override { return p_.capacityBytes / kSectorBytes; }
  std::string describe() const override;

  uint32_t channelOf(uint64_t flashPage) const { return flashPage % p_.channels; }
  uint32_t dieOf(uint64_t flashPage) const { return (flashPage / p_.channels) % p_.diesPerChannel; }
  uint64_t transferNs(uint64_t bytes) const;

 private:
  // Completion time of one page's part of a request.
  uint64_t servePage(uint64_t startNs, uint64_t flashPage, uint64_t bytes, bool write);

  SsdParams p_;
  std::vector<uint64_t> channelBusyUntil_;
  std::vector<uint64_t> dieBusyUntil_;  // index channel * diesPerChannel + die
};

}  // namespace vmsim::swap
