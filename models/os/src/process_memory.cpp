// In-memory brk/mmap for tests: a break between heapStart and a limit, top-down first-gap mmap.
#include "vmsim/os/process_memory.h"

#include <stdexcept>

namespace vmsim::os {

SimpleProcessMemory::SimpleProcessMemory(const SimpleMemoryLayout& layout)
    : layout_(layout), break_(layout.heapStart) {
  if (layout.pageSize == 0 || layout.breakLimit < layout.heapStart ||
      layout.mmapTop <= layout.mmapBottom || layout.mmapBottom < layout.breakLimit)
    throw std::invalid_argument("SimpleProcessMemory: inconsistent address layout");
}

bool SimpleProcessMemory::setBreak(uint64_t newBreak) {
  ++brkCalls_;
  if (newBreak < layout_.heapStart || newBreak > layout_.breakLimit) return false;
  break_ = newBreak;
  return true;
}

std::optional<uint64_t> SimpleProcessMemory::mmap(uint64_t length) {
  ++mmapCalls_;
  if (length == 0) return std::nullopt;
  const uint64_t page = layout_.pageSize;
  const uint64_t len = (length + page - 1) / page * page;
  // Highest gap first: walk the mappings downwards from the top.
  uint64_t ceiling = layout_.mmapTop;
  for (auto it = maps_.rbegin(); it != maps_.rend(); ++it) {
    const uint64_t end = it->first + it->second;
    if (ceiling - end >= len) break;
    ceiling = it->first;
  }
  if (ceiling - layout_.mmapBottom < len) return std::nullopt;
  const uint64_t addr = ceiling - len;
  maps_[addr] = len;
  return addr;
}

bool SimpleProcessMemory::munmap(uint64_t addr, uint64_t length) {
  ++munmapCalls_;
  const auto it = maps_.find(addr);
  const uint64_t page = layout_.pageSize;
  if (it == maps_.end() || it->second != (length + page - 1) / page * page) return false;
  maps_.erase(it);
  return true;
}

}  // namespace vmsim::os
