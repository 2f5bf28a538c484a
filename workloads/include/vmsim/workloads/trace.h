// Trace readers: vmsim text traces, valgrind lackey (--trace-mem=yes) logs and ChampSim binary
// instruction traces, plain or compressed (gzip, xz, zstd).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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

enum class TraceFormat : uint8_t { VmSimText, Lackey, ChampSim };
// The names workload.format takes: "vmsim", "lackey", "champsim".
const char* toString(TraceFormat f);
const std::vector<std::string>& traceFormatNames();
// The format of a name in traceFormatNames(); empty for any other name.
std::optional<TraceFormat> traceFormatFromName(const std::string& name);

// One ChampSim record (struct input_instr of ChampSim's inc/trace_instruction.h): 64 bytes.
constexpr size_t kChampSimRecordBytes = 64;

// Which part of a trace to replay and how. `skip` and `count` are in accesses, as the requester's
// `accesses` statistic counts them (a lackey M line is two: a load, then a store).
struct TraceOptions {
  std::optional<TraceFormat> format;  // detected from the first access line when empty
  uint64_t skip = 0;                  // accesses read, checked and passed over before the first
  uint64_t count = 0;                 // at most this many accesses after the skipped; 0 = all
  // Called once when `count` ends the replay while the trace still holds lines.
  std::function<void(const std::string&)> onStoppedEarly;
};

// Opens a trace, detecting the compression from the magic bytes and, unless given, the format from
// the content: a NUL byte in the first 64 decoded bytes means ChampSim binary (text traces hold
// none); otherwise the first access line decides (lackey: a comma after the address, or a lackey
// op with a bare hex address and no size; vmsim text: a valid "OP VADDR SIZE" line). Anything else
// is a TraceError "unknown trace format". Input is read forward only, so pipes, FIFOs and
// /dev/stdin work. A trace without any access (empty, only comments), or one with `skip` reaching
// its end, is a TraceError.
std::unique_ptr<Workload> openTrace(const std::string& path, const TraceOptions& options);
std::unique_ptr<Workload> openTrace(const std::string& path);
// Same, with the format forced.
std::unique_ptr<Workload> openTrace(const std::string& path, TraceFormat format);

}  // namespace vmsim::workloads
