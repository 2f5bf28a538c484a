// The operations of a simulated C program's heap use (malloc/calloc/free/realloc by block id, and
// reads/writes at offsets in a block), from a text file or from a seeded random generator in the
// spirit of OSTEP malloc.py's random op lists.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace vmsim::os {

enum class HeapOpKind { Malloc, Calloc, Free, Realloc, Write, Read };
const char* toString(HeapOpKind k);

struct HeapOp {
  HeapOpKind kind = HeapOpKind::Malloc;
  uint64_t id = 0;      // block id; the program keeps the pointer it last got for it
  uint64_t size = 0;    // malloc/calloc/realloc bytes; write/read length
  uint64_t offset = 0;  // write/read offset; free: interior offset (0 = the pointer itself)
  uint32_t line = 0;    // source line, 0 for generated ops
};

/// Parses a program text: one op per line, `#` starts a comment, blank lines skipped:
///   malloc ID SIZE | calloc ID SIZE | realloc ID SIZE | free ID [OFFSET]
///   write ID OFFSET SIZE | read ID OFFSET SIZE
/// Numbers are decimal or 0x-hex. An id must be malloc'ed/calloc'ed/realloc'ed before other use.
/// Errors throw std::runtime_error "<origin>:<line>: <what>".
std::vector<HeapOp> parseHeapProgram(const std::string& text, const std::string& origin);
std::vector<HeapOp> readHeapProgramFile(const std::string& path);

/// A random program: allocation sizes log-uniform in [minSize, maxSize]; reads only touch bytes
/// written before; every block is freed at the end when freeAtEnd. Clean unless wError > 0: then
/// that weight injects one error each time (double free, interior free, use after free, write
/// just past the end, read of unwritten bytes, leak), counted in injected().
struct RandomProgramConfig {
  uint64_t ops = 10000;
  uint64_t seed = 1;
  uint64_t minSize = 16;
  uint64_t maxSize = 64 * 1024;
  uint64_t maxAccess = 256;  // longest read/write op, bytes
  // Relative weights of the op kinds.
  uint64_t wMalloc = 30;
  uint64_t wFree = 25;
  uint64_t wRealloc = 5;
  uint64_t wWrite = 25;
  uint64_t wRead = 15;
  uint64_t wError = 0;
  bool freeAtEnd = true;
};

class RandomHeapProgram {
 public:
  explicit RandomHeapProgram(const RandomProgramConfig& config);
  /// The next op; empty at the end.
  std::optional<HeapOp> next();
  /// Errors injected so far, by MemoryErrorKind index (a leak counts when injected).
  const std::vector<uint64_t>& injected() const { return injected_; }

 private:
  struct Live {
    uint64_t size = 0;
    uint64_t written = 0;  // bytes [0, written) have been written
  };
  uint64_t draw(uint64_t n);  // uniform in [0, n)
  uint64_t drawSize();
  uint64_t pickLive();
  HeapOp makeMalloc();
  HeapOp makeWrite(uint64_t id);
  HeapOp makeRead(uint64_t id);
  HeapOp makeFree(size_t liveIndex);
  HeapOp makeError();

  RandomProgramConfig config_;
  std::mt19937_64 rng_;
  uint64_t emitted_ = 0;
  uint64_t nextId_ = 0;
  std::vector<uint64_t> liveIds_;  // ids in creation order (swap-removed)
  std::unordered_map<uint64_t, Live> live_;
  std::vector<HeapOp> pending_;  // second halves of injected errors, issued next
  std::vector<uint64_t> injected_;
};

}  // namespace vmsim::os
