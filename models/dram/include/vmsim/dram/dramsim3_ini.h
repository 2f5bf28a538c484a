// Reads a DRAMsim3 configuration file (configs/*.ini) into a DramConfig.
#pragma once

#include <istream>
#include <string>

#include "vmsim/dram/config.h"

namespace vmsim::dram {

/// Maps [dram_structure], [timing] and [system] keys onto DramConfig (ranks from channel_size).
/// Power, thermal and output keys are ignored; any other unknown key, a bad number or an
/// unsupported setting (e.g. queue_structure = PER_RANK) throws std::invalid_argument naming
/// "<source>:<line>" and the key.
DramConfig loadDramsim3Ini(std::istream& in, const std::string& source = "<ini>");
DramConfig loadDramsim3IniFile(const std::string& path);

}  // namespace vmsim::dram
