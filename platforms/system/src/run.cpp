// Simulation driver: configuration checking, elaboration, run, output folder and summary.
#include "vmsim/platform/run.h"

#include <fnmatch.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <optional>
#include <sstream>

#include <CLI/CLI.hpp>

#include "dram_trace_platform.h"
#include "outputs.h"
#include "vmsim/common/json.h"
#include "vmsim/platform/system.h"
#include "vmsim/version.h"

#ifdef VMSIM_HAVE_VALIDATE_OSTEP
#include "vmsim/validate/ostep.h"
#endif
#ifdef VMSIM_HAVE_VALIDATE_DRAM
#include "vmsim/validate/dram.h"
#endif

namespace vmsim::platform {
namespace {

void reportConfigErrors(const std::vector<std::string>& problems, std::ostream& err) {
  err << "vmsim: configuration error" << (problems.size() > 1 ? "s" : "") << ":\n";
  for (const auto& p : problems) err << "  " << p << "\n";
}

double statOr(const stats::Registry& reg, const std::string& name, double dflt = 0) {
  try {
    return reg.value(name);
  } catch (const std::out_of_range&) {
    return dflt;
  }
}

// SIGINT/SIGTERM only set this flag; the simulation loop below ends the run between two slices
// of simulated time (a safe point: no process is half-way through an access).
volatile std::sig_atomic_t gSignal = 0;
// SIGUSR1 counts here; the loop dumps the stats at its next safe point and goes on (gem5's
// SIGUSR1). Several signals before that point give one dump.
volatile std::sig_atomic_t gDumpRequest = 0;

extern "C" void onSignal(int sig) {
  gSignal = sig;
}

extern "C" void onDumpSignal(int) {
  gDumpRequest = 1;
}

// Catches SIGINT/SIGTERM/SIGUSR1 from its construction (before elaboration, so that a signal
// during a long elaboration also ends in partial outputs) to its destruction.
class SignalGuard {
 public:
  SignalGuard() {
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C ends the process at once
    gSignal = 0;
    gDumpRequest = 0;
    sigaction(SIGINT, &sa, &oldInt_);
    sigaction(SIGTERM, &sa, &oldTerm_);
    struct sigaction usr {};
    usr.sa_handler = onDumpSignal;
    sigemptyset(&usr.sa_mask);
    usr.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &usr, &oldUsr1_);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &oldInt_, nullptr);
    sigaction(SIGTERM, &oldTerm_, nullptr);
    sigaction(SIGUSR1, &oldUsr1_, nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  struct sigaction oldInt_ {};
  struct sigaction oldTerm_ {};
  struct sigaction oldUsr1_ {};
};

stats::RunInfo runInfoNow() {
  stats::RunInfo run;
  run.simTicks = sc_core::sc_time_stamp().value();
  run.simFreq =
      static_cast<uint64_t>(std::llround(1.0 / sc_core::sc_get_time_resolution().to_seconds()));
  run.includeHost = false;  // host figures belong to the whole run
  return run;
}

std::string hms(double seconds) {
  const auto s = static_cast<uint64_t>(std::llround(seconds));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s / 60 % 60),
                  static_cast<unsigned long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llu:%02llu", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  }
  return buf;
}

// The progress line on stderr: accesses done (of the total when every workload's count is
// known), simulated time, host rate and ETA. Shown once the run has taken 2 s of host time, then
// refreshed every 0.5 s in place on a terminal, or one line every 2 s into a file or pipe
// (--progress).
class ProgressLine {
 public:
  ProgressLine(bool enabled, System& sys, const Config& cfg, std::ostream& err)
      : enabled_(enabled), sys_(sys), err_(err), tty_(isatty(STDERR_FILENO) == 1) {
    std::vector<std::string> workloads;  // every workload section a core runs
    for (auto& c : sys.cores()) {
      if (c->requester.processes().empty()) {
        workloads.push_back(std::string(c->requester.name()) + ".workload");
      }
      for (auto* p : c->requester.processes())
        workloads.push_back(std::string(p->name()) + ".workload");
    }
    for (const auto& w : workloads) {
      const auto& decl = cfg.declared();
      const auto it = decl.find(w + ".count");
      uint64_t n = 0;
      if (it != decl.end()) n = std::strtoull(it->second.value.c_str(), nullptr, 10);
      if (n == 0) totalKnown_ = false;  // a trace to its end, a program: not known in advance
      total_ += n;
    }
    t0_ = last_ = std::chrono::steady_clock::now();
  }
  void tick() {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - t0_).count();
    if (elapsed < 2.0) return;
    if (shown_ && std::chrono::duration<double>(now - last_).count() < (tty_ ? 0.5 : 2.0)) return;
    last_ = now;
    uint64_t done = 0;
    for (auto& c : sys_.cores()) done += c->requester.completed();
    const double rate = done / elapsed;
    char line[200];
    int n = std::snprintf(line, sizeof line, "vmsim: %llu", static_cast<unsigned long long>(done));
    if (totalKnown_ && total_) {
      n += std::snprintf(line + n, sizeof line - n, "/%llu accesses (%.1f%%)",
                         static_cast<unsigned long long>(total_), 100.0 * done / total_);
    } else {
      n += std::snprintf(line + n, sizeof line - n, " accesses");
    }
    n += std::snprintf(line + n, sizeof line - n, ", %.3f ms simulated, %.0f accesses/s",
                       sc_core::sc_time_stamp().to_seconds() * 1e3, rate);
    if (totalKnown_ && total_ && rate > 0 && done <= total_) {
      std::snprintf(line + n, sizeof line - n, ", ETA %s", hms((total_ - done) / rate).c_str());
    }
    if (tty_) {
      err_ << "\r" << line << "\033[K" << std::flush;
    } else {
      err_ << line << "\n" << std::flush;
    }
    shown_ = true;
  }
  /// Ends the line in place (before the summary or a message).
  void finish() {
    if (shown_ && tty_) err_ << "\n" << std::flush;
    shown_ = false;
  }

 private:
  bool enabled_;
  System& sys_;
  std::ostream& err_;
  bool tty_;
  uint64_t total_ = 0;
  bool totalKnown_ = true;
  bool shown_ = false;
  std::chrono::steady_clock::time_point t0_, last_;
};

// Runs the simulation to its end (sc_stop from the platform, or no more activity) in slices of
// simulated time, checking for a signal between slices. Pausing and resuming the scheduler
// changes nothing in the simulation (same events, same order). Returns the signal that ended
// the run early, or 0. `between` runs at every safe point (progress line, SIGUSR1 dumps).
int simulateUntilDoneOrSignal(const std::function<void()>& between) {
  const sc_core::sc_time slice(100, sc_core::SC_US);
  bool started = false;  // before the first sc_start() nothing is scheduled yet
  while (!gSignal && (!started || sc_core::sc_pending_activity())) {
    // At least one slice, and always far enough to reach the next event (a slice may lie in a
    // gap between events, as during a disk access). On starvation the scheduler stops at the
    // last event, as a plain sc_start() does.
    const sc_core::sc_time toNext =
        started ? sc_core::sc_time_to_pending_activity() : sc_core::SC_ZERO_TIME;
    started = true;
    sc_core::sc_start(std::max(slice, toNext + sc_core::sc_get_time_resolution()),
                      sc_core::SC_EXIT_ON_STARVATION);
    if (sc_core::sc_get_status() != sc_core::SC_PAUSED) break;  // sc_stop()
    between();
  }
  return gSignal;
}

// "12.345 %", or "-" for a structure nothing looked up (a rate of nothing is no rate).
std::string rateText(double rate, bool lookedUp) {
  if (!lookedUp) return "- (no lookups)";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f %%", 100 * rate);
  return buf;
}

// The hit rate of the cache `name` (accesses from above: 1 - its missRate formula), "-" when
// nothing looked it up, "" when there is no such cache.
std::string cacheHitRate(const stats::Registry& reg, const std::string& name) {
  const auto* hits = dynamic_cast<const stats::Vector*>(reg.find(name + ".hits"));
  const auto* misses = dynamic_cast<const stats::Vector*>(reg.find(name + ".misses"));
  if (!hits || !misses) return "";
  return rateText(1 - statOr(reg, name + ".missRate"), hits->total() + misses->total() > 0);
}

void printSummary(System& sys, const stats::Registry& reg, double hostSeconds, std::ostream& out) {
  double accesses = 0, latency = 0;
  for (auto& c : sys.cores()) {
    const std::string r = std::string(c->requester.name());
    accesses += statOr(reg, r + ".accesses");
    latency += statOr(reg, r + ".totalLatency");
  }
  const double simSec = sc_core::sc_time_stamp().to_seconds();
  out << std::fixed << std::setprecision(3);
  out << "vmsim summary\n";
  out << "  accesses                " << static_cast<uint64_t>(accesses) << "\n";
  out << "  simulated time          " << simSec * 1e6 << " us\n";
  out << "  avg access latency      " << (accesses ? latency / accesses : 0) << " cycles\n";
  const bool many = sys.cores().size() > 1;
  for (auto& c : sys.cores()) {
    const std::string core = many ? std::string(c->basename()) + " " : "";
    if (auto* m = c->radix()) {
      for (auto* t : m->tlbs()) {
        const std::string n = t->name();
        const bool lookedUp = statOr(reg, n + ".hits") + statOr(reg, n + ".misses") > 0;
        out << "  " << std::left << std::setw(24) << (core + t->basename() + " TLB hit rate")
            << std::right << rateText(statOr(reg, n + ".hitRate"), lookedUp) << "\n";
      }
      out << "  " << std::left << std::setw(24) << (core + "page walks") << std::right
          << static_cast<uint64_t>(statOr(reg, std::string(m->walker()->name()) + ".walks"))
          << "\n";
      // The data caches this core has (enabled ones register their stats).
      for (const char* cache : {"dcache", "icache", "l2cache"}) {
        const std::string n = std::string(c->name()) + "." + cache;
        const std::string rate = cacheHitRate(reg, n);
        if (rate.empty()) continue;
        out << "  " << std::left << std::setw(24) << (core + cache + " hit rate") << std::right
            << rate << "\n";
      }
    } else {
      const std::string t = std::string(c->textbook()->name());
      out << "  " << std::left << std::setw(24) << (core + "mmu mode") << std::right << c->mmuMode()
          << "\n";
      out << "  " << std::left << std::setw(24) << (core + "table reads") << std::right
          << static_cast<uint64_t>(statOr(reg, t + ".tableReads")) << "\n";
    }
  }
  const std::string llc = cacheHitRate(reg, "system.llc");
  if (!llc.empty()) out << "  llc hit rate            " << llc << "\n";
  if (auto* kernel = sys.kernel()) {
    const std::string k = std::string(kernel->name());
    out << "  page faults (min/maj)   " << static_cast<uint64_t>(statOr(reg, k + ".minorFaults"))
        << " / " << static_cast<uint64_t>(statOr(reg, k + ".majorFaults")) << "\n";
  }
  out << "  DRAM row-hit rate       "
      << statOr(reg, std::string(sys.dram().name()) + ".rowHitRate") * 100 << " %\n";
  out << "  host speed              " << std::setprecision(0)
      << (hostSeconds > 0 ? accesses / hostSeconds : 0) << " accesses/s (" << std::setprecision(3)
      << hostSeconds << " s)\n";
}

}  // namespace

bool OutputFolder::open(const std::string& outdir, std::ostream& err) {
  dir_ = outdir;
  std::error_code ec;
  std::filesystem::create_directories(outdir, ec);
  if (ec) {
    err << "vmsim: cannot create output folder " << outdir << ": " << ec.message() << "\n";
    return false;
  }
  const std::filesystem::path dir(outdir);
  const std::pair<std::ofstream*, const char*> files[] = {{&statsTxt_, "stats.txt"},
                                                          {&statsJson_, "stats.json"},
                                                          {&configIni_, "config.ini"},
                                                          {&configJson_, "config.json"}};
  for (const auto& [f, name] : files) {
    f->open(dir / name, std::ios::trunc);
    if (!*f) {
      err << "vmsim: cannot write " << (dir / name).string() << "\n";
      return false;
    }
  }
  // A stats.csv or dump series of an earlier run in this folder would be mistaken for this one's.
  std::filesystem::remove(dir / "stats.csv", ec);
  std::filesystem::remove(dir / "stats.dumps.jsonl", ec);
  return true;
}

std::vector<std::string> OutputFolder::chooseCsvStats(const std::vector<std::string>& patterns,
                                                      const stats::Registry& reg,
                                                      std::ostream& err) {
  csvPatterns_ = patterns;
  std::vector<bool> used(patterns.size(), false);
  const auto& all = reg.all();
  for (size_t i = 0; i < all.size(); ++i) {
    JsonTree t(true);
    all[i]->addJson(t);
    bool chosen = false;
    for (const auto& leaf : t.flatLeaves()) {
      for (size_t p = 0; p < patterns.size(); ++p) {
        if (fnmatch(patterns[p].c_str(), leaf.first.c_str(), 0) == 0) used[p] = chosen = true;
      }
    }
    if (chosen) csvStats_.push_back(i);
  }
  std::vector<std::string> unmatched;
  for (size_t p = 0; p < patterns.size(); ++p) {
    if (!used[p]) unmatched.push_back(patterns[p]);
  }
  if (!patterns.empty() && unmatched.empty()) {
    const auto path = std::filesystem::path(dir_) / "stats.csv";
    statsCsv_.open(path, std::ios::trunc);
    if (!statsCsv_) {
      err << "vmsim: cannot write " << path.string() << "\n";
    } else {
      statsCsv_ << "dump,reason,simTicks,simSeconds,stat,value\n";
    }
  }
  return unmatched;
}

void OutputFolder::seriesPoint(const stats::Registry& reg, const stats::RunInfo& run,
                               const std::string& reason) {
  const double simSeconds = static_cast<double>(run.simTicks) / run.simFreq;
  if (!dumpsJsonl_.is_open()) {
    dumpsJsonl_.open(std::filesystem::path(dir_) / "stats.dumps.jsonl", std::ios::trunc);
  }
  JsonTree point(true);
  point.set("dump", {std::to_string(dumps_)});
  point.set("reason", {reason, true});
  point.set("simTicks", {std::to_string(run.simTicks)});
  point.set("simSeconds", {jsonNumber(simSeconds)});
  for (const auto& s : reg.all()) s->addJson(point);
  point.write(dumpsJsonl_);
  dumpsJsonl_.flush();
  if (statsCsv_.is_open()) {
    char head[96];
    std::snprintf(head, sizeof head, "%zu,%s,%llu,%s,", dumps_, reason.c_str(),
                  static_cast<unsigned long long>(run.simTicks), jsonNumber(simSeconds).c_str());
    const auto& all = reg.all();
    for (size_t i : csvStats_) {
      JsonTree t(true);
      all[i]->addJson(t);
      for (const auto& [name, v] : t.flatLeaves()) {
        for (const auto& p : csvPatterns_) {
          if (fnmatch(p.c_str(), name.c_str(), 0) == 0) {
            statsCsv_ << head << name << "," << (v.text == "null" ? "" : v.text) << "\n";
            break;
          }
        }
      }
    }
    statsCsv_.flush();
  }
  ++dumps_;
}

void OutputFolder::dump(const stats::Registry& reg, const stats::RunInfo& run,
                        const std::string& reason) {
  reg.writeText(statsTxt_, run);
  statsTxt_.flush();
  seriesPoint(reg, run, reason);
}

bool OutputFolder::write(const Config& cfg, const stats::Registry& reg, const stats::RunInfo& run,
                         std::ostream& err) {
  reg.writeText(statsTxt_, run);
  const std::string finalReason = run.interruptedBy.empty() ? "final" : "partial";
  // The final point closes the series (stats.csv always has it; stats.json's "dumps" when there
  // were dumps before it).
  const bool series = dumps_ > 0;
  if (series || statsCsv_.is_open()) seriesPoint(reg, run, finalReason);
  if (!series) {
    reg.writeJson(statsJson_, run);
  } else {
    std::ostringstream top;
    reg.writeJson(top, run);
    std::string text = top.str();
    const auto close = text.rfind('}');
    text.resize(close);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    statsJson_ << text << ",\n  \"dumps\": [\n";
    dumpsJsonl_.close();
    const auto jsonl = std::filesystem::path(dir_) / "stats.dumps.jsonl";
    std::ifstream in(jsonl);
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
      statsJson_ << (first ? "    " : ",\n    ") << line;
      first = false;
    }
    statsJson_ << "\n  ]\n}\n";
    in.close();
    if (statsJson_) {
      std::error_code ec;
      std::filesystem::remove(jsonl, ec);
    }
  }
  if (dumpsJsonl_.is_open()) {  // the final point of stats.csv alone: no series in stats.json
    dumpsJsonl_.close();
    std::error_code ec;
    std::filesystem::remove(std::filesystem::path(dir_) / "stats.dumps.jsonl", ec);
  }
  cfg.writeIni(configIni_);
  cfg.writeJson(configJson_);
  bool ok = true;
  const std::pair<std::ofstream*, const char*> files[] = {{&statsTxt_, "stats.txt"},
                                                          {&statsJson_, "stats.json"},
                                                          {&configIni_, "config.ini"},
                                                          {&configJson_, "config.json"},
                                                          {&statsCsv_, "stats.csv"}};
  for (const auto& [f, name] : files) {
    if (f == &statsCsv_ && !f->is_open()) continue;
    f->close();
    if (!*f) {
      err << "vmsim: cannot write " << (std::filesystem::path(dir_) / name).string() << "\n";
      ok = false;
    }
  }
  return ok;
}

bool writeOutputs(const std::string& outdir, const Config& cfg, const stats::Registry& reg,
                  const stats::RunInfo& run, std::ostream& err) {
  OutputFolder folder;
  return folder.open(outdir, err) && folder.write(cfg, reg, run, err);
}

uint64_t hostMemoryBytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

namespace {

// Keys of the run itself (not of a module): read before the platform is built.
struct RunKeys {
  bool includeHost = true;
  std::string platform;
  std::vector<std::string> csv;
};

RunKeys declareRunKeys(Config& cfg, std::ostream& err) {
  RunKeys k;
  auto sp = cfg.at("system.stats");
  k.includeHost = sp.getBool(
      "include_host", true,
      "write hostSeconds/hostTickRate/hostMemory (off: byte-identical stats for a seed)");
  k.csv = sp.getStringList(
      "csv", {},
      "stats written to stats.csv at every dump (periodic, SIGUSR1, final): names or glob "
      "patterns (*, ?, [...]) over stats.json's flat names, e.g. system.cpu*.mmu.l1d.hitRate; "
      "each must match a stat");
  k.platform = cfg.at("system").getChoice(
      "platform", "vm", {"vm", "dram_trace"},
      "vm: the whole virtual-memory system; dram_trace: replay a DRAMsim3 trace into the DRAM");
  // The version that wrote a config.json is read back as information: a config.json from another
  // version runs (with a warning) and the outputs name the version that ran.
  auto vp = cfg.at("vmsim");
  const char* what[][3] = {
      {"version", VMSIM_VERSION, "vmsim version that wrote this configuration (informational)"},
      {"revision", VMSIM_GIT_REVISION,
       "git revision of the vmsim source that wrote this configuration (informational)"}};
  for (const auto& [name, mine, desc] : what) {
    const std::string given = vp.getString(name, mine, desc);
    if (given != mine) {
      err << "vmsim: warning: '" << vp.key(name) << "' is " << given << ", this vmsim is " << mine
          << " (results may differ)\n";
    }
    cfg.declare(vp.key(name), {mine, mine, "", desc, "string"});
  }
  return k;
}

void reportElaborationError(Config& cfg, const std::string& what, std::ostream& err) {
  auto problems = cfg.problems();
  problems.push_back(what);
  reportConfigErrors(problems, err);
}

}  // namespace

std::string versionText() {
  return std::string("vmsim ") + VMSIM_VERSION + " (git " + VMSIM_GIT_REVISION + ")";
}

RunResult runSimulation(Config& cfg, stats::Registry& reg, const RunOptions& opt, std::ostream& out,
                        std::ostream& err) {
  RunResult res;
  std::optional<SignalGuard> signals;  // the vm platform only (the DRAM trace player is no
                                       // SystemC simulation and ends on a signal as before)
  SimContext ctx{cfg, reg};
  std::unique_ptr<System> sys;
  RunKeys keys;
  try {
    keys = declareRunKeys(cfg, err);
    if (keys.platform == "dram_trace") {
      return runDramTrace(cfg, reg, keys.includeHost, opt, out, err);
    }
    signals.emplace();
    sys = std::make_unique<System>("system", ctx);
    if (!opt.directCalls) {
      for (auto& c : sys->cores()) {
        c->requester.setDirectTarget(nullptr);
        if (c->radix()) c->radix()->setDirectMem(nullptr);
      }
      sys->router().clearDirectTransports();
    }
    cfg.finalize();
  } catch (const ConfigError& e) {
    reportConfigErrors(e.problems(), err);
    res.exitCode = 2;
    return res;
  } catch (const std::invalid_argument& e) {
    // Elaboration stopped here: report what was found before it too.
    reportElaborationError(cfg, e.what(), err);
    res.exitCode = 2;
    return res;
  }
  // The output folder is opened before simulating: an unwritable --outdir is bad input.
  OutputFolder folder;
  if (!folder.open(opt.outdir, err)) {
    res.exitCode = 2;
    return res;
  }
  const auto unmatched = folder.chooseCsvStats(keys.csv, reg, err);
  if (!unmatched.empty()) {
    std::vector<std::string> problems;
    for (const auto& u : unmatched) {
      problems.push_back("'system.stats.csv': '" + u +
                         "' matches no stat (see stats.json for names)");
    }
    reportConfigErrors(problems, err);
    res.exitCode = 2;
    return res;
  }
  sys->setDumpHandler(
      [&folder, &reg](const stats::RunInfo& run) { folder.dump(reg, run, "periodic"); });
  // sc_stop() at the end of the workload is the normal ending, not news.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                          sc_core::SC_DO_NOTHING);
  const bool showProgress = opt.progress == Progress::On ||
                            (opt.progress == Progress::Auto && isatty(STDERR_FILENO) == 1);
  ProgressLine progress(showProgress, *sys, cfg, err);
  const auto t0 = std::chrono::steady_clock::now();
  const int signal = simulateUntilDoneOrSignal([&] {
    if (gDumpRequest) {
      gDumpRequest = 0;
      folder.dump(reg, runInfoNow(), "SIGUSR1");
      progress.finish();
      err << "vmsim: SIGUSR1: stats dumped at " << sc_core::sc_time_stamp().to_seconds() * 1e6
          << " us simulated (dump " << folder.dumps() - 1 << ")\n";
    }
    progress.tick();
  });
  progress.finish();
  res.hostSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.simTicks = sc_core::sc_time_stamp().value();
  for (auto& c : sys->cores()) {
    if (!c->requester.inputError().empty()) {
      err << "vmsim: bad workload input: " << c->requester.inputError() << "\n";
      res.exitCode = 2;
    }
  }
  if (res.exitCode) return res;
  sys->reportPrograms(out);

  stats::RunInfo run;
  run.simTicks = res.simTicks;
  run.simFreq =
      static_cast<uint64_t>(std::llround(1.0 / sc_core::sc_get_time_resolution().to_seconds()));
  run.hostSeconds = res.hostSeconds;
  run.hostMemoryBytes = hostMemoryBytes();
  run.includeHost = keys.includeHost;
  if (signal) run.interruptedBy = signal == SIGINT ? "SIGINT" : "SIGTERM";
  const bool ok = folder.write(cfg, reg, run, err);
  if (!ok) res.exitCode = 1;
  if (signal) {
    err << "vmsim: interrupted by " << run.interruptedBy << " at "
        << sc_core::sc_time_stamp().to_seconds() * 1e6
        << " us simulated; partial outputs (marked 'partial') written to " << opt.outdir << "/\n";
    res.exitCode = 128 + signal;  // the shell's convention for a run ended by a signal
  }
  if (opt.printSummary) {
    printSummary(*sys, reg, res.hostSeconds, out);
    out << "  output                  " << opt.outdir << "/\n";
  }
  return res;
}

int listParams(Config& cfg, const std::string& prefix, bool json, std::ostream& out,
               std::ostream& err) {
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  std::unique_ptr<System> sys;
  try {
    const auto keys = declareRunKeys(cfg, err);
    if (keys.platform == "dram_trace") {
      declareDramTraceParams(cfg);
    } else {
      // Elaboration only: the modules declare their parameters as they are built; nothing runs.
      sys = std::make_unique<System>("system", ctx);
    }
    cfg.finalize();
  } catch (const ConfigError& e) {
    reportConfigErrors(e.problems(), err);
    return 2;
  } catch (const std::invalid_argument& e) {
    reportElaborationError(cfg, e.what(), err);
    return 2;
  }
  std::vector<std::pair<std::string, const ParamDecl*>> chosen;
  std::vector<std::string> names;
  for (const auto& [k, d] : cfg.declared()) {
    if (d.type == "ignored") continue;
    names.push_back(k);
    if (prefix.empty() || k == prefix ||
        (k.size() > prefix.size() && k.compare(0, prefix.size(), prefix) == 0 &&
         (prefix.back() == '.' || k[prefix.size()] == '.'))) {
      chosen.emplace_back(k, &d);
    }
  }
  if (chosen.empty()) {
    err << "vmsim: no parameter at or under '" << prefix << "'";
    const auto best = closestMatch(prefix, names);
    if (!best.empty()) err << "; did you mean '" << best << "'?";
    err << "\n";
    return 2;
  }
  if (json) {
    out << "{\n  \"vmsim\": \"" << jsonEscape(versionText()) << "\",\n  \"parameters\": [";
    for (size_t i = 0; i < chosen.size(); ++i) {
      const auto& [k, d] = chosen[i];
      auto field = [&](const char* name, const std::string& v, bool last = false) {
        out << "\"" << name << "\": \"" << jsonEscape(v) << "\"" << (last ? "" : ", ");
      };
      out << (i ? ",\n    {" : "\n    {");
      field("key", k);
      field("type", d->type);
      field("default", d->deflt);
      field("value", d->value);
      field("unit", d->unit);
      field("range", d->range);
      field("description", d->desc, true);
      out << "}";
    }
    out << "\n  ]\n}\n";
    return 0;
  }
  for (const auto& [k, d] : chosen) {
    out << k << " = " << d->deflt;
    if (d->value != d->deflt) out << " (here: " << d->value << ")";
    out << "  [" << d->type;
    if (!d->unit.empty()) out << ", " << d->unit;
    if (!d->range.empty()) out << (d->type == "choice" ? ", one of " : ", range ") << d->range;
    out << "]\n    " << d->desc << "\n";
  }
  return 0;
}

namespace {

// `--csv PATTERN` options are appended to the configuration's system.stats.csv, so that
// config.json records them and re-runs the same experiment.
void appendCsvStats(Config& cfg, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return;
  std::vector<std::string> all;
  if (const auto n = cfg.lookup("system.stats.csv")) {
    if (n->IsSequence()) {
      for (const auto& e : *n) {
        if (!e.IsScalar()) return;  // malformed: reported by the key's reader
        all.push_back(e.Scalar());
      }
    } else if (n->IsScalar()) {
      all.push_back(n->Scalar());
    } else {
      return;
    }
  }
  all.insert(all.end(), patterns.begin(), patterns.end());
  YAML::Emitter e;
  e << YAML::Flow << YAML::BeginSeq;
  for (const auto& p : all) e << YAML::DoubleQuoted << p;
  e << YAML::EndSeq;
  cfg.set("system.stats.csv", e.c_str());
}

bool looksLikeConfigFile(const std::string& a) {
  std::error_code ec;
  return std::filesystem::exists(a, ec) || a.find('/') != std::string::npos ||
         a.find('.') != std::string::npos;
}

}  // namespace

int vmsimMain(const std::vector<std::string>& argsIn, std::ostream& out, std::ostream& err) {
  std::vector<std::string> args = argsIn;
  static const std::vector<std::string> kSubcommands = {"run", "validate", "params", "help"};
  if (args.empty()) {
    err << "vmsim: no command; see vmsim --help\n";
    return 2;
  }
  if (args[0] == "help") args[0] = "--help";
  if (args[0][0] != '-' &&
      std::find(kSubcommands.begin(), kSubcommands.end(), args[0]) == kSubcommands.end()) {
    // Today's form `vmsim CONFIG [options]` is `vmsim run CONFIG [options]`.
    if (!looksLikeConfigFile(args[0])) {
      err << "vmsim: unknown subcommand '" << args[0]
          << "' (valid: run, validate, params; or a configuration file: vmsim CONFIG.yaml)\n";
      return 2;
    }
    args.insert(args.begin(), "run");
  }

  CLI::App app{"vmsim: a SystemC/TLM-2.0 virtual-memory system simulator", "vmsim"};
  app.require_subcommand(0, 1);
  app.footer(
      "vmsim CONFIG.yaml [options] is vmsim run CONFIG.yaml [options].\n"
      "Exit status: 0 success, 1 a validation failed or output could not be written, 2 bad input,\n"
      "130/143 interrupted by SIGINT/SIGTERM (outputs written, marked partial).");
  bool version = false;
  app.add_flag("-V,--version", version, "print the version and git revision, then exit");

  std::string config, outdir = "out";
  std::vector<std::string> params, csv;
  bool quiet = false, progressOn = false, progressOff = false;
  auto* run = app.add_subcommand("run", "simulate CONFIG (YAML, or a config.json of a run)");
  run->add_option("config", config, "configuration file")->required();
  run->add_option("--param,-p", params, "override one key: path.to.key=value (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run->add_option("--outdir,-o", outdir, "output folder (default: out)");
  run->add_option("--csv", csv,
                  "also write this stat (name or glob pattern) to stats.csv at every dump "
                  "(repeatable; added to system.stats.csv)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run->add_flag("-q,--quiet", quiet, "no summary and no progress line (errors and warnings stay)");
  auto* pOn = run->add_flag("--progress", progressOn,
                            "progress line on stderr even when it is no terminal");
  run->add_flag("--no-progress", progressOff, "no progress line, even on a terminal")
      ->excludes(pOn);
  // Hidden, for tests: the same run without the internal LT direct calls (RunOptions).
  bool socketPath = false;
  run->add_flag("--socket-path", socketPath,
                "every access through the TLM sockets (no internal direct calls; same results)")
      ->group("");

  std::string suite, target;
  auto* validate = app.add_subcommand("validate", "compare against reference simulators");
  validate->add_option("suite", suite, "ostep (FILE.jsonl) or dram (DIR with results.json)")
      ->required()
      ->check(CLI::IsMember({"ostep", "dram"}));
  validate->add_option("input", target, "reference cases")->required();

  std::string prefix, paramsConfig;
  bool json = false;
  auto* plist = app.add_subcommand(
      "params", "list every parameter (default, unit, range, description) and exit");
  plist->add_option("prefix", prefix, "only keys at or under this path, e.g. system.cpu0.mmu");
  plist->add_option("--config,-c", paramsConfig,
                    "elaborate this configuration (default: none, the models' defaults); parts "
                    "it does not build declare no keys");
  plist->add_option("--param,-p", params, "override one key of it (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  plist->add_flag("--json", json, "JSON instead of text");

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (e.get_name() == "ExtrasError") what = "unexpected argument(s): " + what;
    err << "vmsim: " << what << " (see vmsim --help)\n";
    return 2;
  }
  if (version) {
    out << versionText() << "\n";
    return 0;
  }
  if (validate->parsed()) {
#ifdef VMSIM_HAVE_VALIDATE_OSTEP
    if (suite == "ostep") return vmsim::validate::runOstep(target, out);
#endif
#ifdef VMSIM_HAVE_VALIDATE_DRAM
    if (suite == "dram") return vmsim::validate::runDram(target, out);
#endif
    err << "vmsim: validation suite '" << suite << "' is not built\n";
    return 2;
  }
  if (!run->parsed() && !plist->parsed()) {
    err << "vmsim: no command; see vmsim --help\n";
    return 2;
  }
  Config cfg;
  try {
    if (run->parsed()) {
      cfg.loadFile(config);
    } else if (!paramsConfig.empty()) {
      cfg.loadFile(paramsConfig);
    }
    for (const auto& p : params) cfg.applyOverride(p);
    appendCsvStats(cfg, csv);
  } catch (const ConfigError& e) {
    reportConfigErrors(e.problems(), err);
    return 2;
  }
  if (plist->parsed()) return listParams(cfg, prefix, json, out, err);
  RunOptions opt;
  opt.outdir = outdir;
  opt.printSummary = !quiet;
  opt.progress = quiet || progressOff ? Progress::Off : progressOn ? Progress::On : Progress::Auto;
  opt.directCalls = !socketPath;
  stats::Registry reg;
  return runSimulation(cfg, reg, opt, out, err).exitCode;
}

}  // namespace vmsim::platform
