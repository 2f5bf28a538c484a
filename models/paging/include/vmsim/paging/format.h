// Page-table formats: the real PTE bit layouts of x86-64 4-level and 5-level (LA57) paging and of
// RISC-V Sv39, Sv48 and Sv57, in one place for the kernel model (which builds tables in simulated
// memory) and the walker (which reads them).
//
// x86-64 (Intel SDM Vol. 3A, 4.5 "4-Level Paging and 5-Level Paging", tables 4-14 to 4-20):
//   bit 0 P, 1 R/W, 2 U/S, 3 PWT, 4 PCD, 5 A, 6 D (leaf), 7 PS (PDPTE/PDE; PAT in a PTE), 8 G
//   (leaf), 9..11 ignored (software), 12..51 frame (M = 52), 52..62 ignored / protection key,
//   63 XD. A PS=1 entry maps a 1 GiB (PDPTE) or 2 MiB (PDE) page whose bits 13..(shift-1) are
//   reserved (bit 12 is PAT); PS is reserved in PML4Es and PML5Es. Permissions accumulate: R/W
//   and U/S are ANDed and XD ORed over every level (4.6). Canonical user addresses: bits 47..63
//   (LA57: 56..63) zero.
// RISC-V (privileged spec 20211203, 4.3.1 "Addressing and Memory Protection" for the PTE fields,
//   4.3.2 "Virtual Address Translation Process", 4.4 Sv39, 4.5 Sv48, 4.6 Sv57):
//   bit 0 V, 1 R, 2 W, 3 X, 4 U, 5 G, 6 A, 7 D, 8..9 RSW (software), 10..53 PPN, 54..60 reserved,
//   61..62 PBMT (reserved without Svpbmt), 63 N (reserved without Svnapot). A leaf is any valid
//   entry with R, W or X set; R=W=X=0 points to the next table; W without R is reserved. A leaf
//   above level 1 whose low PPN fields are not zero is a misaligned superpage (a page fault).
//   Permissions come from the leaf alone. A VA is canonical when bits 63..VAbits are copies of
//   bit VAbits-1; user space is the lower half.
// Levels are numbered from the leaf: 1 = the 4 KiB level (x86 PT, RISC-V level 0), up to levels()
// (x86 PML4 or PML5, the RISC-V root). Each level translates 9 VA bits; entries are 8 bytes.
//
// Software encodings of non-present entries (both formats leave the rest of such an entry to
// software: x86 ignores bits 1..63 when P=0, RISC-V all bits but V when V=0):
//   swapped: the page lives in swap slot N.  x86: P=0, bit 9 set, N in bits 12..51.
//            RISC-V: V=0, RSW bit 8 set, N in the PPN field (bits 10..53).
//   revoked: a resident page whose present bit the kernel cleared to sample use (the software
//            reference bit of machines without hardware A bits); the frame and all other bits
//            stay. x86: P=0, bit 10 set. RISC-V: V=0, RSW bit 9 set.
// Software bit of present leaves:
//   copy-on-write: a read-only leaf of a writable private mapping shared after fork; a store
//            through it is a page fault the kernel resolves (copies the page, or re-enables
//            write for the last sharer) instead of a protection fault. x86: P=1, R/W=0, bit 9
//            set (the swapped bit: ignored by the hardware, and meaningful only when P=0).
//            RISC-V: V=1, W=0, RSW bit 8 set. The walker asks for the kernel on a store through
//            such a leaf (docs/os.md, "Processes").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmsim::paging {

enum class Kind : uint8_t { X86_64_4, X86_64_5, Sv39, Sv48, Sv57 };

/// A page-table entry decoded into format-neutral fields.
struct Entry {
  bool valid = false;     // x86 P, RISC-V V
  bool leaf = false;      // maps a page (else points to the next table)
  bool readable = false;  // x86: every present entry; RISC-V: R
  bool writable = false;  // x86 R/W, RISC-V W
  bool user = false;      // x86 U/S, RISC-V U
  bool exec = false;      // x86: XD clear; RISC-V: X
  bool accessed = false;  // A
  bool dirty = false;     // D (leaves only)
  bool global = false;    // G
  uint64_t frame = 0;     // PA of the next table, or of the page (aligned to the leaf's size)
  bool operator==(const Entry& o) const;
};

/// What a walker makes of an entry found at some level.
enum class Check : uint8_t {
  Pointer,     // valid, points to the next table
  Leaf,        // valid leaf at a level that may hold one, properly aligned
  NotPresent,  // P/V clear: a page fault the kernel may resolve
  Reserved,    // a reserved bit or encoding is set (x86 RSVD fault; RISC-V page fault)
  Misaligned,  // RISC-V superpage whose PPN is not aligned to its size (a page fault)
};

class Format {
 public:
  /// The format of `kind` (a static object that lives as long as the program).
  static const Format& get(Kind kind);
  /// `x86-64-4`, `x86-64-5`, `sv39`, `sv48`, `sv57`; nothing for other names.
  static std::optional<Kind> parse(const std::string& name);
  /// Every valid name, the default (x86-64-4) first.
  static const std::vector<std::string>& names();

  Kind kind() const { return kind_; }
  const char* name() const { return name_; }
  bool isRiscv() const { return riscv_; }
  unsigned levels() const { return levels_; }
  /// Width of a virtual address (48, 57, 39, 48, 57).
  unsigned vaBits() const { return vaBits_; }
  static constexpr unsigned kIndexBits = 9;
  static constexpr unsigned kEntriesPerTable = 512;
  static constexpr unsigned kEntryBytes = 8;
  static constexpr unsigned kPageShift = 12;

  /// log2 of the bytes a leaf at `level` maps (1: 4 KiB, 2: 2 MiB, 3: 1 GiB, 4: 512 GiB, ...);
  /// also the VA span of a pointer entry at `level` (va >> leafShift(level) tags it).
  static constexpr unsigned leafShift(unsigned level) {
    return kPageShift + kIndexBits * (level - 1);
  }
  /// Index of `va` into the table of `level`.
  static constexpr unsigned index(uint64_t va, unsigned level) {
    return static_cast<unsigned>((va >> leafShift(level)) & (kEntriesPerTable - 1));
  }
  /// Byte offset of `va`'s entry within the table of `level`.
  static constexpr uint64_t entryOffset(uint64_t va, unsigned level) {
    return uint64_t{index(va, level)} * kEntryBytes;
  }
  /// Whether an entry at `level` may be a leaf (x86: 1..3; Sv39: 1..3; Sv48: 1..4; Sv57: 1..5).
  bool leafAllowed(unsigned level) const { return level >= 1 && level <= maxLeafLevel_; }
  unsigned maxLeafLevel() const { return maxLeafLevel_; }
  /// Leaf page shifts of this format, smallest first.
  std::vector<unsigned> leafShifts() const;

  /// Bits VAbits-1..63 all equal (sign extension).
  bool isCanonical(uint64_t va) const;
  /// Canonical and in the lower (user) half: bits VAbits-1..63 zero.
  bool isCanonicalUser(uint64_t va) const { return (va >> (vaBits_ - 1)) == 0; }
  /// One past the last user address (2^(VAbits-1)).
  uint64_t userTop() const { return uint64_t{1} << (vaBits_ - 1); }
  /// x86: permissions are the AND/OR over every level; RISC-V: the leaf's alone.
  bool hierarchicalPermissions() const { return !riscv_; }

  /// The raw entry for `e` at `level`. An invalid `e` encodes as 0. Throws std::invalid_argument
  /// for what the format cannot express: a leaf at a level that may not hold one, a RISC-V leaf
  /// without R, W or X, a frame beyond the format's physical-address bits or not aligned to the
  /// leaf's size (or 4 KiB for a pointer).
  uint64_t encode(const Entry& e, unsigned level) const;
  /// The fields of `raw` found at `level`. A pointer of a format without hierarchical permissions
  /// decodes as fully permissive (readable, writable, user, exec), so that ANDing the fields over
  /// the levels gives the leaf's permissions in every format.
  Entry decode(uint64_t raw, unsigned level) const;
  /// Classifies `raw` found at `level` as the format's walk does.
  Check check(uint64_t raw, unsigned level) const;

  // Raw-bit helpers for the kernel's and the walker's in-place updates (no decoding).
  bool present(uint64_t raw) const { return (raw & presentBit_) != 0; }
  uint64_t presentBit() const { return presentBit_; }
  uint64_t accessedBit() const { return accessedBit_; }
  uint64_t dirtyBit() const { return dirtyBit_; }
  /// The 4 KiB-granular physical address the entry holds (next table, page, or a revoked page's
  /// frame). A leaf's page base is frameAddr(raw) & ~(2^leafShift - 1).
  uint64_t frameAddr(uint64_t raw) const {
    return riscv_ ? ((raw >> kRvPpnShift) & kRvPpnMask) << kPageShift : raw & kX86FrameMask;
  }
  /// Replaces the frame of `raw` by `pa` (4 KiB aligned), other bits unchanged.
  uint64_t withFrame(uint64_t raw, uint64_t pa) const;
  /// The entry that points to the next table at `tablePa`: fully permissive on x86 (P, R/W, U/S;
  /// the leaf restricts), V alone on RISC-V (U, A, D are reserved in pointers).
  uint64_t pointer(uint64_t tablePa) const;
  /// Largest physical address + 1 an entry can hold (x86: 2^52; RISC-V: 2^56).
  uint64_t maxPhysAddr() const { return riscv_ ? uint64_t{1} << 56 : uint64_t{1} << 52; }

  // Software encodings of non-present entries (see the file comment).
  uint64_t makeSwapped(uint64_t slot) const;
  bool isSwapped(uint64_t raw) const { return !present(raw) && (raw & swappedBit_); }
  uint64_t swapSlot(uint64_t raw) const { return frameAddr(raw) >> kPageShift; }
  /// Largest swap slot makeSwapped() can hold.
  uint64_t maxSwapSlot() const { return (maxPhysAddr() >> kPageShift) - 1; }
  /// `raw` (present) made not present with the revoked bit set; frame and other bits kept.
  uint64_t revoke(uint64_t raw) const { return (raw & ~presentBit_) | revokedBit_; }
  bool isRevoked(uint64_t raw) const { return !present(raw) && (raw & revokedBit_); }
  /// A revoked `raw` made present again, with A set (the use that re-validates it).
  uint64_t revalidate(uint64_t raw) const {
    return (raw & ~revokedBit_) | presentBit_ | accessedBit_;
  }
  uint64_t swappedBit() const { return swappedBit_; }
  /// Copy-on-write leaves (see the file comment): present, not writable, the software bit set.
  bool isCow(uint64_t raw) const { return present(raw) && (raw & swappedBit_); }
  /// `raw` (a present leaf) made copy-on-write: write permission and D cleared, the bit set.
  uint64_t makeCow(uint64_t raw) const { return (raw & ~(writeBit_ | dirtyBit_)) | swappedBit_; }
  /// A copy-on-write leaf made writable again (the last sharer's store), the bit cleared.
  uint64_t breakCow(uint64_t raw) const { return (raw & ~swappedBit_) | writeBit_; }
  uint64_t cowBit() const { return swappedBit_; }
  uint64_t revokedBit() const { return revokedBit_; }

  // Bit positions (for tests and documentation).
  static constexpr uint64_t kX86FrameMask = 0x000ffffffffff000ull;  // bits 12..51
  static constexpr unsigned kRvPpnShift = 10;
  static constexpr uint64_t kRvPpnMask = (uint64_t{1} << 44) - 1;  // PPN: 44 bits (10..53)

 private:
  Format(Kind kind, const char* name, bool riscv, unsigned levels, unsigned vaBits,
         unsigned maxLeafLevel);

  Kind kind_;
  const char* name_;
  bool riscv_;
  unsigned levels_;
  unsigned vaBits_;
  unsigned maxLeafLevel_;
  uint64_t presentBit_, accessedBit_, dirtyBit_, swappedBit_, revokedBit_, writeBit_;
};

namespace x86 {
constexpr uint64_t kPresent = 1ull << 0;
constexpr uint64_t kWritable = 1ull << 1;
constexpr uint64_t kUser = 1ull << 2;
constexpr uint64_t kWriteThrough = 1ull << 3;
constexpr uint64_t kCacheDisable = 1ull << 4;
constexpr uint64_t kAccessed = 1ull << 5;
constexpr uint64_t kDirty = 1ull << 6;
constexpr uint64_t kPageSize = 1ull << 7;  // PDPTE/PDE; PAT in a PTE
constexpr uint64_t kGlobal = 1ull << 8;
constexpr uint64_t kSwapped = 1ull << 9;    // software (ignored) bit 9
constexpr uint64_t kRevoked = 1ull << 10;   // software (ignored) bit 10
constexpr uint64_t kLargePat = 1ull << 12;  // PAT of a 2 MiB / 1 GiB leaf
constexpr uint64_t kNoExec = 1ull << 63;    // XD
}  // namespace x86

namespace riscv {
constexpr uint64_t kValid = 1ull << 0;
constexpr uint64_t kRead = 1ull << 1;
constexpr uint64_t kWrite = 1ull << 2;
constexpr uint64_t kExec = 1ull << 3;
constexpr uint64_t kUser = 1ull << 4;
constexpr uint64_t kGlobal = 1ull << 5;
constexpr uint64_t kAccessed = 1ull << 6;
constexpr uint64_t kDirty = 1ull << 7;
constexpr uint64_t kSwapped = 1ull << 8;                        // RSW bit 8
constexpr uint64_t kRevoked = 1ull << 9;                        // RSW bit 9
constexpr uint64_t kReservedMask = ~((uint64_t{1} << 54) - 1);  // 54..63: reserved, PBMT, N
}  // namespace riscv

// The walker calls these for every entry it reads: inline.
inline Check Format::check(uint64_t raw, unsigned level) const {
  if (!present(raw)) return Check::NotPresent;
  if (riscv_) {
    // 4.3.2 step 3: W without R, or any reserved bit, is a page fault.
    if ((raw & riscv::kReservedMask) || ((raw & riscv::kWrite) && !(raw & riscv::kRead))) {
      return Check::Reserved;
    }
    if (!(raw & (riscv::kRead | riscv::kWrite | riscv::kExec))) {
      // A pointer at the last level (step 4: i < 0) is a page fault.
      return level > 1 ? Check::Pointer : Check::Reserved;
    }
    if (!leafAllowed(level)) return Check::Reserved;
    // Step 6: a superpage's low PPN fields must be zero.
    const uint64_t low = (uint64_t{1} << leafShift(level)) - 1;
    return (frameAddr(raw) & low) ? Check::Misaligned : Check::Leaf;
  }
  if (level == 1) return Check::Leaf;  // bit 7 of a PTE is PAT
  if (!(raw & x86::kPageSize)) return Check::Pointer;
  if (!leafAllowed(level)) return Check::Reserved;  // PS is reserved in PML4Es and PML5Es
  // Bits 13..(shift-1) of a 2 MiB or 1 GiB leaf are reserved (bit 12 is its PAT bit).
  const uint64_t low = ((uint64_t{1} << leafShift(level)) - 1) & ~((x86::kLargePat << 1) - 1);
  return (raw & low) ? Check::Reserved : Check::Leaf;
}

inline Entry Format::decode(uint64_t raw, unsigned level) const {
  Entry e;
  if (!present(raw)) return e;
  e.valid = true;
  e.accessed = (raw & accessedBit_) != 0;
  if (riscv_) {
    e.leaf = (raw & (riscv::kRead | riscv::kWrite | riscv::kExec)) != 0;
    e.global = (raw & riscv::kGlobal) != 0;
    e.frame = frameAddr(raw);
    if (!e.leaf) {
      e.readable = e.writable = e.user = e.exec = true;  // the leaf alone restricts
      e.accessed = false;                                // A is reserved in pointers
      return e;
    }
    e.readable = (raw & riscv::kRead) != 0;
    e.writable = (raw & riscv::kWrite) != 0;
    e.exec = (raw & riscv::kExec) != 0;
    e.user = (raw & riscv::kUser) != 0;
    e.dirty = (raw & riscv::kDirty) != 0;
    if (level > 1) e.frame &= ~((uint64_t{1} << leafShift(level)) - 1);
    return e;
  }
  e.leaf = level == 1 || (leafAllowed(level) && (raw & x86::kPageSize));
  e.readable = true;
  e.writable = (raw & x86::kWritable) != 0;
  e.user = (raw & x86::kUser) != 0;
  e.exec = !(raw & x86::kNoExec);
  e.frame = frameAddr(raw);
  if (e.leaf) {
    e.dirty = (raw & x86::kDirty) != 0;
    e.global = (raw & x86::kGlobal) != 0;
    if (level > 1) e.frame &= ~((uint64_t{1} << leafShift(level)) - 1);
  }
  return e;
}

}  // namespace vmsim::paging
