// Slab allocation: per-slab free-slot stacks, partial slabs preferred, empty slabs reclaimable.
#include "vmsim/os/slab_allocator.h"

#include <stdexcept>
#include <utility>

namespace vmsim::os {

SlabAllocator::SlabAllocator(uint64_t objectSize, uint64_t objectsPerSlab, SlabSource source,
                             SlabSink sink)
    : objectSize_(objectSize),
      objectsPerSlab_(objectsPerSlab),
      source_(std::move(source)),
      sink_(std::move(sink)) {
  if (objectSize == 0 || objectsPerSlab == 0)
    throw std::invalid_argument("slab objects and slabs must have a non-zero size");
  if (!source_) throw std::invalid_argument("a slab allocator needs a slab source");
}

void SlabAllocator::classify(uint64_t base, const Slab& s) {
  partial_.erase(base);
  empty_.erase(base);
  if (s.inUse == 0) {
    empty_.insert(base);
  } else if (s.inUse < objectsPerSlab_) {
    partial_.insert(base);
  }
}

std::optional<uint64_t> SlabAllocator::allocate() {
  uint64_t base = 0;
  if (!partial_.empty()) {
    base = *partial_.begin();
  } else if (!empty_.empty()) {
    base = *empty_.begin();
  } else {
    const auto got = source_(slabBytes());
    if (!got) return std::nullopt;
    base = *got;
    if (slabs_.count(base)) throw std::logic_error("slab source returned a slab in use");
    Slab fresh;
    for (uint64_t i = objectsPerSlab_; i-- > 0;) fresh.freeSlots.push_back(i);
    slabs_.emplace(base, std::move(fresh));
  }
  Slab& s = slabs_.at(base);
  const uint64_t slot = s.freeSlots.back();
  s.freeSlots.pop_back();
  ++s.inUse;
  ++live_;
  classify(base, s);
  return base + slot * objectSize_;
}

bool SlabAllocator::release(uint64_t addr) {
  auto it = slabs_.upper_bound(addr);
  if (it == slabs_.begin()) return false;
  --it;
  const uint64_t off = addr - it->first;
  if (off >= slabBytes() || off % objectSize_ != 0) return false;
  Slab& s = it->second;
  const uint64_t slot = off / objectSize_;
  for (const uint64_t f : s.freeSlots)
    if (f == slot) return false;  // already free
  s.freeSlots.push_back(slot);
  --s.inUse;
  --live_;
  classify(it->first, s);
  return true;
}

size_t SlabAllocator::reclaim() {
  const size_t n = empty_.size();
  for (const uint64_t base : empty_) {
    if (sink_) sink_(base, slabBytes());
    slabs_.erase(base);
  }
  empty_.clear();
  return n;
}

}  // namespace vmsim::os
