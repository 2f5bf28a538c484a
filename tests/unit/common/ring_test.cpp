// Ring: first-in first-out order across wrap-around and growth, erase in the middle, reused slots.
#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "vmsim/common/ring.h"

TEST(Ring, KeepsFifoOrderAcrossWrapAndGrowth) {
  vmsim::Ring<int> r(2);
  std::deque<int> ref;
  std::mt19937 rng(7);
  int next = 0;
  for (int step = 0; step < 10000; ++step) {
    const unsigned op = rng() % 8;
    if (op < 4 || ref.empty()) {
      r.pushBack() = next;
      ref.push_back(next++);
    } else if (op < 7) {
      EXPECT_EQ(r.front(), ref.front());
      r.popFront();
      ref.pop_front();
    } else {
      const size_t i = rng() % ref.size();
      r.erase(i);
      ref.erase(ref.begin() + static_cast<std::ptrdiff_t>(i));
    }
    ASSERT_EQ(r.size(), ref.size());
    for (size_t i = 0; i < ref.size(); ++i) ASSERT_EQ(r[i], ref[i]);
  }
}

TEST(Ring, ReusesSlotsWithTheirContents) {
  vmsim::Ring<std::vector<int>> r(4);
  r.pushBack().assign(100, 1);
  const int* buf = r.front().data();
  r.popFront();
  for (int i = 0; i < 3; ++i) {
    r.pushBack();
    r.popFront();
  }
  // Four pushes later the first slot comes round again, its vector (and buffer) kept.
  std::vector<int>& again = r.pushBack();
  EXPECT_EQ(again.size(), 100u);
  EXPECT_EQ(again.data(), buf);
  EXPECT_TRUE(vmsim::Ring<int>(0).empty());
}
