// Running a configured simulation and writing its output folder; shared by the `vmsim`
// executable and the end-to-end tests (one simulation per process: SystemC cannot re-elaborate).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "vmsim/common/config.h"
#include "vmsim/common/stats.h"

namespace vmsim::platform {

struct RunOptions {
  std::string outdir = "out";
  bool printSummary = true;
};

struct RunResult {
  int exitCode = 0;  // 0 ok, 2 configuration error, 1 other failure
  double hostSeconds = 0;
  uint64_t simTicks = 0;
};

/// Elaborates the platform from `cfg`, checks the configuration (reporting every problem and
/// returning exit code 2 before simulating), simulates, writes stats.txt, stats.json, config.ini
/// and config.json into the output folder, and prints the summary to `out`.
RunResult runSimulation(Config& cfg, stats::Registry& reg, const RunOptions& opt, std::ostream& out,
                        std::ostream& err);

/// The `vmsim` command line: `vmsim CONFIG.yaml [--param k=v]... [--outdir DIR]`,
/// `vmsim validate ostep FILE`, `vmsim validate dram DIR`.
int vmsimMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace vmsim::platform
