// Sparse byte store for simulated DRAM contents: pages allocated on first write, zeros elsewhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace vmsim::dram {

class BackingStore {
 public:
  explicit BackingStore(uint64_t pageBytes = 4096);

  void read(uint64_t addr, uint8_t* dst, size_t len) const;
  void write(uint64_t addr, const uint8_t* src, size_t len);
  size_t pagesAllocated() const { return pages_.size(); }
  uint64_t pageBytes() const { return pageBytes_; }

 private:
  uint64_t pageBytes_;
  std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> pages_;
};

}  // namespace vmsim::dram
