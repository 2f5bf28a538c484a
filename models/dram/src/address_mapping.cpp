// Address mapping as in DRAMsim3's Config::AddressMapping (fields MSB->LSB; rochrababgco etc.).
#include "vmsim/dram/address_mapping.h"

#include <stdexcept>

namespace vmsim::dram {
namespace {

unsigned log2u(uint64_t v) {
  unsigned n = 0;
  while (v > 1) v >>= 1, ++n;
  return n;
}

int fieldOf(const std::string& code) {
  static const char* const codes[] = {"ch", "ra", "bg", "ba", "ro", "co"};
  for (int i = 0; i < AddressMapping::FieldCount; ++i)
    if (code == codes[i]) return i;
  return -1;
}

std::string resolveName(const std::string& scheme) {
  for (const auto& [name, str] : AddressMapping::schemeNames())
    if (name == scheme) return str;
  return scheme;
}

[[noreturn]] void badScheme(const std::string& scheme, const std::string& why) {
  std::string names;
  for (const auto& [name, str] : AddressMapping::schemeNames()) names += " " + name;
  throw std::invalid_argument("address mapping '" + scheme + "': " + why +
                              "; expected six two-letter fields ch ra bg ba ro co, each once, "
                              "MSB first (e.g. rochrababgco), or one of:" +
                              names);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> AddressMapping::schemeNames() {
  return {{"rochrababgco", "rochrababgco"},  // DRAMsim3 DDR4 default
          {"rorabgbachco", "rorabgbachco"},  // DRAMsim3 HBM default
          {"chrobabgraco", "chrobabgraco"},  // channel-interleaved at the top
          {"RoBaRaCoCh", "robabgracoch"},    // Ramulator 2 built-in
          {"RoRaBaChCo", "rorababgchco"}};
}

AddressMapping::AddressMapping(const std::string& scheme, const Organisation& org)
    : scheme_(scheme) {
  const std::string s = resolveName(scheme);
  if (s.size() != 12) badScheme(scheme, "wrong length");
  const std::array<uint64_t, FieldCount> counts = {
      org.channels, org.ranks, org.bankGroups, org.banksPerGroup, org.rows, org.burstsPerRow()};
  std::array<bool, FieldCount> seen{};
  unsigned pos = 0;
  offsetBits_ = log2u(org.burstBytes());
  for (int i = 5; i >= 0; --i) {  // LSB field is the last pair
    int f = fieldOf(s.substr(size_t(i) * 2, 2));
    if (f < 0) badScheme(scheme, "unknown field '" + s.substr(size_t(i) * 2, 2) + "'");
    if (seen[f]) badScheme(scheme, "field '" + s.substr(size_t(i) * 2, 2) + "' repeated");
    seen[f] = true;
    width_[f] = log2u(counts[f]);
    pos_[f] = pos;
    mask_[f] = (uint64_t(1) << width_[f]) - 1;
    pos += width_[f];
  }
}

uint64_t AddressMapping::encode(const DramAddress& d) const {
  const std::array<uint64_t, FieldCount> v = {d.channel, d.rank, d.bankGroup,
                                              d.bank,    d.row,  d.column};
  uint64_t a = 0;
  for (int f = 0; f < FieldCount; ++f) a |= (v[f] & mask_[f]) << pos_[f];
  return a << offsetBits_;
}

}  // namespace vmsim::dram
