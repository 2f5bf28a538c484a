// Line-by-line reading of a trace file, plain or compressed (gzip, xz, zstd: byte_source.h), from
// any file: regular files, pipes, FIFOs, /dev/stdin, <(...) process substitution. Shared by the
// workload traces and the DRAM trace player.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vmsim/workloads/byte_source.h"

namespace vmsim::workloads {

// Longest line accepted, in bytes without the newline. Trace lines are a few dozen bytes; the
// bound keeps binary input or /dev/zero from growing one line until memory runs out.
constexpr size_t kMaxTraceLineBytes = 4096;

// The file is opened once and read forward only (ByteSource: the compression is recognised from
// the first bytes). A truncated or corrupt compressed stream is an error naming the line where the
// good data ends, after all complete lines before it.
// Errors throw TraceError (vmsim/workloads/trace.h) as "FILE: problem" or "FILE:LINE: problem".
class LineSource {
 public:
  explicit LineSource(const std::string& path, size_t maxLineBytes = kMaxTraceLineBytes);
  // Lines of a source already opened (and perhaps peeked at).
  explicit LineSource(std::unique_ptr<ByteSource> bytes, size_t maxLineBytes = kMaxTraceLineBytes);
  ~LineSource();
  LineSource(const LineSource&) = delete;
  LineSource& operator=(const LineSource&) = delete;

  // The next line without its '\n' and a trailing '\r'; false at the end of the file. The view is
  // valid until the next call. A line longer than the bound, a read or a decompression error
  // throws TraceError naming the line.
  bool next(std::string_view& line);
  // Makes the following next() return the line just read again, with the same line number.
  void pushBack() { pushedBack_ = true; }

  uint64_t lineNumber() const { return lineNumber_; }
  const std::string& path() const { return path_; }
  bool gzipped() const { return bytes_->compression() == Compression::Gzip; }
  Compression compression() const { return bytes_->compression(); }
  size_t maxLineBytes() const { return maxLine_; }

 private:
  bool fill();
  [[noreturn]] void fail(uint64_t line, const std::string& problem) const;

  std::string path_;
  size_t maxLine_;
  std::unique_ptr<ByteSource> bytes_;
  bool eof_ = false;
  bool pushedBack_ = false;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  uint64_t lineNumber_ = 0;
  std::string_view last_;
};

// A piece of input for an error message: at most `max` bytes, quoted, with bytes outside printable
// ASCII written as \xNN (and \\, \'), followed by "... (N bytes)" when cut.
std::string quoteForMessage(std::string_view text, size_t max = 40);

}  // namespace vmsim::workloads
