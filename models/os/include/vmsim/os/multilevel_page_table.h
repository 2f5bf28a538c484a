// The two-level page table of OSTEP ch. 20's paging-multilevel-translate.py: one-byte PDEs and
// PTEs (bit 7 valid, bits 6..0 a page number) read from a byte-addressed physical memory image.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "vmsim/os/translation_fault.h"

namespace vmsim::os {

/// Where page-table bytes come from: a memory image now, simulated DRAM later.
class PhysicalByteReader {
 public:
  virtual ~PhysicalByteReader() = default;
  /// std::out_of_range for an address outside the memory.
  virtual uint8_t readByte(uint64_t pa) const = 0;
};

class ByteImage : public PhysicalByteReader {
 public:
  explicit ByteImage(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  uint8_t readByte(uint64_t pa) const override;
  size_t size() const { return bytes_.size(); }

 private:
  std::vector<uint8_t> bytes_;
};

struct MultiLevelResult {
  uint64_t va = 0;
  uint64_t pdeIndex = 0;
  uint8_t pde = 0;
  bool pdeValid = false;
  uint8_t pdePfn = 0;                // pde & 0x7f, reported even when invalid
  std::optional<uint64_t> pteIndex;  // the four pte fields: only when the PDE was valid
  std::optional<uint8_t> pte;
  std::optional<bool> pteValid;
  std::optional<uint8_t> ptePfn;
  TranslationFault fault = TranslationFault::None;  // None, DirectoryInvalid or PageInvalid
  std::optional<uint64_t> pa;                       // only when translated
  std::optional<uint8_t> value;                     // the byte at pa
};

/// VA = [page-directory index | page-table index | offset]; a page holds pageSize one-byte
/// entries, so both index fields are log2(pageSize) bits wide unless vaBits leaves fewer for the
/// directory. The defaults are the OSTEP geometry: 32-byte pages, 15-bit VAs.
class TwoLevelByteTable {
 public:
  static constexpr uint8_t kValid = 0x80;
  static constexpr uint8_t kNumberMask = 0x7f;

  TwoLevelByteTable(const PhysicalByteReader& memory, uint64_t pdbr, uint64_t pageSize = 32,
                    unsigned vaBits = 15);
  MultiLevelResult translate(uint64_t va) const;

 private:
  const PhysicalByteReader& memory_;
  uint64_t pdbr_;
  uint64_t pageSize_;
  unsigned offsetBits_;
  unsigned vaBits_;
};

}  // namespace vmsim::os
