// Writing a run's output folder (stats.txt, stats.json, config.ini, config.json, stats.csv); shared
// by the virtual-memory platform and the DRAM trace player.
#pragma once

#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "vmsim/common/config.h"
#include "vmsim/common/stats.h"

namespace vmsim::platform {

/// The output folder of one run. open() creates it and opens (truncates) its four files before
/// the simulation starts, so that an unwritable folder is found at once and periodic stats
/// blocks can be streamed into stats.txt as they are dumped; write() adds the final block and
/// writes the other three files.
///
/// Dumps taken during the run (dump(): periodic, or on SIGUSR1) are written when they are taken,
/// each at a cost independent of the dumps before it: a stats.txt block, one line of
/// `stats.dumps.jsonl` (its flat stats, a time series point) and, when stats were chosen for it,
/// rows of stats.csv. write() then puts the series (and the final point) into stats.json under
/// "dumps", copying the lines in one pass, and removes stats.dumps.jsonl.
class OutputFolder {
 public:
  /// False (with a message on `err`) when the folder or one of its files cannot be written.
  bool open(const std::string& outdir, std::ostream& err);
  /// stats.txt, for periodic blocks written before the final one.
  std::ostream& statsText() { return statsTxt_; }
  /// Chooses the stats of stats.csv: glob patterns (`*`, `?`, `[...]`) over the flat stat names
  /// of stats.json ("system.cpu0.mmu.l1d.hitRate", "system.cpu0.requester.latency.mean"). Returns
  /// the patterns that match no stat of `reg` (config errors for the caller); opens stats.csv
  /// when there are patterns.
  std::vector<std::string> chooseCsvStats(const std::vector<std::string>& patterns,
                                          const stats::Registry& reg, std::ostream& err);
  /// One dump taken now (`reason`: "periodic", "SIGUSR1"): all three series.
  void dump(const stats::Registry& reg, const stats::RunInfo& run, const std::string& reason);
  size_t dumps() const { return dumps_; }
  bool write(const Config& cfg, const stats::Registry& reg, const stats::RunInfo& run,
             std::ostream& err);

 private:
  void seriesPoint(const stats::Registry& reg, const stats::RunInfo& run,
                   const std::string& reason);
  std::string dir_;
  std::ofstream statsTxt_, statsJson_, configIni_, configJson_, dumpsJsonl_, statsCsv_;
  std::vector<std::string> csvPatterns_;
  std::vector<size_t> csvStats_;  // indices into Registry::all() of stats with a chosen value
  size_t dumps_ = 0;
};

/// open() and write() in one go.
bool writeOutputs(const std::string& outdir, const Config& cfg, const stats::Registry& reg,
                  const stats::RunInfo& run, std::ostream& err);
uint64_t hostMemoryBytes();

}  // namespace vmsim::platform
