#include "vmsim/ptw/walk_cache.h"

#include <stdexcept>

#include "vmsim/paging/format.h"

namespace vmsim::ptw {

WalkCacheArray::WalkCacheArray(size_t entries, unsigned ways)
    : lines_(entries), sets_(ways ? entries / ways : 0), ways_(ways) {
  if (entries == 0 || ways == 0 || entries % ways) {
    throw std::invalid_argument("walk cache: entries must be a non-zero multiple of ways");
  }
  pow2_ = (sets_ & (sets_ - 1)) == 0;
}

uint64_t WalkCacheArray::tagOf(uint64_t va, unsigned level) {
  return va >> paging::Format::leafShift(level);
}

WalkCacheArray::Line* WalkCacheArray::find(Asid asid, unsigned level, uint64_t tag) {
  Line* set = &lines_[setOf(tag) * ways_];
  for (unsigned w = 0; w < ways_; ++w) {
    Line& l = set[w];
    if (l.valid && l.tag == tag && l.level == level && l.asid == asid) return &l;
  }
  return nullptr;
}

std::optional<uint64_t> WalkCacheArray::lookup(Asid asid, unsigned level, uint64_t va) {
  if (!(levelsSeen_ & (1u << level))) return std::nullopt;
  Line* l = find(asid, level, tagOf(va, level));
  if (!l) return std::nullopt;
  l->stamp = ++clock_;
  return l->next;
}

void WalkCacheArray::insert(Asid asid, unsigned level, uint64_t va, uint64_t nextTable) {
  const uint64_t tag = tagOf(va, level);
  levelsSeen_ |= 1u << level;
  Line* target = find(asid, level, tag);
  if (!target) {
    Line* set = &lines_[setOf(tag) * ways_];
    for (unsigned w = 0; w < ways_ && !target; ++w) {
      if (!set[w].valid) target = &set[w];
    }
    if (!target) {  // the least recently used way
      target = set;
      for (unsigned w = 1; w < ways_; ++w) {
        if (set[w].stamp < target->stamp) target = &set[w];
      }
    }
  }
  target->valid = true;
  target->level = static_cast<uint8_t>(level);
  target->asid = asid;
  target->tag = tag;
  target->next = nextTable;
  target->stamp = ++clock_;
}

size_t WalkCacheArray::invalidatePage(Asid asid, uint64_t va) {
  size_t n = 0;
  for (unsigned level = 2; level < 32; ++level) {
    if (!(levelsSeen_ & (1u << level))) continue;
    if (Line* l = find(asid, level, tagOf(va, level))) {
      l->valid = false;
      ++n;
    }
  }
  return n;
}

size_t WalkCacheArray::invalidateAsid(Asid asid) {
  size_t n = 0;
  for (auto& l : lines_) {
    if (l.valid && l.asid == asid) {
      l.valid = false;
      ++n;
    }
  }
  return n;
}

void WalkCacheArray::invalidateAll() {
  for (auto& l : lines_) l.valid = false;
}

size_t WalkCacheArray::occupancy(unsigned level) const {
  size_t n = 0;
  for (const auto& l : lines_) n += l.valid && l.level == level;
  return n;
}

}  // namespace vmsim::ptw
