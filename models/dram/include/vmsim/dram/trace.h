// DRAMsim3 trace format ("0xADDR READ|WRITE cycle", plain or gzip) and a cycle-accurate replayer.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "vmsim/dram/config.h"
#include "vmsim/dram/stats.h"

namespace vmsim::dram {

struct TraceRecord {
  uint64_t addr = 0;
  bool isWrite = false;
  uint64_t cycle = 0;
};

/// Streams records from a trace file; gzip is detected from the magic bytes. Any malformed line
/// throws std::runtime_error "<file>:<line>: <problem>". Blank lines and '#' comments are skipped.
class TraceReader {
 public:
  explicit TraceReader(const std::string& path);
  ~TraceReader();
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  bool next(TraceRecord& rec);
  uint64_t line() const { return line_; }

 private:
  bool fill();
  [[noreturn]] void fail(const std::string& what) const;
  bool parse(const char* b, const char* e, TraceRecord& rec);

  struct Source;
  std::string path_;
  std::unique_ptr<Source> src_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  uint64_t line_ = 0;
  uint64_t lastCycle_ = 0;
};

/// Parses one trace line (without newline); throws std::invalid_argument on a bad line.
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
ReplayResult replayTrace(TraceReader& reader, const DramConfig& cfg);
ReplayResult replayTrace(const std::string& path, const DramConfig& cfg);

/// Human-readable stats: latency avg/min/max/percentiles (cycles and ns), histogram, bandwidth,
/// row hits/misses/conflicts, command counts.
void writeStats(std::ostream& out, const ReplayResult& r, unsigned histogramBinCycles = 10);

}  // namespace vmsim::dram
