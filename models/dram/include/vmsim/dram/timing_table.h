// Command-to-command delays per standard, derived like DRAMsim3 1.0 timing.cc (JEDEC rules).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "vmsim/dram/config.h"

namespace vmsim::dram {

enum class Cmd : uint8_t { ACT, PRE, RD, WR, RDA, WRA, REF, REFB, Count };
constexpr unsigned kCmdCount = unsigned(Cmd::Count);
std::string toString(Cmd c);
inline bool isColumn(Cmd c) {
  return c == Cmd::RD || c == Cmd::WR || c == Cmd::RDA || c == Cmd::WRA;
}
inline bool isRead(Cmd c) {
  return c == Cmd::RD || c == Cmd::RDA;
}
inline bool isWriteCmd(Cmd c) {
  return c == Cmd::WR || c == Cmd::WRA;
}

/// Scope a constraint applies to, seen from the bank that issued the first command.
enum class Scope : uint8_t { SameBank, OtherBankSameGroup, OtherGroupSameRank, OtherRank, Rank };
constexpr unsigned kScopeCount = 5;

/// For each first command and scope: (second command, minimum distance in cycles).
class TimingTable {
 public:
  using List = std::vector<std::pair<Cmd, unsigned>>;
  explicit TimingTable(const DramConfig& cfg);

  const List& list(Cmd first, Scope scope) const {
    return lists_[unsigned(first)][unsigned(scope)];
  }
  /// Distance (0 if unconstrained) between first and second for a scope; used by tests.
  unsigned delay(Cmd first, Cmd second, Scope scope) const;

 private:
  void add(Cmd first, Scope scope, List items);
  void addColumnRules(const DramConfig& cfg);
  void addRowRules(const DramConfig& cfg);
  void addRefreshRules(const DramConfig& cfg);

  std::array<std::array<List, kScopeCount>, kCmdCount> lists_;
};

}  // namespace vmsim::dram
