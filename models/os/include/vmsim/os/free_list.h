// A free-list heap allocator with OSTEP's vm-freespace/malloc.py rules: first/best/worst (and next)
// fit, five list orders, headers, size alignment, in-place splitting and list-order coalescing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vmsim::os {

enum class FitPolicy { First, Best, Worst, Next };
enum class ListOrder { AddrSort, SizeSortAscending, SizeSortDescending, InsertFront, InsertBack };

/// Names: FIRST, BEST, WORST, NEXT. Unknown: std::invalid_argument listing all.
std::vector<std::string> fitPolicyNames();
FitPolicy fitPolicyFromName(const std::string& name);
/// Names: ADDRSORT, SIZESORT+, SIZESORT-, INSERT-FRONT, INSERT-BACK.
std::vector<std::string> listOrderNames();
ListOrder listOrderFromName(const std::string& name);

struct FreeChunk {
  uint64_t addr = 0;
  uint64_t size = 0;
  bool operator==(const FreeChunk& o) const { return addr == o.addr && size == o.size; }
};

struct FreeListConfig {
  uint64_t base = 0;
  uint64_t size = 0;
  uint64_t headerSize = 0;
  uint64_t alignment = 0;  // 0: sizes are not padded
  FitPolicy fit = FitPolicy::First;
  ListOrder order = ListOrder::AddrSort;
  bool coalesce = false;
};

struct AllocResult {
  std::optional<uint64_t> addr;  // chunk start (the header lives there); empty on failure
  uint64_t userPtr = 0;          // addr + header size
  uint64_t searched = 0;         // free-list elements examined
  uint64_t size = 0;             // request size: padded size plus header
};

class FreeListAllocator {
 public:
  explicit FreeListAllocator(const FreeListConfig& config);
  /// Size actually taken for a request of n bytes (alignment padding plus header).
  uint64_t requestSize(uint64_t n) const;
  AllocResult allocate(uint64_t n);
  /// Frees the block whose user pointer is `userPtr`; false if no such block is allocated.
  bool release(uint64_t userPtr);
  const std::vector<FreeChunk>& freeList() const { return free_; }
  const FreeListConfig& config() const { return config_; }

 private:
  std::optional<size_t> search(uint64_t r, uint64_t& searched);
  std::optional<size_t> searchNext(uint64_t r, uint64_t& searched);
  void insertFreed(FreeChunk c);
  void coalesce();

  FreeListConfig config_;
  std::vector<FreeChunk> free_;
  std::map<uint64_t, uint64_t> allocated_;  // user pointer -> request size
  size_t rover_ = 0;                        // next fit: where the last search stopped
};

/// malloc.py's operation list: alloc k returns ptr[k] (failures count), free names ptr[k].
class MallocSession {
 public:
  explicit MallocSession(const FreeListConfig& config) : heap_(config) {}
  AllocResult alloc(uint64_t n);
  /// 0 on success, -1 when ptr[k] failed or is not allocated any more; std::invalid_argument
  /// when no alloc k has happened yet.
  int free(uint64_t k);
  const FreeListAllocator& heap() const { return heap_; }
  size_t allocCount() const { return ptrs_.size(); }

 private:
  FreeListAllocator heap_;
  std::vector<std::optional<uint64_t>> ptrs_;  // user pointers by alloc index
};

}  // namespace vmsim::os
