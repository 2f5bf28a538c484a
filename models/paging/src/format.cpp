// Encoding, decoding and classification of the page-table formats (bit layouts in format.h).
#include "vmsim/paging/format.h"

#include <stdexcept>

namespace vmsim::paging {

bool Entry::operator==(const Entry& o) const {
  return valid == o.valid && leaf == o.leaf && readable == o.readable && writable == o.writable &&
         user == o.user && exec == o.exec && accessed == o.accessed && dirty == o.dirty &&
         global == o.global && frame == o.frame;
}

Format::Format(Kind kind, const char* name, bool riscv, unsigned levels, unsigned vaBits,
               unsigned maxLeafLevel)
    : kind_(kind),
      name_(name),
      riscv_(riscv),
      levels_(levels),
      vaBits_(vaBits),
      maxLeafLevel_(maxLeafLevel),
      presentBit_(riscv ? riscv::kValid : x86::kPresent),
      accessedBit_(riscv ? riscv::kAccessed : x86::kAccessed),
      dirtyBit_(riscv ? riscv::kDirty : x86::kDirty),
      swappedBit_(riscv ? riscv::kSwapped : x86::kSwapped),
      revokedBit_(riscv ? riscv::kRevoked : x86::kRevoked),
      writeBit_(riscv ? riscv::kWrite : x86::kWritable) {}

const Format& Format::get(Kind kind) {
  // Leaf levels: x86 maps 4 KiB, 2 MiB (PDE.PS) and 1 GiB (PDPTE.PS) pages in both modes (SDM
  // 4.5.4, 4.5.5); RISC-V maps a leaf at any level (4.3.2 step 4): Sv39 up to 1 GiB gigapages,
  // Sv48 512 GiB terapages, Sv57 256 TiB petapages (4.4 to 4.6).
  static const Format x4(Kind::X86_64_4, "x86-64-4", false, 4, 48, 3);
  static const Format x5(Kind::X86_64_5, "x86-64-5", false, 5, 57, 3);
  static const Format sv39(Kind::Sv39, "sv39", true, 3, 39, 3);
  static const Format sv48(Kind::Sv48, "sv48", true, 4, 48, 4);
  static const Format sv57(Kind::Sv57, "sv57", true, 5, 57, 5);
  switch (kind) {
    case Kind::X86_64_4:
      return x4;
    case Kind::X86_64_5:
      return x5;
    case Kind::Sv39:
      return sv39;
    case Kind::Sv48:
      return sv48;
    case Kind::Sv57:
      return sv57;
  }
  return x4;
}

const std::vector<std::string>& Format::names() {
  static const std::vector<std::string> n = {"x86-64-4", "x86-64-5", "sv39", "sv48", "sv57"};
  return n;
}

std::optional<Kind> Format::parse(const std::string& name) {
  const auto& n = names();
  for (size_t i = 0; i < n.size(); ++i) {
    if (n[i] == name) return static_cast<Kind>(i);
  }
  return std::nullopt;
}

std::vector<unsigned> Format::leafShifts() const {
  std::vector<unsigned> s;
  for (unsigned l = 1; l <= maxLeafLevel_; ++l) s.push_back(leafShift(l));
  return s;
}

bool Format::isCanonical(uint64_t va) const {
  const uint64_t top = va >> (vaBits_ - 1);  // bits VAbits-1..63
  return top == 0 || top == (~uint64_t{0} >> (vaBits_ - 1));
}

uint64_t Format::withFrame(uint64_t raw, uint64_t pa) const {
  if (riscv_) {
    return (raw & ~(kRvPpnMask << kRvPpnShift)) |
           (((pa >> kPageShift) & kRvPpnMask) << kRvPpnShift);
  }
  return (raw & ~kX86FrameMask) | (pa & kX86FrameMask);
}

uint64_t Format::pointer(uint64_t tablePa) const {
  if (riscv_) return withFrame(riscv::kValid, tablePa);
  return withFrame(x86::kPresent | x86::kWritable | x86::kUser, tablePa);
}

uint64_t Format::makeSwapped(uint64_t slot) const {
  if (slot > maxSwapSlot())
    throw std::invalid_argument("swap slot does not fit a page-table entry");
  return withFrame(swappedBit_, slot << kPageShift);
}

uint64_t Format::encode(const Entry& e, unsigned level) const {
  if (!e.valid) return 0;
  if (level < 1 || level > levels_) throw std::invalid_argument("page-table level out of range");
  if (e.leaf && !leafAllowed(level)) {
    throw std::invalid_argument(std::string(name_) + ": no leaf at level " + std::to_string(level));
  }
  const uint64_t align = uint64_t{1} << (e.leaf ? leafShift(level) : kPageShift);
  if (e.frame % align || e.frame >= maxPhysAddr()) {
    throw std::invalid_argument(std::string(name_) +
                                ": frame not aligned to its size or beyond the physical range");
  }
  uint64_t raw = withFrame(presentBit_, e.frame);
  if (riscv_) {
    if (!e.leaf) return raw | (e.global ? riscv::kGlobal : 0);
    const bool r = e.readable || e.writable;  // W without R is reserved
    if (!r && !e.exec) throw std::invalid_argument("RISC-V leaf without R, W or X");
    raw |= (r ? riscv::kRead : 0) | (e.writable ? riscv::kWrite : 0) | (e.exec ? riscv::kExec : 0) |
           (e.user ? riscv::kUser : 0) | (e.global ? riscv::kGlobal : 0) |
           (e.accessed ? riscv::kAccessed : 0) | (e.dirty ? riscv::kDirty : 0);
    return raw;
  }
  raw |= (e.writable ? x86::kWritable : 0) | (e.user ? x86::kUser : 0) |
         (e.accessed ? x86::kAccessed : 0) | (e.exec ? 0 : x86::kNoExec);
  if (e.leaf) {
    raw |= (e.dirty ? x86::kDirty : 0) | (e.global ? x86::kGlobal : 0) |
           (level > 1 ? x86::kPageSize : 0);
  }
  return raw;
}

}  // namespace vmsim::paging
