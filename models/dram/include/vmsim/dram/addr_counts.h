// A small open-addressing map from a line address to a count (0: absent), for the controller's
// per-request bookkeeping (reads waiting per address, pending writes): no allocation per entry,
// one probe sequence in a flat array instead of a node-based std::unordered_map.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vmsim::dram {

class AddrCounts {
 public:
  explicit AddrCounts(size_t expected = 64) {
    size_t cap = 16;
    while (cap < 2 * expected) cap <<= 1;
    slots_.assign(cap, Slot{});
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  /// The count of addr (0 if absent).
  uint32_t get(uint64_t addr) const {
    for (size_t i = home(addr);; i = next(i)) {
      const Slot& s = slots_[i];
      if (s.count == 0) return 0;
      if (s.addr == addr) return s.count;
    }
  }
  /// Adds one to addr's count and returns the new count.
  uint32_t increment(uint64_t addr) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    for (size_t i = home(addr);; i = next(i)) {
      Slot& s = slots_[i];
      if (s.count == 0) {
        s.addr = addr, s.count = 1;
        ++size_;
        return 1;
      }
      if (s.addr == addr) return ++s.count;
    }
  }
  /// Removes addr (whatever its count); returns the count it had.
  uint32_t erase(uint64_t addr) {
    size_t i = home(addr);
    for (;; i = next(i)) {
      if (slots_[i].count == 0) return 0;
      if (slots_[i].addr == addr) break;
    }
    const uint32_t had = slots_[i].count;
    // Backward-shift deletion: move later entries of the probe run into the hole.
    for (size_t j = next(i);; j = next(j)) {
      if (slots_[j].count == 0) break;
      const size_t h = home(slots_[j].addr);
      // j's entry may fill the hole at i unless its home lies cyclically in (i, j].
      if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = Slot{};
    --size_;
    return had;
  }

 private:
  struct Slot {
    uint64_t addr = 0;
    uint32_t count = 0;  ///< 0: empty slot
  };
  size_t home(uint64_t addr) const {
    return size_t((addr >> 6) * 0x9E3779B97F4A7C15ull >> 32) & (slots_.size() - 1);
  }
  size_t next(size_t i) const { return (i + 1) & (slots_.size() - 1); }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_ = 0;
    for (const Slot& s : old)
      if (s.count) {
        for (size_t i = home(s.addr);; i = next(i))
          if (slots_[i].count == 0) {
            slots_[i] = s;
            ++size_;
            break;
          }
      }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace vmsim::dram
