// Contents of the swap device: one page of bytes per allocated swap slot, stored sparsely.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "vmsim/swap/slot_allocator.h"

namespace vmsim::swap {

class PageStore {
 public:
  PageStore(uint32_t pageBytes, uint64_t capacitySlots);

  // Slot management (see SlotAllocator); freeing a slot drops its contents.
  std::optional<uint64_t> tryAllocate(uint64_t count = 1) { return slots_.tryAllocate(count); }
  uint64_t allocate(uint64_t count = 1) { return slots_.allocate(count); }
  void free(uint64_t first, uint64_t count = 1);

  // Copies exactly pageBytes() bytes; the slot must be allocated (std::logic_error otherwise).
  void write(uint64_t slot, const uint8_t* page);
  void write(uint64_t slot, const std::vector<uint8_t>& page);  // size must be pageBytes()
  // An allocated slot that was never written reads as zeros.
  void read(uint64_t slot, uint8_t* page) const;
  std::vector<uint8_t> read(uint64_t slot) const;

  bool hasData(uint64_t slot) const { return pages_.count(slot) != 0; }
  uint32_t pageBytes() const { return pageBytes_; }
  uint64_t capacity() const { return slots_.capacity(); }
  uint64_t used() const { return slots_.used(); }
  uint64_t storedPages() const { return pages_.size(); }
  const SlotAllocator& slots() const { return slots_; }

 private:
  void requireAllocated(uint64_t slot, const char* operation) const;

  uint32_t pageBytes_;
  SlotAllocator slots_;
  std::unordered_map<uint64_t, std::vector<uint8_t>> pages_;
  std::vector<std::vector<uint8_t>> spare_;  // buffers of freed slots, reused by later writes
};

}  // namespace vmsim::swap
