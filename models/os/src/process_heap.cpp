// glibc-like malloc over brk and mmap (malloc.c: sysmalloc, M_MMAP_THRESHOLD, M_TOP_PAD), with
// the free-space policy of an OSTEP ch. 17 arena and memcheck-style error detection.
#include "vmsim/os/process_heap.h"

#include <algorithm>
#include <cstdint>

namespace vmsim::os {
namespace {
constexpr uint64_t kLine = 64;
}

ProcessHeap::ProcessHeap(ProcessMemory& mem, const ProcessHeapConfig& config)
    : mem_(mem),
      config_(config),
      brk_(mem, config.heap.brkIncrement),
      arena_(makeHeapArena(config.heap, brk_)),
      checker_(config.checker) {
  brk_.setDeferShrink(config.deferReleases);
}

void ProcessHeap::settle() {
  brk_.applyPending();
  for (const HeapChunk& c : pendingUnmaps_) mem_.munmap(c.chunk, c.chunkEnd - c.chunk);
  pendingUnmaps_.clear();
}

std::optional<ProcessHeap::Block> ProcessHeap::mapBlock(uint64_t n) {
  const uint64_t page = config_.heap.pageSize;
  const uint64_t header = config_.heap.mmapHeader;
  const uint64_t len = (n + header + page - 1) / page * page;
  const auto addr = mem_.mmap(len);
  if (!addr) return std::nullopt;
  ++stats_.mmaps;
  if (header > 0) trace_.store(*addr, std::min<uint64_t>(header, 16));
  return Block{HeapChunk{*addr, *addr + len, *addr + header, len - header}, n, true};
}

std::optional<ProcessHeap::Block> ProcessHeap::obtain(uint64_t n) {
  if (n < config_.heap.mmapThreshold) {
    const auto c = arena_->allocate(n, trace_);
    stats_.searched += arena_->lastSearched();
    if (c) return Block{*c, n, false};
  }
  return mapBlock(n);  // large request, or the brk heap refused (glibc falls back to mmap too)
}

void ProcessHeap::give(const Block& b) {
  live_[b.chunk.user] = b;
  stats_.liveBytes += b.size;
  stats_.peakLiveBytes = std::max(stats_.peakLiveBytes, stats_.liveBytes);
}

uint64_t ProcessHeap::allocate(uint64_t n, bool zeroed) {
  const auto b = obtain(n);
  if (!b) {
    ++stats_.failures;
    return 0;
  }
  give(*b);
  const uint64_t p = b->chunk.user;
  if (zeroed && !b->mmapped)  // a fresh mapping is zero already
    for (uint64_t a = p; a < p + n; a += kLine - a % kLine)
      trace_.store(a, std::min(p + n - a, kLine - a % kLine));
  checker_.onAlloc(op_, {p, n, b->chunk.chunk, b->chunk.chunkEnd}, zeroed);
  return p;
}

uint64_t ProcessHeap::malloc(uint64_t n) {
  ++stats_.mallocs;
  return allocate(n, false);
}

void ProcessHeap::release(const Block& b) {
  if (b.mmapped) {
    if (config_.deferReleases) {
      pendingUnmaps_.push_back(b.chunk);
    } else {
      mem_.munmap(b.chunk.chunk, b.chunk.chunkEnd - b.chunk.chunk);
    }
    ++stats_.munmaps;
  } else {
    arena_->release(b.chunk, trace_);
  }
}

void ProcessHeap::free(uint64_t ptr) {
  if (ptr == 0) return;
  ++stats_.frees;
  if (live_.count(ptr) == 0) return checker_.reportBadFree(op_, ptr);
  releaseLive(ptr);
}

void ProcessHeap::releaseLive(uint64_t ptr) {
  const auto it = live_.find(ptr);
  const Block b = it->second;
  live_.erase(it);
  stats_.liveBytes -= b.size;
  if (!config_.delayReuse) {
    checker_.onFree(op_, ptr);
    return release(b);
  }
  held_[ptr] = b;
  evicted_.clear();
  checker_.onFree(op_, ptr, &evicted_);
  for (const CheckedBlock& e : evicted_) {
    const auto h = held_.find(e.ptr);
    if (h == held_.end()) continue;
    release(h->second);
    held_.erase(h);
  }
}

uint64_t ProcessHeap::realloc(uint64_t ptr, uint64_t n) {
  if (ptr == 0) return malloc(n);
  ++stats_.reallocs;
  const auto it = live_.find(ptr);
  if (it == live_.end()) {
    checker_.reportBadFree(op_, ptr);
    return 0;
  }
  if (n == 0) {
    free(ptr);
    return 0;
  }
  Block& b = it->second;
  if (n <= b.chunk.usable) {  // fits where it is: only the header changes
    if (b.chunk.user > b.chunk.chunk) {
      trace_.load(b.chunk.chunk, 8);
      trace_.store(b.chunk.chunk, 8);
    }
    stats_.liveBytes = stats_.liveBytes - b.size + n;
    stats_.peakLiveBytes = std::max(stats_.peakLiveBytes, stats_.liveBytes);
    b.size = n;
    checker_.onResize(ptr, n);
    return ptr;
  }
  const uint64_t oldSize = b.size;
  const uint64_t moved = allocate(n, false);
  if (moved == 0) return 0;  // the old block stays valid
  ++stats_.reallocMoves;
  copyBytes(ptr, moved, std::min(oldSize, n));
  checker_.copyShadow(ptr, moved, std::min(oldSize, n));
  releaseLive(ptr);
  return moved;
}

uint64_t ProcessHeap::calloc(uint64_t count, uint64_t size) {
  ++stats_.callocs;
  if (size != 0 && count > UINT64_MAX / size) {
    ++stats_.failures;
    return 0;
  }
  return allocate(count * size, true);
}

void ProcessHeap::copyBytes(uint64_t from, uint64_t to, uint64_t len) {
  for (uint64_t done = 0; done < len;) {  // memcpy, one line-sized piece at a time
    const uint64_t piece = std::min({len - done, kLine - (from + done) % kLine, kLine});
    trace_.load(from + done, piece);
    trace_.store(to + done, piece);
    done += piece;
  }
}

bool ProcessHeap::access(uint64_t addr, uint64_t size, bool isWrite, std::optional<uint64_t> base) {
  const bool clean = checker_.checkAccess(op_, addr, size, isWrite, base);
  isWrite ? data_.store(addr, size) : data_.load(addr, size);
  return clean;
}

std::optional<ProcessHeap::Block> ProcessHeap::block(uint64_t ptr) const {
  const auto it = live_.find(ptr);
  if (it == live_.end()) return std::nullopt;
  return it->second;
}

std::vector<HeapStatValue> heapStatValues(const ProcessHeap& heap) {
  const HeapStats& s = heap.stats();
  std::vector<HeapStatValue> v = {
      {"mallocs", s.mallocs, "Count", "malloc calls"},
      {"frees", s.frees, "Count", "free calls (incl. bad ones, excl. free(NULL))"},
      {"reallocs", s.reallocs, "Count", "realloc calls on a non-NULL pointer"},
      {"realloc_moves", s.reallocMoves, "Count", "reallocs that moved the block"},
      {"callocs", s.callocs, "Count", "calloc calls"},
      {"failures", s.failures, "Count", "allocations that returned NULL"},
      {"mmaps", s.mmaps, "Count", "blocks served by mmap"},
      {"munmaps", s.munmaps, "Count", "mmapped blocks unmapped"},
      {"brk_growths", heap.breakGrowths(), "Count", "brk calls raising the break"},
      {"brk_shrinks", heap.breakShrinks(), "Count", "brk calls lowering the break (trim)"},
      {"heap_bytes", heap.programBreak() - heap.heapStart(), "Byte", "brk heap size at the end"},
      {"searched", s.searched, "Count", "free-list elements examined by allocations"},
      {"metadata_loads", heap.metadataTrace().loads(), "Count", "malloc's own loads"},
      {"metadata_stores", heap.metadataTrace().stores(), "Count", "malloc's own stores"},
      {"data_loads", heap.dataTrace().loads(), "Count", "program loads (read ops)"},
      {"data_stores", heap.dataTrace().stores(), "Count", "program stores (write ops)"},
      {"live_bytes", s.liveBytes, "Byte", "user bytes allocated at the end"},
      {"peak_live_bytes", s.peakLiveBytes, "Byte", "most user bytes allocated at once"},
  };
  for (size_t k = 0; k < kMemoryErrorKinds; ++k) {
    const auto kind = static_cast<MemoryErrorKind>(k);
    std::string name = toString(kind);
    std::replace(name.begin(), name.end(), '-', '_');
    v.push_back({"errors." + name, heap.checker().count(kind), "Count",
                 std::string(toString(kind)) + " errors detected"});
  }
  return v;
}

}  // namespace vmsim::os
