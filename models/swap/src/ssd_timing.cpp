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
  channelBusyUntil_.assign(p_.channels, 0);
  dieBusyUntil_.assign(uint64_t{p_.channels} * p_.diesPerChannel, 0);
}

uint64_t SsdTiming::transferNs(uint64_t bytes) const {
  return (bytes * 1000000000ULL + p_.channelBytesPerSec - 1) / p_.channelBytesPerSec;
}

uint64_t SsdTiming::servePage(uint64_t startNs, uint64_t flashPage, uint64_t bytes, bool write) {
  uint64_t& channel = channelBusyUntil_[channelOf(flashPage)];
  uint64_t& die =
      dieBusyUntil_[uint64_t{channelOf(flashPage)} * p_.diesPerChannel + dieOf(flashPage)];
  if (write) {
    // Data moves over the channel into the die's page register, then the die programs it.
    const uint64_t busDone = std::max({startNs, channel, die}) + transferNs(bytes);
    channel = busDone;
    die = busDone + p_.programNs;
    return die;
  }
  // The die senses the page into its register, then the channel carries the bytes out.
  const uint64_t sensed = std::max(startNs, die) + p_.readNs;
  const uint64_t busDone = std::max(sensed, channel) + transferNs(bytes);
  channel = busDone;
  die = busDone;
  return busDone;
}

uint64_t SsdTiming::serviceNs(uint64_t startNs, uint64_t lba, uint32_t bytes, bool write) {
  const uint64_t sectors = (uint64_t{bytes} + kSectorBytes - 1) / kSectorBytes;
  if (bytes == 0 || lba >= capacitySectors() || sectors > capacitySectors() - lba)
    throw std::out_of_range("ssd: request of " + std::to_string(bytes) + " bytes at lba " +
                            std::to_string(lba) + " outside " + std::to_string(capacitySectors()) +
                            " sectors");
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

std::string SsdTiming::describe() const {
  std::ostringstream os;
  os << "ssd " << p_.channels << " channels x " << p_.diesPerChannel << " dies, " << p_.pageBytes
     << " B pages, read " << p_.readNs / 1000 << " us, program " << p_.programNs / 1000 << " us, "
     << p_.channelBytesPerSec / 1000000 << " MB/s per channel";
  return os.str();
}

}  // namespace vmsim::swap
