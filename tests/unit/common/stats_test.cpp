// The stats.txt output must be byte-compatible with gem5's text format; the golden fragments
// below follow gem5 src/base/stats/text.cc (ScalarPrint, VectorPrint, DistPrint).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <vector>

#include "vmsim/common/stats.h"

using namespace vmsim::stats;

TEST(Stats, ScalarLineMatchesGem5Layout) {
  std::ostringstream os;
  writeLine(os, "system.cpu.numCycles", 12345, "", "", "Number of cpu cycles simulated", "Cycle");
  EXPECT_EQ(os.str(),
            "system.cpu.numCycles                            12345                       # Number "
            "of cpu cycles simulated (Cycle)\n");
}

TEST(Stats, ValueFormatting) {
  EXPECT_EQ(valueToString(3), "3");
  EXPECT_EQ(valueToString(0.5), "0.500000");
  EXPECT_EQ(valueToString(1.0 / 3), "0.333333");
  EXPECT_EQ(valueToString(std::nan("")), "nan");
}

TEST(Stats, GoldenFragment) {
  Registry r;
  auto& hits = r.scalar("system.tlb.hits", "Count", "lookups that hit");
  auto& misses = r.scalar("system.tlb.misses", "Count", "lookups that missed");
  r.formula(
      "system.tlb.hitRate", [&] { return hits.value() / (hits.value() + misses.value()); }, "Ratio",
      "hit rate");
  auto& v = r.vector("system.tlb.accesses", {"load", "store"}, "Count", "by kind");
  auto& d = r.distribution("system.lat", 0, 19, 10, "Cycle", "latency");
  hits += 3;
  ++misses;
  v[0] = 3;
  v[1] = 1;
  d.sample(5);
  d.sample(15);
  d.sample(25);
  RunInfo run;
  run.simTicks = 1000000;
  run.includeHost = false;
  std::ostringstream os;
  r.writeText(os, run);
  const std::string golden =
      "\n---------- Begin Simulation Statistics ----------\n"
      "simSeconds                                   0.000001                       # Number of "
      "seconds simulated (Second)\n"
      "simTicks                                      1000000                       # Number of "
      "ticks simulated (Tick)\n"
      "finalTick                                     1000000                       # Number of "
      "ticks from beginning of simulation (restored from checkpoints and never reset) (Tick)\n"
      "simFreq                                  1000000000000                       # The number "
      "of ticks per simulated second ((Tick/Second))\n"
      "system.tlb.hits                                     3                       # lookups that "
      "hit (Count)\n"
      "system.tlb.misses                                   1                       # lookups that "
      "missed (Count)\n"
      "system.tlb.hitRate                           0.750000                       # hit rate "
      "(Ratio)\n"
      "system.tlb.accesses::load                           3                       # by kind "
      "(Count)\n"
      "system.tlb.accesses::store                          1                       # by kind "
      "(Count)\n"
      "system.tlb.accesses::total                          4                       # by kind "
      "(Count)\n"
      "system.lat::samples                                 3                       # latency "
      "(Cycle)\n"
      "system.lat::mean                                   15                       # latency "
      "(Cycle)\n"
      "system.lat::stdev                                  10                       # latency "
      "(Cycle)\n"
      "system.lat::underflows                              0      0.00%      0.00% # latency "
      "(Cycle)\n"
      "system.lat::0-9                                     1     33.33%     33.33% # latency "
      "(Cycle)\n"
      "system.lat::10-19                                   1     33.33%     66.67% # latency "
      "(Cycle)\n"
      "system.lat::overflows                               1     33.33%    100.00% # latency "
      "(Cycle)\n"
      "system.lat::min_value                               5                       # latency "
      "(Cycle)\n"
      "system.lat::max_value                              25                       # latency "
      "(Cycle)\n"
      "system.lat::total                                   3                       # latency "
      "(Cycle)\n"
      "\n---------- End Simulation Statistics   ----------\n";
  EXPECT_EQ(os.str(), golden);
}

TEST(Stats, HistogramDoublesBucketsToFitSamples) {
  Histogram h("h", 4, "Cycle", "");
  h.sample(1);
  h.sample(3);
  EXPECT_EQ(h.bucketSize(), 1);
  h.sample(10);  // needs width 4: buckets 0-3, 4-7, 8-11, 12-15
  EXPECT_EQ(h.bucketSize(), 4);
  EXPECT_EQ(h.buckets()[0], 2);
  EXPECT_EQ(h.buckets()[2], 1);
  EXPECT_EQ(h.moments().samples, 3);
}

// The plain arithmetic of a 16-bucket histogram whose bucket width doubles as values grow, as a
// reference for Histogram's memo and run counting.
struct PlainHistogram {
  std::vector<double> buckets = std::vector<double>(16, 0.0);
  double width = 1, samples = 0, sum = 0, squares = 0, logs = 0, lo = 0, hi = 0;
  void sample(double v) {
    while (v >= width * 16) {
      for (size_t b = 0; b < 8; ++b) buckets[b] = buckets[2 * b] + buckets[2 * b + 1];
      for (size_t b = 8; b < 16; ++b) buckets[b] = 0;
      width *= 2;
    }
    buckets[static_cast<size_t>(v / width)] += 1;
    if (samples == 0 || v < lo) lo = v;
    if (samples == 0 || v > hi) hi = v;
    samples += 1;
    sum += v;
    squares += v * v;
    logs += std::log(v);
  }
  // Bit for bit what `m` holds.
  void expectSame(const Histogram& m) const {
    EXPECT_EQ(m.bucketSize(), width);
    EXPECT_EQ(m.buckets(), buckets);
    EXPECT_EQ(m.moments().samples, samples);
    EXPECT_EQ(m.moments().sum, sum);
    EXPECT_EQ(m.moments().squares, squares);
    EXPECT_EQ(m.moments().logs, logs);
    EXPECT_EQ(m.moments().minVal, lo);
    EXPECT_EQ(m.moments().maxVal, hi);
  }
};

// The memo of bucket index and log per value (and per integer key) is a cache: every sequence of
// samples must give bit for bit what the plain arithmetic gives, including values that share a
// slot, repeat, alternate (4 and 12, an L1 and an L2 hit) and change the bucket width.
TEST(Stats, HistogramMemoGivesThePlainArithmetic) {
  Histogram h("h", 16, "Cycle", "");
  Histogram k("k", 16, "Cycle", "");
  PlainHistogram plain;
  uint64_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t r = x >> 33;
    // Mostly a few small integers, some fractional (another clock's ticks), some large.
    const uint64_t ticks = r % 10 < 8    ? 250 * (r % 2 ? 4 : 12)
                           : r % 10 == 8 ? 40481 + r % 7
                                         : 1 + r % 900000;
    const double v = static_cast<double>(ticks) / 250.0;
    h.sample(v);
    EXPECT_EQ(k.sampleKeyed(ticks, [&] { return v; }), v);
    plain.sample(v);
  }
  plain.expectSame(h);
  plain.expectSame(k);
}

// Repeats of the last key are only counted and added later (when another sample comes or the
// histogram is read): long and short runs, runs broken by a new value, by a plain sample(), by a
// bucket-width change and by reads in the middle of a run must all give the plain arithmetic.
TEST(Stats, HistogramRunsOfOneKeyGiveThePlainArithmetic) {
  Histogram k("k", 16, "Cycle", "");
  PlainHistogram plain;
  auto same = [&] { plain.expectSame(k); };
  uint64_t x = 777;
  for (int i = 0; i < 4000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t r = x >> 33;
    // Runs of 1 to 64 of one latency: L1 and L2 hits, another clock's ticks, rare large ones.
    const uint64_t ticks = r % 10 < 5   ? 250 * 4
                           : r % 10 < 7 ? 250 * 12
                           : r % 10 < 9 ? 40481 + r % 5
                                        : 1 + r % 2000000;
    const double v = static_cast<double>(ticks) / 250.0;
    const uint64_t len = 1 + (r >> 8) % 64;
    for (uint64_t j = 0; j < len; ++j) {
      EXPECT_EQ(k.sampleKeyed(ticks, [&] { return v; }), v);
      plain.sample(v);
      if ((r >> 16) % 7 == 0 && j == len / 2) same();  // a read in the middle of a run
    }
    if ((r >> 20) % 5 == 0) {  // a plain sample between runs
      const double w = 3.0 + static_cast<double>((r >> 24) % 8);
      k.sample(w);
      plain.sample(w);
    }
  }
  same();
  std::ostringstream text;
  k.writeText(text);  // output reads the histogram too: nothing left pending
  same();
  k.reset();
  EXPECT_EQ(k.moments().samples, 0);
  EXPECT_EQ(k.sampleKeyed(1000, [] { return 4.0; }), 4.0);
  EXPECT_EQ(k.sampleKeyed(1000, [] { return 4.0; }), 4.0);
  EXPECT_EQ(k.moments().samples, 2);
  EXPECT_EQ(k.moments().sum, 8);
}

// Keyed samples are logged (a memo slot and a count per entry) and added when the log fills,
// another sample comes or the histogram is read: many keys (more than the log has entries in a
// row, some sharing a memo slot), runs, plain samples, reads at any point and bucket-width
// changes must all give the plain arithmetic.
TEST(Stats, HistogramLoggedKeyedSamplesGiveThePlainArithmetic) {
  Histogram k("k", 16, "Cycle", "");
  PlainHistogram plain;
  uint64_t x = 4242;
  for (int i = 0; i < 30000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t r = x >> 33;
    // 40 latencies most of the time (the memo has 64 slots, so some share one), rarely a new
    // large one (a wider bucket, which empties the memo).
    const uint64_t ticks =
        r % 500 ? 250 * (1 + r % 40) + (r % 3 == 0 ? 125 : 0) : 1 + (r >> 10) % 5000000;
    const double v = static_cast<double>(ticks) / 250.0;
    const uint64_t len = (r >> 12) % 4 == 0 ? 1 + (r >> 14) % 9 : 1;
    for (uint64_t j = 0; j < len; ++j) {
      EXPECT_EQ(k.sampleKeyed(ticks, [&] { return v; }), v);
      plain.sample(v);
    }
    if ((r >> 20) % 97 == 0) plain.expectSame(k);  // a read with samples still logged
    if ((r >> 20) % 89 == 1) {
      const double w = 0.5 + static_cast<double>((r >> 24) % 16);
      k.sample(w);
      plain.sample(w);
    }
  }
  plain.expectSame(k);
}

// Empty keyed-memo slots hold a key that maps to another slot (0 or 1): those keys, fresh or
// after a bucket-width change emptied the memo, are sampled with their own values.
TEST(Stats, HistogramKeysThatEmptyMemoSlotsHoldAreSampledLikeAnyOther) {
  Histogram k("k", 16, "Cycle", "");
  PlainHistogram plain;
  const uint64_t keys[] = {0, 1, 0, 0, 1, 1, 2, 0, 1, 1000, 0, 1, 1, 0};
  for (const uint64_t key : keys) {
    const double v = key == 1000 ? 50.0 : 0.5 + static_cast<double>(key);  // 50: wider buckets
    EXPECT_EQ(k.sampleKeyed(key, [&] { return v; }), v);
    plain.sample(v);
  }
  plain.expectSame(k);
}

TEST(Stats, DuplicateNamesAreRejectedAndValuesFound) {
  Registry r;
  r.scalar("a.b", "Count", "");
  EXPECT_THROW(r.scalar("a.b", "Count", ""), std::invalid_argument);
  EXPECT_EQ(r.value("a.b"), 0);
  EXPECT_THROW(r.value("nope"), std::out_of_range);
}

TEST(Stats, JsonIsNested) {
  Registry r;
  r.scalar("system.tlb.hits", "Count", "") += 2;
  RunInfo run;
  run.includeHost = false;
  std::ostringstream os;
  r.writeJson(os, run);
  EXPECT_NE(os.str().find("\"system\": {\n    \"tlb\": {\n      \"hits\": 2"), std::string::npos)
      << os.str();
}
