// Flash SSD service time: per-die array read / program and per-channel transfer, with striping.
#include "vmsim/swap/ssd_timing.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace vmsim::swap {

SsdTiming::SsdTiming(const SsdParams& params) : p_(params) {
  if (p_.channels == 0 || p_.diesPerChannel == 0 || p_.pageBytes == 0 ||
      p_.channelBytesPerSec == 0 || p_.capacityBytes < kSectorBytes)
    throw std::invalid_argument(
        "ssd: channels, diesPerChannel, pageBytes, channelBytesPerSec and capacity must be > 0");
  if (p_.hostBytesPerSec == 0) throw std::invalid_argument("ssd: hostBytesPerSec must be > 0");
  channelBusy_.resize(p_.channels);
  dieBusyUntil_.assign(uint64_t{p_.channels} * p_.diesPerChannel, 0);
}

uint64_t SsdTiming::transferNs(uint64_t bytes) const {
  return (bytes * 1000000000ULL + p_.channelBytesPerSec - 1) / p_.channelBytesPerSec;
}

uint64_t SsdTiming::hostTransferNs(uint64_t bytes) const {
  return (bytes * 1000000000ULL + p_.hostBytesPerSec - 1) / p_.hostBytesPerSec;
}

void SsdTiming::retire(uint64_t nowNs) {
  while (!programs_.empty() && std::get<0>(programs_.top()) <= nowNs) {
    const auto [done, bytes, lba] = programs_.top();
    programs_.pop();
    bufferedBytes_ -= bytes;
    const auto it = inBuffer_.find(lba);
    if (it != inBuffer_.end() && it->second.second == done) inBuffer_.erase(it);
  }
}

uint64_t SsdTiming::bufferedWrite(uint64_t startNs, uint64_t lba, uint32_t bytes) {
  retire(startNs);
  uint64_t t = startNs;
  if (bufferedBytes_ + bytes > p_.writeBufferBytes) {
    // Full: wait until programs have finished and freed enough space.
    ++bufferFullWaits_;
    while (bufferedBytes_ + bytes > p_.writeBufferBytes) {
      t = std::max(t, std::get<0>(programs_.top()));
      retire(t);
    }
  }
  const uint64_t acked = hostTransfer(t, bytes);
  // The programs go to the dies in the background, from the moment the data is in the buffer.
  const uint64_t programmed = servePages(acked, lba, bytes, true);
  programs_.emplace(programmed, bytes, lba);
  bufferedBytes_ += bytes;
  inBuffer_[lba] = {(uint64_t{bytes} + kSectorBytes - 1) / kSectorBytes, programmed};
  ++bufferedWrites_;
  return acked;
}

uint64_t SsdTiming::reserveChannel(uint32_t channel, uint64_t earliestNs, uint64_t ns) {
  return reserve(channelBusy_[channel], earliestNs, ns);
}

uint64_t SsdTiming::reserve(std::map<uint64_t, uint64_t>& busy, uint64_t earliestNs, uint64_t ns) {
  // Requests arrive in about time order; intervals long past can no longer matter.
  constexpr uint64_t kHorizonNs = 1000000000;
  while (!busy.empty() && busy.begin()->second + kHorizonNs < earliestNs) busy.erase(busy.begin());
  uint64_t t = earliestNs;
  auto it = busy.upper_bound(t);
  if (it != busy.begin() && std::prev(it)->second > t) t = std::prev(it)->second;
  for (; it != busy.end() && it->first < t + ns; ++it) t = std::max(t, it->second);
  busy.emplace(t, t + ns);
  return t;
}

uint64_t SsdTiming::servePage(uint64_t startNs, uint64_t flashPage, uint64_t bytes, bool write) {
  const uint32_t channel = channelOf(flashPage);
  uint64_t& die = dieBusyUntil_[uint64_t{channel} * p_.diesPerChannel + dieOf(flashPage)];
  const uint64_t xfer = transferNs(bytes);
  if (write) {
    // Data moves over the channel into the die's page register, then the die programs it.
    const uint64_t busDone = reserveChannel(channel, std::max(startNs, die), xfer) + xfer;
    die = busDone + p_.programNs;
    return die;
  }
  // The die senses the page into its register, then the channel carries the bytes out.
  const uint64_t sensed = std::max(startNs, die) + p_.readNs;
  const uint64_t busDone = reserveChannel(channel, sensed, xfer) + xfer;
  die = busDone;
  return busDone;
}

uint64_t SsdTiming::servePages(uint64_t startNs, uint64_t lba, uint64_t bytes, bool write) {
  // Each flash page the request covers is served by its own channel and die.
  const uint64_t end = lba * kSectorBytes + bytes;
  uint64_t done = startNs;
  for (uint64_t pos = lba * kSectorBytes; pos < end;) {
    const uint64_t page = pos / p_.pageBytes;
    const uint64_t chunk = std::min(end, (page + 1) * p_.pageBytes) - pos;
    done = std::max(done, servePage(startNs, page, chunk, write));
    pos += chunk;
  }
  return done;
}

uint64_t SsdTiming::serviceNs(uint64_t startNs, uint64_t lba, uint32_t bytes, bool write) {
  const uint64_t sectors = (uint64_t{bytes} + kSectorBytes - 1) / kSectorBytes;
  if (bytes == 0 || lba >= capacitySectors() || sectors > capacitySectors() - lba)
    throw std::out_of_range("ssd: request of " + std::to_string(bytes) + " bytes at lba " +
                            std::to_string(lba) + " outside " + std::to_string(capacitySectors()) +
                            " sectors");
  const uint64_t t = startNs + (write ? p_.writeOverheadNs : p_.readOverheadNs);
  if (write && bytes <= p_.writeBufferBytes) return bufferedWrite(t, lba, bytes);
  if (!write && p_.writeBufferBytes) {
    const auto it = inBuffer_.find(lba);
    if (it != inBuffer_.end() && it->second.first >= sectors && it->second.second > t) {
      // The data is still in the buffer (its program has not finished): no flash read.
      ++bufferReadHits_;
      return hostTransfer(t, bytes);
    }
  }
  if (write) {
    // Without the buffer the data crosses the host link first, then goes to the dies.
    return servePages(hostTransfer(t, bytes), lba, bytes, true);
  }
  return hostTransfer(servePages(t, lba, bytes, false), bytes);
}

uint64_t SsdTiming::hostTransfer(uint64_t readyNs, uint64_t bytes) {
  const uint64_t ns = hostTransferNs(bytes);
  return reserve(hostBusy_, readyNs, ns) + ns;
}

std::string SsdTiming::describe() const {
  std::ostringstream os;
  os << "ssd " << p_.channels << " channels x " << p_.diesPerChannel << " dies, " << p_.pageBytes
     << " B pages, read " << p_.readNs / 1000 << " us, program " << p_.programNs / 1000 << " us, "
     << p_.channelBytesPerSec / 1000000 << " MB/s per channel, host "
     << p_.hostBytesPerSec / 1000000 << " MB/s";
  if (p_.writeBufferBytes) os << ", write buffer " << (p_.writeBufferBytes >> 20) << " MiB";
  return os.str();
}

}  // namespace vmsim::swap
