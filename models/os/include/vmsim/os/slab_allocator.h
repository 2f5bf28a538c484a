// A slab allocator for fixed-size kernel objects (Bonwick 1994; OSTEP ch. 17): slabs of N objects
// obtained from a page source, objects handed out from partially used slabs first.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace vmsim::os {

class SlabAllocator {
 public:
  /// Gets `bytes` of memory for a new slab (empty when none is left).
  using SlabSource = std::function<std::optional<uint64_t>(uint64_t bytes)>;
  /// Takes back the memory of an empty slab in reclaim().
  using SlabSink = std::function<void(uint64_t addr, uint64_t bytes)>;

  SlabAllocator(uint64_t objectSize, uint64_t objectsPerSlab, SlabSource source,
                SlabSink sink = {});
  /// An object from the lowest-addressed partial slab, else an empty slab, else a new slab.
  std::optional<uint64_t> allocate();
  /// False if addr is not the start of a live object.
  bool release(uint64_t addr);
  /// Hands every empty slab back to the sink; returns how many.
  size_t reclaim();

  uint64_t slabBytes() const { return objectSize_ * objectsPerSlab_; }
  size_t slabCount() const { return slabs_.size(); }
  size_t emptySlabs() const { return empty_.size(); }
  size_t partialSlabs() const { return partial_.size(); }
  size_t fullSlabs() const { return slabs_.size() - empty_.size() - partial_.size(); }
  uint64_t liveObjects() const { return live_; }

 private:
  struct Slab {
    std::vector<uint64_t> freeSlots;  // stack: lowest slot on top
    uint64_t inUse = 0;
  };
  void classify(uint64_t base, const Slab& s);

  uint64_t objectSize_;
  uint64_t objectsPerSlab_;
  SlabSource source_;
  SlabSink sink_;
  std::map<uint64_t, Slab> slabs_;  // by base address
  std::set<uint64_t> partial_;
  std::set<uint64_t> empty_;
  uint64_t live_ = 0;
};

}  // namespace vmsim::os
