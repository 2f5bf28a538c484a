// Hard-disk service time: seek curve, rotational position from time, media transfer, read-ahead.
#include "vmsim/swap/hdd_timing.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace vmsim::swap {
namespace {

void validate(const HddParams& p) {
  if (p.rpm == 0 || p.heads == 0 || p.sustainedBytesPerSec == 0 || p.capacityBytes < kSectorBytes)
    throw std::invalid_argument("hdd: rpm, heads, sustainedBytesPerSec and capacity must be > 0");
  if (!(p.trackToTrackSeekNs <= p.averageSeekNs && p.averageSeekNs <= p.fullStrokeSeekNs))
    throw std::invalid_argument(
        "hdd: need trackToTrackSeekNs <= averageSeekNs <= fullStrokeSeekNs");
}

}  // namespace

HddTiming::HddTiming(const HddParams& params) : p_(params) {
  validate(p_);
  capacitySectors_ = p_.capacityBytes / kSectorBytes;
  revolutionNs_ = 60000000000ULL / p_.rpm;
  // One revolution passes one track under the head at the sustained media rate.
  sectorsPerTrack_ = std::max<uint64_t>(1, p_.sustainedBytesPerSec * 60 / p_.rpm / kSectorBytes);
  sectorsPerCylinder_ = sectorsPerTrack_ * p_.heads;
  cylinders_ = (capacitySectors_ + sectorsPerCylinder_ - 1) / sectorsPerCylinder_;
}

uint64_t HddTiming::seekNs(uint64_t distance, bool write) const {
  if (distance == 0) return 0;
  const double t2t = p_.trackToTrackSeekNs, avg = p_.averageSeekNs, full = p_.fullStrokeSeekNs;
  // The average random seek covers a third of the stroke; short seeks are dominated by the
  // accelerate/decelerate phase (sqrt), long ones by the coast phase (linear).
  const double third = std::max<double>(2.0, cylinders_ / 3.0);
  const double maxDistance = std::max<double>(third + 1.0, cylinders_ - 1.0);
  const double d = std::min<double>(distance, maxDistance);
  double t;
  if (d <= third)
    t = t2t + (avg - t2t) * std::sqrt((d - 1.0) / (third - 1.0));
  else
    t = avg + (full - avg) * (d - third) / (maxDistance - third);
  return static_cast<uint64_t>(std::llround(t)) + (write ? p_.writeSettleExtraNs : 0);
}

uint64_t HddTiming::rotationalWaitNs(uint64_t arrivalNs, uint64_t lba) const {
  const uint64_t phase = arrivalNs % revolutionNs_;
  const uint64_t target = (lba % sectorsPerTrack_) * revolutionNs_ / sectorsPerTrack_;
  return (target + revolutionNs_ - phase) % revolutionNs_;
}

uint64_t HddTiming::transferNs(uint64_t bytes) const {
  return (bytes * 1000000000ULL + p_.sustainedBytesPerSec - 1) / p_.sustainedBytesPerSec;
}

bool HddTiming::isStreaming(uint64_t lba) const {
  return nextLba_ != UINT64_MAX && lba >= nextLba_ && lba - nextLba_ <= p_.readAheadSectors;
}

uint64_t HddTiming::serviceNs(uint64_t startNs, uint64_t lba, uint32_t bytes, bool write) {
  const uint64_t sectors = (uint64_t{bytes} + kSectorBytes - 1) / kSectorBytes;
  if (bytes == 0 || lba >= capacitySectors_ || sectors > capacitySectors_ - lba)
    throw std::out_of_range("hdd: request of " + std::to_string(bytes) + " bytes at lba " +
                            std::to_string(lba) + " outside " + std::to_string(capacitySectors_) +
                            " sectors");
  const uint64_t begin = std::max(startNs, busyUntilNs_);
  uint64_t done;
  if (isStreaming(lba)) {
    // The skipped sectors still pass under the head before ours arrive.
    done = begin + transferNs((lba - nextLba_) * kSectorBytes + bytes);
  } else {
    const uint64_t cylinder = cylinderOf(lba);
    const uint64_t distance =
        cylinder > headCylinder_ ? cylinder - headCylinder_ : headCylinder_ - cylinder;
    const uint64_t arrival = begin + seekNs(distance, write);
    done = arrival + rotationalWaitNs(arrival, lba) + transferNs(bytes);
  }
  headCylinder_ = cylinderOf(lba + sectors - 1);
  nextLba_ = lba + sectors;
  busyUntilNs_ = done;
  return done;
}

std::string HddTiming::describe() const {
  std::ostringstream os;
  os << "hdd " << p_.rpm << " rpm, " << cylinders_ << " cylinders x " << p_.heads << " heads x "
     << sectorsPerTrack_ << " sectors, seek " << p_.trackToTrackSeekNs / 1e6 << "/"
     << p_.averageSeekNs / 1e6 << "/" << p_.fullStrokeSeekNs / 1e6 << " ms, "
     << p_.sustainedBytesPerSec / 1000000 << " MB/s";
  return os.str();
}

}  // namespace vmsim::swap
