// Cache array rules: indexing, lookup, fill with victim selection, extraction, inclusion, MSHRs.
#include "vmsim/cache/cache_core.h"

#include <algorithm>
#include <stdexcept>

namespace vmsim::cache {

const std::vector<std::string>& cacheKindNames() {
  static const std::vector<std::string> n = {"load",    "store",    "fetch",
                                             "pteRead", "pteWrite", "writeback"};
  return n;
}

CacheCore::CacheCore(uint64_t sizeBytes, unsigned ways, unsigned lineBytes,
                     const std::string& policy, uint64_t seed)
    : ways_(ways) {
  if (lineBytes == 0 || (lineBytes & (lineBytes - 1))) {
    throw std::invalid_argument("line size " + std::to_string(lineBytes) +
                                " is not a power of two");
  }
  if (ways == 0 || sizeBytes == 0 || sizeBytes % (uint64_t{ways} * lineBytes)) {
    throw std::invalid_argument("size " + std::to_string(sizeBytes) +
                                " is not a non-zero multiple of ways * line (" +
                                std::to_string(uint64_t{ways} * lineBytes) + ")");
  }
  lineShift_ = 0;
  while ((1u << lineShift_) < lineBytes) ++lineShift_;
  sets_ = sizeBytes / (uint64_t{ways} * lineBytes);
  pow2_ = (sets_ & (sets_ - 1)) == 0;
  tags_.assign(sets_ * ways_, 0);
  state_.assign(sets_ * ways_, 0);
  setValid_.assign(sets_, 0);
  if (policy == "lru" && ways_ <= 16) {
    // Ways 0..ways-1 in any order (every way is filled before a victim is asked for); unused
    // nibbles hold 15, which is no way number there.
    uint64_t o = 0;
    for (unsigned i = 0; i < 16; ++i) o |= uint64_t{i < ways_ ? i : 15u} << (4 * i);
    order_.assign(sets_, o);
    orderMask_ = ways_ == 16 ? ~uint64_t{0} : (uint64_t{1} << (4 * ways_)) - 1;
  } else {
    repl_ = tlb::makeSetReplacement(policy, sets_, ways_, seed);
  }
}

bool CacheCore::accessSlow(uint64_t line, bool write) {
  // A miss (most calls in a walk-heavy run) is the probe alone: the rest is out of line, so
  // this one saves no registers.
  const size_t set = setOf(line);
  const int w = find(set, line);
  return w >= 0 && hitAt(set, static_cast<unsigned>(w), line, write);
}

[[gnu::noinline]] bool CacheCore::hitAt(size_t set, unsigned way, uint64_t line, bool write) {
  touch(set, way);
  if (write) dirtyUp(set * ways_ + way);
  memoValid_ = true;
  memoLine_ = line;
  memoSet_ = set;
  memoWay_ = way;
  return true;
}

bool CacheCore::contains(uint64_t line) const {
  return find(setOf(line), line) >= 0;
}

bool CacheCore::isDirty(uint64_t line) const {
  const size_t set = setOf(line);
  const int w = find(set, line);
  return w >= 0 && (state_[set * ways_ + static_cast<unsigned>(w)] & kDirty);
}

// Inline: allocate() calls it for every victim.
inline Victim CacheCore::remove(size_t set, size_t i) {
  Victim v;
  v.valid = true;
  v.line = tags_[i] & ~kTagValid;
  v.dirty = (state_[i] & kDirty) != 0;
  v.pageTable = (state_[i] & kPageTable) != 0;
  --valid_;
  --setValid_[set];
  if (v.dirty) --dirtyLines_;
  if (v.pageTable) --pageTableLines_;
  state_[i] = 0;
  tags_[i] = 0;
  memoValid_ = false;
  return v;
}

bool CacheCore::invalidateUppersSlow(uint64_t line) {
  bool dirty = false;
  for (CacheCore* u : uppers_) {
    // Upper levels may have another line size; they drop every line inside ours.
    const unsigned shift = lineShift_, ushift = u->lineShift_;
    const uint64_t first = ushift >= shift ? line >> (ushift - shift) : line << (shift - ushift);
    const uint64_t count = ushift >= shift ? 1 : uint64_t{1} << (shift - ushift);
    for (uint64_t l = first; l < first + count; ++l) {
      const Victim v = u->extract(l);
      if (v.valid) {
        ++u->backInvalidations_;
        dirty |= v.dirty;
      }
    }
  }
  return dirty;
}

Victim CacheCore::allocate(size_t set, uint64_t line, bool dirty, bool pageTable) {
  const size_t b = set * ways_;
  unsigned w = ways_;
  Victim v;
  if (setValid_[set] < ways_) {
    for (unsigned k = 0; k < ways_; ++k) {
      if (!(state_[b + k] & kValid)) {
        w = k;
        break;
      }
    }
  }
  const bool evicted = w == ways_;
  if (evicted) {
    w = victimWay(set);
    v = remove(set, b + w);
    v.dirty |= invalidateUppers(v.line);
  }
  const size_t i = b + w;
  tags_[i] = line | kTagValid;
  state_[i] = kValid | (dirty ? kDirty : 0) | (pageTable ? kPageTable : 0);
  ++valid_;
  ++setValid_[set];
  if (dirty) ++dirtyLines_;
  if (pageTable) ++pageTableLines_;
  if (order_.empty()) {
    repl_->filled(set, w);
  } else if (evicted) {
    touchVictim(set, w);  // LRU: a fill is a use; the victim was the least recent
  } else {
    touch(set, w);
  }
  memoValid_ = true;
  memoLine_ = line;
  memoSet_ = set;
  memoWay_ = w;
  return v;
}

Victim CacheCore::extract(uint64_t line) {
  const size_t set = setOf(line);
  const int w = find(set, line);
  if (w < 0) return {};
  Victim v = remove(set, set * ways_ + static_cast<unsigned>(w));
  v.dirty |= invalidateUppers(line);
  return v;
}

MshrFile::MshrFile(unsigned entries) : line_(entries, 0), busyUntil_(entries, 0) {
  if (entries == 0) throw std::invalid_argument("an MSHR file needs at least one entry");
}

int MshrFile::find(uint64_t line, uint64_t now) const {
  if (!anyBusy(now)) return -1;
  for (size_t i = 0; i < line_.size(); ++i) {
    if (busyUntil_[i] > now && line_[i] == line) return static_cast<int>(i);
  }
  return -1;
}

std::pair<unsigned, uint64_t> MshrFile::acquireBusy(uint64_t now) const {
  unsigned best = 0;
  for (unsigned i = 1; i < busyUntil_.size(); ++i) {
    if (busyUntil_[i] < busyUntil_[best]) best = i;
  }
  return {best, std::max(busyUntil_[best], now)};
}

void MshrFile::release(unsigned i, uint64_t now) {
  busyUntil_[i] = now;
  latest_ = *std::max_element(busyUntil_.begin(), busyUntil_.end());
}

unsigned MshrFile::busy(uint64_t now) const {
  unsigned n = 0;
  for (uint64_t b : busyUntil_) n += b > now;
  return n;
}

}  // namespace vmsim::cache
