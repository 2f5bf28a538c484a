// Helpers for DRAM unit tests: DDR4-2400 addresses and a driver that feeds timed requests.
#pragma once

#include <cstdint>
#include <vector>

#include "vmsim/dram/controller.h"

namespace vmsim::dram::test {

struct Req {
  uint64_t addr;
  bool isWrite;
  uint64_t cycle;  ///< cycle the request is added (it waits if its queue is full)
};

inline uint64_t addrOf(const Controller& c, unsigned rank, unsigned bg, unsigned bank, uint32_t row,
                       uint32_t col = 0) {
  DramAddress d;
  d.rank = rank, d.bankGroup = bg, d.bank = bank, d.row = row, d.column = col;
  return c.mapping().encode(d);
}

/// Adds the requests at their cycles (ids = index) and runs until every read has its data.
/// Returns completions in the order they were reported.
inline std::vector<Completion> drive(Controller& c, const std::vector<Req>& reqs) {
  std::vector<Completion> done;
  c.setCompletionCallback([&](const Completion& x) { done.push_back(x); });
  for (size_t i = 0; i < reqs.size(); ++i) {
    if (c.cycle() < reqs[i].cycle) c.advanceTo(reqs[i].cycle);
    while (!c.canAccept(reqs[i].isWrite)) c.tick();
    c.add(reqs[i].addr, reqs[i].isWrite, i);
  }
  while (c.readsPending() && c.nextEventCycle() != kNever) c.advanceTo(c.nextEventCycle() + 1);
  c.advanceTo(std::max(c.cycle(), c.lastDoneCycle() + 1));
  return done;
}

inline const Completion& byId(const std::vector<Completion>& v, uint64_t id) {
  for (const auto& c : v)
    if (c.id == id) return c;
  static Completion none;
  return none;
}

}  // namespace vmsim::dram::test
