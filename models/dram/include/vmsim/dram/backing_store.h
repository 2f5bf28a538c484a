// Sparse byte store for simulated DRAM contents: pages allocated on first write, zeros elsewhere.
// Pages are found through a two-level table (like a page table: 512 pages per leaf) instead of a
// hash map, and carved out of large zero-filled arenas, so a lookup is two array indexings and
// a first touch costs no allocation of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace vmsim::dram {

class BackingStore {
 public:
  explicit BackingStore(uint64_t pageBytes = 4096);

  void read(uint64_t addr, uint8_t* dst, size_t len) const;
  void write(uint64_t addr, const uint8_t* src, size_t len);
  size_t pagesAllocated() const { return pages_; }
  uint64_t pageBytes() const { return pageBytes_; }

 private:
  static constexpr unsigned kLeafBits = 9;  // pages per leaf: 512
  static constexpr size_t kArenaPages = 512;
  struct Leaf {
    uint8_t* page[size_t{1} << kLeafBits] = {};
  };
  /// The page holding page number `pn`, or nullptr.
  const uint8_t* find(uint64_t pn) const {
    const uint64_t top = pn >> kLeafBits;
    if (top >= leaves_.size() || !leaves_[top]) return nullptr;
    return leaves_[top]->page[pn & ((1u << kLeafBits) - 1)];
  }
  uint8_t* findOrCreate(uint64_t pn);

  uint64_t pageBytes_;
  unsigned pageShift_ = 0;
  size_t pages_ = 0;
  std::vector<std::unique_ptr<Leaf>> leaves_;
  struct FreeDeleter {
    void operator()(uint8_t* p) const;
  };
  std::vector<std::unique_ptr<uint8_t, FreeDeleter>> arenas_;
  size_t arenaUsed_ = kArenaPages;  // pages handed out of the newest arena
};

}  // namespace vmsim::dram
