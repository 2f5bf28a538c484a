// Line-by-line reading of a trace file, plain or gzip, from any file: regular files, pipes, FIFOs,
// /dev/stdin, <(...) process substitution. Shared by the workload traces and the DRAM trace player.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vmsim::workloads {

// Longest line accepted, in bytes without the newline. Trace lines are a few dozen bytes; the
// bound keeps binary input or /dev/zero from growing one line until memory runs out.
constexpr size_t kMaxTraceLineBytes = 4096;

// The file is opened once and read forward only: gzip is recognised from the first two bytes
// (0x1f 0x8b), which are kept and handed to zlib, so nothing is ever sought back. Concatenated
// gzip members read as one stream (as gunzip does); a truncated or corrupt stream is an error
// naming the line where the good data ends, after all complete lines before it.
// Errors throw TraceError (vmsim/workloads/trace.h) as "FILE: problem" or "FILE:LINE: problem".
class LineSource {
 public:
  explicit LineSource(const std::string& path, size_t maxLineBytes = kMaxTraceLineBytes);
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
  bool gzipped() const { return gzipped_; }
  size_t maxLineBytes() const { return maxLine_; }

 private:
  size_t readSome(char* dst, size_t n);  // 0 at end of input
  bool fill();
  [[noreturn]] void fail(uint64_t line, const std::string& problem) const;

  struct Gzip;
  std::string path_;
  size_t maxLine_;
  int fd_ = -1;
  bool gzipped_ = false;
  bool eof_ = false;
  bool pushedBack_ = false;
  std::unique_ptr<Gzip> gz_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  uint64_t lineNumber_ = 0;
  std::string_view last_;
};

// A piece of input for an error message: at most `max` bytes, quoted, with bytes outside printable
// ASCII written as \xNN (and \\, \'), followed by "... (N bytes)" when cut.
std::string quoteForMessage(std::string_view text, size_t max = 40);

}  // namespace vmsim::workloads
