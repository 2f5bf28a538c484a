// `vmsim validate dram DIR`: replays DIR/traces against the DDR4-2400 preset and checks every
// metric of the DRAMsim3 reference figures in DIR/results.json (and the latency histograms in
// DIR/read_latency_histograms.json) exactly, plus a looser DRAMsim3 / Ramulator 2 envelope.
#pragma once

#include <iosfwd>
#include <string>

namespace vmsim::validate {

/// Runs every workload listed in dir/results.json (trace dir/traces/<name>.trace.gz or .trace)
/// and prints one line per workload and metric (our value, references, allowed range, verdict),
/// then "N passed, M failed". Returns 0 if nothing failed, 1 otherwise (2 if results.json is
/// unreadable, not an object of workloads, or empty).
int runDram(const std::string& dir, std::ostream& out);

/// Replays one trace (DRAMsim3 format, plain or gzip) on a named preset (dram::presetNames())
/// and writes its stats (latency avg/min/max/percentiles and histogram in cycles and ns,
/// bandwidth, row hits/misses/conflicts, command counts). Returns 0, or 2 on bad input (message
/// in out).
int replayDram(const std::string& trace, const std::string& preset, std::ostream& out);

}  // namespace vmsim::validate
