// Channel router over per-channel controllers sharing one command clock.
#include "vmsim/dram/memory_system.h"

#include <algorithm>

namespace vmsim::dram {

MemorySystem::MemorySystem(const DramConfig& cfg)
    : cfg_(cfg), mapping_(validated(cfg).ctrl.mapping, cfg.org) {
  for (unsigned c = 0; c < cfg.org.channels; ++c)
    channels_.push_back(std::make_unique<Controller>(cfg, c));
}

void MemorySystem::setCompletionCallback(const CompletionCallback& cb) {
  for (auto& c : channels_) c->setCompletionCallback(cb);
}

uint64_t MemorySystem::nextEventCycleOfAll() const {
  uint64_t t = kNever;
  for (const auto& c : channels_) t = std::min(t, c->nextEventCycle());
  return t;
}

void MemorySystem::advanceAll(uint64_t c) {
  for (auto& ch : channels_) ch->advanceTo(c);
}

bool MemorySystem::readsPending() const {
  return std::any_of(channels_.begin(), channels_.end(),
                     [](const auto& c) { return c->readsPending(); });
}

uint64_t MemorySystem::lastDoneCycle() const {
  uint64_t t = 0;
  for (const auto& c : channels_) t = std::max(t, c->lastDoneCycle());
  return t;
}

DramStats MemorySystem::stats() const {
  DramStats s;
  for (const auto& c : channels_) s.merge(c->stats());
  return s;
}

}  // namespace vmsim::dram
