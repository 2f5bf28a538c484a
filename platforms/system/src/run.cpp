// Simulation driver: configuration checking, elaboration, run, output folder and summary.
#include "vmsim/platform/run.h"

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <optional>

#include "dram_trace_platform.h"
#include "outputs.h"
#include "vmsim/platform/system.h"

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

extern "C" void onSignal(int sig) {
  gSignal = sig;
}

// Catches SIGINT/SIGTERM from its construction (before elaboration, so that a signal during a
// long elaboration also ends in partial outputs) to its destruction.
class SignalGuard {
 public:
  SignalGuard() {
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C ends the process at once
    gSignal = 0;
    sigaction(SIGINT, &sa, &oldInt_);
    sigaction(SIGTERM, &sa, &oldTerm_);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &oldInt_, nullptr);
    sigaction(SIGTERM, &oldTerm_, nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  struct sigaction oldInt_ {};
  struct sigaction oldTerm_ {};
};

// Runs the simulation to its end (sc_stop from the platform, or no more activity) in slices of
// simulated time, checking for a signal between slices. Pausing and resuming the scheduler
// changes nothing in the simulation (same events, same order). Returns the signal that ended
// the run early, or 0.
int simulateUntilDoneOrSignal() {
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
  }
  return gSignal;
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
        out << "  " << std::left << std::setw(24) << (core + t->basename() + " hit rate")
            << std::right << statOr(reg, std::string(t->name()) + ".hitRate") * 100 << " %\n";
      }
      out << "  " << std::left << std::setw(24) << (core + "page walks") << std::right
          << static_cast<uint64_t>(statOr(reg, std::string(m->walker()->name()) + ".walks"))
          << "\n";
    } else {
      const std::string t = std::string(c->textbook()->name());
      out << "  " << std::left << std::setw(24) << (core + "mmu mode") << std::right << c->mmuMode()
          << "\n";
      out << "  " << std::left << std::setw(24) << (core + "table reads") << std::right
          << static_cast<uint64_t>(statOr(reg, t + ".tableReads")) << "\n";
    }
  }
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
  return true;
}

bool OutputFolder::write(const Config& cfg, const stats::Registry& reg, const stats::RunInfo& run,
                         std::ostream& err) {
  reg.writeText(statsTxt_, run);
  reg.writeJson(statsJson_, run);
  cfg.writeIni(configIni_);
  cfg.writeJson(configJson_);
  bool ok = true;
  const std::pair<std::ofstream*, const char*> files[] = {{&statsTxt_, "stats.txt"},
                                                          {&statsJson_, "stats.json"},
                                                          {&configIni_, "config.ini"},
                                                          {&configJson_, "config.json"}};
  for (const auto& [f, name] : files) {
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

RunResult runSimulation(Config& cfg, stats::Registry& reg, const RunOptions& opt, std::ostream& out,
                        std::ostream& err) {
  RunResult res;
  std::optional<SignalGuard> signals;  // the vm platform only (the DRAM trace player is no
                                       // SystemC simulation and ends on a signal as before)
  SimContext ctx{cfg, reg};
  std::unique_ptr<System> sys;
  bool includeHost = true;
  try {
    includeHost =
        cfg.at("system.stats")
            .getBool(
                "include_host", true,
                "write hostSeconds/hostTickRate/hostMemory (off: byte-identical stats for a seed)");
    const auto platform = cfg.at("system").getChoice(
        "platform", "vm", {"vm", "dram_trace"},
        "vm: the whole virtual-memory system; dram_trace: replay a DRAMsim3 trace into the DRAM");
    if (platform == "dram_trace") return runDramTrace(cfg, reg, includeHost, opt, out, err);
    signals.emplace();
    sys = std::make_unique<System>("system", ctx);
    cfg.finalize();
  } catch (const ConfigError& e) {
    reportConfigErrors(e.problems(), err);
    res.exitCode = 2;
    return res;
  } catch (const std::invalid_argument& e) {
    // Elaboration stopped here: report what was found before it too.
    auto problems = cfg.problems();
    problems.push_back(e.what());
    reportConfigErrors(problems, err);
    res.exitCode = 2;
    return res;
  }
  // The output folder is opened before simulating: an unwritable --outdir is bad input.
  OutputFolder folder;
  if (!folder.open(opt.outdir, err)) {
    res.exitCode = 2;
    return res;
  }
  sys->setDumpStream(&folder.statsText());
  // sc_stop() at the end of the workload is the normal ending, not news.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                          sc_core::SC_DO_NOTHING);
  const auto t0 = std::chrono::steady_clock::now();
  const int signal = simulateUntilDoneOrSignal();
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
  run.includeHost = includeHost;
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

namespace {

void usage(std::ostream& os) {
  os << "usage: vmsim CONFIG.yaml [--param path.to.key=value]... [--outdir DIR]\n"
        "       vmsim validate ostep FILE.jsonl\n"
        "       vmsim validate dram DIR\n";
}

}  // namespace

int vmsimMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    usage(args.empty() ? err : out);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "validate") {
    if (args.size() != 3) {
      usage(err);
      return 2;
    }
#ifdef VMSIM_HAVE_VALIDATE_OSTEP
    if (args[1] == "ostep") return vmsim::validate::runOstep(args[2], out);
#endif
#ifdef VMSIM_HAVE_VALIDATE_DRAM
    if (args[1] == "dram") return vmsim::validate::runDram(args[2], out);
#endif
    err << "vmsim: unknown validation suite '" << args[1] << "' (valid: ostep, dram)\n";
    return 2;
  }
  Config cfg;
  RunOptions opt;
  try {
    cfg.loadFile(args[0]);
    for (size_t i = 1; i < args.size(); ++i) {
      const std::string& a = args[i];
      auto value = [&](const std::string& flag) -> std::string {
        if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
        if (i + 1 >= args.size()) throw ConfigError({flag + " needs a value"});
        return args[++i];
      };
      if (a == "--param" || a.rfind("--param=", 0) == 0) {
        cfg.applyOverride(value("--param"));
      } else if (a == "--outdir" || a.rfind("--outdir=", 0) == 0) {
        opt.outdir = value("--outdir");
      } else {
        throw ConfigError({"unknown argument '" + a + "' (see vmsim --help)"});
      }
    }
  } catch (const ConfigError& e) {
    reportConfigErrors(e.problems(), err);
    return 2;
  }
  stats::Registry reg;
  return runSimulation(cfg, reg, opt, out, err).exitCode;
}

}  // namespace vmsim::platform
