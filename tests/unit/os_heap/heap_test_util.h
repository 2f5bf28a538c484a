// Helpers shared by the process-heap tests: a heap over SimpleProcessMemory with a chosen config.
#pragma once

#include <memory>

#include "vmsim/os/process_heap.h"

namespace vmsim::os::test {

constexpr uint64_t kHeapStart = SimpleMemoryLayout{}.heapStart;

struct HeapFixture {
  explicit HeapFixture(ProcessHeapConfig c = {}, SimpleMemoryLayout layout = {})
      : mem(layout), heap(mem, c) {}
  SimpleProcessMemory mem;
  ProcessHeap heap;
};

inline ProcessHeapConfig withFit(FitPolicy fit, bool coalesce = true) {
  ProcessHeapConfig c;
  c.heap.fit = fit;
  c.heap.coalesce = coalesce;
  return c;
}

inline ProcessHeapConfig withAllocator(HeapAllocatorKind k) {
  ProcessHeapConfig c;
  c.heap.allocator = k;
  return c;
}

}  // namespace vmsim::os::test
