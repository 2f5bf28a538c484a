// Reading a DramConfig from the configuration tree (`<path>.preset`, organisation overrides and
// controller policies), shared by the Dram module and the DRAM-only trace-player platform.
#pragma once

#include "vmsim/common/config.h"
#include "vmsim/dram/config.h"

namespace vmsim::dram {

/// Declares and reads the DRAM keys under `p`. Problems (unknown preset or policy, a combination
/// DramConfig::validate() rejects) are recorded in the Config and the preset itself is returned.
DramConfig dramConfigFromParams(Params& p);

}  // namespace vmsim::dram
