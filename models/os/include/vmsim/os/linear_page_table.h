// A linear (one-level) page table with paging-linear-translate.py's 32-bit PTE: bit 31 valid,
// bits 30..0 the PFN (OSTEP ch. 18).
#pragma once

#include <cstdint>
#include <vector>

#include "vmsim/os/translation_fault.h"

namespace vmsim::os {

struct LinearPte {
  static constexpr uint32_t kValid = 0x80000000u;
  static uint32_t make(uint32_t pfn) { return kValid | (pfn & ~kValid); }
  static bool valid(uint32_t e) { return (e & kValid) != 0; }
  static uint32_t pfn(uint32_t e) { return e & ~kValid; }
};

struct LinearResult {
  uint64_t va = 0;
  uint64_t vpn = 0;
  bool valid = false;
  uint64_t pa = 0;  // meaningful when valid
  TranslationFault fault = TranslationFault::None;
};

class LinearPageTable {
 public:
  /// pageSize must be a power of two; one entry per virtual page.
  LinearPageTable(uint64_t pageSize, std::vector<uint32_t> entries);
  /// vpn = va >> log2(pageSize); a VA beyond the table is AddressOutOfRange (vpn still reported).
  LinearResult translate(uint64_t va) const;
  uint64_t pageSize() const { return pageSize_; }
  const std::vector<uint32_t>& entries() const { return entries_; }

 private:
  uint64_t pageSize_;
  unsigned offsetBits_;
  std::vector<uint32_t> entries_;
};

}  // namespace vmsim::os
