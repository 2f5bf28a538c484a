// Simulation speed of the whole platform (accesses per host second) in LT mode, for a
// TLB-hit-dominated workload and for a walk-heavy one. SystemC elaborates once per process, so
// each run of this binary measures one scenario: select it with --benchmark_filter (see
// scripts/bench.sh, which repeats each in fresh processes and reports the median).
#include <benchmark/benchmark.h>

#include <systemc>

#include <filesystem>
#include <sstream>

#include "vmsim/platform/run.h"

namespace {

bool ranOne = false;

void scenario(benchmark::State& st, const std::vector<std::string>& overrides) {
  if (ranOne) {
    st.SkipWithError("one scenario per process: use --benchmark_filter");
    return;
  }
  ranOne = true;
  double accesses = 0, seconds = 0;
  for (auto _ : st) {
    vmsim::Config cfg;
    cfg.loadFile(std::string(VMSIM_SOURCE_DIR) + "/configs/default.yaml");
    for (const auto& o : overrides) cfg.applyOverride(o);
    vmsim::stats::Registry reg;
    vmsim::platform::RunOptions opt;
    opt.outdir = (std::filesystem::temp_directory_path() / "vmsim_bench").string();
    opt.printSummary = false;
    std::ostringstream out, err;
    const auto res = vmsim::platform::runSimulation(cfg, reg, opt, out, err);
    if (res.exitCode) {
      st.SkipWithError(err.str().c_str());
      return;
    }
    accesses = reg.value("system.cpu0.requester.accesses");
    seconds = res.hostSeconds;
    st.SetIterationTime(seconds);
  }
  st.counters["accesses"] = accesses;
  st.counters["accesses_per_second"] = accesses / seconds;
}

}  // namespace

// 64 KiB touched sequentially: 16 pages, every translation hits the L1 DTLB.
BENCHMARK_CAPTURE(scenario, tlb_hits,
                  std::vector<std::string>{"system.cpu0.requester.workload.pattern=sequential",
                                           "system.cpu0.requester.workload.footprint=64KiB",
                                           "system.cpu0.requester.workload.count=10000000"})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// 1 GiB touched at random: 262144 pages, most translations miss both TLB levels and walk.
BENCHMARK_CAPTURE(scenario, walk_heavy,
                  std::vector<std::string>{"system.cpu0.requester.workload.pattern=random",
                                           "system.cpu0.requester.workload.footprint=1GiB",
                                           "system.kernel.memory_size=2GiB",
                                           "system.cpu0.requester.workload.count=2000000"})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

int sc_main(int argc, char* argv[]) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
