// Open-addressing map from uint64_t keys to uint64_t values (linear probing, backward-shift
// erase, no tombstones), for the LT write buffer's per-access look-ups: one multiply and a short
// probe instead of std::unordered_map's modulo and a node allocation per insert.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vmsim::dram {

class FlatU64Map {
 public:
  FlatU64Map() { rehash(16); }

  size_t size() const { return size_; }
  /// The value stored for `key`, or nullptr.
  uint64_t* find(uint64_t key) {
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.key == key) return &s.value;
    }
  }
  /// The value stored for `key`, inserted as 0 if absent.
  uint64_t& operator[](uint64_t key) {
    if ((size_ + 1) * 4 > slots_.size() * 3) rehash(slots_.size() * 2);  // load <= 3/4
    size_t i = home(key);
    for (; slots_[i].used; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return slots_[i].value;
    }
    slots_[i] = {key, 0, true};
    ++size_;
    return slots_[i].value;
  }
  /// Erases `key` if present; later keys of its probe run move back (no tombstones).
  void erase(uint64_t key) {
    size_t i = home(key);
    for (; slots_[i].used && slots_[i].key != key; i = (i + 1) & mask_) {
    }
    if (!slots_[i].used) return;
    for (size_t j = (i + 1) & mask_; slots_[j].used; j = (j + 1) & mask_) {
      // Slot j may fill the hole at i unless its home lies cyclically in (i, j].
      const size_t h = home(slots_[j].key);
      if (((j - h) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i].used = false;
    --size_;
  }
  /// Erases every entry whose value satisfies pred(value).
  template <class Pred>
  void eraseIf(Pred pred) {
    std::vector<Slot> old;
    old.swap(slots_);
    rehash(old.size());
    for (const Slot& s : old)
      if (s.used && !pred(s.value)) (*this)[s.key] = s.value;
  }

 private:
  struct Slot {
    uint64_t key = 0, value = 0;
    bool used = false;
  };
  size_t home(uint64_t key) const {
    return size_t((key * 0x9E3779B97F4A7C15ull) >> shift_) & mask_;  // Fibonacci hashing
  }
  void rehash(size_t n) {  // n: a power of two
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    shift_ = 64;
    for (size_t m = n; m > 1; m >>= 1) --shift_;  // 64 - log2(n), in [1, 63] for n >= 2
    size_ = 0;
    for (const Slot& s : old)
      if (s.used) (*this)[s.key] = s.value;
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0, size_ = 0;
  unsigned shift_ = 60;
};

}  // namespace vmsim::dram
