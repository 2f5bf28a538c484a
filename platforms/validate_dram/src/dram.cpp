// DRAM validation against tests/data/dram layout: paced traces (offered rate below peak) must match
// DRAMsim3 tightly (REF exact, latency/bandwidth 3 %, row hits 2 points); saturated traces get
// bandwidth 10 % and latency within [0.9 min, 1.1 max] of DRAMsim3 and Ramulator 2.
#include "vmsim/validate/dram.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <optional>
#include <ostream>
#include <sstream>

#include "vmsim/dram/config.h"
#include "vmsim/dram/trace.h"

namespace vmsim::validate {
namespace {

namespace fs = std::filesystem;
using dram::ReplayResult;

// Metric `key` (optionally `key.sub`) of one simulator's results; absent or null -> nullopt.
std::optional<double> metric(const YAML::Node& sim, const char* key, const char* sub = nullptr) {
  if (!sim || !sim.IsMap()) return std::nullopt;
  YAML::Node n = sim[key];
  if (sub) {
    if (!n || !n.IsMap()) return std::nullopt;
    n = n[sub];
  }
  if (!n || !n.IsScalar()) return std::nullopt;
  try {
    return n.as<double>();
  } catch (const YAML::Exception&) {
    return std::nullopt;  // "null", "-" or text: the metric is absent
  }
}

std::optional<fs::path> findTrace(const fs::path& dir, const std::string& name) {
  for (const char* ext : {".trace.gz", ".trace", ".gz", ""}) {
    fs::path p = dir / "traces" / (name + ext);
    if (fs::is_regular_file(p)) return p;
  }
  return std::nullopt;
}

struct Tally {
  int passed = 0, failed = 0;
};

class Checker {
 public:
  Checker(std::ostream& out, const std::string& workload, Tally& tally)
      : out_(out), workload_(workload), tally_(tally) {}

  /// Verdict for ours in [lo, hi]; refs printed as "name value".
  void check(const std::string& metric, double ours, double lo, double hi,
             const std::string& refs) {
    const bool ok = ours >= lo - 1e-9 && ours <= hi + 1e-9;
    ++(ok ? tally_.passed : tally_.failed);
    out_ << std::left << std::setw(20) << workload_ << std::setw(22) << metric << std::right
         << " ours " << std::setw(10) << fmt(ours) << "  " << refs << "  allowed [" << fmt(lo)
         << ", " << fmt(hi) << "]  " << (ok ? "PASS" : "FAIL") << "\n";
  }
  void fail(const std::string& what) {
    ++tally_.failed;
    out_ << std::left << std::setw(20) << workload_ << " " << what << "  FAIL\n";
  }
  static std::string fmt(double v) {
    std::ostringstream s;
    s << std::setprecision(6) << v;
    return s.str();
  }

 private:
  std::ostream& out_;
  std::string workload_;
  Tally& tally_;
};

std::string refText(std::optional<double> d, std::optional<double> r) {
  std::string s = "dramsim3 " + Checker::fmt(*d);
  if (r) s += "  ramulator2 " + Checker::fmt(*r);
  return s;
}

void checkRelative(Checker& c, const std::string& m, double ours, std::optional<double> d,
                   std::optional<double> r, double tol) {
  if (!d) return;
  const double lo = *d * (1 - tol), hi = *d * (1 + tol);
  c.check(m, ours, std::min(lo, hi), std::max(lo, hi), refText(d, r));
}

void checkRowHits(Checker& c, double ours, std::optional<double> d, std::optional<double> r) {
  if (!d) return;
  c.check("row_hit_rate", ours, *d - 0.02, *d + 0.02, refText(d, r));
}

void checkPaced(Checker& c, const ReplayResult& res, const YAML::Node& d, const YAML::Node& r) {
  if (auto ref = metric(d, "ref_cmds"))
    c.check("ref_cmds", double(res.stats.refCmds), *ref, *ref, refText(ref, metric(r, "ref_cmds")));
  checkRelative(c, "read_latency_avg_cyc", res.stats.readLatency.average(),
                metric(d, "read_latency_cycles", "avg"), metric(r, "read_latency_cycles", "avg"),
                0.03);
  checkRelative(c, "bandwidth_GBps", res.bandwidthGBps(), metric(d, "bandwidth_GBps"),
                metric(r, "bandwidth_GBps"), 0.03);
  checkRowHits(c, res.stats.rowHitRate(), metric(d, "row_hit_rate"), metric(r, "row_hit_rate"));
}

// Latency: the interval spanned by the two simulators, widened by 10 % on each side
// ([0.9 min, 1.1 max]); with only DRAMsim3 present the interval is that single value.
void checkSaturated(Checker& c, const ReplayResult& res, const YAML::Node& d, const YAML::Node& r) {
  checkRelative(c, "bandwidth_GBps", res.bandwidthGBps(), metric(d, "bandwidth_GBps"),
                metric(r, "bandwidth_GBps"), 0.10);
  const auto dl = metric(d, "read_latency_cycles", "avg");
  const auto rl = metric(r, "read_latency_cycles", "avg");
  if (dl) {
    const double lo = std::min(*dl, rl.value_or(*dl)), hi = std::max(*dl, rl.value_or(*dl));
    c.check("read_latency_avg_cyc", res.stats.readLatency.average(), lo * 0.9, hi * 1.1,
            refText(dl, rl));
  }
  checkRowHits(c, res.stats.rowHitRate(), metric(d, "row_hit_rate"), metric(r, "row_hit_rate"));
}

void runWorkload(const fs::path& dir, const std::string& name, const YAML::Node& node,
                 std::ostream& out, Tally& tally) {
  Checker c(out, name, tally);
  const auto trace = findTrace(dir, name);
  if (!trace) return c.fail("trace missing in " + (dir / "traces").string());
  const dram::DramConfig cfg = dram::preset("DDR4-2400");
  ReplayResult res;
  try {
    res = dram::replayTrace(trace->string(), cfg);
  } catch (const std::exception& ex) {
    return c.fail(std::string("replay error: ") + ex.what());
  }
  const bool paced = res.offeredGBps() < cfg.peakBandwidthGBps();
  out << "# " << name << ": " << res.requests << " requests, offered "
      << Checker::fmt(res.offeredGBps()) << " GB/s vs peak " << cfg.peakBandwidthGBps()
      << " GB/s -> " << (paced ? "paced" : "saturated") << "; " << Checker::fmt(res.hostSeconds)
      << " host s, " << std::llround(res.requestsPerHostSecond()) << " requests/host s\n";
  if (!node.IsMap() || !node["dramsim3"] || !node["dramsim3"].IsMap())
    return c.fail("no dramsim3 reference in results.json");
  const YAML::Node d = node["dramsim3"];
  const YAML::Node r = node["ramulator2"] ? node["ramulator2"] : YAML::Node();
  if (paced)
    checkPaced(c, res, d, r);
  else
    checkSaturated(c, res, d, r);
}

}  // namespace

int runDram(const std::string& dirName, std::ostream& out) {
  const fs::path dir(dirName);
  YAML::Node results;
  try {
    results = YAML::LoadFile((dir / "results.json").string());
  } catch (const std::exception& ex) {
    out << "cannot read " << (dir / "results.json").string() << ": " << ex.what() << "\n";
    return 2;
  }
  if (!results.IsMap()) {
    out << (dir / "results.json").string() << ": expected an object of workloads\n";
    return 2;
  }
  Tally tally;
  for (const auto& kv : results)
    runWorkload(dir, kv.first.as<std::string>(), kv.second, out, tally);
  out << tally.passed << " passed, " << tally.failed << " failed\n";
  return tally.failed == 0 ? 0 : 1;
}

int replayDram(const std::string& trace, const std::string& preset, std::ostream& out) {
  try {
    const dram::ReplayResult r = dram::replayTrace(trace, dram::preset(preset));
    out << "trace " << trace << " on " << preset << " (" << Checker::fmt(r.hostSeconds)
        << " host s, " << std::llround(r.requestsPerHostSecond()) << " requests/host s)\n";
    dram::writeStats(out, r);
    return 0;
  } catch (const std::exception& ex) {
    out << "error: " << ex.what() << "\n";
    return 2;
  }
}

}  // namespace vmsim::validate
