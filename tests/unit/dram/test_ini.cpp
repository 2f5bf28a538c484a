// DRAMsim3 .ini import: DDR4_8Gb_x8_2400.ini (values from tests/data/dram/README.md) gives the
// DDR4-2400 preset; unknown keys and unsupported settings are errors with file:line.
#include <gtest/gtest.h>

#include <sstream>

#include "vmsim/dram/dramsim3_ini.h"

using namespace vmsim::dram;

namespace {

const char* kDdr4_2400 = R"([dram_structure]
protocol = DDR4
bankgroups = 4
banks_per_group = 4
rows = 65536
columns = 1024
device_width = 8
BL = 8

[timing]
tCK = 0.83
AL = 0
CL = 17
CWL = 12
tRCD = 17
tRP = 17
tRAS = 39
tRFC = 420
tRFC2 = 312
tRFC4 = 192
tREFI = 9360
tRPRE = 1
tWPRE = 1
tRRD_S = 4
tRRD_L = 6
tWTR_S = 3
tWTR_L = 9
tFAW = 26
tWR = 18
tWR2 = 19
tRTP = 9
tCCD_S = 4
tCCD_L = 6
tCKE = 6
tCKESR = 7
tXS = 432
tXP = 8
tRTRS = 1

[power]
VDD = 1.2
IDD0 = 48

[system]
channel_size = 16384
channels = 1
bus_width = 64
address_mapping = rochrababgco
queue_structure = PER_BANK
refresh_policy = RANK_LEVEL_STAGGERED
row_buf_policy = OPEN_PAGE
cmd_queue_size = 8
trans_queue_size = 32

[other]
epoch_period = 1204819
output_level = 1
)";

TEST(dramIni, Ddr4_2400MatchesThePreset) {
  std::istringstream in(kDdr4_2400);
  const DramConfig c = loadDramsim3Ini(in, "DDR4_8Gb_x8_2400.ini");
  const DramConfig p = preset("DDR4-2400");
  EXPECT_EQ(c.standard, Standard::DDR4);
  EXPECT_EQ(c.org.ranks, 2u);
  EXPECT_EQ(c.org.banksPerChannel(), p.org.banksPerChannel());
  EXPECT_EQ(c.org.burstsPerRow(), p.org.burstsPerRow());
  EXPECT_EQ(c.timing.tRC, 56u);
  EXPECT_EQ(c.timing.tRFC, p.timing.tRFC);
  EXPECT_EQ(c.timing.tWTR_L, p.timing.tWTR_L);
  EXPECT_EQ(c.ctrl.readQueueSize, 32u);
  EXPECT_EQ(c.ctrl.mapping, "rochrababgco");
  EXPECT_EQ(c.ctrl.refresh, "rank_staggered");
  EXPECT_DOUBLE_EQ(c.timing.tCKns, 0.83);
}

std::string errorOf(const std::string& text) {
  std::istringstream in(text);
  try {
    loadDramsim3Ini(in, "x.ini");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(dramIni, BadInputIsReportedWithLine) {
  const std::string base(kDdr4_2400);
  EXPECT_NE(errorOf(base + "\n[system]\nfoo = 1\n").find("unknown key 'foo'"), std::string::npos);
  EXPECT_NE(errorOf("[timing]\nCL = abc\n").find("x.ini:2:"), std::string::npos);
  EXPECT_NE(errorOf(base + "[system]\nqueue_structure = PER_RANK\n").find("PER_BANK"),
            std::string::npos);
  EXPECT_NE(errorOf("[dram_structure]\nprotocol = GDDR6\n").find("GDDR6"), std::string::npos);
  EXPECT_NE(errorOf("[timing\n").find("section"), std::string::npos);
  EXPECT_THROW(loadDramsim3IniFile("/nonexistent.ini"), std::invalid_argument);
}

}  // namespace
