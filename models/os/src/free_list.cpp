// Free-list allocation with malloc.py's rules (tests/data/ostep/README.md, "malloc.jsonl").
#include "vmsim/os/free_list.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace vmsim::os {
namespace {

template <typename E>
E lookup(const std::vector<std::pair<std::string, E>>& table, const std::string& name,
         const std::string& what) {
  std::string valid;
  for (const auto& [n, e] : table) {
    if (n == name) return e;
    valid += (valid.empty() ? "" : ", ") + n;
  }
  throw std::invalid_argument("unknown " + what + " '" + name + "'; valid: " + valid);
}

const std::vector<std::pair<std::string, FitPolicy>>& fitTable() {
  static const std::vector<std::pair<std::string, FitPolicy>> t = {{"FIRST", FitPolicy::First},
                                                                   {"BEST", FitPolicy::Best},
                                                                   {"WORST", FitPolicy::Worst},
                                                                   {"NEXT", FitPolicy::Next}};
  return t;
}

const std::vector<std::pair<std::string, ListOrder>>& orderTable() {
  static const std::vector<std::pair<std::string, ListOrder>> t = {
      {"ADDRSORT", ListOrder::AddrSort},
      {"SIZESORT+", ListOrder::SizeSortAscending},
      {"SIZESORT-", ListOrder::SizeSortDescending},
      {"INSERT-FRONT", ListOrder::InsertFront},
      {"INSERT-BACK", ListOrder::InsertBack}};
  return t;
}

template <typename E>
std::vector<std::string> namesOf(const std::vector<std::pair<std::string, E>>& table) {
  std::vector<std::string> out;
  for (const auto& [n, e] : table) out.push_back(n);
  return out;
}

}  // namespace

std::vector<std::string> fitPolicyNames() {
  return namesOf(fitTable());
}
FitPolicy fitPolicyFromName(const std::string& name) {
  return lookup(fitTable(), name, "fit policy");
}
std::vector<std::string> listOrderNames() {
  return namesOf(orderTable());
}
ListOrder listOrderFromName(const std::string& name) {
  return lookup(orderTable(), name, "free-list order");
}

FreeListAllocator::FreeListAllocator(const FreeListConfig& config) : config_(config) {
  if (config.size > 0) free_.push_back({config.base, config.size});
}

uint64_t FreeListAllocator::requestSize(uint64_t n) const {
  const uint64_t a = config_.alignment;
  if (a > 0 && n % a != 0) n = (n / a + 1) * a;
  return n + config_.headerSize;
}

AllocResult FreeListAllocator::allocate(uint64_t n) {
  AllocResult res;
  res.size = requestSize(n);
  const auto pos = config_.fit == FitPolicy::Next ? searchNext(res.size, res.searched)
                                                  : search(res.size, res.searched);
  if (!pos) return res;
  FreeChunk& c = free_[*pos];
  res.addr = c.addr;
  res.userPtr = c.addr + config_.headerSize;
  if (c.size > res.size) {
    c = {c.addr + res.size, c.size - res.size};  // split in place; the list is not re-sorted
  } else {
    free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(*pos));
  }
  allocated_[res.userPtr] = res.size;
  return res;
}

std::optional<size_t> FreeListAllocator::search(uint64_t r, uint64_t& searched) {
  std::optional<size_t> chosen;
  for (size_t i = 0; i < free_.size(); ++i) {
    ++searched;
    if (free_[i].size < r) continue;
    if (config_.fit == FitPolicy::First) return i;
    const bool better =
        !chosen || (config_.fit == FitPolicy::Best ? free_[i].size < free_[*chosen].size
                                                   : free_[i].size > free_[*chosen].size);
    if (better) chosen = i;  // strict comparison: ties stay with the earliest element
  }
  return chosen;
}

std::optional<size_t> FreeListAllocator::searchNext(uint64_t r, uint64_t& searched) {
  const size_t n = free_.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (rover_ + k) % n;
    ++searched;
    if (free_[i].size >= r) {
      rover_ = i;
      return i;
    }
  }
  return std::nullopt;
}

bool FreeListAllocator::release(uint64_t userPtr) {
  const auto it = allocated_.find(userPtr);
  if (it == allocated_.end()) return false;
  insertFreed({userPtr - config_.headerSize, it->second});
  allocated_.erase(it);
  if (config_.coalesce) coalesce();
  if (rover_ >= free_.size()) rover_ = 0;
  return true;
}

void FreeListAllocator::insertFreed(FreeChunk c) {
  switch (config_.order) {
    case ListOrder::InsertFront:
      free_.insert(free_.begin(), c);
      return;
    case ListOrder::InsertBack:
      free_.push_back(c);
      return;
    case ListOrder::AddrSort:
      free_.push_back(c);
      std::stable_sort(free_.begin(), free_.end(),
                       [](const FreeChunk& a, const FreeChunk& b) { return a.addr < b.addr; });
      return;
    case ListOrder::SizeSortAscending:
      free_.push_back(c);
      std::stable_sort(free_.begin(), free_.end(),
                       [](const FreeChunk& a, const FreeChunk& b) { return a.size < b.size; });
      return;
    case ListOrder::SizeSortDescending:
      free_.push_back(c);
      std::stable_sort(free_.begin(), free_.end(),
                       [](const FreeChunk& a, const FreeChunk& b) { return a.size > b.size; });
      return;
  }
}

void FreeListAllocator::coalesce() {
  if (free_.empty()) return;
  // One pass in list order: only list neighbours with contiguous ascending addresses merge.
  std::vector<FreeChunk> merged;
  FreeChunk cur = free_.front();
  for (size_t i = 1; i < free_.size(); ++i) {
    if (cur.addr + cur.size == free_[i].addr) {
      cur.size += free_[i].size;
    } else {
      merged.push_back(cur);
      cur = free_[i];
    }
  }
  merged.push_back(cur);
  free_ = std::move(merged);
}

AllocResult MallocSession::alloc(uint64_t n) {
  AllocResult r = heap_.allocate(n);
  ptrs_.push_back(r.addr ? std::optional<uint64_t>(r.userPtr) : std::nullopt);
  return r;
}

int MallocSession::free(uint64_t k) {
  if (k >= ptrs_.size())
    throw std::invalid_argument("free of ptr[" + std::to_string(k) + "] but only " +
                                std::to_string(ptrs_.size()) + " allocations happened");
  if (!ptrs_[k]) return -1;
  return heap_.release(*ptrs_[k]) ? 0 : -1;
}

}  // namespace vmsim::os
