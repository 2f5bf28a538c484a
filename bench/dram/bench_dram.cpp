// Simulation speed of the DRAM model: replays every trace in tests/data/dram/traces (requests per
// host second, including trace decompression and parsing, as the DRAMsim3/Ramulator 2 figures in
// results.json do) and measures the LT model's access rate.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "vmsim/dram/lt_timing_model.h"
#include "vmsim/dram/trace.h"

namespace {

using namespace vmsim::dram;

void replay(benchmark::State& state, const std::string& path) {
  const DramConfig cfg = preset("DDR4-2400");
  uint64_t requests = 0;
  for (auto _ : state) {
    const ReplayResult r = replayTrace(path, cfg);
    requests += r.requests;
    benchmark::DoNotOptimize(r.stats.readCmds);
  }
  state.counters["requests_per_s"] =
      benchmark::Counter(double(requests), benchmark::Counter::kIsRate);
}

void ltRandom(benchmark::State& state) {
  LtTimingModel m(preset("DDR4-2400"));
  std::mt19937_64 rng(2);
  uint64_t t = 0;
  for (auto _ : state) {
    t += 2;
    benchmark::DoNotOptimize(m.access((rng() & ((1ull << 30) - 1)) & ~63ull, rng() % 3 == 0, t));
  }
  state.counters["accesses_per_s"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(VMSIM_DRAM_TRACE_DIR);
  if (fs::is_directory(dir)) {
    std::vector<fs::path> traces;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) traces.push_back(e.path());
    std::sort(traces.begin(), traces.end());
    for (const auto& p : traces)
      benchmark::RegisterBenchmark(("replay/" + p.filename().string()).c_str(), replay, p.string())
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
  }
  benchmark::RegisterBenchmark("lt/random_access", ltRandom);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
