// malloc/free/realloc/calloc of a simulated process, after glibc malloc: small requests from the
// brk heap (grown in M_TOP_PAD steps), requests >= M_MMAP_THRESHOLD from their own mmap; the
// free-space policy is an OSTEP ch. 17 allocator; errors are found by a memcheck-style checker.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vmsim/os/heap_arena.h"
#include "vmsim/os/memory_checker.h"
#include "vmsim/os/process_memory.h"
#include "vmsim/workloads/workload.h"

namespace vmsim::os {

struct HeapStats {
  uint64_t mallocs = 0;
  uint64_t frees = 0;
  uint64_t reallocs = 0;
  uint64_t reallocMoves = 0;
  uint64_t callocs = 0;
  uint64_t failures = 0;  // requests that returned NULL
  uint64_t mmaps = 0;     // blocks served by mmap (threshold, or brk refused)
  uint64_t munmaps = 0;
  uint64_t searched = 0;   // free-list elements examined, summed over allocations
  uint64_t liveBytes = 0;  // user bytes currently allocated
  uint64_t peakLiveBytes = 0;
};

struct ProcessHeapConfig {
  HeapConfig heap;
  CheckerConfig checker;
  /// Hold freed blocks back from the allocator while they sit in the quarantine, as Valgrind's
  /// allocator does, so use-after-free is found even when the memory would have been reused.
  bool delayReuse = false;
  /// Lower the break and munmap only at settle(), so that a replayed access stream touches the
  /// memory an op gives back before the kernel takes it away (ProgramWorkload sets this).
  bool deferReleases = false;
};

class ProcessHeap {
 public:
  ProcessHeap(ProcessMemory& mem, const ProcessHeapConfig& config);

  /// Program operation the following calls belong to (for error reports).
  void setOpIndex(uint64_t op) { op_ = op; }
  /// Where malloc's own loads/stores and the program's accesses are appended (null: nowhere).
  void setTraceSink(std::vector<workloads::Access>* sink) {
    trace_.setSink(sink);
    data_.setSink(sink);
  }

  /// 0 when the request cannot be met. malloc(0) returns a unique minimum-size block (glibc).
  uint64_t malloc(uint64_t n);
  /// free(0) is a no-op; a bad pointer is reported (double/invalid free) and ignored.
  void free(uint64_t ptr);
  /// realloc(0, n) = malloc(n); realloc(p, 0) frees p and returns 0; grows in place while the
  /// chunk's usable size suffices, else malloc + copy + free. A bad p is reported, returns 0.
  uint64_t realloc(uint64_t ptr, uint64_t n);
  /// Zeroed memory: stores over the block unless it is a fresh mmap (already zero).
  uint64_t calloc(uint64_t count, uint64_t size);

  /// A program load/store: checked, then recorded in the trace. `base` names the block the
  /// program meant (see MemoryChecker::checkAccess). True when clean.
  bool access(uint64_t addr, uint64_t size, bool isWrite,
              std::optional<uint64_t> base = std::nullopt);
  /// Called for every memory error as it is found (MemoryChecker::setListener).
  void setErrorListener(std::function<void(const MemoryError&)> f) {
    checker_.setListener(std::move(f));
  }
  /// Carries out deferred break shrinks and munmaps (see deferReleases).
  void settle();
  /// settle() would give memory back (a deferred break shrink or munmap is waiting).
  bool releasesPending() const { return brk_.shrinkPending() || !pendingUnmaps_.empty(); }
  /// End of the program: leak reports.
  void finish() { checker_.finish(); }

  struct Block {
    HeapChunk chunk;
    uint64_t size = 0;  // requested bytes
    bool mmapped = false;
  };
  /// The live block at user pointer `ptr`.
  std::optional<Block> block(uint64_t ptr) const;
  size_t liveBlocks() const { return live_.size(); }
  uint64_t programBreak() const { return brk_.current(); }
  uint64_t breakGrowths() const { return brk_.growths(); }
  uint64_t breakShrinks() const { return brk_.shrinks(); }
  uint64_t heapStart() const { return brk_.start(); }
  const MemoryChecker& checker() const { return checker_; }
  const HeapStats& stats() const { return stats_; }
  /// malloc's own accesses (headers, free-list nodes, realloc copies, calloc zeroing).
  const AccessTrace& metadataTrace() const { return trace_; }
  /// The program's own accesses through access().
  const AccessTrace& dataTrace() const { return data_; }
  const ProcessHeapConfig& config() const { return config_; }

 private:
  uint64_t allocate(uint64_t n, bool zeroed);
  void releaseLive(uint64_t ptr);
  std::optional<Block> obtain(uint64_t n);
  std::optional<Block> mapBlock(uint64_t n);
  void give(const Block& b);
  void release(const Block& b);
  void copyBytes(uint64_t from, uint64_t to, uint64_t len);

  ProcessMemory& mem_;
  ProcessHeapConfig config_;
  ProgramBreak brk_;
  std::unique_ptr<HeapArena> arena_;
  MemoryChecker checker_;
  AccessTrace trace_;
  AccessTrace data_;
  std::map<uint64_t, Block> live_;  // by user pointer
  std::map<uint64_t, Block> held_;  // freed, waiting in the quarantine (delayReuse)
  std::vector<CheckedBlock> evicted_;
  std::vector<HeapChunk> pendingUnmaps_;
  HeapStats stats_;
  uint64_t op_ = 0;
};

/// One counter for a stats registry: `name` is a stat name below the workload's path.
struct HeapStatValue {
  std::string name;
  uint64_t value;
  std::string unit;
  std::string desc;
};
/// Every counter of the heap and its checker (errors as `errors.<kind>`), for registration.
std::vector<HeapStatValue> heapStatValues(const ProcessHeap& heap);

}  // namespace vmsim::os
