// FlatU64Map against std::unordered_map on random inserts, look-ups, erases and eraseIf, with
// keys that collide in their home slots (burst addresses, multiples of 64).
#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

#include "vmsim/dram/flat_u64_map.h"

using vmsim::dram::FlatU64Map;

TEST(dramFlatU64Map, AgreesWithUnorderedMap) {
  std::mt19937_64 rng(7);
  FlatU64Map m;
  std::unordered_map<uint64_t, uint64_t> ref;
  for (unsigned n = 0; n < 200000; ++n) {
    const uint64_t key = (rng() % 3000) * 64;
    const unsigned op = unsigned(rng() % 10);
    if (op < 4) {
      const uint64_t v = rng() % 1000;
      m[key] = v;
      ref[key] = v;
    } else if (op < 7) {
      m.erase(key);
      ref.erase(key);
    } else if (op < 9) {
      const uint64_t* v = m.find(key);
      const auto it = ref.find(key);
      ASSERT_EQ(v != nullptr, it != ref.end()) << n;
      if (v) {
        ASSERT_EQ(*v, it->second) << n;
      }
    } else if (rng() % 500 == 0) {
      const uint64_t t = rng() % 1000;
      m.eraseIf([t](uint64_t v) { return v <= t; });
      for (auto it = ref.begin(); it != ref.end();) it = it->second <= t ? ref.erase(it) : ++it;
    }
    ASSERT_EQ(m.size(), ref.size()) << n;
  }
  for (const auto& [k, v] : ref) {
    const uint64_t* p = m.find(k);
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, v);
  }
}
