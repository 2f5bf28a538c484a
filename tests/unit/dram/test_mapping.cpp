// Address mapping: DRAMsim3 rochrababgco examples from tests/data/dram/README.md, named schemes.
#include <gtest/gtest.h>

#include "vmsim/dram/address_mapping.h"

using namespace vmsim::dram;

namespace {

DramAddress decode(uint64_t a) {
  return AddressMapping("rochrababgco", preset("DDR4-2400").org).decode(a);
}

TEST(dramMapping, ReadmeExamples) {
  EXPECT_EQ(decode(0x40).column, 1u);
  EXPECT_EQ(decode(0x2000).bankGroup, 1u);
  EXPECT_EQ(decode(0x8000).bank, 1u);
  EXPECT_EQ(decode(0x20000).rank, 1u);
  EXPECT_EQ(decode(0x40000).row, 1u);
  const DramAddress d = decode(0x123456780);
  EXPECT_EQ(d.rank, 0u);
  EXPECT_EQ(d.bankGroup, 3u);
  EXPECT_EQ(d.bank, 2u);
  EXPECT_EQ(d.row, 18641u);
  EXPECT_EQ(d.column, 30u);
  EXPECT_EQ(decode(0x400000000 + 0x40000), decode(0x40000));  // bits 34+ ignored
}

TEST(dramMapping, FieldPositions) {
  AddressMapping m("rochrababgco", preset("DDR4-2400").org);
  EXPECT_EQ(m.fieldLsb(AddressMapping::Column), 6u);
  EXPECT_EQ(m.fieldLsb(AddressMapping::BankGroup), 13u);
  EXPECT_EQ(m.fieldLsb(AddressMapping::Bank), 15u);
  EXPECT_EQ(m.fieldLsb(AddressMapping::Rank), 17u);
  EXPECT_EQ(m.fieldLsb(AddressMapping::Row), 18u);
  EXPECT_EQ(m.fieldWidth(AddressMapping::Channel), 0u);
  EXPECT_EQ(m.fieldWidth(AddressMapping::Row), 16u);
}

TEST(dramMapping, EncodeDecodeRoundTripForEveryScheme) {
  const Organisation org = preset("HBM2").org;
  for (const auto& [name, str] : AddressMapping::schemeNames()) {
    AddressMapping m(name, org);
    DramAddress d;
    d.channel = 5, d.rank = 0, d.bankGroup = 2, d.bank = 3, d.row = 12345, d.column = 9;
    EXPECT_EQ(m.decode(m.encode(d)), d) << name;
  }
}

TEST(dramMapping, RamulatorRoBaRaCoChPutsRankBelowBanks) {
  AddressMapping m("RoBaRaCoCh", preset("DDR4-2400").org);
  EXPECT_EQ(m.decode(0x2000).rank, 1u);
  EXPECT_EQ(m.decode(0x4000).bankGroup, 1u);
  EXPECT_EQ(m.decode(0x10000).bank, 1u);
}

TEST(dramMapping, BadSchemesAreRejectedWithTheValidNames) {
  const Organisation org = preset("DDR4-2400").org;
  for (const char* bad : {"rochrababg", "rochrababgxx", "rorarababgco", "nonsense"}) {
    try {
      AddressMapping m(bad, org);
      FAIL() << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("rochrababgco"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos);
    }
  }
}

}  // namespace
