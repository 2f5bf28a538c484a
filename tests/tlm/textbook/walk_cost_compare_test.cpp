// Cost of each textbook translation mode (OSTEP ch. 15-20) against radix paging with TLBs
// (mmu::Mmu + os::Kernel) on one workload: every page of a 4 MiB footprint touched once, then
// 20000 random 8-byte accesses (30 % stores) whose mean LT access time and table reads are printed.
#include <gtest/gtest.h>

#include "textbook_rig.h"
#include "vmsim/mmu/mmu.h"
#include "vmsim/os/kernel.h"
#include "vmsim/swap/swap_disk.h"

using namespace vmsim;
using namespace vmsim::test;

namespace {

constexpr uint64_t kFootprint = 4ull << 20;
constexpr unsigned kRandom = 20000;

struct Case {
  const char* name;
  const char* yaml;  // empty: radix paging
  uint64_t base;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

const Case kCases[] = {
    {"base_bounds", "mmu: {mode: base_bounds, phys_size: 64MiB, base_bounds: {size: 8MiB}}\n", 0},
    {"segmentation",
     "mmu: {mode: segmentation, phys_size: 64MiB, segmentation: {heap: {size: 8MiB}}}\n",
     0x40000000},
    {"linear", "mmu: {mode: linear, phys_size: 64MiB}\n", 0x10000000},
    {"two_level",
     "mmu: {mode: two_level, phys_size: 64MiB,\n"
     "      two_level: {page_size: 4KiB, address_space: 1GiB, entry_bytes: 4}}\n",
     0x10000000},
    {"inverted", "mmu: {mode: inverted, phys_size: 64MiB}\n", 0x10000000},
    {"radix", "", 0x10000000},
};

// Radix paging: the MMU with its TLBs and walker, the kernel building x86-64 tables on demand.
struct RadixRig {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  ProtocolChecker toMmu{"check_cpu_mmu"};
  mem::Router router{"router", ctx};
  dram::Dram dram{"dram", ctx};
  swap::SwapDisk disk{"swap", ctx};
  os::Kernel kernel{"kernel", ctx};
  mmu::Mmu mmu{"mmu", ctx};
  Asid asid = kernel.createProcess("p");

  explicit RadixRig(uint64_t base) {
    router.isock.bind(dram.tsock);
    router.map(0, 0, dram.size(), "dram");
    kernel.mem.bind(router.tsock);
    kernel.swap.bind(disk.tsock);
    kernel.setSwapSpace(&disk);
    toMmu.isock.bind(mmu.tsock);
    mmu.mem.bind(router.tsock);
    mmu.walker()->mem.bind(router.tsock);
    mmu.fault.bind(kernel.fault_tsock);
    mmu.walker()->setPageTableBase(&kernel);
    for (auto* c : mmu.translationCaches()) kernel.addTranslationCache(c);
    kernel.addRegion(asid, {"heap", base, kFootprint, Perms{}});
    cfg.finalize();
  }
};

std::vector<Op> workload(Asid asid, uint64_t base) {
  std::vector<Op> ops;
  for (uint64_t p = 0; p < kFootprint; p += 4096) ops.push_back(store(asid, base + p, p));
  uint64_t x = 1;
  for (unsigned i = 0; i < kRandom; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t va = base + ((x >> 20) % (kFootprint / 8)) * 8;
    ops.push_back((x >> 60) < 5 ? store(asid, va, i) : load(asid, va));
  }
  return ops;
}

struct Cost {
  double nsPerAccess = 0, readsPerAccess = 0;
};

Cost measure(const std::vector<OpResult>& r) {
  Cost c;
  sc_core::sc_time total;
  for (size_t i = r.size() - kRandom; i < r.size(); ++i) {
    EXPECT_TRUE(r[i].ok());
    total += r[i].delay;
    c.readsPerAccess += r[i].tableReads;
  }
  c.nsPerAccess = total.to_seconds() * 1e9 / kRandom;
  c.readsPerAccess /= kRandom;
  return c;
}

class WalkCost : public ::testing::TestWithParam<Case> {};

TEST_P(WalkCost, RandomAccessesOverFourMiB) {
  const Case& c = GetParam();
  Cost cost;
  if (*c.yaml) {
    TextbookRig rig(c.yaml);
    rig.mmu.mapRegion(1, c.base, kFootprint, Perms{});
    cost = measure(runScript(rig, workload(1, c.base)));
    EXPECT_EQ(rig.violations(), std::vector<std::string>{});
  } else {
    RadixRig rig(c.base);
    cost = measure(runScript(rig, workload(rig.asid, c.base)));
  }
  std::printf("[walk cost] %-12s %.2f table reads/access, %.1f ns/access\n", c.name,
              cost.readsPerAccess, cost.nsPerAccess);
  const std::string m = c.name;
  const double expected = m == "linear" ? 1 : m == "two_level" ? 2 : 0;
  if (m == "inverted") {
    EXPECT_GE(cost.readsPerAccess, 2);  // the anchor, then at least the entry itself
  } else if (m != "radix") {
    EXPECT_EQ(cost.readsPerAccess, expected);
  }
  EXPECT_GT(cost.nsPerAccess, 0);
}

INSTANTIATE_TEST_SUITE_P(Modes, WalkCost, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
