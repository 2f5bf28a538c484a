// Physical address -> (channel, rank, bank group, bank, row, column), DRAMsim3 mapping strings.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "vmsim/dram/config.h"

namespace vmsim::dram {

struct DramAddress {
  unsigned channel = 0, rank = 0, bankGroup = 0, bank = 0;
  uint32_t row = 0;
  uint32_t column = 0;  ///< burst index inside the row
  bool operator==(const DramAddress& o) const {
    return channel == o.channel && rank == o.rank && bankGroup == o.bankGroup && bank == o.bank &&
           row == o.row && column == o.column;
  }
};

/// Bit-field mapping. The scheme lists two-letter fields from the most to the least significant
/// bit (DRAMsim3 syntax: ch, ra, bg, ba, ro, co; e.g. "rochrababgco"); the bits of the byte offset
/// inside a burst are dropped and bits above the mapped width are ignored (addresses wrap).
class AddressMapping {
 public:
  enum Field { Channel, Rank, BankGroup, Bank, Row, Column, FieldCount };

  /// Accepts a DRAMsim3 string or a named scheme (see schemeNames()); throws on anything else.
  AddressMapping(const std::string& scheme, const Organisation& org);

  DramAddress decode(uint64_t addr) const {
    uint64_t a = addr >> offsetBits_;
    DramAddress d;
    d.channel = unsigned(extract(a, Channel));
    d.rank = unsigned(extract(a, Rank));
    d.bankGroup = unsigned(extract(a, BankGroup));
    d.bank = unsigned(extract(a, Bank));
    d.row = uint32_t(extract(a, Row));
    d.column = uint32_t(extract(a, Column));
    return d;
  }
  uint64_t encode(const DramAddress& d) const;
  unsigned fieldLsb(Field f) const { return offsetBits_ + pos_[f]; }
  unsigned fieldWidth(Field f) const { return width_[f]; }
  const std::string& scheme() const { return scheme_; }

  /// Named schemes accepted besides raw DRAMsim3 strings (name -> DRAMsim3 string).
  static std::vector<std::pair<std::string, std::string>> schemeNames();

 private:
  uint64_t extract(uint64_t a, Field f) const { return (a >> pos_[f]) & mask_[f]; }

  std::string scheme_;
  unsigned offsetBits_ = 6;
  std::array<unsigned, FieldCount> pos_{}, width_{};
  std::array<uint64_t, FieldCount> mask_{};
};

}  // namespace vmsim::dram
