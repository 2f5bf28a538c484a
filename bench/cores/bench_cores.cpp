// Speed of the plain-C++ cores that every simulated access goes through, without the SystemC
// kernel or TLM: the TLB array (hit path, and the miss-and-fill path of a second-level TLB), the
// cache array (L1 hit path, and L2-sized miss-and-fill), the LT DRAM timing model. Each reports
// operations per second (items_per_second) and the process's peak RSS.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <systemc>

#include <cstdint>
#include <random>
#include <vector>

#include "vmsim/cache/cache_core.h"
#include "vmsim/dram/lt_timing_model.h"
#include "vmsim/tlb/tlb_core.h"

namespace {

using vmsim::cache::CacheCore;
using vmsim::tlb::TlbCore;
using vmsim::tlb::TlbEntry;

void peakRss(benchmark::State& st) {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  st.counters["peak_rss_KiB"] = double(ru.ru_maxrss);
}

// Addresses drawn before the timed loop, so the loop measures the core only.
std::vector<uint64_t> randomPages(size_t n, uint64_t pages, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> v(n);
  for (auto& p : v) p = (rng() % pages) << 12;
  return v;
}

TlbEntry entryFor(uint64_t va) {
  TlbEntry e;
  e.valid = true;
  e.vpn = va >> 12;
  e.frame = (va >> 12) + 0x100;
  return e;
}

// An L1 DTLB (64 entries, 4 ways, LRU) walked sequentially through 16 resident pages, 8-byte
// steps: the TLB-hit scenario's lookups (most repeat the page just hit).
void tlbSequentialHits(benchmark::State& st) {
  TlbCore tlb(64, 4, {12}, "lru");
  for (uint64_t p = 0; p < 16; ++p) tlb.insert(entryFor(p << 12));
  uint64_t va = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(tlb.lookup(1, va));
    va = (va + 8) & 0xffff;
  }
  st.SetItemsProcessed(st.iterations());
  peakRss(st);
}

// An STLB-sized array (1536 entries, 12 ways, LRU) under random pages over 8192: about one
// lookup in five hits; each miss inserts (a walk's fill).
void tlbRandomMissFill(benchmark::State& st) {
  TlbCore tlb(1536, 12, {12}, "lru");
  const auto vas = randomPages(1 << 16, 8192, 3);
  size_t i = 0;
  for (auto _ : st) {
    const uint64_t va = vas[i++ & 0xffff];
    if (!tlb.lookup(1, va)) tlb.insert(entryFor(va));
  }
  st.SetItemsProcessed(st.iterations());
  peakRss(st);
}

// A 32 KiB 8-way L1D with 64-byte lines under a 16 KiB sequential sweep: every access hits.
void cacheSequentialHits(benchmark::State& st) {
  CacheCore c(32 << 10, 8, 64, "lru");
  for (uint64_t a = 0; a < (16 << 10); a += 64) c.fill(c.lineOf(a), false, false);
  uint64_t a = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(c.access(c.lineOf(a), (a & 0x38) == 0));
    a = (a + 8) & 0x3fff;
  }
  st.SetItemsProcessed(st.iterations());
  peakRss(st);
}

// A 1 MiB 16-way L2 under random lines of 8 MiB: mostly misses, each filled (evicting).
void cacheRandomMissFill(benchmark::State& st) {
  CacheCore c(1 << 20, 16, 64, "lru");
  std::mt19937_64 rng(5);
  std::vector<uint64_t> lines(1 << 16);
  for (auto& l : lines) l = rng() % (8u << 14);
  size_t i = 0;
  for (auto _ : st) {
    const uint64_t l = lines[i++ & 0xffff];
    if (!c.access(l, false)) benchmark::DoNotOptimize(c.fillAbsent(l, false, false));
  }
  st.SetItemsProcessed(st.iterations());
  peakRss(st);
}

// The LT DRAM timing model (DDR4-2400) under random 64-byte accesses of 1 GiB, a third writes.
void dramLtRandom(benchmark::State& st) {
  vmsim::dram::LtTimingModel m(vmsim::dram::preset("DDR4-2400"));
  std::mt19937_64 rng(2);
  std::vector<uint64_t> addrs(1 << 16);
  for (auto& a : addrs) a = (rng() & ((1ull << 30) - 1)) & ~63ull;
  uint64_t t = 0;
  size_t i = 0;
  for (auto _ : st) {
    t += 2;
    const size_t k = i++ & 0xffff;
    benchmark::DoNotOptimize(m.access(addrs[k], k % 3 == 0, t));
  }
  st.SetItemsProcessed(st.iterations());
  peakRss(st);
}

}  // namespace

BENCHMARK(tlbSequentialHits);
BENCHMARK(tlbRandomMissFill);
BENCHMARK(cacheSequentialHits);
BENCHMARK(cacheRandomMissFill);
BENCHMARK(dramLtRandom);
// The cache and TLB libraries hold SystemC modules too, so the binary links libsystemc, whose
// main() calls sc_main; the benchmarks run from there (no module is elaborated).
int sc_main(int argc, char* argv[]) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
