// Trace readers: vmsim text traces and valgrind lackey (--trace-mem=yes) logs, plain or gzip.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "vmsim/workloads/workload.h"

namespace vmsim::workloads {

// A trace that cannot be opened or parsed. what() is "FILE:LINE: what is wrong" (no LINE when the
// file cannot be opened at all).
class TraceError : public std::runtime_error {
 public:
  TraceError(const std::string& file, uint64_t line, const std::string& problem);
  const std::string& file() const { return file_; }
  uint64_t line() const { return line_; }  // 0 when not about a line

 private:
  std::string file_;
  uint64_t line_;
};

enum class TraceFormat : uint8_t { VmSimText, Lackey };

// Opens a trace, detecting gzip from the magic bytes and the format from the first access line
// (a comma after the address means lackey). Lines are read one at a time, never the whole file.
std::unique_ptr<Workload> openTrace(const std::string& path);

// Same, with the format forced.
std::unique_ptr<Workload> openTrace(const std::string& path, TraceFormat format);

}  // namespace vmsim::workloads
