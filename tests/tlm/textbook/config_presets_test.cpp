// The configs/textbook presets (one per OSTEP translation mode, ch. 15-20): every key under
// system.cpu0.mmu is one TextbookMmu reads, and the workload's footprint can be mapped.
#include <gtest/gtest.h>

#include "vmsim/mmu/textbook_mmu.h"

using namespace vmsim;

namespace {

struct Cpu : sc_core::sc_module {
  mmu::TextbookMmu mmu;
  Cpu(const sc_core::sc_module_name& nm, SimContext& ctx) : sc_module(nm), mmu("mmu", ctx) {}
};
struct Sys : sc_core::sc_module {
  Cpu cpu0;
  Sys(const sc_core::sc_module_name& nm, SimContext& ctx) : sc_module(nm), cpu0("cpu0", ctx) {}
};

class TextbookPreset : public ::testing::TestWithParam<std::string> {};

TEST_P(TextbookPreset, MmuKeysAreReadAndTheFootprintMaps) {
  Config cfg;
  cfg.loadFile(std::string(VMSIM_SOURCE_DIR) + "/configs/textbook/" + GetParam() + ".yaml");
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  Sys sys("system", ctx);
  EXPECT_EQ(mmu::textbookModeNames()[static_cast<size_t>(sys.cpu0.mmu.mode())], GetParam());
  try {
    cfg.finalize();
  } catch (const ConfigError& e) {
    for (const auto& p : e.problems()) {
      // Other modules are not built here: only problems with the MMU's own keys count.
      EXPECT_EQ(p.rfind("unknown configuration key 'system.cpu0.mmu.", 0), std::string::npos) << p;
      EXPECT_NE(p.rfind("unknown configuration key", 0), std::string::npos) << p;
    }
  }
  const uint64_t base =
      cfg.at("system.cpu0.requester.workload").getUint("base", 0, "Byte", "footprint start");
  const uint64_t size =
      cfg.at("system.cpu0.requester.workload").getSize("footprint", "0", "footprint");
  Perms rw;
  rw.exec = false;
  EXPECT_NO_THROW(sys.cpu0.mmu.mapRegion(1, base, size, rw));
  EXPECT_NO_THROW(sys.cpu0.mmu.mapRegion(2, base, size, rw));
}

INSTANTIATE_TEST_SUITE_P(Modes, TextbookPreset, ::testing::ValuesIn(mmu::textbookModeNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
