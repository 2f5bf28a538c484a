// The page-replacement policies of OSTEP ch. 22 and its paging-policy.py simulator, each with its
// victim and tie-break rules; list orders match the simulator's `memory` list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vmsim/os/draw_source.h"
#include "vmsim/os/ordered_residents.h"
#include "vmsim/os/replacement.h"

namespace vmsim::os {

/// Pages in a list plus a hash map into it: O(1) append, move-to-back, erase.
class LinkedResidents {
 public:
  LinkedResidents() = default;
  LinkedResidents(const LinkedResidents&) = delete;  // the map holds iterators into the list
  LinkedResidents& operator=(const LinkedResidents&) = delete;
  LinkedResidents(LinkedResidents&&) = default;
  LinkedResidents& operator=(LinkedResidents&&) = default;
  void pushBack(uint64_t page);
  void moveToBack(uint64_t page);
  void erase(uint64_t page);
  bool contains(uint64_t page) const { return where_.count(page) != 0; }
  uint64_t front() const;
  uint64_t back() const;
  size_t size() const { return where_.size(); }
  std::vector<uint64_t> inOrder() const { return {order_.begin(), order_.end()}; }

 private:
  std::list<uint64_t> order_;
  std::unordered_map<uint64_t, std::list<uint64_t>::iterator> where_;
};

/// Evicts the oldest load; hits change nothing.
class FifoPolicy : public ReplacementPolicy {
 public:
  std::string name() const override { return "fifo"; }
  void insert(uint64_t page) override { pages_.pushBack(page); }
  void touch(uint64_t page) override;
  uint64_t chooseVictim() override { return pages_.front(); }
  /// Second chance: a referenced page goes to the tail, as if loaded now.
  void spare(uint64_t page) override { pages_.moveToBack(page); }
  void remove(uint64_t page) override { pages_.erase(page); }
  bool contains(uint64_t page) const override { return pages_.contains(page); }
  size_t size() const override { return pages_.size(); }
  std::vector<uint64_t> residents() const override { return pages_.inOrder(); }

 private:
  LinkedResidents pages_;
};

/// Recency order, least recently used first; LRU evicts the front, MRU the back.
class RecencyPolicy : public ReplacementPolicy {
 public:
  explicit RecencyPolicy(bool evictMostRecent) : evictMostRecent_(evictMostRecent) {}
  std::string name() const override { return evictMostRecent_ ? "mru" : "lru"; }
  void insert(uint64_t page) override { pages_.pushBack(page); }
  void touch(uint64_t page) override { pages_.moveToBack(page); }
  uint64_t chooseVictim() override { return evictMostRecent_ ? pages_.back() : pages_.front(); }
  bool sparingChangesVictim() const override { return !evictMostRecent_; }
  void remove(uint64_t page) override { pages_.erase(page); }
  bool contains(uint64_t page) const override { return pages_.contains(page); }
  size_t size() const override { return pages_.size(); }
  std::vector<uint64_t> residents() const override { return pages_.inOrder(); }

 private:
  bool evictMostRecent_;
  LinkedResidents pages_;
};

class LruPolicy : public RecencyPolicy {
 public:
  LruPolicy() : RecencyPolicy(false) {}
};
class MruPolicy : public RecencyPolicy {
 public:
  MruPolicy() : RecencyPolicy(true) {}
};

/// Evicts memory[draw(n)], memory in load order; one draw per eviction.
class RandomPolicy : public ReplacementPolicy {
 public:
  explicit RandomPolicy(std::shared_ptr<DrawSource> draws);
  std::string name() const override { return "random"; }
  void insert(uint64_t page) override { pages_.pushBack(page); }
  void touch(uint64_t page) override;
  uint64_t chooseVictim() override;
  void remove(uint64_t page) override { pages_.erase(page); }
  bool contains(uint64_t page) const override { return pages_.contains(page); }
  size_t size() const override { return pages_.size(); }
  std::vector<uint64_t> residents() const override { return pages_.inOrder(); }

 private:
  std::shared_ptr<DrawSource> draws_;
  OrderedResidents pages_;
};

/// Second chance with a sweeping hand: a referenced page under the hand loses its bit and the hand
/// moves on; the first unreferenced page is the victim. Loaded pages enter just behind the hand
/// (last to be examined) with the bit set. residents() lists the ring starting at the hand.
class ClockPolicy : public ReplacementPolicy {
 public:
  ClockPolicy() = default;
  ClockPolicy(const ClockPolicy&) = delete;  // the hand and the map point into the ring
  ClockPolicy& operator=(const ClockPolicy&) = delete;
  std::string name() const override { return "clock"; }
  void insert(uint64_t page) override;
  void touch(uint64_t page) override;
  uint64_t chooseVictim() override;
  void remove(uint64_t page) override;
  bool contains(uint64_t page) const override { return where_.count(page) != 0; }
  size_t size() const override { return where_.size(); }
  std::vector<uint64_t> residents() const override;
  bool referenced(uint64_t page) const;

 private:
  struct Slot {
    uint64_t page;
    bool referenced;
  };
  using Ring = std::list<Slot>;
  Ring::iterator next(Ring::iterator it) { return ++it == ring_.end() ? ring_.begin() : it; }

  Ring ring_;
  Ring::iterator hand_ = ring_.end();
  std::unordered_map<uint64_t, Ring::iterator> where_;
};

/// paging-policy.py's CLOCK: no hand; each probe looks at memory[draw(n)] and spends one unit of
/// that page's saturating use counter until it finds a page whose counter is 0.
class OstepClockPolicy : public ReplacementPolicy {
 public:
  OstepClockPolicy(std::shared_ptr<DrawSource> draws, unsigned clockBits);
  std::string name() const override { return "ostep-clock"; }
  void insert(uint64_t page) override;
  void touch(uint64_t page) override;
  uint64_t chooseVictim() override;
  void remove(uint64_t page) override;
  bool contains(uint64_t page) const override { return pages_.contains(page); }
  size_t size() const override { return pages_.size(); }
  std::vector<uint64_t> residents() const override { return pages_.inOrder(); }
  unsigned counter(uint64_t page) const;

 private:
  std::shared_ptr<DrawSource> draws_;
  unsigned clockBits_;
  OrderedResidents pages_;
  std::unordered_map<uint64_t, unsigned> counter_;
};

/// Knows the whole reference string and how far it has got (one access per insert()/touch()).
class ReferenceFuture {
 public:
  explicit ReferenceFuture(const std::vector<uint64_t>& refs);
  /// Records an access of `page` at the current position and moves on; returns the page's next
  /// use strictly after that position, or length() if none (also for pages off the string).
  uint64_t access(uint64_t page);
  uint64_t length() const { return length_; }

 private:
  std::unordered_map<uint64_t, std::vector<uint64_t>> uses_;
  uint64_t length_;
  uint64_t now_ = 0;
};

/// Belady's OPT (evict the page used furthest ahead; among never-again pages, the latest loaded)
/// or its opposite UNOPT (evict the soonest used; ties to the earliest loaded). Load order is kept
/// as the list order; the next uses sit in an ordered set, so a victim costs O(log n).
class FuturePolicy : public ReplacementPolicy {
 public:
  FuturePolicy(const std::vector<uint64_t>& refs, bool optimal);
  std::string name() const override { return optimal_ ? "opt" : "unopt"; }
  void insert(uint64_t page) override;
  void touch(uint64_t page) override;
  uint64_t chooseVictim() override;
  void remove(uint64_t page) override;
  bool contains(uint64_t page) const override { return key_.count(page) != 0; }
  size_t size() const override { return key_.size(); }
  std::vector<uint64_t> residents() const override { return loadOrder_.inOrder(); }

 private:
  struct Key {
    uint64_t nextUse;
    uint64_t loadSeq;
    uint64_t page;
    bool operator<(const Key& o) const {
      return std::tie(nextUse, loadSeq) < std::tie(o.nextUse, o.loadSeq);
    }
  };
  bool optimal_;
  ReferenceFuture future_;
  uint64_t loads_ = 0;
  std::set<Key> byNextUse_;
  std::unordered_map<uint64_t, Key> key_;
  LinkedResidents loadOrder_;
};

class OptPolicy : public FuturePolicy {
 public:
  explicit OptPolicy(const std::vector<uint64_t>& refs) : FuturePolicy(refs, true) {}
};
class UnoptPolicy : public FuturePolicy {
 public:
  explicit UnoptPolicy(const std::vector<uint64_t>& refs) : FuturePolicy(refs, false) {}
};

}  // namespace vmsim::os
