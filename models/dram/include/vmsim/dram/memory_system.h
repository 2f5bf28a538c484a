// All channels of a memory: the router splits the physical space by the mapping's channel field.
#pragma once

#include <memory>
#include <vector>

#include "vmsim/dram/controller.h"

namespace vmsim::dram {

class MemorySystem {
 public:
  explicit MemorySystem(const DramConfig& cfg);

  unsigned channelOf(uint64_t addr) const {
    return channels_.size() == 1 ? 0 : mapping_.decode(addr).channel;
  }
  void setCompletionCallback(const CompletionCallback& cb);
  bool canAccept(uint64_t addr, bool isWrite) const {
    return channels_[channelOf(addr)]->canAccept(isWrite);
  }
  void add(uint64_t addr, bool isWrite, uint64_t id = 0) {
    channels_[channelOf(addr)]->add(addr, isWrite, id);
  }
  uint64_t cycle() const { return clk_; }
  void tick() { advanceTo(clk_ + 1); }
  uint64_t nextEventCycle() const {
    return channels_.size() == 1 ? channels_[0]->nextEventCycle() : nextEventCycleOfAll();
  }
  void advanceTo(uint64_t c) {
    if (c <= clk_) return;
    if (channels_.size() == 1)
      channels_[0]->advanceTo(c);
    else
      advanceAll(c);
    clk_ = c;
  }
  bool readsPending() const;
  uint64_t lastDoneCycle() const;

  DramStats stats() const;  ///< summed over channels
  Controller& channel(unsigned i) { return *channels_.at(i); }
  unsigned channels() const { return unsigned(channels_.size()); }
  const DramConfig& config() const { return cfg_; }

 private:
  DramConfig cfg_;
  AddressMapping mapping_;
  std::vector<std::unique_ptr<Controller>> channels_;
  uint64_t nextEventCycleOfAll() const;
  void advanceAll(uint64_t c);

  uint64_t clk_ = 0;
};

}  // namespace vmsim::dram
