// Synthetic access-pattern generators (sequential, strided, uniform random, pointer chase, page
// chase).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vmsim/workloads/workload.h"

namespace vmsim::workloads {

// What to generate. Every address lies in [base, base + footprint) and is aligned to access_size.
struct SyntheticSpec {
  std::string pattern = "sequential";  // one of syntheticPatterns()
  uint64_t base = 0;                   // must be aligned to access_size
  uint64_t footprint = 1 << 20;        // bytes; multiple of access_size
  // strided: distance between consecutive accesses (multiple of access_size).
  // pointer_chase: size of one chain slot (0 = 64-byte cache lines). Unused otherwise.
  uint64_t stride = 64;
  // page_chase: bytes per page of the chase (a multiple of 64; base must be aligned to it). One
  // 64-byte line per page is touched, at offset (page index mod (page_size / 64)) * 64.
  uint64_t page_size = 4096;
  uint64_t count = 1000000;   // accesses before next() returns false
  double write_fraction = 0;  // probability that an access is a store, in [0, 1]
  uint32_t access_size = 8;   // power of two, 1..64
  uint64_t seed = 1;
};

// Builds the generator; throws std::invalid_argument on an unknown pattern (listing the valid
// names) or an inconsistent spec (naming the field, its value and the rule).
std::unique_ptr<Workload> makeSynthetic(const SyntheticSpec& spec);

// Valid values of SyntheticSpec::pattern.
const std::vector<std::string>& syntheticPatterns();

}  // namespace vmsim::workloads
