// The command line (issue 10): subcommands, --version, --quiet, --progress, `vmsim params`,
// stats.json's time series, stats.csv, SIGUSR1 and SIGINT during a run (real signals), the
// `system.cpu*` form, and bad input (unknown subcommand, option or parameter, malformed
// --param, a stats.csv pattern that matches nothing).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "cli_support.h"

namespace fs = std::filesystem;
using namespace vmsim::test;

namespace {

const std::string kData = std::string(VMSIM_SOURCE_DIR) + "/tests/data/cli/";
const std::string kSmall = kData + "small.yaml";

// The value of `key` in section `[section]` of a config.ini ("" when missing).
std::string iniValue(const std::string& ini, const std::string& section, const std::string& key) {
  const auto s = ini.find("[" + section + "]\n");
  if (s == std::string::npos) return "";
  const auto end = ini.find("\n[", s + 1);
  const auto k = ini.find("\n" + key + "=", s);
  if (k == std::string::npos || k > end) return "";
  const auto v = k + key.size() + 2;
  return ini.substr(v, ini.find('\n', v) - v);
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// Runs python3 (Debian's) on a snippet with the arguments; its exit status and output.
Result python(const std::string& code, const std::string& args) {
  return runShell("/usr/bin/python3 -c '" + code + "' " + args);
}

}  // namespace

TEST(Cli, VersionNamesTheProjectVersionAndRevisionAndConfigJsonRecordsIt) {
  const Result v = runVmsim("--version");
  EXPECT_EQ(v.exitCode, 0);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      v.output, m, std::regex("^vmsim ([0-9]+\\.[0-9]+\\.[0-9]+) \\(git ([^)]+)\\)\n$")))
      << v.output;
  EXPECT_EQ(m[2].str().empty(), false);
  const auto dir = tempDir("cli_version");
  ASSERT_EQ(runVmsim("run " + kSmall + " -q --outdir " + dir).exitCode, 0);
  const std::string json = slurp(dir + "/config.json");
  EXPECT_NE(json.find("\"version\": \"" + m[1].str() + "\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"revision\": \"" + m[2].str() + "\""), std::string::npos) << json;
}

TEST(Cli, HelpListsTheSubcommands) {
  const Result h = runVmsim("--help");
  EXPECT_EQ(h.exitCode, 0);
  for (const char* s : {"run", "validate", "params", "--version"})
    EXPECT_NE(h.output.find(s), std::string::npos) << s;
  const Result r = runVmsim("run --help");
  EXPECT_EQ(r.exitCode, 0);
  for (const char* s : {"--param", "--outdir", "--quiet", "--progress", "--csv"})
    EXPECT_NE(r.output.find(s), std::string::npos) << s;
}

TEST(Cli, RunSubcommandAndTheShortFormGiveTheSameStats) {
  const auto dir = tempDir("cli_forms");
  const Result a = runVmsim("run " + kSmall + " --outdir " + dir + "/a");
  const Result b = runVmsim(kSmall + " --outdir=" + dir + "/b");
  ASSERT_EQ(a.exitCode, 0) << a.output;
  ASSERT_EQ(b.exitCode, 0) << b.output;
  EXPECT_NE(a.output.find("vmsim summary"), std::string::npos);
  EXPECT_EQ(slurp(dir + "/a/stats.txt"), slurp(dir + "/b/stats.txt"));
  EXPECT_GT(statValue(slurp(dir + "/a/stats.txt"), "system.cpu0.requester.accesses"), 0);
}

TEST(Cli, QuietPrintsNoSummary) {
  const auto dir = tempDir("cli_quiet");
  const Result r = runVmsim("run " + kSmall + " --quiet --outdir " + dir);
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.output.find("vmsim summary"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir + "/stats.txt"));
}

TEST(Cli, ParamOverridesAndIsRecorded) {
  const auto dir = tempDir("cli_param");
  const Result r = runVmsim("run " + kSmall + " -q -p system.cpu0.mmu.l1d.entries=16 --param " +
                            "system.cpu0.requester.workload.count=5000 --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(statValue(slurp(dir + "/stats.txt"), "system.cpu0.requester.accesses"), 5000);
  EXPECT_NE(slurp(dir + "/config.ini").find("[system.cpu0.mmu.l1d]\n"), std::string::npos);
  EXPECT_NE(slurp(dir + "/config.ini").find("entries=16\n"), std::string::npos);
}

TEST(Cli, BadCommandLinesExitWith2) {
  struct Case {
    std::string args, needle;
  };
  const Case cases[] = {
      {"", "no command"},
      {"frobnicate", "unknown subcommand 'frobnicate'"},
      {"run", "config is required"},
      {"run " + kSmall + " --frob", "--frob"},
      {"params --param", "--param"},
      {"run " + kSmall + " --param", "not expected"},  // --param took --outdir as its value
      {"run " + kSmall + " --param nokey", "expected path.to.key=value"},
      {"run " + kSmall + " --param =3", "expected path.to.key=value"},
      {"run " + kSmall + " --param system.cpu0.mmu.l1d.entires=3",
       "did you mean 'system.cpu0.mmu.l1d.entries'"},
      {"run " + kSmall + " --param system.cpu0.mmu.l1d.entries=-3", "must not be negative"},
      {"run " + kSmall + " --progress --no-progress", "excludes"},
      {"run /nonexistent/x.yaml", "cannot open configuration file"},
      {"validate frob x", "frob"},
      {"validate ostep", "input is required"},
      {"params --frob", "--frob"},
      {"params system.cpu0.mmu.l1dx", "no parameter at or under 'system.cpu0.mmu.l1dx'"},
  };
  for (const auto& c : cases) {
    const auto dir = tempDir("cli_bad");
    const Result r = runVmsim(c.args + (c.args.rfind("run ", 0) == 0 ? " --outdir " + dir : ""));
    EXPECT_EQ(r.exitCode, 2) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.needle), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_EQ(r.output.find("vmsim summary"), std::string::npos) << c.args;
    EXPECT_FALSE(fs::exists(dir + "/stats.txt")) << c.args;
  }
}

// --- vmsim params ------------------------------------------------------------------------------

TEST(Cli, ParamsListsDefaultUnitRangeAndDescription) {
  const Result r = runVmsim("params system.cpu0.mmu.l1d");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("system.cpu0.mmu.l1d.entries = 64  [uint, Count, range [1, 1048576]]\n"
                          "    number of entries\n"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("system.cpu0.mmu.l1d.replacement = "), std::string::npos);
  EXPECT_NE(r.output.find("one of lru|"), std::string::npos) << r.output;
  // Only keys under the prefix (a component boundary: l1d does not take l1dx or l1i).
  EXPECT_EQ(r.output.find("system.cpu0.mmu.l1i."), std::string::npos);
  EXPECT_EQ(r.output.find("system.dram."), std::string::npos);
  // Everything without a prefix: all the models of the default elaboration.
  const Result all = runVmsim("params");
  ASSERT_EQ(all.exitCode, 0);
  for (const char* k : {"system.cores = 1", "system.dram.preset = ", "system.kernel.memory_size = ",
                        "system.swap.type = ", "system.cpu0.mmu.walker.walkers = ",
                        "system.cpu0.requester.workload.pattern = ", "system.stats.dump_period = ",
                        "system.stats.csv = "})
    EXPECT_NE(all.output.find(k), std::string::npos) << k;
  // Caches are off by default: their sizes appear once a configuration enables them.
  EXPECT_EQ(all.output.find("system.llc.size"), std::string::npos);
  const Result on = runVmsim("params system.llc --config " + kSmall);
  ASSERT_EQ(on.exitCode, 0) << on.output;
  EXPECT_NE(on.output.find("system.llc.size = "), std::string::npos) << on.output;
}

TEST(Cli, ParamsShowsTheConfiguredValueBesideTheDefault) {
  const Result r = runVmsim("params system.cpu0.mmu.l1d.entries -p system.cpu0.mmu.l1d.entries=16");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("system.cpu0.mmu.l1d.entries = 64 (here: 16)"), std::string::npos)
      << r.output;
}

TEST(Cli, ParamsJsonIsValidJsonWithEveryField) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  const auto dir = tempDir("cli_params_json");
  ASSERT_EQ(runShell(std::string(VMSIM_BINARY) + " params --json > " + dir + "/p.json").exitCode,
            0);
  const Result r = python(
      "import json,sys; d=json.load(open(sys.argv[1])); p={x[\"key\"]: x for x in "
      "d[\"parameters\"]}; "
      "e=p[\"system.cpu0.mmu.l1d.entries\"]; "
      "assert e[\"default\"]==\"64\" and e[\"unit\"]==\"Count\" and e[\"range\"]==\"[1, "
      "1048576]\", e; "
      "assert e[\"type\"]==\"uint\" and e[\"description\"], e; "
      "assert p[\"system.cpu0.mmu.l1d.replacement\"][\"range\"].startswith(\"lru|\"); "
      "assert d[\"vmsim\"].startswith(\"vmsim \"); print(len(p))",
      dir + "/p.json");
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_GT(std::stoi(r.output), 100) << r.output;
}

TEST(Cli, ParamsOfTheDramTracePlatform) {
  const Result r = runVmsim("params system.trace -p system.platform=dram_trace");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("system.trace.file = "), std::string::npos) << r.output;
}

TEST(Cli, ParamsReportsConfigurationErrors) {
  const Result r = runVmsim("params -p system.dram.preset=DDR9");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("unknown value 'DDR9'"), std::string::npos) << r.output;
}

// --- periodic dumps: stats.json's time series and stats.csv -------------------------------------

TEST(Cli, PeriodicDumpsFormATimeSeriesInStatsJsonAndStatsCsv) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  const auto dir = tempDir("cli_series");
  const Result r = runVmsim("run " + kSmall + " -q -p system.stats.dump_period=20us " +
                            "-p 'system.stats.csv=[system.cpu0.requester.accesses]' " +
                            "--csv 'system.cpu0.mmu.l1*.hitRate' --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string txt = slurp(dir + "/stats.txt");
  const size_t blocks = count(txt, "Begin Simulation Statistics");
  ASSERT_GE(blocks, 3u);
  EXPECT_FALSE(fs::exists(dir + "/stats.dumps.jsonl"));  // merged into stats.json
  // One point per block (the final one last, "final"), increasing times and access counts, and
  // the final point equal to the top-level stats.
  const Result py = python(
      "import json,sys; d=json.load(open(sys.argv[1])); s=d[\"dumps\"]; "
      "assert [p[\"dump\"] for p in s]==list(range(len(s))); "
      "assert all(p[\"reason\"]==\"periodic\" for p in s[:-1]) and s[-1][\"reason\"]==\"final\"; "
      "t=[p[\"simTicks\"] for p in s]; assert t==sorted(t) and t[0]==20000000, t[:3]; "
      "assert all(b-a==20000000 for a,b in zip(t[:-2],t[1:-1])); "
      "a=[p[\"system.cpu0.requester.accesses\"] for p in s]; assert a==sorted(a); "
      "assert "
      "s[-1][\"system.cpu0.requester.accesses\"]==d[\"system\"][\"cpu0\"][\"requester\"]["
      "\"accesses\"]; "
      "assert t[-1]==d[\"simTicks\"]; print(len(s))",
      dir + "/stats.json");
  ASSERT_EQ(py.exitCode, 0) << py.output;
  EXPECT_EQ(std::stoul(py.output), blocks);
  // stats.csv: a tidy table (one row per dump and stat) of the chosen stats only.
  const std::string csv = slurp(dir + "/stats.csv");
  EXPECT_EQ(csv.rfind("dump,reason,simTicks,simSeconds,stat,value\n", 0), 0u) << csv.substr(0, 200);
  EXPECT_EQ(count(csv, "\n"), 1 + 3 * blocks) << csv.substr(0, 400);  // accesses, l1i, l1d
  EXPECT_EQ(count(csv, ",system.cpu0.requester.accesses,"), blocks);
  EXPECT_EQ(count(csv, ",system.cpu0.mmu.l1d.hitRate,"), blocks);
  EXPECT_EQ(count(csv, ",system.cpu0.mmu.l2.hitRate,"), 0u);
  EXPECT_NE(csv.find("final,"), std::string::npos);
  // The CLI's --csv went into the configuration, so config.json re-runs it with the same CSV.
  ASSERT_EQ(runVmsim("run " + dir + "/config.json -q --outdir " + dir + "/again").exitCode, 0);
  EXPECT_EQ(slurp(dir + "/again/stats.csv"), csv);
  EXPECT_EQ(slurp(dir + "/again/stats.json"), slurp(dir + "/stats.json"));
  EXPECT_EQ(slurp(dir + "/again/stats.txt"), txt);
}

TEST(Cli, CsvWithoutPeriodicDumpsHasTheFinalRowsAndStatsJsonNoSeries) {
  const auto dir = tempDir("cli_csv_final");
  ASSERT_EQ(runVmsim("run " + kSmall + " -q --csv system.cpu0.requester.accesses --outdir " + dir)
                .exitCode,
            0);
  const std::string csv = slurp(dir + "/stats.csv");
  EXPECT_EQ(count(csv, "\n"), 2u) << csv;
  EXPECT_NE(csv.find("\n0,final,"), std::string::npos) << csv;
  EXPECT_EQ(slurp(dir + "/stats.json").find("\"dumps\""), std::string::npos);
  EXPECT_FALSE(fs::exists(dir + "/stats.dumps.jsonl"));
}

TEST(Cli, CsvPatternMatchingNoStatIsAConfigError) {
  const auto dir = tempDir("cli_csv_bad");
  const Result r = runVmsim("run " + kSmall + " --csv system.cpu0.nothing.here --outdir " + dir);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("'system.stats.csv': 'system.cpu0.nothing.here' matches no stat"),
            std::string::npos)
      << r.output;
}

// --- signals during a run: SIGUSR1 dumps and goes on, SIGINT ends with partial outputs -------

namespace {
bool waitFor(const std::string& file, const std::string& needle, int ms) {
  for (int i = 0; i < ms / 20; ++i) {
    if (slurp(file).find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}
}  // namespace

TEST(Cli, Sigusr1DumpsAndGoesOnThenSigintWritesPartialOutputs) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  const auto dir = tempDir("cli_usr1");
  const std::string log = dir + "/log";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(VMSIM_BINARY, VMSIM_BINARY, "run", kSmall.c_str(), "--progress", "-p",
          "system.cpu0.requester.workload.count=1000000000", "--csv",
          "system.cpu0.requester.accesses", "--outdir", (dir + "/out").c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // --progress: the line appears after 2 s of host time, with the total and an ETA.
  ASSERT_TRUE(waitFor(log, "accesses/s", 60000)) << slurp(log);
  kill(pid, SIGUSR1);
  ASSERT_TRUE(waitFor(log, "SIGUSR1: stats dumped", 20000)) << slurp(log);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // it goes on
  kill(pid, SIGUSR1);
  ASSERT_TRUE(waitFor(log, "(dump 1)", 20000)) << slurp(log);
  kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << slurp(log);
  EXPECT_EQ(WEXITSTATUS(status), 130) << slurp(log);
  const std::string text = slurp(log);
  EXPECT_TRUE(std::regex_search(
      text, std::regex("vmsim: [0-9]+/1000000000 accesses \\([0-9.]+%\\), [0-9.]+ ms simulated, "
                       "[0-9]+ accesses/s, ETA [0-9:]+\n")))
      << text;
  const std::string out = dir + "/out";
  EXPECT_EQ(count(slurp(out + "/stats.txt"), "Begin Simulation Statistics"), 3u);
  const Result py = python(
      "import json,sys; d=json.load(open(sys.argv[1])); s=d[\"dumps\"]; "
      "assert [p[\"reason\"] for p in s]==[\"SIGUSR1\",\"SIGUSR1\",\"partial\"], s; "
      "a=[p[\"system.cpu0.requester.accesses\"] for p in s]; assert 0<a[0]<a[1]<=a[2], a; "
      "assert d[\"partial\"] is True and d[\"interruptedBy\"]==\"SIGINT\"",
      out + "/stats.json");
  EXPECT_EQ(py.exitCode, 0) << py.output;
  const std::string csv = slurp(out + "/stats.csv");
  EXPECT_EQ(count(csv, ",SIGUSR1,"), 2u) << csv;
  EXPECT_EQ(count(csv, ",partial,"), 1u) << csv;
}

// Long enough for the progress line to be due (it first shows after 2 s of host time): 12
// million accesses, about 6 s at the 2 M accesses/s small.yaml ran at on 2026-12-01 (3 million,
// the count before issue 11's speed-ups, took 1.5 s by then).
const std::string kLong = " -p system.cpu0.requester.workload.count=12000000";

TEST(Cli, NoProgressLineWhenStderrIsNoTerminal) {
  const auto dir = tempDir("cli_noprogress");
  const Result r = runVmsim("run " + kSmall + kLong + " --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0);
  std::smatch m;  // the run did last long enough for a progress line to be due
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex("accesses/s \\(([0-9.]+) s\\)")))
      << r.output;
  EXPECT_GT(std::stod(m[1].str()), 2.0) << r.output;
  EXPECT_EQ(r.output.find("accesses/s,"), std::string::npos) << r.output;
}

TEST(Cli, ProgressLineInPlaceOnATerminal) {
  if (!fs::exists("/usr/bin/script")) GTEST_SKIP() << "no /usr/bin/script (util-linux)";
  const auto dir = tempDir("cli_tty");
  // script(1) gives vmsim a pseudo-terminal as stdout and stderr.
  const Result r = runShell("/usr/bin/script -qec \"" + std::string(VMSIM_BINARY) + " run " +
                            kSmall + kLong + " --outdir " + dir + "\" /dev/null");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(
      std::regex_search(r.output, std::regex("\rvmsim: [0-9]+/12000000 accesses \\([0-9.]+%\\), "
                                             "[0-9.]+ ms simulated, [0-9]+ accesses/s, "
                                             "ETA [0-9:]+\x1b\\[K")))
      << r.output;
  EXPECT_NE(r.output.find("vmsim summary"), std::string::npos);
}

// --- every core from one description ----------------------------------------------------------

TEST(Cli, AllCoresFormGivesEveryCoreItsKeysAndReRunsFromConfigJson) {
  const auto dir = tempDir("cli_allcores");
  const Result r = runVmsim("run " + kData + "all_cores.yaml -q --outdir " + dir + "/a");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string ini = slurp(dir + "/a/config.ini");
  EXPECT_EQ(ini.find("cpu*"), std::string::npos);
  const std::string stats = slurp(dir + "/a/stats.txt");
  for (int c = 0; c < 3; ++c) {
    const std::string core = "system.cpu" + std::to_string(c);
    EXPECT_EQ(statValue(stats, core + ".requester.accesses"), 3000) << core;
    EXPECT_NE(ini.find("[" + core + ".mmu.l1d]\n"), std::string::npos) << core;
  }
  for (int c = 0; c < 3; ++c) {
    const std::string core = "system.cpu" + std::to_string(c);
    EXPECT_EQ(iniValue(ini, core + ".mmu.l1d", "entries"), "32") << core;
    EXPECT_EQ(iniValue(ini, core + ".requester.workload", "pattern"), "sequential") << core;
    EXPECT_EQ(iniValue(ini, core + ".requester.workload", "seed"), c == 2 ? "9" : "1") << core;
  }
  ASSERT_EQ(runVmsim("run " + dir + "/a/config.json -q --outdir " + dir + "/b").exitCode, 0);
  EXPECT_EQ(slurp(dir + "/b/stats.txt"), stats);
  // A key set for one core wins over the all-cores one.
  const Result o =
      runVmsim("run " + kData + "all_cores.yaml -q -p system.cpu1.mmu.l1d.entries=16 " +
               "--outdir " + dir + "/c");
  ASSERT_EQ(o.exitCode, 0) << o.output;
  const std::string cini = slurp(dir + "/c/config.ini");
  EXPECT_EQ(iniValue(cini, "system.cpu0.mmu.l1d", "entries"), "32");
  EXPECT_EQ(iniValue(cini, "system.cpu1.mmu.l1d", "entries"), "16");
  EXPECT_EQ(iniValue(cini, "system.cpu2.mmu.l1d", "entries"), "32");
}

TEST(Cli, AllCoresEntryThatIsNoMapIsAnError) {
  const auto dir = tempDir("cli_allcores_bad");
  const Result r = runVmsim("run " + kSmall + " -p 'system.cpu*=3' --outdir " + dir);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("'system.cpu*': expected a map"), std::string::npos) << r.output;
}

TEST(Cli, SecondCoreWithoutAWorkloadIsAnError) {
  const auto dir = tempDir("cli_cores2");
  const Result r = runVmsim("run " + kSmall + " -p system.cores=2 --outdir " + dir);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("'system.cpu1.requester.workload' is not configured"), std::string::npos)
      << r.output;
}
