// DRAM statistics helpers (percentiles over the exact latency histogram).
#include "vmsim/dram/stats.h"

#include <algorithm>

namespace vmsim::dram {

void LatencyHistogram::merge(const LatencyHistogram& o) {
  if (o.count_ == 0) return;
  count_ += o.count_, sum_ += o.sum_;
  min_ = std::min(min_, o.min_), max_ = std::max(max_, o.max_);
  if (o.bins_.size() > bins_.size()) bins_.resize(o.bins_.size(), 0);
  for (size_t i = 0; i < o.bins_.size(); ++i) bins_[i] += o.bins_[i];
}

uint64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  const double target = std::clamp(p, 0.0, 100.0) / 100.0 * double(count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < bins_.size(); ++i) {
    seen += bins_[i];
    if (double(seen) >= target && seen > 0) return i < kExactLimit ? i : max_;
  }
  return max_;
}

void DramStats::merge(const DramStats& o) {
  reads += o.reads, writes += o.writes;
  readsFromWriteBuffer += o.readsFromWriteBuffer, mergedWrites += o.mergedWrites;
  mergedReads += o.mergedReads, drainEscapes += o.drainEscapes;
  readCmds += o.readCmds, writeCmds += o.writeCmds, actCmds += o.actCmds, preCmds += o.preCmds;
  ondemandPreCmds += o.ondemandPreCmds;
  refCmds += o.refCmds, refbCmds += o.refbCmds;
  readRowHits += o.readRowHits, writeRowHits += o.writeRowHits;
  rowHits += o.rowHits, rowMisses += o.rowMisses, rowConflicts += o.rowConflicts;
  readLatency.merge(o.readLatency);
}

}  // namespace vmsim::dram
