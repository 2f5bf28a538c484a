// The DRAM-only platform (`system.platform: dram_trace`): replays a DRAMsim3-format trace
// straight into the DRAM controllers with cycle-accurate issue times.
#pragma once

#include "vmsim/platform/run.h"

namespace vmsim::platform {

/// Reads (declares) the dram_trace platform's keys: system.dram.* and system.trace.file.
void declareDramTraceParams(Config& cfg);

RunResult runDramTrace(Config& cfg, stats::Registry& reg, bool includeHost, const RunOptions& opt,
                       std::ostream& out, std::ostream& err);

}  // namespace vmsim::platform
