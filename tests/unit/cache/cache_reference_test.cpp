// Validation of the cache core against an independent reference simulation: hits, misses and
// write-backs of a 10,000-access trace (tests/data/cache/trace.txt) for eight geometries and
// both deterministic policies, as computed by scripts/cache_reference.py (a textbook
// write-back/write-allocate cache in Python sharing no code with models/cache). Exact match.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "vmsim/cache/cache_core.h"

namespace {
struct Access {
  bool write;
  uint64_t addr;
};

std::vector<Access> readTrace() {
  std::ifstream in(std::string(VMSIM_TEST_DATA_DIR) + "/cache/trace.txt");
  std::vector<Access> t;
  std::string op;
  std::string hex;
  while (in >> op >> hex) t.push_back({op == "W", std::stoull(hex, nullptr, 16)});
  return t;
}
}  // namespace

TEST(CacheReference, HitsMissesAndWritebacksMatchTheReferenceSimulation) {
  const auto trace = readTrace();
  ASSERT_EQ(trace.size(), 10000u);
  std::ifstream ref(std::string(VMSIM_TEST_DATA_DIR) + "/cache/reference.txt");
  std::string line;
  int cases = 0;
  while (std::getline(ref, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream is(line);
    uint64_t size, ways, lineBytes, hits, misses, writebacks;
    std::string policy;
    is >> size >> ways >> lineBytes >> policy >> hits >> misses >> writebacks;
    vmsim::cache::CacheCore c(size, static_cast<unsigned>(ways), static_cast<unsigned>(lineBytes),
                              policy);
    uint64_t h = 0, m = 0, w = 0;
    for (const Access& a : trace) {
      const uint64_t l = c.lineOf(a.addr);
      if (c.access(l, a.write)) {
        ++h;
        continue;
      }
      ++m;
      if (c.fill(l, a.write, false).dirty) ++w;
    }
    EXPECT_EQ(h, hits) << line;
    EXPECT_EQ(m, misses) << line;
    EXPECT_EQ(w, writebacks) << line;
    ++cases;
  }
  EXPECT_EQ(cases, 8);
}
