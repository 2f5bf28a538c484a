// The system calls a process's malloc sits on: brk() moves the program break, mmap()/munmap() map
// anonymous page-aligned memory (Linux brk(2), mmap(2)); plus an in-memory stand-in for tests.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

namespace vmsim::os {

/// What a user-space allocator asks of the kernel. The kernel model implements it with region
/// changes (so that touching new heap pages page-faults); SimpleProcessMemory keeps it in memory.
class ProcessMemory {
 public:
  virtual ~ProcessMemory() = default;
  /// The initial program break (start of the brk heap).
  virtual uint64_t heapStart() const = 0;
  /// brk(): moves the break up or down; false = refused (ENOMEM), the break is unchanged.
  virtual bool setBreak(uint64_t newBreak) = 0;
  /// Anonymous private mapping of `length` bytes (rounded up to pages); empty = MAP_FAILED.
  virtual std::optional<uint64_t> mmap(uint64_t length) = 0;
  /// False when [addr, addr + length) is not exactly one earlier mapping.
  virtual bool munmap(uint64_t addr, uint64_t length) = 0;
};

/// A fixed x86-64-like layout: the heap starts at `heapStart` and may grow to `breakLimit`;
/// mappings are placed top-down below `mmapTop` (Linux's legacy-free layout) and never below
/// `mmapBottom`.
struct SimpleMemoryLayout {
  uint64_t heapStart = 0x0000'0000'0100'0000ULL;   // 16 MiB
  uint64_t breakLimit = 0x0000'0000'4100'0000ULL;  // heap of at most 1 GiB
  uint64_t mmapTop = 0x0000'7f00'0000'0000ULL;
  uint64_t mmapBottom = 0x0000'7000'0000'0000ULL;
  uint64_t pageSize = 4096;
};

class SimpleProcessMemory : public ProcessMemory {
 public:
  explicit SimpleProcessMemory(const SimpleMemoryLayout& layout = {});
  uint64_t heapStart() const override { return layout_.heapStart; }
  bool setBreak(uint64_t newBreak) override;
  std::optional<uint64_t> mmap(uint64_t length) override;
  bool munmap(uint64_t addr, uint64_t length) override;

  uint64_t currentBreak() const { return break_; }
  /// Live mappings: start -> length (page-rounded).
  const std::map<uint64_t, uint64_t>& mappings() const { return maps_; }
  uint64_t brkCalls() const { return brkCalls_; }
  uint64_t mmapCalls() const { return mmapCalls_; }
  uint64_t munmapCalls() const { return munmapCalls_; }

 private:
  SimpleMemoryLayout layout_;
  uint64_t break_;
  std::map<uint64_t, uint64_t> maps_;
  uint64_t brkCalls_ = 0;
  uint64_t mmapCalls_ = 0;
  uint64_t munmapCalls_ = 0;
};

}  // namespace vmsim::os
