// The kernel's physical frame allocator: a binary buddy system over page frames, as Linux's
// (mm/page_alloc.c; Knuth, TAOCP vol. 1, 2.5): free blocks of 2^order frames, order 0 (4 KiB) to
// kMaxOrder (18 = 1 GiB), each aligned to its size in physical frame numbers, split on demand and
// merged with their buddy (pfn XOR 2^order) when both are free.
//
// Unlike the heap-side BuddyAllocator (std::set/map, for teaching traces), this one is built for
// the fault path: each order's free blocks sit in a hierarchical 64-ary bitmap (find the lowest
// free block in a few count-trailing-zeros steps, insert/erase in O(levels)), and a per-frame state
// byte makes the buddy-is-free test O(1). Allocation takes the lowest-addressed free block of the
// smallest order that fits (address-ordered, which keeps fragmentation low: Wilson et al.,
// "Dynamic Storage Allocation: A Survey and Critical Review", IWMM 1995), so a fresh allocator
// hands out frames in ascending order, as the kernel model's frame list did before it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace vmsim::os {

class FrameAllocator {
 public:
  static constexpr unsigned kMaxOrder = 18;  // 2^18 frames of 4 KiB = 1 GiB

  /// Manages frames [firstPfn, firstPfn + count). Blocks are aligned in frame numbers, so a block
  /// of order 9 is 2 MiB-aligned in physical memory whatever firstPfn is. `maxOrder` <= kMaxOrder.
  FrameAllocator(uint64_t firstPfn, uint64_t count, unsigned maxOrder = kMaxOrder);

  /// The first frame of a free block of 2^order frames (aligned to it), or nullopt when no block
  /// of that order or larger is free.
  std::optional<uint64_t> allocate(unsigned order);
  /// Returns a block that allocate(order) handed out (or that split() made); merges it with its
  /// free buddies. Throws std::invalid_argument for a block that is not allocated with that order
  /// (a double free, a wrong order, an interior frame, out of range).
  void free(uint64_t pfn, unsigned order);
  /// Turns the allocated block at `pfn` of `order` into 2^order allocated order-0 frames, each
  /// freed on its own later (a huge page split into 4 KiB pages).
  void split(uint64_t pfn, unsigned order);

  uint64_t firstPfn() const { return first_; }
  uint64_t totalFrames() const { return count_; }
  uint64_t freeFrames() const { return freeFrames_; }
  unsigned maxOrder() const { return maxOrder_; }
  /// Free blocks of exactly `order`.
  uint64_t freeBlocks(unsigned order) const { return order <= maxOrder_ ? counts_[order] : 0; }
  /// Whether allocate(order) would succeed.
  bool canAllocate(unsigned order) const;
  /// Whether `pfn` heads an allocated block, and of which order.
  std::optional<unsigned> allocatedOrder(uint64_t pfn) const;
  /// Gorman's unusable free space index for `order` (Gorman and Whitcroft, "The What, The Why and
  /// the Where To of Anti-Fragmentation", Ottawa Linux Symposium 2006; Linux mm/vmstat.c
  /// unusable_free_index): the share of free memory in blocks smaller than 2^order frames, which
  /// a request of that order cannot use. 0 = every free frame is usable; 1 = none is (also when
  /// nothing is free, as in Linux).
  double unusableIndex(unsigned order) const;
  /// Mirrors the per-order free-block counts into out[0..maxOrder] (a stats vector) from now on.
  void mirrorCounts(double* out);

 private:
  // A set of block indices as a hierarchical bitmap: level 0 holds one bit per index, each level
  // above one bit per non-zero word below; the top level is one word. A set of one element
  // (most orders most of the time: a fresh allocator handing out frames in ascending order keeps
  // one free block per order, a binary counter) is that index alone, the bitmap empty: its
  // insert, erase and lowest touch no level. The bitmap takes over at the second element and
  // holds every element until the set is empty again.
  class IndexSet {
   public:
    explicit IndexSet(uint64_t n = 0);
    void insert(uint64_t i);
    void erase(uint64_t i);
    bool empty() const { return size_ == 0; }
    uint64_t lowest() const;  // requires !empty()

   private:
    void bitmapInsert(uint64_t i);
    void bitmapErase(uint64_t i);
    // All levels in one array: level l starts at offset_[l]; the last word is the top level.
    static constexpr unsigned kMaxLevels = 8;  // 64^8 indices
    std::vector<uint64_t> words_;
    uint64_t offset_[kMaxLevels] = {};
    unsigned levels_ = 0;
    uint64_t size_ = 0;
    uint64_t single_ = 0;  // the element, while size_ == 1 and the bitmap is not in use
    bool bitmap_ = false;  // the elements are in the bitmap (size_ >= 1)
  };

  static constexpr uint8_t kNone = 0xff;       // not the head of any block (or an interior frame)
  static constexpr uint8_t kAllocated = 0x40;  // | order: head of an allocated block
  uint8_t& state(uint64_t pfn) { return state_[pfn - first_]; }
  uint8_t state(uint64_t pfn) const { return state_[pfn - first_]; }
  void insertFree(uint64_t pfn, unsigned order);
  void eraseFree(uint64_t pfn, unsigned order);
  uint64_t indexOf(uint64_t pfn, unsigned order) const { return (pfn >> order) - base_[order]; }

  uint64_t first_, count_;
  unsigned maxOrder_;
  uint64_t freeFrames_ = 0;
  std::vector<uint8_t> state_;    // per frame: order (free head), kAllocated|order, or kNone
  std::vector<IndexSet> free_;    // per order
  std::vector<uint64_t> base_;    // per order: first_ >> order
  std::vector<uint64_t> counts_;  // per order: free blocks
  double* mirror_ = nullptr;
  uint32_t nonEmpty_ = 0;  // bit k: some block of order k is free
};

}  // namespace vmsim::os
