// DRAM trace player platform: configuration from `system.dram.*` and `system.trace.*`, replay
// with the DRAMsim3 front-end rule, stats in the usual output folder.
#include "dram_trace_platform.h"

#include <chrono>
#include <iomanip>

#include "outputs.h"
#include "vmsim/dram/dram_params.h"
#include "vmsim/dram/trace.h"

namespace vmsim::platform {
namespace {

void registerStats(stats::Registry& reg, const dram::ReplayResult& r) {
  const std::string p = "system.dram.";
  const auto& s = r.stats;
  auto scalar = [&](const std::string& n, double v, const char* unit, const char* desc) {
    reg.scalar(p + n, unit, desc).set(v);
  };
  scalar("requests", double(r.requests), "Count", "trace requests");
  scalar("reads", double(r.reads), "Count", "read requests");
  scalar("writes", double(r.writes), "Count", "write requests");
  scalar("simCycles", double(r.simCycles), "Cycle", "DRAM cycles simulated");
  scalar("frontendStallCycles", double(r.frontendStallCycles), "Cycle",
         "cycles requests waited in front of a full queue");
  scalar("readCmds", double(s.readCmds), "Count", "RD commands");
  scalar("writeCmds", double(s.writeCmds), "Count", "WR commands");
  scalar("actCmds", double(s.actCmds), "Count", "ACT commands");
  scalar("preCmds", double(s.preCmds), "Count", "PRE commands");
  scalar("refCmds", double(s.refCmds + s.refbCmds), "Count", "REF commands");
  scalar("rowHits", double(s.rowHits), "Count", "requests whose row was open");
  scalar("rowMisses", double(s.rowMisses), "Count", "requests to a closed bank");
  scalar("rowConflicts", double(s.rowConflicts), "Count", "requests that closed another row");
  scalar("rowHitRate", s.rowHitRate(), "Ratio",
         "column commands that were not the first after their ACT (DRAMsim3's definition)");
  scalar("bandwidth", r.bandwidthGBps(), "GB/s", "(RD + WR) x burst bytes over the run");
  const auto& lat = s.readLatency;
  scalar("readLatency.avg", lat.average(), "Cycle", "read latency: arrival to last data beat");
  scalar("readLatency.min", double(lat.min()), "Cycle", "shortest read latency");
  scalar("readLatency.max", double(lat.max()), "Cycle", "longest read latency");
  scalar("readLatency.avgNs", lat.average() * r.tCKns, "Nanosecond", "average read latency");
  scalar("readLatency.p99", double(lat.count() ? lat.percentile(99) : 0), "Cycle",
         "99th percentile read latency");
  auto& h = reg.histogram(p + "readLatencyHist", 32, "Cycle", "read latency distribution");
  auto& hns = reg.histogram(p + "readLatencyHistNs", 32, "Nanosecond",
                            "read latency distribution in nanoseconds");
  const auto& bins = lat.bins();
  for (size_t c = 0; c < bins.size(); ++c) {
    if (!bins[c]) continue;
    h.sample(double(c), double(bins[c]));
    hns.sample(double(c) * r.tCKns, double(bins[c]));
  }
}

}  // namespace

void declareDramTraceParams(Config& cfg) {
  auto dp = cfg.at("system.dram");
  (void)dram::dramConfigFromParams(dp);
  (void)cfg.at("system.trace")
      .getString("file", "", "DRAMsim3 trace (0xADDR READ|WRITE cycle; .gz ok)");
}

RunResult runDramTrace(Config& cfg, stats::Registry& reg, bool includeHost, const RunOptions& opt,
                       std::ostream& out, std::ostream& err) {
  RunResult res;
  auto dp = cfg.at("system.dram");
  const dram::DramConfig dcfg = dram::dramConfigFromParams(dp);
  const std::string trace =
      cfg.at("system.trace")
          .getPath("file", "",
                   "DRAMsim3 trace (0xADDR READ|WRITE cycle; .gz, .xz, .zst ok; relative to the "
                   "config file naming it)");
  if (trace.empty()) cfg.addProblem("'system.trace.file': the dram_trace platform needs a trace");
  try {
    cfg.finalize();
  } catch (const ConfigError& e) {
    err << "vmsim: configuration error" << (e.problems().size() > 1 ? "s" : "") << ":\n";
    for (const auto& p : e.problems()) err << "  " << p << "\n";
    res.exitCode = 2;
    return res;
  }
  OutputFolder folder;  // opened before the replay: an unwritable --outdir is bad input
  if (!folder.open(opt.outdir, err)) {
    res.exitCode = 2;
    return res;
  }
  dram::ReplayResult r;
  try {
    r = dram::replayTrace(trace, dcfg);
  } catch (const std::exception& e) {
    err << "vmsim: bad trace: " << e.what() << "\n";
    res.exitCode = 2;
    return res;
  }
  res.hostSeconds = r.hostSeconds;
  res.simTicks = static_cast<uint64_t>(std::llround(r.simCycles * r.tCKns * 1000.0));
  registerStats(reg, r);
  stats::RunInfo run;
  run.simTicks = res.simTicks;
  run.hostSeconds = res.hostSeconds;
  run.hostMemoryBytes = hostMemoryBytes();
  run.includeHost = includeHost;
  if (!folder.write(cfg, reg, run, err)) res.exitCode = 1;
  if (opt.printSummary) {
    out << std::fixed << std::setprecision(3) << "vmsim DRAM trace replay (" << dcfg.name << ")\n"
        << "  requests                " << r.requests << " (" << r.reads << " reads, " << r.writes
        << " writes)\n"
        << "  simulated cycles        " << r.simCycles << "\n"
        << "  avg read latency        " << r.stats.readLatency.average() << " cycles ("
        << r.stats.readLatency.average() * r.tCKns << " ns)\n"
        << "  bandwidth               " << r.bandwidthGBps() << " GB/s\n"
        << "  row-hit rate            " << r.stats.rowHitRate() * 100 << " %\n"
        << "  ACT / PRE / REF         " << r.stats.actCmds << " / " << r.stats.preCmds << " / "
        << r.stats.refCmds + r.stats.refbCmds << "\n"
        << "  host speed              " << std::setprecision(0) << r.requestsPerHostSecond()
        << " requests/s\n"
        << "  output                  " << opt.outdir << "/\n";
  }
  return res;
}

}  // namespace vmsim::platform
