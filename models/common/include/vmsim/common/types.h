// Distinct types for virtual/physical addresses and page numbers (after ChampSim's address.h), so
// a VA can never be passed where a PA is expected without an explicit conversion.
#pragma once

#include <cstdint>
#include <functional>

namespace vmsim {

template <class Tag>
class StrongU64 {
 public:
  constexpr StrongU64() = default;
  constexpr explicit StrongU64(uint64_t v) : v_(v) {}
  constexpr uint64_t value() const { return v_; }
  constexpr bool operator==(StrongU64 o) const { return v_ == o.v_; }
  constexpr bool operator!=(StrongU64 o) const { return v_ != o.v_; }
  constexpr bool operator<(StrongU64 o) const { return v_ < o.v_; }

 private:
  uint64_t v_ = 0;
};

struct VirtAddrTag {};
struct PhysAddrTag {};
struct VpnTag {};
struct PfnTag {};
using VirtAddr = StrongU64<VirtAddrTag>;
using PhysAddr = StrongU64<PhysAddrTag>;
using Vpn = StrongU64<VpnTag>;
using Pfn = StrongU64<PfnTag>;

/// Page geometry helpers; `shift` is log2 of the page size (12 for 4 KiB, 21 for 2 MiB).
constexpr Vpn vpnOf(VirtAddr va, unsigned shift) {
  return Vpn(va.value() >> shift);
}
constexpr uint64_t pageOffset(uint64_t addr, unsigned shift) {
  return addr & ((uint64_t{1} << shift) - 1);
}
constexpr PhysAddr compose(Pfn pfn, VirtAddr va, unsigned shift) {
  return PhysAddr((pfn.value() << shift) | pageOffset(va.value(), shift));
}
constexpr PhysAddr frameBase(Pfn pfn, unsigned shift = 12) {
  return PhysAddr(pfn.value() << shift);
}

using Asid = uint16_t;

}  // namespace vmsim

namespace std {
template <class Tag>
struct hash<vmsim::StrongU64<Tag>> {
  size_t operator()(vmsim::StrongU64<Tag> v) const noexcept {
    return std::hash<uint64_t>()(v.value());
  }
};
}  // namespace std
