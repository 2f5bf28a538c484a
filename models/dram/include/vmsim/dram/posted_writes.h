// LT counterpart of the AT controller's write buffer (controller.cpp, DRAMsim3's rules): a write
// is posted (acknowledged one cycle after it arrives) and waits in its channel's buffer; a write
// to an address already waiting merges with it; a read of a waiting address is served from the
// buffer in one cycle; the buffer drains when it holds writeDrainHigh writes, or more than
// writeDrainLow while no reads wait (in LT a read never waits in a queue, so that is the rule
// that applies). A drain books every buffered write on the LT bank/bus model, so later accesses
// find the banks and the bus busy with them, as after an AT drain; each drained write keeps its
// buffer entry until it can move into its bank's command queue (one move per cycle, a queue
// full until its oldest WR issues), so a write stream is held to the rate the banks take it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <queue>
#include <vector>

#include "vmsim/dram/address_mapping.h"
#include "vmsim/dram/config.h"
#include "vmsim/dram/flat_u64_map.h"
#include "vmsim/dram/lt_timing_model.h"
#include "vmsim/dram/stats.h"

namespace vmsim::dram {

class LtWriteBuffer {
 public:
  LtWriteBuffer(const DramConfig& cfg, LtTimingModel& lt)
      : lt_(lt),
        mapping_(cfg.ctrl.mapping, cfg.org),
        drainAbove_(cfg.ctrl.writeDrainLow),
        capacity_(cfg.ctrl.writeBufferSize),
        cmdQueueSize_(cfg.ctrl.cmdQueueSize),
        writeTail_(cfg.timing.writeLatency() + cfg.org.burstLength / 2),
        org_(cfg.org),
        channels_(cfg.org.channels, Channel(cfg.org.banksPerChannel())),
        buckets_(cfg.org.banksPerChannel()) {}

  /// One burst access (burst-aligned `addr`) arriving at `arrival`: the cycle it completes.
  /// Inline: a read of an address with no write in the controller (most accesses) goes
  /// straight to the LT model; the rest is in accessBuffered().
  uint64_t access(uint64_t addr, bool isWrite, uint64_t arrival) {
    Channel& ch = channels_[mapping_.decode(addr).channel];
    const uint64_t* pend = ch.pending.find(addr);
    if (!isWrite && !pend) return lt_.access(addr, false, arrival);
    return accessBuffered(addr, isWrite, arrival, pend);
  }

  /// access() of a write, or of a read of an address with a write in the controller (`pend`:
  /// its entry in its channel's pending writes).
  uint64_t accessBuffered(uint64_t addr, bool isWrite, uint64_t arrival, const uint64_t* pend) {
    Channel& ch = channels_[mapping_.decode(addr).channel];
    if (pend && *pend <= arrival) {
      ch.pending.erase(addr);  // its WR has issued: no longer in the controller
      pend = nullptr;
    }
    if (!isWrite) {
      if (pend) {
        ++stats_.reads;
        ++stats_.readsFromWriteBuffer;
        stats_.readLatency.add(1);
        return arrival + 1;
      }
      return lt_.access(addr, false, arrival);
    }
    ++accepted_;
    if (pend) {
      ++stats_.mergedWrites;
      return arrival + 1;
    }
    ch.pending[addr] = kInBuffer;
    // A drained write holds its buffer entry until it moves to its bank's queue; a full buffer
    // holds the new write back until the earliest of them is (back-pressure, as END_REQ in AT).
    while (!ch.draining.empty() && ch.draining.top() <= arrival) ch.draining.pop();
    uint64_t t = arrival;
    if (ch.order.size() + ch.draining.size() >= capacity_ && !ch.draining.empty()) {
      t = ch.draining.top();
      ch.draining.pop();
    }
    ch.order.push_back(addr);
    if (ch.order.size() > drainAbove_) {
      drained_ += ch.order.size();
      interleave(ch.order);
      uint64_t move = t;
      for (const auto& [w, flat] : drainOrder_) {
        // The controller moves one write per cycle into its bank's command queue, which holds
        // cmdQueueSize commands; the buffer entry is free once the write has moved.
        auto& q = ch.bankIssue[flat];
        const uint64_t issue = lt_.access(w, true, t) - writeTail_;
        while (!q.empty() && q.front() <= move) q.pop_front();
        ++move;
        if (q.size() >= cmdQueueSize_) move = std::max(move, q[q.size() - cmdQueueSize_]);
        q.push_back(issue);
        ch.draining.push(move);
        // Reads are forwarded from it and writes merge with it until its WR command issues.
        ch.pending[w] = issue;
      }
      ch.order.clear();
      if (ch.pending.size() > 4 * capacity_) {
        ch.pending.eraseIf([t](uint64_t issue) { return issue <= t; });
      }
    }
    return t + 1;
  }

  /// Orders a drain's writes as the FR-FCFS scheduler issues them: column commands to
  /// different bank groups can follow each other at tCCD_S, to the same bank group only at
  /// tCCD_L, and the scheduler picks whichever bank is ready; so the writes are taken round-robin
  /// over the banks (by bank group first: ascending (bank, bank group, rank)), each bank's in
  /// arrival order. The result, with each write's flat bank index in the channel, is in
  /// drainOrder(). Buckets per bank are kept between drains, so a drain allocates nothing.
  void interleave(const std::vector<uint64_t>& order) {
    used_.clear();
    for (const uint64_t w : order) {
      const DramAddress d = mapping_.decode(w);
      const unsigned flat = (d.rank * org_.bankGroups + d.bankGroup) * org_.banksPerGroup + d.bank;
      Bucket& b = buckets_[flat];
      if (b.writes.empty()) {
        b.key = (d.bank * 64 + d.bankGroup) * 64 + d.rank;  // bank groups vary first
        used_.push_back(flat);
      }
      b.writes.push_back(w);
    }
    std::sort(used_.begin(), used_.end(),
              [&](unsigned a, unsigned b) { return buckets_[a].key < buckets_[b].key; });
    drainOrder_.clear();
    size_t rounds = 0;
    for (const unsigned f : used_) rounds = std::max(rounds, buckets_[f].writes.size());
    for (size_t i = 0; i < rounds; ++i) {
      for (const unsigned f : used_) {
        if (i < buckets_[f].writes.size()) drainOrder_.push_back({buckets_[f].writes[i], f});
      }
    }
    for (const unsigned f : used_) buckets_[f].writes.clear();
  }
  /// The last interleave()'s order: (address, flat bank index in its channel).
  const std::vector<std::pair<uint64_t, unsigned>>& drainOrder() const { return drainOrder_; }

  /// Adds what the buffer served itself (forwarded reads, merged writes) to the LT model's
  /// counts, and counts writes when accepted (as the controller does), not when drained.
  void addTo(DramStats& s) const {
    s.writes += accepted_ - drained_;
    s.reads += stats_.reads;
    s.readsFromWriteBuffer += stats_.readsFromWriteBuffer;
    s.mergedWrites += stats_.mergedWrites;
    s.readLatency.merge(stats_.readLatency);
  }
  size_t buffered() const {
    size_t n = 0;
    for (const auto& c : channels_) n += c.order.size();
    return n;
  }

 private:
  struct Channel {
    explicit Channel(unsigned banks) : bankIssue(banks) {}
    std::vector<uint64_t> order;  // arrival order, as the controller's writeBuffer_
    // addresses of writes in the controller -> their WR issue cycle (kInBuffer: not drained)
    FlatU64Map pending;
    // cycles at which drained writes leave the buffer for their bank's command queue
    std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<uint64_t>> draining;
    // per bank (flat index in the channel): WR issue cycles of the writes in its command queue
    std::vector<std::deque<uint64_t>> bankIssue;
  };
  struct Bucket {
    unsigned key = 0;              // interleave order of the bank
    std::vector<uint64_t> writes;  // a drain's writes to the bank, in arrival order
  };
  static constexpr uint64_t kInBuffer = ~uint64_t{0};
  LtTimingModel& lt_;
  AddressMapping mapping_;
  size_t drainAbove_, capacity_, cmdQueueSize_;
  uint64_t writeTail_;  // cycles from a WR command to its last data beat (WL + BL/2)
  Organisation org_;
  std::vector<Channel> channels_;
  std::vector<Bucket> buckets_;  // interleave(): per flat bank index
  std::vector<unsigned> used_;   // interleave(): the banks a drain has writes for
  std::vector<std::pair<uint64_t, unsigned>> drainOrder_;
  DramStats stats_;
  uint64_t accepted_ = 0, drained_ = 0;
};

}  // namespace vmsim::dram
