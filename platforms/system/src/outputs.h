// Writing a run's output folder (stats.txt, stats.json, config.ini, config.json); shared by the
// virtual-memory platform and the DRAM trace player.
#pragma once

#include <fstream>
#include <ostream>
#include <string>

#include "vmsim/common/config.h"
#include "vmsim/common/stats.h"

namespace vmsim::platform {

/// The output folder of one run. open() creates it and opens (truncates) its four files before
/// the simulation starts, so that an unwritable folder is found at once and periodic stats
/// blocks can be streamed into stats.txt as they are dumped; write() adds the final block and
/// writes the other three files.
class OutputFolder {
 public:
  /// False (with a message on `err`) when the folder or one of its files cannot be written.
  bool open(const std::string& outdir, std::ostream& err);
  /// stats.txt, for periodic blocks written before the final one.
  std::ostream& statsText() { return statsTxt_; }
  bool write(const Config& cfg, const stats::Registry& reg, const stats::RunInfo& run,
             std::ostream& err);

 private:
  std::string dir_;
  std::ofstream statsTxt_, statsJson_, configIni_, configJson_;
};

/// open() and write() in one go.
bool writeOutputs(const std::string& outdir, const Config& cfg, const stats::Registry& reg,
                  const stats::RunInfo& run, std::ostream& err);
uint64_t hostMemoryBytes();

}  // namespace vmsim::platform
