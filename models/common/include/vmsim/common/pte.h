// x86-64 4-level paging entry format (Intel SDM Vol. 3A, section 4.5, tables 4-14 to 4-20):
// bit 0 present, 1 writable, 2 user, 5 accessed, 6 dirty, 7 page size (in PDPTE/PDE), 8 global,
// 12..51 frame number, 63 execute-disable. Bits 9..11 are free for software: we use bit 9 to mark
// a non-present entry whose page lives in swap, with the swap slot in bits 12..51.
#pragma once

#include <cstdint>

namespace vmsim::pte {

constexpr uint64_t kPresent = 1ull << 0;
constexpr uint64_t kWritable = 1ull << 1;
constexpr uint64_t kUser = 1ull << 2;
constexpr uint64_t kAccessed = 1ull << 5;
constexpr uint64_t kDirty = 1ull << 6;
constexpr uint64_t kPageSize = 1ull << 7;
constexpr uint64_t kGlobal = 1ull << 8;
constexpr uint64_t kSwapped = 1ull << 9;  // software bit, only meaningful when not present
constexpr uint64_t kNoExec = 1ull << 63;
constexpr uint64_t kFrameMask = 0x000ffffffffff000ull;

constexpr unsigned kLevels = 4;
constexpr unsigned kIndexBits = 9;
constexpr unsigned kEntriesPerTable = 512;
constexpr unsigned kEntryBytes = 8;

/// Page shift of a leaf found at `level` (1 = PTE 4 KiB, 2 = PDE 2 MiB, 3 = PDPTE 1 GiB).
constexpr unsigned leafShift(unsigned level) {
  return 12 + kIndexBits * (level - 1);
}
/// Index into the table of `level` (4 = PML4 ... 1 = PT) for `va`.
constexpr unsigned tableIndex(uint64_t va, unsigned level) {
  return static_cast<unsigned>((va >> leafShift(level)) & (kEntriesPerTable - 1));
}
constexpr uint64_t frameAddr(uint64_t entry) {
  return entry & kFrameMask;
}
constexpr uint64_t swapSlot(uint64_t entry) {
  return (entry & kFrameMask) >> 12;
}
constexpr uint64_t makeSwapped(uint64_t slot) {
  return kSwapped | ((slot << 12) & kFrameMask);
}
/// User addresses must be canonical and in the lower half (bits 47..63 zero).
constexpr bool isCanonicalUser(uint64_t va) {
  return (va >> 47) == 0;
}

}  // namespace vmsim::pte
