// DRAM statistics: command counts, row-buffer outcomes, read-latency histogram (DRAMsim3 names).
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace vmsim::dram {

/// Exact latency histogram in cycles (one bin per cycle up to kExactLimit, then one overflow bin).
class LatencyHistogram {
 public:
  static constexpr uint64_t kExactLimit = 1u << 16;
  void add(uint64_t cycles) {
    ++count_, sum_ += cycles;
    if (cycles < min_) min_ = cycles;
    if (cycles > max_) max_ = cycles;
    const uint64_t bin = cycles < kExactLimit ? cycles : kExactLimit;
    if (bin >= bins_.size()) bins_.resize(bin + 1, 0);
    ++bins_[bin];
  }
  void merge(const LatencyHistogram& o);
  uint64_t count() const { return count_; }
  double average() const { return count_ ? double(sum_) / double(count_) : 0.0; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  uint64_t percentile(double p) const;  ///< p in [0,100]
  const std::vector<uint64_t>& bins() const { return bins_; }

 private:
  uint64_t count_ = 0, sum_ = 0, min_ = std::numeric_limits<uint64_t>::max(), max_ = 0;
  std::vector<uint64_t> bins_;
};

struct DramStats {
  uint64_t reads = 0, writes = 0;  ///< requests accepted
  uint64_t readsFromWriteBuffer = 0, mergedWrites = 0, mergedReads = 0;
  uint64_t drainEscapes = 0;  ///< drains ended at a read-after-write with nothing else to do
  uint64_t readCmds = 0, writeCmds = 0, actCmds = 0, preCmds = 0, refCmds = 0, refbCmds = 0;
  /// PREs the scheduler issued for a conflicting request (DRAMsim3 num_ondemand_pres); the rest
  /// of preCmds closed rows for a refresh.
  uint64_t ondemandPreCmds = 0;
  uint64_t readRowHits = 0, writeRowHits = 0;  ///< column commands not first after their ACT
  uint64_t rowHits = 0, rowMisses = 0, rowConflicts = 0;  ///< per request, first command chosen
  LatencyHistogram readLatency;  ///< cycles from entering the controller to last data beat

  void merge(const DramStats& o);
  /// DRAMsim3 definition: share of RD/WR commands that were not the first after their ACT.
  double rowHitRate() const {
    const uint64_t cols = readCmds + writeCmds;
    return cols ? double(readRowHits + writeRowHits) / double(cols) : 0.0;
  }
  /// (RD + WR) x burst bytes over the run, GB/s (1e9 B/s).
  double bandwidthGBps(uint64_t simCycles, double tCKns, unsigned burstBytes) const {
    if (simCycles == 0) return 0.0;
    return double(readCmds + writeCmds) * burstBytes / (double(simCycles) * tCKns);
  }
};

}  // namespace vmsim::dram
