// AT (4-phase) tests of every TextbookMmu mode (OSTEP ch. 15-20): a foreign initiator without
// vmsim extensions (so ASID 0) keeps several accesses in flight; checkers must see no violation
// and the data must read back. Also compares LT walk costs between the modes on one workload.
#include <gtest/gtest.h>

#include <tlm_utils/peq_with_cb_and_phase.h>

#include <memory>

#include "../at_initiator.h"
#include "textbook_rig.h"

using namespace vmsim;
using namespace vmsim::test;

namespace {

struct ModeCase {
  const char* name;
  const char* yaml;
  uint64_t base;  // VA of a 64 KiB region of ASID 0
};

const ModeCase kCases[] = {
    {"base_bounds", "mmu: {mode: base_bounds, phys_base: 0x1000000, phys_size: 4MiB}\n", 0x0},
    {"segmentation", "mmu: {mode: segmentation, phys_base: 0x1000000, phys_size: 4MiB}\n",
     0x40000000},
    {"linear", "mmu: {mode: linear, phys_base: 0x1000000, phys_size: 4MiB}\n", 0x100000},
    {"two_level",
     "mmu: {mode: two_level, phys_base: 0x1000000, phys_size: 4MiB,\n"
     "      two_level: {page_size: 4KiB, address_space: 16MiB, entry_bytes: 2}}\n",
     0x100000},
    {"inverted", "mmu: {mode: inverted, phys_base: 0x1000000, phys_size: 4MiB}\n", 0x100000},
};

void PrintTo(const ModeCase& c, std::ostream* os) {
  *os << c.name;
}

class TextbookAt : public ::testing::TestWithParam<ModeCase> {};

TEST_P(TextbookAt, SeveralInFlightReadBackWhatTheyWrote) {
  TextbookRig rig(GetParam().yaml);
  rig.mmu.mapRegion(0, GetParam().base, 0x10000, Perms{});
  AtInitiator cpu("cpu", GetParam().base, 256, 6);
  cpu.isock.bind(rig.toMmu.tsock);
  sc_core::sc_start();
  EXPECT_EQ(cpu.ok, 512u);
  EXPECT_EQ(cpu.errors, 0u);
  EXPECT_EQ(cpu.dataErrors, 0u);
  EXPECT_GT(cpu.maxInFlight, 1u);
  EXPECT_EQ(rig.toMmu.nbTransactions, 512u);
  EXPECT_EQ(rig.mmuMem.nbTransactions, 512u);  // the data accesses go on as 4-phase
  EXPECT_EQ(rig.violations(), std::vector<std::string>{});
}

// The same small LT workload in every mode: what each scheme's walk costs per access.
TEST_P(TextbookAt, LtWalkCostOnASmallWorkload) {
  TextbookRig rig(GetParam().yaml);
  const uint64_t base = GetParam().base;
  rig.mmu.mapRegion(0, base, 0x10000, Perms{});
  std::vector<Op> ops;
  for (unsigned i = 0; i < 200; ++i) ops.push_back(store(0, base + (i * 4168) % 0xfff8, i));
  for (unsigned i = 0; i < 200; ++i) ops.push_back(load(0, base + (i * 4168) % 0xfff8));
  const auto r = runScript(rig, ops);
  sc_core::sc_time total;
  for (unsigned i = 0; i < 200; ++i) EXPECT_EQ(r[200 + i].value, i);
  for (const auto& x : r) total += x.delay;
  const double reads = rig.stat("mmu.tableReads") / 400;
  std::printf("[walk cost] %-12s table reads/access %.2f, mean access time %s\n", GetParam().name,
              reads, (total / 400).to_string().c_str());
  const std::string mode = GetParam().name;
  if (mode == "base_bounds" || mode == "segmentation") {
    EXPECT_EQ(reads, 0);
  }
  if (mode == "linear") {
    EXPECT_EQ(reads, 1);
  }
  if (mode == "two_level") {
    EXPECT_EQ(reads, 2);
  }
  if (mode == "inverted") {
    EXPECT_GE(reads, 2);  // anchor + at least one entry
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, TextbookAt, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
