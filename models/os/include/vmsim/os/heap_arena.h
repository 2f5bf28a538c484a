// The brk heap of a simulated malloc: the program break grown in steps like glibc's sbrk top pad
// (M_TOP_PAD), and the free-space managers of OSTEP ch. 17 (free list, segregated lists, buddy,
// slab) laid over it, each recording the loads/stores its own metadata work would cause.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vmsim/os/free_list.h"
#include "vmsim/os/process_memory.h"
#include "vmsim/workloads/workload.h"

namespace vmsim::os {

enum class HeapAllocatorKind { FreeList, Segregated, Buddy, Slab };
/// Names: freelist, segregated, buddy, slab. Unknown: std::invalid_argument listing all.
std::vector<std::string> heapAllocatorNames();
HeapAllocatorKind heapAllocatorFromName(const std::string& name);

struct HeapConfig {
  HeapAllocatorKind allocator = HeapAllocatorKind::FreeList;
  FitPolicy fit = FitPolicy::First;       // freelist
  ListOrder order = ListOrder::AddrSort;  // freelist
  bool coalesce = true;                   // freelist
  uint64_t headerSize = 16;               // freelist chunks (glibc: prev_size + size words)
  uint64_t alignment = 16;                // freelist size padding (glibc MALLOC_ALIGNMENT)
  uint64_t mmapThreshold = 128 * 1024;    // requests >= this are mmapped (glibc M_MMAP_THRESHOLD)
  uint64_t brkIncrement = 128 * 1024;     // the break grows in multiples of this (glibc M_TOP_PAD)
  uint64_t trimThreshold = 128 * 1024;    // freelist: lower the break when this much is free at
                                          // the top (glibc M_TRIM_THRESHOLD); 0 = never
  uint64_t heapLimit = 1ULL << 30;        // address space the brk heap may span
  std::vector<uint64_t> sizeClasses = {16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
  uint64_t buddyMinBlock = 32;  // buddy
  uint64_t slabObjects = 64;    // slab: objects per slab
  uint64_t mmapHeader = 16;     // header in front of an mmapped block (glibc)
  uint64_t pageSize = 4096;
};

/// Collects the accesses malloc's own code makes (header and free-list reads/writes), split so
/// that none crosses a 64-byte line (the requester's largest access). A null sink records nothing.
class AccessTrace {
 public:
  void setSink(std::vector<workloads::Access>* sink) { sink_ = sink; }
  void load(uint64_t va, uint64_t size) { emit(workloads::Op::Load, va, size); }
  void store(uint64_t va, uint64_t size) { emit(workloads::Op::Store, va, size); }
  uint64_t loads() const { return loads_; }
  uint64_t stores() const { return stores_; }

 private:
  void emit(workloads::Op op, uint64_t va, uint64_t size);
  std::vector<workloads::Access>* sink_ = nullptr;
  uint64_t loads_ = 0;
  uint64_t stores_ = 0;
};

/// The program break: raised to cover whatever the allocator hands out, in brkIncrement steps.
class ProgramBreak {
 public:
  ProgramBreak(ProcessMemory& mem, uint64_t increment);
  /// Makes [.., end) part of the heap; false when brk() refuses.
  bool cover(uint64_t end);
  /// Lowers the break to the increment boundary above `end` if that frees >= `threshold` bytes;
  /// when deferring, only at the next applyPending() (a cover() before then keeps what it needs).
  bool trim(uint64_t end, uint64_t threshold);
  void setDeferShrink(bool defer) { deferShrink_ = defer; }
  void applyPending();
  /// A deferred shrink waits for applyPending().
  bool shrinkPending() const { return pending_ && *pending_ < break_; }
  uint64_t start() const { return start_; }
  uint64_t current() const { return break_; }
  uint64_t growths() const { return growths_; }
  uint64_t shrinks() const { return shrinks_; }

 private:
  ProcessMemory& mem_;
  uint64_t increment_;
  uint64_t start_;
  uint64_t break_;
  uint64_t growths_ = 0;
  uint64_t shrinks_ = 0;
  bool deferShrink_ = false;
  std::optional<uint64_t> pending_;  // deferred lower break
};

/// One chunk handed out by an arena: user bytes [user, user + usable) inside [chunk, chunkEnd).
struct HeapChunk {
  uint64_t chunk = 0;
  uint64_t chunkEnd = 0;
  uint64_t user = 0;
  uint64_t usable = 0;
};

/// A free-space manager over the growing brk heap.
class HeapArena {
 public:
  virtual ~HeapArena() = default;
  /// A chunk for n user bytes, the break raised to cover it; empty when the heap is exhausted.
  virtual std::optional<HeapChunk> allocate(uint64_t n, AccessTrace& t) = 0;
  virtual void release(const HeapChunk& c, AccessTrace& t) = 0;
  /// Free-list elements examined by the last allocate() (each one header load).
  uint64_t lastSearched() const { return lastSearched_; }

 protected:
  uint64_t lastSearched_ = 0;
};

/// Builds the arena named by config.allocator over the heap starting at brk.start().
std::unique_ptr<HeapArena> makeHeapArena(const HeapConfig& config, ProgramBreak& brk);

}  // namespace vmsim::os
