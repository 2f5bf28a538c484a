// Binary buddy allocation: split the smallest sufficient free block, merge freed buddies upward.
#include "vmsim/os/buddy_allocator.h"

#include <stdexcept>
#include <string>

namespace vmsim::os {
namespace {
bool powerOfTwo(uint64_t x) {
  return x != 0 && (x & (x - 1)) == 0;
}
}  // namespace

BuddyAllocator::BuddyAllocator(uint64_t base, uint64_t size, uint64_t minBlock)
    : base_(base), minBlock_(minBlock), maxOrder_(0) {
  if (!powerOfTwo(size) || !powerOfTwo(minBlock) || minBlock > size)
    throw std::invalid_argument("buddy allocator needs power-of-two size >= minimum block");
  if (base % size != 0) throw std::invalid_argument("buddy heap base must be aligned to its size");
  while (sizeOfOrder(maxOrder_) < size) ++maxOrder_;
  free_.resize(maxOrder_ + 1);
  free_[maxOrder_].insert(0);
}

unsigned BuddyAllocator::orderFor(uint64_t n) const {
  unsigned order = 0;
  while (order <= maxOrder_ && sizeOfOrder(order) < n) ++order;
  return order;  // maxOrder_ + 1 when n is too big
}

std::optional<uint64_t> BuddyAllocator::allocate(uint64_t n) {
  const unsigned want = orderFor(n);
  unsigned have = want;
  while (have <= maxOrder_ && free_[have].empty()) ++have;
  if (have > maxOrder_) return std::nullopt;
  const uint64_t off = *free_[have].begin();  // lowest address first
  free_[have].erase(free_[have].begin());
  while (have > want) {  // keep the low half, free the high half (the buddy)
    --have;
    free_[have].insert(off + sizeOfOrder(have));
  }
  allocated_[off] = want;
  return base_ + off;
}

bool BuddyAllocator::release(uint64_t addr) {
  if (addr < base_) return false;
  const auto it = allocated_.find(addr - base_);
  if (it == allocated_.end()) return false;
  uint64_t off = it->first;
  unsigned order = it->second;
  allocated_.erase(it);
  while (order < maxOrder_) {
    const uint64_t buddy = off ^ sizeOfOrder(order);
    const auto b = free_[order].find(buddy);
    if (b == free_[order].end()) break;
    free_[order].erase(b);
    off &= ~sizeOfOrder(order);
    ++order;
  }
  free_[order].insert(off);
  return true;
}

std::vector<uint64_t> BuddyAllocator::freeBlocks(uint64_t blockSize) const {
  std::vector<uint64_t> out;
  for (unsigned o = 0; o <= maxOrder_; ++o)
    if (sizeOfOrder(o) == blockSize)
      for (const uint64_t off : free_[o]) out.push_back(base_ + off);
  return out;
}

uint64_t BuddyAllocator::blockSizeOf(uint64_t addr) const {
  if (addr < base_) return 0;
  const auto it = allocated_.find(addr - base_);
  return it == allocated_.end() ? 0 : sizeOfOrder(it->second);
}

uint64_t BuddyAllocator::freeBytes() const {
  uint64_t sum = 0;
  for (unsigned o = 0; o <= maxOrder_; ++o) sum += free_[o].size() * sizeOfOrder(o);
  return sum;
}

}  // namespace vmsim::os
