// A set of pages kept in insertion order with O(log n) positional lookup (a Fenwick tree over
// insertion slots), so random probes can index "memory[i]" as OSTEP's simulator does at any size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace vmsim::os {

class OrderedResidents {
 public:
  /// Appends a page at the end of the order; std::invalid_argument if already present.
  void pushBack(uint64_t page);
  /// Removes a page from wherever it is; std::invalid_argument if absent.
  void erase(uint64_t page);
  bool contains(uint64_t page) const { return slotOf_.count(page) != 0; }
  /// The i-th page in insertion order (0-based); std::out_of_range if i >= size().
  uint64_t at(uint64_t i) const;
  size_t size() const { return slotOf_.size(); }
  std::vector<uint64_t> inOrder() const;

 private:
  void compact();
  void add(size_t slot, int64_t delta);

  std::vector<uint64_t> pageAt_;  // slot -> page (valid only where live_)
  std::vector<char> live_;
  std::vector<int64_t> tree_;  // Fenwick tree over slots, 1-based
  std::unordered_map<uint64_t, size_t> slotOf_;
};

}  // namespace vmsim::os
