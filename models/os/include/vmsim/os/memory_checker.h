// Heap-error detection for a simulated program, after Valgrind memcheck's error kinds (invalid
// free, use after free via a freed-block quarantine, heap overflow, uninitialised reads via a
// written-bytes shadow, leaks at exit). Program errors are reports and counts, never exceptions.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vmsim::os {

enum class MemoryErrorKind {
  DoubleFree,         // free/realloc of a block that was already freed (still in quarantine)
  InvalidFree,        // free/realloc of a pointer malloc never returned (incl. interior pointers)
  UseAfterFree,       // access into a freed block's user bytes
  HeapOverflow,       // access past a block's end (padding, next header, beyond) or into a header
  UninitializedRead,  // load of bytes no store (or calloc) has written
  InvalidAccess,      // access outside every live or quarantined block (wild pointer)
  Leak,               // block still allocated at finish(); op index = the allocating op
};
constexpr size_t kMemoryErrorKinds = 7;
const char* toString(MemoryErrorKind k);

struct MemoryError {
  MemoryErrorKind kind;
  uint64_t opIndex = 0;  // program operation that caused it
  uint64_t addr = 0;     // first offending byte (the pointer, for frees and leaks)
  uint64_t size = 0;     // bytes of the access / of the leaked block
  uint64_t block = 0;    // user pointer of the block involved, 0 if none
  bool isWrite = false;
};
/// "op 12: heap-overflow write of 8 bytes at 0x1010 (block 0x1000)".
std::string describe(const MemoryError& e);

struct CheckerConfig {
  uint64_t quarantineBytes = 1 << 20;  // freed user bytes remembered (Valgrind: --freelist-vol)
  uint64_t quarantineBlocks = 4096;    // and at most this many freed blocks
  uint64_t maxReports = 1000;          // reports kept in full; counts are always exact
};

/// One allocated block: user range [ptr, ptr + size) inside chunk [chunkStart, chunkEnd).
struct CheckedBlock {
  uint64_t ptr = 0;
  uint64_t size = 0;
  uint64_t chunkStart = 0;
  uint64_t chunkEnd = 0;
};

class MemoryChecker {
 public:
  explicit MemoryChecker(const CheckerConfig& config = {});

  /// A new block; `initialized` for calloc. Forgets quarantined blocks the chunk overlaps.
  void onAlloc(uint64_t opIndex, const CheckedBlock& b, bool initialized);
  /// A valid free of a live block: moves it to the quarantine. Blocks pushed out of the
  /// quarantine are appended to `evicted` (a heap that delays reuse releases them then).
  void onFree(uint64_t opIndex, uint64_t ptr, std::vector<CheckedBlock>* evicted = nullptr);
  /// A free/realloc of `ptr`, which is not a live block: reports DoubleFree or InvalidFree.
  void reportBadFree(uint64_t opIndex, uint64_t ptr);
  /// realloc in place: new user size; grown bytes are unwritten.
  void onResize(uint64_t ptr, uint64_t newSize);
  /// realloc by moving: the definedness of `len` bytes follows the copy (no report, as memcheck).
  void copyShadow(uint64_t from, uint64_t to, uint64_t len);

  /// A data access of the program. `base`, when given, is the block the program derived the
  /// address from, so overflows into a neighbouring block are caught too. True when clean.
  bool checkAccess(uint64_t opIndex, uint64_t addr, uint64_t size, bool isWrite,
                   std::optional<uint64_t> base = std::nullopt);
  /// Reports every live block as a Leak (once).
  void finish();

  /// Called for every error as it is found (also past maxReports), e.g. to log it.
  void setListener(std::function<void(const MemoryError&)> f) { listener_ = std::move(f); }

  bool isLive(uint64_t ptr) const { return live_.count(ptr) != 0; }
  bool isQuarantined(uint64_t ptr) const { return freed_.count(ptr) != 0; }
  uint64_t count(MemoryErrorKind k) const { return counts_[static_cast<size_t>(k)]; }
  uint64_t totalErrors() const;
  const std::vector<MemoryError>& reports() const { return reports_; }

 private:
  struct Live {
    CheckedBlock b;
    uint64_t allocOp = 0;
    std::vector<bool> written;  // shadow: one bit per user byte
  };
  struct Freed {
    CheckedBlock b;
    uint64_t freeOp = 0;
    uint64_t seq = 0;  // matches its freedOrder_ entry; stale entries are skipped
  };
  void report(MemoryError e);
  bool checkInBlock(uint64_t op, Live& l, uint64_t addr, uint64_t size, bool isWrite);
  bool checkByAddress(uint64_t op, uint64_t addr, uint64_t size, bool isWrite);
  Live* liveChunkAt(uint64_t addr);
  const Freed* freedAt(uint64_t addr) const;
  void forgetFreedOverlapping(uint64_t start, uint64_t end);
  void trimQuarantine(std::vector<CheckedBlock>* evicted);

  CheckerConfig config_;
  std::map<uint64_t, Live> live_;        // by user pointer
  std::map<uint64_t, uint64_t> chunks_;  // chunk start -> user pointer of live blocks
  std::map<uint64_t, Freed> freed_;      // quarantine by user pointer
  std::deque<std::pair<uint64_t, uint64_t>> freedOrder_;  // (ptr, seq), oldest first
  uint64_t freeSeq_ = 0;
  uint64_t quarantinedBytes_ = 0;
  std::array<uint64_t, kMemoryErrorKinds> counts_{};
  std::vector<MemoryError> reports_;
  bool finished_ = false;
  std::function<void(const MemoryError&)> listener_;
};

}  // namespace vmsim::os
