// Writing a run's output folder (stats.txt, stats.json, config.ini, config.json); shared by the
// virtual-memory platform and the DRAM trace player.
#pragma once

#include <ostream>
#include <string>

#include "vmsim/common/config.h"
#include "vmsim/common/stats.h"

namespace vmsim::platform {

/// Creates `outdir` and writes the four files; false (with a message on `err`) on failure.
/// `earlierDumps`: periodic stats blocks that go before the final one in stats.txt.
bool writeOutputs(const std::string& outdir, const Config& cfg, const stats::Registry& reg,
                  const stats::RunInfo& run, std::ostream& err,
                  const std::string& earlierDumps = "");
uint64_t hostMemoryBytes();

}  // namespace vmsim::platform
