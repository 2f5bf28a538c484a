// The DRAM-only platform (`system.platform: dram_trace`): replays a DRAMsim3-format trace
// straight into the DRAM controllers with cycle-accurate issue times.
#pragma once

#include "vmsim/platform/run.h"

namespace vmsim::platform {

RunResult runDramTrace(Config& cfg, stats::Registry& reg, bool includeHost, const RunOptions& opt,
                       std::ostream& out, std::ostream& err);

}  // namespace vmsim::platform
