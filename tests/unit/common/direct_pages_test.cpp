// DirectPages: a user's memo of DirectMemory::directPage answers (docs/performance.md).
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "vmsim/common/interfaces.h"

namespace {

// Pages 0..(pages-1) are served, each from its own host block; every question is counted.
class CountingMemory : public vmsim::DirectMemory {
 public:
  explicit CountingMemory(uint64_t pages) : bytes_(pages * 4096) {}
  unsigned char* directPage(uint64_t pa) override {
    ++asked[pa >> 12];
    return (pa >> 12) < bytes_.size() / 4096 ? &bytes_[(pa >> 12) * 4096] : nullptr;
  }
  std::map<uint64_t, unsigned> asked;

 private:
  std::vector<unsigned char> bytes_;
};

}  // namespace

TEST(DirectPages, AnswersAsDirectEntryAndAsksEachServedPageOnce) {
  CountingMemory mem(2048);
  vmsim::DirectPages pages;
  pages.connect(&mem);
  EXPECT_EQ(pages.memory(), &mem);
  uint64_t h = 3;
  for (int i = 0; i < 20000; ++i) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    // Pages 1000 apart share a slot; 2048 and above are not served.
    const uint64_t pa = ((h >> 33) % 8) * 1000 * 4096 + ((h >> 20) & 4095);
    EXPECT_EQ(pages.entry(pa), mem.directEntry(pa)) << std::hex << pa;
  }
  // directEntry asked every time; entry asked a served page again only after its slot was taken
  // by another page, and a page served by nothing every time.
  CountingMemory fresh(2048);
  pages.connect(&fresh);
  for (int round = 0; round < 3; ++round) {
    for (uint64_t pn : {1, 2, 3, 513, 5000}) pages.entry(pn * 4096 + 8);
  }
  EXPECT_EQ(fresh.asked[2], 1u);
  EXPECT_EQ(fresh.asked[3], 1u);
  EXPECT_EQ(fresh.asked[1], 3u);  // 1 and 513 share a slot of 512
  EXPECT_EQ(fresh.asked[513], 3u);
  EXPECT_EQ(fresh.asked[5000], 3u);  // nullptr is not remembered
  EXPECT_EQ(pages.entry(5000 * 4096), nullptr);
  // Reconnecting forgot the first memory's pages (page 0 was remembered from it).
  EXPECT_EQ(pages.entry(16), fresh.directEntry(16));
  EXPECT_NE(pages.entry(16), mem.directEntry(16));
}
