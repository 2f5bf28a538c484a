// Synthetic generators: range, alignment, determinism, write mix, pointer-chase cycle, validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <vector>

#include "vmsim/workloads/synthetic.h"

namespace vmsim::workloads {
namespace {

SyntheticSpec spec(const std::string& pattern) {
  SyntheticSpec s;
  s.pattern = pattern;
  s.base = 0x10000000;
  s.footprint = 1 << 16;
  s.stride = 192;
  s.count = 20000;
  s.write_fraction = 0.25;
  s.access_size = 8;
  s.seed = 7;
  s.phase_footprint = 8192;
  s.phase_accesses = 1000;
  return s;
}

std::vector<Access> drain(Workload& w) {
  std::vector<Access> out;
  Access a;
  while (w.next(a)) out.push_back(a);
  return out;
}

class EveryPattern : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryPattern, StaysInRangeAlignedAndCountsExactly) {
  const SyntheticSpec s = spec(GetParam());
  auto w = makeSynthetic(s);
  const auto accesses = drain(*w);
  ASSERT_EQ(accesses.size(), s.count);
  for (const Access& a : accesses) {
    EXPECT_GE(a.va, s.base);
    EXPECT_LE(a.va + a.size, s.base + s.footprint);
    EXPECT_EQ(a.va % s.access_size, 0u);
    EXPECT_EQ(a.size, s.access_size);
    EXPECT_NE(a.op, Op::Fetch);
  }
  Access a;
  EXPECT_FALSE(w->next(a));
}

TEST_P(EveryPattern, SameSeedSameStreamOtherSeedDiffers) {
  SyntheticSpec s = spec(GetParam());
  const auto first = drain(*makeSynthetic(s));
  const auto again = drain(*makeSynthetic(s));
  ASSERT_EQ(first.size(), again.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].va, again[i].va);
    EXPECT_EQ(first[i].op, again[i].op);
  }
  s.seed = 8;
  const auto other = drain(*makeSynthetic(s));
  size_t same = 0;
  for (size_t i = 0; i < first.size(); ++i)
    same += first[i].va == other[i].va && first[i].op == other[i].op;
  EXPECT_LT(same, first.size());
}

TEST_P(EveryPattern, BatchesGiveTheStreamOfNext) {
  // The requester reads batchable() workloads in batches: the same accesses, field by field, in
  // batches of any size, up to the same end.
  const SyntheticSpec s = spec(GetParam());
  const auto plain = drain(*makeSynthetic(s));
  auto w = makeSynthetic(s);
  std::vector<Access> batched, buf(37);
  for (size_t n = 1;; n = n % 37 + 1) {
    const size_t got = w->nextBatch(buf.data(), n);
    ASSERT_LE(got, n);
    if (got == 0) break;
    batched.insert(batched.end(), buf.begin(), buf.begin() + static_cast<long>(got));
  }
  ASSERT_EQ(batched.size(), plain.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(batched[i].va, plain[i].va) << i;
    EXPECT_EQ(batched[i].op, plain[i].op) << i;
    EXPECT_EQ(batched[i].size, plain[i].size) << i;
    EXPECT_EQ(batched[i].dependent, plain[i].dependent) << i;
  }
  Access a;
  EXPECT_FALSE(w->next(a));
}

// Every pattern but gups, whose updates are a load then a store each (SyntheticGups below).
class WriteMixPattern : public ::testing::TestWithParam<std::string> {};

std::vector<std::string> patternsWithWriteMix() {
  std::vector<std::string> out;
  for (const auto& p : syntheticPatterns())
    if (p != "gups") out.push_back(p);
  return out;
}

TEST_P(WriteMixPattern, WriteFractionRoughlyAsAsked) {
  for (double fraction : {0.0, 0.1, 0.5, 1.0}) {
    SyntheticSpec s = spec(GetParam());
    s.write_fraction = fraction;
    s.count = 100000;
    size_t stores = 0;
    for (const Access& a : drain(*makeSynthetic(s))) stores += a.op == Op::Store;
    EXPECT_NEAR(static_cast<double>(stores) / s.count, fraction, 0.01) << "fraction " << fraction;
  }
}

TEST_P(EveryPattern, DescribeNamesPattern) {
  EXPECT_NE(makeSynthetic(spec(GetParam()))->describe().find(GetParam()), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Synthetic, EveryPattern, ::testing::ValuesIn(syntheticPatterns()),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Synthetic, WriteMixPattern, ::testing::ValuesIn(patternsWithWriteMix()),
                         [](const auto& info) { return info.param; });

TEST(Synthetic, SequentialWalksAndWraps) {
  SyntheticSpec s = spec("sequential");
  s.footprint = 32;
  s.count = 6;
  const auto a = drain(*makeSynthetic(s));
  const std::vector<uint64_t> expected{0, 8, 16, 24, 0, 8};
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].va - s.base, expected[i]);
}

TEST(Synthetic, StridedIsIStrideModFootprint) {
  SyntheticSpec s = spec("strided");
  s.footprint = 1000 * 8;
  s.stride = 8 * 37;
  s.count = 5000;
  const auto a = drain(*makeSynthetic(s));
  for (uint64_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].va, s.base + (i * s.stride) % s.footprint);
}

TEST(Synthetic, StrideLargerThanFootprintWraps) {
  SyntheticSpec s = spec("strided");
  s.footprint = 64;
  s.stride = 72;
  s.count = 4;
  const auto a = drain(*makeSynthetic(s));
  EXPECT_EQ(a[1].va - s.base, 8u);
  EXPECT_EQ(a[3].va - s.base, 24u);
}

TEST(Synthetic, RandomCoversFootprint) {
  SyntheticSpec s = spec("random");
  s.footprint = 64 * 8;
  s.count = 5000;
  std::set<uint64_t> seen;
  for (const Access& a : drain(*makeSynthetic(s))) seen.insert(a.va);
  EXPECT_EQ(seen.size(), 64u);
}

TEST(Synthetic, PointerChaseVisitsEverySlotOncePerCycle) {
  SyntheticSpec s = spec("pointer_chase");
  s.stride = 0;  // cache lines
  s.footprint = 64 * 1000;
  s.count = 3000;
  const auto a = drain(*makeSynthetic(s));
  for (int lap = 0; lap < 3; ++lap) {
    std::set<uint64_t> slots;
    for (int i = 0; i < 1000; ++i) {
      const uint64_t offset = a[lap * 1000 + i].va - s.base;
      EXPECT_EQ(offset % 64, 0u);
      slots.insert(offset / 64);
      EXPECT_EQ(a[lap * 1000 + i].va, a[i].va) << "laps repeat the same chain";
    }
    EXPECT_EQ(slots.size(), 1000u);
  }
  EXPECT_NE(a[1].va, a[0].va + 64) << "chain is not the sequential order";
}

TEST(Synthetic, PointerChaseUsesStrideAsSlot) {
  SyntheticSpec s = spec("pointer_chase");
  s.stride = 4096;
  s.footprint = 4096 * 16;
  s.count = 16;
  std::set<uint64_t> pages;
  for (const Access& a : drain(*makeSynthetic(s))) {
    EXPECT_EQ((a.va - s.base) % 4096, 0u);
    pages.insert(a.va);
  }
  EXPECT_EQ(pages.size(), 16u);
}

TEST(Synthetic, PageChaseIsOneCycleOverPagesOncePerLap) {
  SyntheticSpec s = spec("page_chase");
  s.footprint = 4096 * 500;
  s.count = 1500;
  const auto a = drain(*makeSynthetic(s));
  ASSERT_EQ(a.size(), 1500u);
  for (int lap = 0; lap < 3; ++lap) {
    std::set<uint64_t> pages;
    for (int i = 0; i < 500; ++i) {
      const Access& x = a[lap * 500 + i];
      pages.insert((x.va - s.base) / 4096);
      EXPECT_EQ(x.va, a[i].va) << "laps repeat the same cycle";
    }
    EXPECT_EQ(pages.size(), 500u) << "every page once per lap";
  }
  // A single cycle: following the successor of each page from page 0 returns to it only after
  // all 500 pages (Sattolo's algorithm, not any permutation with shorter cycles).
  EXPECT_EQ(a[0].va, s.base) << "the chase starts at page 0";
  size_t sequentialSteps = 0;
  for (int i = 0; i + 1 < 500; ++i)
    sequentialSteps += (a[i + 1].va - s.base) / 4096 == (a[i].va - s.base) / 4096 + 1;
  EXPECT_LT(sequentialSteps, 25u) << "the order is random, not sequential";
}

TEST(Synthetic, PageChaseOffsetRotatesWithThePageIndex) {
  SyntheticSpec s = spec("page_chase");
  s.footprint = 4096 * 200;
  s.count = 200;
  std::set<uint64_t> offsets;
  for (const Access& x : drain(*makeSynthetic(s))) {
    const uint64_t page = (x.va - s.base) / 4096;
    const uint64_t offset = (x.va - s.base) % 4096;
    EXPECT_EQ(offset, (page % 64) * 64) << "page " << page;
    offsets.insert(offset);
  }
  EXPECT_EQ(offsets.size(), 64u) << "all 64 line offsets of a 4 KiB page are used";
}

TEST(Synthetic, PageChaseHonoursPageSize) {
  SyntheticSpec s = spec("page_chase");
  s.page_size = 2u << 20;  // 2 MiB pages: 32768 line offsets
  s.footprint = 64ull << 20;
  s.count = 32;
  std::set<uint64_t> pages;
  for (const Access& x : drain(*makeSynthetic(s))) {
    const uint64_t page = (x.va - s.base) >> 21;
    EXPECT_EQ((x.va - s.base) & ((2u << 20) - 1), page * 64);
    pages.insert(page);
  }
  EXPECT_EQ(pages.size(), 32u);
}

TEST(Synthetic, PageChaseOffsetsWrapWithinSmallPages) {
  SyntheticSpec s = spec("page_chase");
  s.page_size = 1024;  // 16 lines per page: the offset rotates through all 16
  s.footprint = 1024 * 40;
  s.count = 40;
  for (const Access& x : drain(*makeSynthetic(s))) {
    const uint64_t page = (x.va - s.base) / 1024;
    EXPECT_EQ((x.va - s.base) % 1024, (page % 16) * 64) << "page " << page;
  }
  s.page_size = 64;  // one line per "page": every offset is 0, consecutive lines
  s.footprint = 64 * 10;
  s.count = 10;
  std::set<uint64_t> lines;
  for (const Access& x : drain(*makeSynthetic(s))) {
    EXPECT_EQ((x.va - s.base) % 64, 0u);
    lines.insert(x.va);
  }
  EXPECT_EQ(lines.size(), 10u);
}

TEST(Synthetic, PageChaseLoadsDependOnThePreviousOne) {
  SyntheticSpec s = spec("page_chase");
  s.count = 50;
  const auto a = drain(*makeSynthetic(s));
  EXPECT_FALSE(a[0].dependent) << "the first load has no predecessor";
  for (size_t i = 1; i < a.size(); ++i) EXPECT_TRUE(a[i].dependent) << i;
  // The other patterns but pointer_chase issue independent accesses.
  for (const char* p : {"sequential", "random"}) {
    for (const Access& x : drain(*makeSynthetic(spec(p)))) ASSERT_FALSE(x.dependent) << p;
  }
}

TEST(Synthetic, PageChaseIsDeterministicPerSeed) {
  SyntheticSpec s = spec("page_chase");
  s.footprint = 4096 * 256;
  s.count = 256;
  s.write_fraction = 0;
  const auto first = drain(*makeSynthetic(s));
  const auto again = drain(*makeSynthetic(s));
  for (size_t i = 0; i < first.size(); ++i) ASSERT_EQ(first[i].va, again[i].va);
  s.seed = 99;
  const auto other = drain(*makeSynthetic(s));
  size_t same = 0;
  for (size_t i = 0; i < first.size(); ++i) same += first[i].va == other[i].va;
  EXPECT_LT(same, 16u) << "another seed gives another cycle";
}

TEST(Synthetic, ZeroCountIsEmpty) {
  SyntheticSpec s = spec("random");
  s.count = 0;
  Access a;
  EXPECT_FALSE(makeSynthetic(s)->next(a));
}

void expectRejected(const SyntheticSpec& s, const std::string& fragment) {
  try {
    makeSynthetic(s);
    FAIL() << "accepted a spec that should mention: " << fragment;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Synthetic, UnknownPatternListsValidNames) {
  expectRejected(spec("zigzag"),
                 "unknown pattern 'zigzag'; valid patterns: sequential, strided, "
                 "random, pointer_chase, page_chase, page_stride, zipf, hot_cold, gups, phases");
}

TEST(Synthetic, RejectsBadSpecs) {
  SyntheticSpec s = spec("strided");
  s.footprint = 0;
  expectRejected(s, "footprint must be > 0");
  s = spec("random");
  s.access_size = 12;
  expectRejected(s, "access_size 12 must be a power of two in 1..64");
  s.access_size = 128;
  expectRejected(s, "access_size 128");
  s = spec("strided");
  s.stride = 0;
  expectRejected(s, "stride must be > 0");
  s.stride = 12;
  expectRejected(s, "stride 12 must be a multiple of access_size 8");
  s = spec("random");
  s.write_fraction = 1.5;
  expectRejected(s, "write_fraction");
  s.write_fraction = -0.1;
  expectRejected(s, "write_fraction");
  s = spec("random");
  s.base = 4;
  expectRejected(s, "base must be aligned");
  s = spec("random");
  s.footprint = 100;
  expectRejected(s, "footprint 100 must be a multiple of access_size 8");
  s = spec("pointer_chase");
  s.stride = 1 << 20;
  expectRejected(s, "exceeds footprint");
  s = spec("page_chase");
  s.page_size = 100;
  expectRejected(s, "page_chase page_size 100 must be a multiple of 64");
  s.page_size = 1 << 20;
  expectRejected(s, "page_chase page_size 1048576 exceeds footprint");
  s = spec("page_chase");
  s.base = 0x10000040;
  expectRejected(s, "page_chase base must be aligned to page_size 4096");
  s = spec("page_stride");
  s.page_size = 96;
  expectRejected(s, "page_stride page_size 96 must be a multiple of 64");
  s = spec("zipf");
  s.zipf_alpha = 0;
  expectRejected(s, "zipf_alpha 0.000000 must be in (0, 10]");
  s = spec("zipf");
  s.stride = 12;
  expectRejected(s, "zipf slot size (stride) 12 must be a multiple of access_size 8");
  s = spec("zipf");
  s.stride = 64;
  s.footprint = (uint64_t{1} << 24) * 64 + 64;
  expectRejected(s, "slots; at most 2^24 supported");
  s = spec("hot_cold");
  s.hot_fraction = 0;
  expectRejected(s, "hot_fraction 0.000000 must be in (0, 1]");
  s.hot_fraction = 1e-6;
  expectRejected(s, "leaves no hot slot");
  s.hot_fraction = 1;
  expectRejected(s, "leaves no cold slot");
  s.hot_fraction = 0.5;
  s.hot_probability = 1.5;
  expectRejected(s, "hot_probability 1.500000 must be in [0, 1]");
  s = spec("phases");
  s.phase_footprint = 1 << 20;
  expectRejected(s, "phase_footprint 1048576 exceeds footprint 65536");
  s.phase_footprint = 12;
  expectRejected(s, "phase_footprint 12 must be > 0 and a multiple of access_size 8");
  s.phase_footprint = 4096;
  s.phase_accesses = 0;
  expectRejected(s, "phase_accesses must be > 0");
  s.phase_accesses = 10;
  s.phase_shift = 4;
  expectRejected(s, "phase_shift 4 must be a multiple of access_size 8");
}

// --- patterns researchers use: zipf, hot/cold, GUPS, page stride, working-set phases
// --------------

// Zipf rank frequencies against theory: with ranks scattered over the slots, the k-th most
// frequent slot is rank k (the ranks' probabilities are far enough apart at the top), and the
// sorted frequency vector as a whole is within sampling noise of 1/k^s / H(n, s).
TEST(SyntheticZipf, RankFrequenciesMatchTheory) {
  for (double alpha : {0.6, 0.99, 1.5}) {
    SyntheticSpec s = spec("zipf");
    s.stride = 64;
    s.footprint = 1000 * 64;
    s.zipf_alpha = alpha;
    s.count = 2000000;
    std::vector<uint64_t> hits(1000, 0);
    for (const Access& a : drain(*makeSynthetic(s))) {
      ASSERT_EQ((a.va - s.base) % 64, 0u);
      ++hits[(a.va - s.base) / 64];
    }
    std::sort(hits.rbegin(), hits.rend());
    double h = 0;
    for (int k = 1; k <= 1000; ++k) h += std::pow(k, -alpha);
    double tv = 0;  // total variation distance between sorted empirical and theoretical
    for (int k = 1; k <= 1000; ++k) {
      const double p = std::pow(k, -alpha) / h;
      const double got = static_cast<double>(hits[k - 1]) / s.count;
      tv += std::abs(got - p) / 2;
      if (k <= 5) {  // the top ranks, individually: within 5 standard deviations
        const double sigma = std::sqrt(p * (1 - p) / s.count);
        EXPECT_NEAR(got, p, 5 * sigma) << "alpha " << alpha << " rank " << k;
      }
    }
    EXPECT_LT(tv, 0.01) << "alpha " << alpha;
  }
}

TEST(SyntheticZipf, HotSlotsAreScatteredAndSeedDecidesWhere) {
  SyntheticSpec s = spec("zipf");
  s.stride = 4096;
  s.footprint = 256 * 4096;
  s.count = 200000;
  auto hottest = [&](uint64_t seed) {
    s.seed = seed;
    std::vector<uint64_t> hits(256, 0);
    for (const Access& a : drain(*makeSynthetic(s))) ++hits[(a.va - s.base) / 4096];
    return static_cast<size_t>(std::max_element(hits.begin(), hits.end()) - hits.begin());
  };
  std::set<size_t> where;
  for (uint64_t seed = 1; seed <= 8; ++seed) where.insert(hottest(seed));
  EXPECT_GE(where.size(), 5u);  // 8 seeds put the hottest page in at least 5 different places
  EXPECT_EQ(hottest(3), hottest(3));
}

TEST(SyntheticHotCold, HotShareAndUniformWithinEachPart) {
  SyntheticSpec s = spec("hot_cold");
  s.footprint = 1000 * 8;
  s.hot_fraction = 0.2;
  s.hot_probability = 0.8;
  s.count = 1000000;
  std::vector<uint64_t> hits(1000, 0);
  for (const Access& a : drain(*makeSynthetic(s))) ++hits[(a.va - s.base) / 8];
  uint64_t hot = 0;
  for (int i = 0; i < 200; ++i) hot += hits[i];
  const double share = static_cast<double>(hot) / s.count;
  EXPECT_NEAR(share, 0.8, 5 * std::sqrt(0.8 * 0.2 / s.count));
  // Each hot slot expects 0.8/200 of the accesses, each cold slot 0.2/800.
  for (int i = 0; i < 1000; ++i) {
    const double p = i < 200 ? 0.8 / 200 : 0.2 / 800;
    const double mean = p * s.count, sigma = std::sqrt(mean * (1 - p));
    EXPECT_NEAR(static_cast<double>(hits[i]), mean, 6 * sigma) << "slot " << i;
  }
  // All accesses hot when hot_probability is 1.
  s.hot_probability = 1;
  s.count = 10000;
  for (const Access& a : drain(*makeSynthetic(s))) EXPECT_LT(a.va - s.base, 200u * 8);
}

TEST(SyntheticGups, UpdatesAreLoadThenStoreOfOneUniformWord) {
  SyntheticSpec s = spec("gups");
  s.footprint = 512 * 8;
  s.count = 400001;  // odd: the last update is cut after its load
  const auto a = drain(*makeSynthetic(s));
  ASSERT_EQ(a.size(), s.count);
  std::vector<uint64_t> hits(512, 0);
  for (size_t i = 0; i + 1 < a.size(); i += 2) {
    EXPECT_EQ(a[i].op, Op::Load);
    EXPECT_EQ(a[i + 1].op, Op::Store);
    EXPECT_EQ(a[i].va, a[i + 1].va);
    EXPECT_FALSE(a[i].dependent);
    ++hits[(a[i].va - s.base) / 8];
  }
  EXPECT_EQ(a.back().op, Op::Load);
  const double mean = 200000.0 / 512, sigma = std::sqrt(mean);
  for (int i = 0; i < 512; ++i) EXPECT_NEAR(static_cast<double>(hits[i]), mean, 6 * sigma) << i;
}

TEST(SyntheticPageStride, OneRotatingLinePerPageInAddressOrder) {
  SyntheticSpec s = spec("page_stride");
  s.footprint = 100 * 4096;
  s.count = 250;
  const auto a = drain(*makeSynthetic(s));
  for (size_t i = 0; i < a.size(); ++i) {
    const uint64_t page = i % 100;
    EXPECT_EQ(a[i].va, s.base + page * 4096 + (page % 64) * 64) << i;
    EXPECT_FALSE(a[i].dependent);
  }
  s.page_size = 1 << 21;  // huge pages: one line per 2 MiB page
  s.base = 0x40000000;
  s.footprint = 8u << 21;
  s.count = 8;
  const auto huge = drain(*makeSynthetic(s));
  for (size_t i = 0; i < huge.size(); ++i) EXPECT_EQ(huge[i].va, s.base + i * (2u << 20) + i * 64);
}

TEST(SyntheticPhases, WorkingSetMovesEveryPhaseAndWraps) {
  SyntheticSpec s = spec("phases");
  s.footprint = 40960;
  s.phase_footprint = 16384;
  s.phase_accesses = 5000;
  s.phase_shift = 12288;  // overlapping sets; the fourth wraps around the footprint
  s.count = 5 * 5000;
  const auto a = drain(*makeSynthetic(s));
  for (int phase = 0; phase < 5; ++phase) {
    const uint64_t start = (phase * 12288) % 40960;
    std::set<uint64_t> seen;
    for (int i = 0; i < 5000; ++i) {
      const uint64_t off = a[phase * 5000 + i].va - s.base;
      const uint64_t rel = (off + 40960 - start) % 40960;  // offset within the phase's set
      EXPECT_LT(rel, 16384u) << "phase " << phase << " access " << i;
      seen.insert(rel / 8);
    }
    // 5000 uniform draws over 2048 slots touch ~1876 of them (2048 * (1 - e^-2.44)).
    EXPECT_GT(seen.size(), 1750u) << "phase " << phase;
  }
  // phase_shift 0 = disjoint consecutive sets.
  s.phase_shift = 0;
  s.footprint = 4 * 16384;
  s.count = 2 * 5000;
  const auto d = drain(*makeSynthetic(s));
  for (int i = 0; i < 5000; ++i) EXPECT_LT(d[i].va - s.base, 16384u);
  for (int i = 5000; i < 10000; ++i) {
    EXPECT_GE(d[i].va - s.base, 16384u);
    EXPECT_LT(d[i].va - s.base, 32768u);
  }
}

}  // namespace
}  // namespace vmsim::workloads
