// Trace readers: vmsim text traces and valgrind lackey (--trace-mem=yes) logs, plain or gzip.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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

// Which part of a trace to replay and how. `skip` and `count` are in accesses, as the requester's
// `accesses` statistic counts them (a lackey M line is two: a load, then a store).
struct TraceOptions {
  std::optional<TraceFormat> format;  // detected from the first access line when empty
  uint64_t skip = 0;                  // accesses read, checked and passed over before the first
  uint64_t count = 0;                 // at most this many accesses after the skipped; 0 = all
  // Called once when `count` ends the replay while the trace still holds lines.
  std::function<void(const std::string&)> onStoppedEarly;
};

// Opens a trace, detecting gzip from the magic bytes and the format from the first access line
// (lackey: a comma after the address, or a lackey op with a bare hex address and no size). Lines
// are read one at a time, forward only, so pipes, FIFOs and /dev/stdin work. A trace without any
// access (empty, only comments), or one with `skip` reaching its end, is a TraceError.
std::unique_ptr<Workload> openTrace(const std::string& path, const TraceOptions& options);
std::unique_ptr<Workload> openTrace(const std::string& path);
// Same, with the format forced.
std::unique_ptr<Workload> openTrace(const std::string& path, TraceFormat format);

}  // namespace vmsim::workloads
