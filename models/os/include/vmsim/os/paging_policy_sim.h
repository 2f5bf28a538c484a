// A reference-string simulator that reproduces OSTEP's vm-beyondphys-policy/paging-policy.py:
// per-access hit/miss, victim, memory list, random draws consumed, and the "%.2f" hit rate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmsim::os {

struct PagingPolicyCase {
  std::string policy;  // the simulator's name: FIFO, LRU, OPT, UNOPT, RAND, CLOCK, MRU
  uint64_t cacheSize = 0;
  std::vector<uint64_t> refs;
  unsigned clockBits = 2;            // CLOCK only (the simulator's default is 2)
  std::vector<uint64_t> rngIndices;  // RAND and CLOCK: recorded victim-probe indices
};

struct PagingStep {
  uint64_t page = 0;
  bool hit = false;
  std::optional<uint64_t> evicted;
  std::vector<uint64_t> memory;  // resident pages after the access, in the simulator's order
  uint64_t hits = 0;             // running totals
  uint64_t misses = 0;
  std::vector<uint64_t> draws;  // indices consumed in this step (RAND/CLOCK)
};

struct PagingPolicyReport {
  std::vector<PagingStep> steps;
  uint64_t hits = 0;
  uint64_t misses = 0;
  std::string hitratePct;  // 100*hits/(hits+misses), "%.2f"
  bool usesDraws = false;  // RAND/CLOCK: steps carry `draws`
};

/// The simulator's policy names, and the ReplacementPolicy each maps to (RAND -> random,
/// CLOCK -> ostep-clock, the rest lower-cased). Unknown names: std::invalid_argument listing all.
std::vector<std::string> ostepPolicyNames();
std::string ostepPolicyToName(const std::string& ostepName);

/// Runs the reference string; std::invalid_argument on a zero cache or an empty string,
/// std::out_of_range when recorded draws run out or do not fit.
PagingPolicyReport simulatePagingPolicy(const PagingPolicyCase& c);

}  // namespace vmsim::os
