// Loosely-timed DRAM timing: each access books commands on the same bank/timing checker the AT
// controller uses (busy-until times per bank, rank and data bus), so row hits, conflicts, tFAW
// and refresh still show; no queues, accesses are served in call order.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "vmsim/dram/address_mapping.h"
#include "vmsim/dram/channel_state.h"
#include "vmsim/dram/config.h"
#include "vmsim/dram/policies.h"
#include "vmsim/dram/stats.h"

namespace vmsim::dram {

class LtTimingModel {
 public:
  explicit LtTimingModel(const DramConfig& cfg);

  /// Books the commands for one burst access arriving at arrivalCycle and returns the cycle its
  /// last data beat is on the bus. Arrivals may go backwards a little (temporal decoupling);
  /// such an access then simply finds the resources busy until their recorded times.
  uint64_t access(uint64_t addr, bool isWrite, uint64_t arrivalCycle);

  /// Idle refresh skipping (default on), as Controller::setIdleRefreshSkip: after a whole
  /// refresh period with nothing but REFs at their due cycles, whole periods up to the next
  /// access are counted in closed form. Results are identical either way; off only for tests.
  void setIdleRefreshSkip(bool on) { idleSkip_ = on; }
  uint64_t refreshesSimulated() const { return refreshesSimulated_; }
  uint64_t skippedRefreshes() const { return skippedRefs_; }

  const DramStats& stats() const { return stats_; }
  const DramConfig& config() const { return cfg_; }

 private:
  struct Channel {
    explicit Channel(const DramConfig& cfg);
    ChannelState cs;
    std::unique_ptr<RefreshPolicy> refresh;
    uint64_t due;            // refresh->nextDue(), which only pop() changes: read twice per access
    uint64_t cleanRefs = 0;  // refreshes in a row that were a lone REF at its due cycle
    bool cleanPerBank = false;
  };
  void skipIdleRefreshes(Channel& ch, uint64_t t);
  void refreshUntil(Channel& ch, uint64_t t);
  void refreshOne(Channel& ch, const RefreshRequest& r, uint64_t due);
  uint64_t book(Channel& ch, Cmd c, unsigned bank, uint32_t row, uint64_t t);

  DramConfig cfg_;
  AddressMapping mapping_;
  std::vector<Channel> channels_;
  bool closedPage_;
  bool idleSkip_ = true;
  uint64_t refreshesSimulated_ = 0, skippedRefs_ = 0;
  DramStats stats_;
};

}  // namespace vmsim::dram
