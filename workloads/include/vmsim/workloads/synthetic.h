// Synthetic access-pattern generators: sequential, strided, uniform random, pointer chase, page
// chase, page stride, zipf, hot/cold, GUPS and working-set phases (docs/workloads.md).
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
  // pointer_chase, zipf: size of one slot (item) (0 = 64-byte cache lines). Unused otherwise.
  uint64_t stride = 64;
  // page_chase: bytes per page of the chase (a multiple of 64; base must be aligned to it). One
  // 64-byte line per page is touched, at offset (page index mod (page_size / 64)) * 64.
  uint64_t page_size = 4096;  // also page_stride's page
  // zipf: exponent s of P(rank k) proportional to 1 / k^s over the footprint's slots (> 0;
  // YCSB's default is 0.99). Ranks are scattered over the slots by a seeded permutation.
  double zipf_alpha = 0.99;
  // hot_cold: the first hot_fraction of the footprint's bytes gets hot_probability of the
  // accesses, uniform within each part.
  double hot_fraction = 0.1;
  double hot_probability = 0.9;
  // phases: uniform random accesses over a working set of phase_footprint bytes, which moves by
  // phase_shift bytes (0 = phase_footprint: disjoint sets) every phase_accesses accesses,
  // wrapping around the footprint.
  uint64_t phase_footprint = 1 << 20;
  uint64_t phase_accesses = 100000;
  uint64_t phase_shift = 0;
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
