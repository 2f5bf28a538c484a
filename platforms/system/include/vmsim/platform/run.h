// Running a configured simulation and writing its output folder; shared by the `vmsim`
// executable and the end-to-end tests (one simulation per process: SystemC cannot re-elaborate).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "vmsim/common/config.h"
#include "vmsim/common/stats.h"

namespace vmsim::platform {

/// When the progress line is shown on stderr: on a terminal (Auto), always, never.
enum class Progress { Auto, On, Off };

struct RunOptions {
  std::string outdir = "out";
  bool printSummary = true;
  Progress progress = Progress::Off;  // vmsim run: Auto unless --quiet/--progress/--no-progress
  /// The internal LT direct calls between a core's requester, MMU and L1D (DirectTransport,
  /// docs/lt-hit-path.md) and from the router to the DRAM. False: not connected, so every access
  /// takes the sockets; the results are the same (tests compare both).
  bool directCalls = true;
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

/// Lists the parameters `cfg` elaborates (every module declares its keys as it is built; nothing
/// is simulated) at or under `prefix` ("" for all), as text or JSON; 2 on configuration errors.
int listParams(Config& cfg, const std::string& prefix, bool json, std::ostream& out,
               std::ostream& err);

/// "vmsim 0.1.0 (git <revision>)": the project version and the git revision found at configure
/// time.
std::string versionText();

/// The `vmsim` command line (CLI11): `vmsim [run] CONFIG [--param k=v]... [--outdir DIR]
/// [--csv STAT]... [--quiet] [--progress]`, `vmsim validate ostep FILE|dram DIR`,
/// `vmsim params [PREFIX] [--config FILE] [--json]`, `vmsim --version`.
int vmsimMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace vmsim::platform
