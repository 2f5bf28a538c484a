// Service-time models of the swap device (HDD, SSD) behind one interface, chosen by name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vmsim::swap {

constexpr uint32_t kSectorBytes = 512;  // LBA unit

class DiskTiming {
 public:
  virtual ~DiskTiming() = default;
  // Serves a request that arrives at startNs for `bytes` at sector `lba`; returns its completion
  // time in ns. Requests queue in call order behind earlier ones on the resources they use
  // (the actuator of an HDD, the dies and channels of an SSD). Throws std::out_of_range past the
  // device's capacity.
  virtual uint64_t serviceNs(uint64_t startNs, uint64_t lba, uint32_t bytes, bool write) = 0;
  virtual uint64_t capacitySectors() const = 0;
  virtual std::string describe() const = 0;
};

// Builds a model with its default (datasheet) parameters; std::invalid_argument on an unknown
// name, listing the valid ones.
std::unique_ptr<DiskTiming> makeDiskTiming(const std::string& name);
const std::vector<std::string>& diskTimingNames();

}  // namespace vmsim::swap
