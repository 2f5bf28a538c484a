// DRAMsim3 trace format ("0xADDR READ|WRITE cycle", plain or gzip) and a cycle-accurate replayer.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vmsim/dram/config.h"
#include "vmsim/dram/stats.h"

namespace vmsim::dram {

struct TraceRecord {
  uint64_t addr = 0;
  bool isWrite = false;
  uint64_t cycle = 0;
};

/// Input bound of the trace reader: a request's cycle may lie at most this many cycles after the
/// previous request's (the first request's after cycle 0). 10^9 cycles is 0.83 s at DDR4-2400's
/// 1.2 GHz clock: a longer idle gap in a capture carries nothing but refresh, and the player would
/// spend host time simulating it (cut such gaps out of the trace). It also keeps every cycle, and
/// the run's length in picoseconds, far from 64-bit overflow.
constexpr uint64_t kMaxTraceGapCycles = 1'000'000'000;

/// Streams records from a trace file (regular file, pipe, FIFO, /dev/stdin), read forward only;
/// gzip is detected from the magic bytes. Any malformed line throws std::runtime_error
/// "<file>:<line>: <problem>"; so do lines longer than 4096 bytes and cycles that go backwards or
/// jump beyond kMaxTraceGapCycles. Blank lines and '#' comments are skipped.
class TraceReader {
 public:
  explicit TraceReader(const std::string& path);
  ~TraceReader();
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  /// The next record. Lines are decompressed and parsed ahead on a worker thread, in batches;
  /// errors come in file order, after every record before the bad line.
  bool next(TraceRecord& rec);
  uint64_t line() const;  ///< line of the last record next() returned
  const std::string& path() const { return path_; }

 private:
  [[noreturn]] void fail(const std::string& what) const;
  void produce();
  bool parse(std::string_view text, TraceRecord& rec);

  struct Source;
  std::string path_;
  std::unique_ptr<Source> src_;
  uint64_t lastCycle_ = 0;
  bool seen_ = false;  // a request was read
};

/// Parses one trace line (without newline); throws std::invalid_argument on a bad line (the
/// message quotes at most its first 40 bytes). No bound on the cycle: that rule is the reader's.
TraceRecord parseTraceLine(const std::string& text);

struct ReplayResult {
  uint64_t requests = 0, reads = 0, writes = 0;
  uint64_t firstIssueCycle = 0, lastIssueCycle = 0;
  uint64_t simCycles = 0;
  /// Cycles the front end held a request because its queue was full (from the cycle it was
  /// offered, i.e. not counting the one-request-per-cycle rule), as in tests/data/dram.
  uint64_t frontendStallCycles = 0;
  DramStats stats;
  LatencyHistogram endToEndReadLatency;
  double tCKns = 0;
  unsigned burstBytes = 64;
  double hostSeconds = 0;

  double bandwidthGBps() const { return stats.bandwidthGBps(simCycles, tCKns, burstBytes); }
  double requestsPerHostSecond() const { return hostSeconds > 0 ? requests / hostSeconds : 0; }
  /// requests x burst bytes over the span of issue cycles (GB/s); infinite for a zero span.
  double offeredGBps() const;
};

/// DRAMsim3 trace front end: at most one request per cycle, in file order, offered at the later
/// of its trace cycle and the cycle after the previous acceptance; a full queue holds it and every
/// later request. The run ends when all requests are accepted and all reads have returned.
/// A trace without any request is a std::runtime_error naming the file.
ReplayResult replayTrace(TraceReader& reader, const DramConfig& cfg);
ReplayResult replayTrace(const std::string& path, const DramConfig& cfg);

/// Human-readable stats: latency avg/min/max/percentiles (cycles and ns), histogram, bandwidth,
/// row hits/misses/conflicts, command counts.
void writeStats(std::ostream& out, const ReplayResult& r, unsigned histogramBinCycles = 10);

}  // namespace vmsim::dram
