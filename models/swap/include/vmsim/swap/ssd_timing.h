// Flash SSD service time: per-die array read / program, per-channel data transfer, striping.
// Defaults: organisation of MQSim's default ssdconfig.xml (Tavakkol et al., FAST 2018): 8 channels,
// 4 chips x 2 dies per channel. Die timing from the Micron MT29F128G08CBECB MLC NAND datasheet:
// 16 KiB page, read page 115 us (max), program page 1600 us (typ), NV-DDR2 166 MT/s on 8 bits.
// Optional write buffer (the DRAM write cache of an SSD controller): see SsdParams.
#pragma once

#include <functional>
#include <map>
#include <queue>
#include <tuple>
#include <unordered_map>
#include <utility>
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
  // Write buffer: a write is acknowledged once its data has crossed the host link into the
  // buffer; its flash program runs in the background, and the buffer space is freed when it
  // ends. A write that finds the buffer full first waits for the earliest program to finish.
  // A read of data still in the buffer is served from it (no flash read). 0 = no buffer: a
  // write completes when its program does. (The SwapDisk shell enables 256 MiB, MQSim's
  // default Data_Cache_Capacity of 268435456 bytes in its ssdconfig.xml.)
  uint64_t writeBufferBytes = 0;
  // Host link into the buffer: PCIe 3.0 x4, 8 GT/s per lane with 128b/130b coding
  // (PCI Express Base Specification 3.0): 4 x 984.6 MB/s.
  uint64_t hostBytesPerSec = 3938461538;
  // Controller (firmware, FTL look-up, protocol) time per command before it reaches the flash
  // (a read) or the buffer (a write). 0 by default: MQSim's default has no such term.
  uint64_t readOverheadNs = 0;
  uint64_t writeOverheadNs = 0;
};

// Every request crosses the host link (a read after its flash pages, a write before them): one
// link whose idle gaps later-computed transfers may use, as a channel's. Flash pages are striped
// channel first, then die (page p -> channel p % C, die (p / C) % D), so a multi-page request
// spreads over all channels. Static mapping: no FTL, garbage collection or erase (swap slots are
// overwritten in place and the model charges a program per page written).
class SsdTiming final : public DiskTiming {
 public:
  explicit SsdTiming(const SsdParams& params = {});

  uint64_t serviceNs(uint64_t startNs, uint64_t lba, uint32_t bytes, bool write) override;
  uint64_t capacitySectors() const override { return p_.capacityBytes / kSectorBytes; }
  std::string describe() const override;

  uint32_t channelOf(uint64_t flashPage) const { return flashPage % p_.channels; }
  uint32_t dieOf(uint64_t flashPage) const { return (flashPage / p_.channels) % p_.diesPerChannel; }
  uint64_t transferNs(uint64_t bytes) const;
  uint64_t hostTransferNs(uint64_t bytes) const;

  // Write-buffer counters (all 0 without a buffer).
  uint64_t bufferedWrites() const { return bufferedWrites_; }
  uint64_t bufferFullWaits() const { return bufferFullWaits_; }
  uint64_t bufferReadHits() const { return bufferReadHits_; }
  uint64_t bufferedBytes() const { return bufferedBytes_; }

 private:
  // Completion time of one page's part of a request.
  uint64_t servePage(uint64_t startNs, uint64_t flashPage, uint64_t bytes, bool write);
  // Completion time of every flash page of a request (the latest of them).
  uint64_t servePages(uint64_t startNs, uint64_t lba, uint64_t bytes, bool write);

  SsdParams p_;
  // Start of the first gap of `ns` on the channel at or after `earliestNs`, now reserved. A
  // transfer that must wait (for its die) does not block the channel before it starts: a
  // transfer for another die may use the gap (a busy-until time could not express that).
  uint64_t reserveChannel(uint32_t channel, uint64_t earliestNs, uint64_t ns);
  static uint64_t reserve(std::map<uint64_t, uint64_t>& busy, uint64_t earliestNs, uint64_t ns);
  std::map<uint64_t, uint64_t> hostBusy_;                  // the host link: start -> end
  std::vector<std::map<uint64_t, uint64_t>> channelBusy_;  // per channel: start -> end
  std::vector<uint64_t> dieBusyUntil_;                     // index channel * diesPerChannel + die

  // Write buffer: programs in flight as (completion time, bytes, lba), earliest first; the
  // latest buffered write of each start lba, as (sectors, completion time).
  uint64_t bufferedWrite(uint64_t startNs, uint64_t lba, uint32_t bytes);
  // End of a transfer of `bytes` over the host link that can start at readyNs (now reserved).
  uint64_t hostTransfer(uint64_t readyNs, uint64_t bytes);
  void retire(uint64_t nowNs);
  using Program = std::tuple<uint64_t, uint64_t, uint64_t>;
  std::priority_queue<Program, std::vector<Program>, std::greater<Program>> programs_;
  std::unordered_map<uint64_t, std::pair<uint64_t, uint64_t>> inBuffer_;
  uint64_t bufferedBytes_ = 0;
  uint64_t bufferedWrites_ = 0, bufferFullWaits_ = 0, bufferReadHits_ = 0;
};

}  // namespace vmsim::swap
