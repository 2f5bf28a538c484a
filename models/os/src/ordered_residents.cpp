// Insertion-ordered page set with positional lookup through a Fenwick tree over insertion slots;
// slots of removed pages are reclaimed by compaction when the slot space runs out.
#include "vmsim/os/ordered_residents.h"

#include <stdexcept>
#include <string>

namespace vmsim::os {

void OrderedResidents::pushBack(uint64_t page) {
  if (contains(page))
    throw std::invalid_argument("page " + std::to_string(page) + " is already resident");
  if (pageAt_.size() + 1 >= tree_.size()) compact();
  const size_t slot = pageAt_.size();
  pageAt_.push_back(page);
  live_.push_back(1);
  add(slot, 1);
  slotOf_.emplace(page, slot);
}

void OrderedResidents::erase(uint64_t page) {
  const auto it = slotOf_.find(page);
  if (it == slotOf_.end())
    throw std::invalid_argument("page " + std::to_string(page) + " is not resident");
  live_[it->second] = 0;
  add(it->second, -1);
  slotOf_.erase(it);
}

uint64_t OrderedResidents::at(uint64_t i) const {
  if (i >= size())
    throw std::out_of_range("position " + std::to_string(i) + " beyond " + std::to_string(size()) +
                            " resident pages");
  // Find the smallest slot whose prefix count is i+1 (binary lifting over the Fenwick tree).
  const size_t n = tree_.size() - 1;
  size_t step = 1;
  while (step * 2 <= n) step *= 2;
  size_t pos = 0;
  int64_t remaining = static_cast<int64_t>(i) + 1;
  for (; step > 0; step /= 2) {
    if (pos + step <= n && tree_[pos + step] < remaining) {
      pos += step;
      remaining -= tree_[pos];
    }
  }
  return pageAt_[pos];  // pos is the 1-based slot minus one
}

std::vector<uint64_t> OrderedResidents::inOrder() const {
  std::vector<uint64_t> out;
  out.reserve(size());
  for (size_t s = 0; s < pageAt_.size(); ++s)
    if (live_[s]) out.push_back(pageAt_[s]);
  return out;
}

void OrderedResidents::compact() {
  std::vector<uint64_t> pages = inOrder();
  const size_t capacity = 2 * pages.size() + 16;
  pageAt_ = pages;
  live_.assign(pages.size(), 1);
  tree_.assign(capacity + 1, 0);
  for (size_t s = 0; s < pages.size(); ++s) slotOf_[pages[s]] = s;
  // Linear-time build: every node, filled or not, passes its sum on to its parent.
  for (size_t i = 1; i <= capacity; ++i) {
    if (i <= pages.size()) tree_[i] += 1;
    const size_t parent = i + (i & (~i + 1));
    if (parent <= capacity) tree_[parent] += tree_[i];
  }
}

void OrderedResidents::add(size_t slot, int64_t delta) {
  for (size_t i = slot + 1; i < tree_.size(); i += i & (~i + 1)) tree_[i] += delta;
}

}  // namespace vmsim::os
