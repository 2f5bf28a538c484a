// The rules of a set-associative cache, without SystemC: set indexing, replacement (the TLB's
// set-replacement policies), dirty bits with write-back + write-allocate, lines moving between
// levels (exclusive fills and victims), back-invalidation of inclusive upper levels, occupancy by
// kind (page-table lines vs data), and an MSHR file that merges misses to one line and bounds
// the misses in flight. Tags and state only: the data stays in DRAM.
#pragma once

#include <cstdint>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <memory>
#include <string>
#include <vector>

#include "vmsim/tlb/tlb_core.h"

namespace vmsim::cache {

/// What an access is, for the per-kind stats. WriteBack: a line coming down from an upper level.
enum class CacheKind : uint8_t { Load = 0, Store, Fetch, PteRead, PteWrite, WriteBack, Count };
const std::vector<std::string>& cacheKindNames();
inline bool isPageTable(CacheKind k) {
  return k == CacheKind::PteRead || k == CacheKind::PteWrite;
}

/// A line displaced (or removed) from the array.
struct Victim {
  bool valid = false;
  bool dirty = false;
  bool pageTable = false;
  uint64_t line = 0;  // line number (address >> log2 line size)
};

class CacheCore {
 public:
  /// `sizeBytes` must be a multiple of ways * lineBytes; `lineBytes` a power of two. The set
  /// count need not be a power of two (then line % sets). Throws std::invalid_argument.
  CacheCore(uint64_t sizeBytes, unsigned ways, unsigned lineBytes, const std::string& policy,
            uint64_t seed = 1);

  uint64_t lineOf(uint64_t addr) const { return addr >> lineShift_; }
  uint64_t lineBase(uint64_t line) const { return line << lineShift_; }
  size_t setOf(uint64_t line) const { return pow2_ ? (line & (sets_ - 1)) : (line % sets_); }
  size_t sets() const { return sets_; }
  unsigned ways() const { return ways_; }
  unsigned lineBytes() const { return 1u << lineShift_; }

  /// A demand access to `line`: on a hit the policy sees a use, and a write marks the line
  /// dirty (write-back). False on a miss (nothing changes: the caller fetches, then fill()s).
  bool access(uint64_t line, bool write) {
    if (memoValid_ && memoLine_ == line) {
      touch(memoSet_, memoWay_);
      if (write) dirtyUp(memoSet_ * ways_ + memoWay_);
      return true;
    }
    return accessSlow(line, write);
  }
  /// Whether `line` is present (no side effects).
  bool contains(uint64_t line) const;
  bool isDirty(uint64_t line) const;

  /// Allocates `line` (write-allocate: after a miss's fetch, or a line arriving from above). A
  /// line already present is updated in place (dirty |= dirty; a use for the policy). Returns
  /// the line evicted to make room; with inclusive upper levels, their copies of it are
  /// invalidated first and a dirty upper copy makes the victim dirty.
  /// `wasPresent` (optional) tells whether the line was present already.
  /// Inline: an LT write-back from above is one probe in its caller, a call only to allocate.
  Victim fill(uint64_t line, bool dirty, bool pageTable, bool* wasPresent = nullptr) {
    const size_t set = setOf(line);
    const int w = memoValid_ && memoLine_ == line ? static_cast<int>(memoWay_) : find(set, line);
    if (wasPresent) *wasPresent = w >= 0;
    if (w >= 0) {
      // Already present (a write-back from above, a refill): an update, a use for the policy.
      touch(set, static_cast<unsigned>(w));
      if (dirty) dirtyUp(set * ways_ + static_cast<unsigned>(w));
      return {};
    }
    return allocate(set, line, dirty, pageTable);
  }
  /// fill() of a line the caller just found absent (a demand miss): skips the search for it.
  Victim fillAbsent(uint64_t line, bool dirty, bool pageTable) {
    return allocate(setOf(line), line, dirty, pageTable);
  }
  /// Removes `line` (an exclusive upper level takes it, or back-invalidation); returns it
  /// (valid=false when it was not present). Inclusive upper levels drop it too.
  Victim extract(uint64_t line);

  /// Upper levels that must hold a subset of this one: every line this cache evicts or extracts
  /// is invalidated in them (inclusive policy).
  void addInclusiveUpper(CacheCore* upper) { uppers_.push_back(upper); }
  /// Lines invalidated in this cache because an inclusive lower level evicted them.
  uint64_t backInvalidations() const { return backInvalidations_; }

  // Occupancy (valid lines) by kind, kept as counters.
  uint64_t linesValid() const { return valid_; }
  uint64_t linesPageTable() const { return pageTableLines_; }
  uint64_t linesDirty() const { return dirtyLines_; }

 private:
  static constexpr uint8_t kValid = 1, kDirty = 2, kPageTable = 4;
  /// access() without the memo: a miss returns at once (no registers saved), a hit goes on in
  /// hitAt().
  bool accessSlow(uint64_t line, bool write);
  bool hitAt(size_t set, unsigned way, uint64_t line, bool write);
  int find(size_t set, uint64_t line) const {
    const uint64_t* t = &tags_[set * ways_];
    const uint64_t key = line | kTagValid;
    unsigned w = 0;
#ifdef __SSE2__
    // Eight ways per step (most probes of a walk-heavy run miss, so they compare every way):
    // 32-bit compares packed to one byte per half, a way matching when both its halves do.
    // About 2.5 instructions per way instead of 5 for the loop below.
    if (ways_ >= 8) {
      const __m128i k = _mm_set1_epi64x(static_cast<long long>(key));
      for (; w + 8 <= ways_; w += 8) {
        const __m128i* p = reinterpret_cast<const __m128i*>(t + w);
        const __m128i e0 = _mm_cmpeq_epi32(_mm_loadu_si128(p), k);
        const __m128i e1 = _mm_cmpeq_epi32(_mm_loadu_si128(p + 1), k);
        const __m128i e2 = _mm_cmpeq_epi32(_mm_loadu_si128(p + 2), k);
        const __m128i e3 = _mm_cmpeq_epi32(_mm_loadu_si128(p + 3), k);
        const __m128i b = _mm_packs_epi16(_mm_packs_epi32(e0, e1), _mm_packs_epi32(e2, e3));
        const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(b));
        const unsigned both = m & (m >> 1) & 0x5555u;  // bit 2i: way w + i matches
        if (both) return static_cast<int>(w + (static_cast<unsigned>(__builtin_ctz(both)) >> 1));
      }
    }
#endif
    for (; w < ways_; ++w) {
      if (t[w] == key) return static_cast<int>(w);
    }
    return -1;
  }
  /// A use of `way` (a hit, or a present line written back from above) for the policy.
  void touch(size_t set, unsigned way) {
    if (order_.empty()) {
      repl_->touch(set, way);
      return;
    }
    uint64_t& o = order_[set];
    if ((o & 15) == way) return;  // already the most recent
    // Find the way's nibble (the lowest zero nibble of o ^ way is exact), move it to the front.
    const uint64_t x = o ^ (kNibbles * way);
    const unsigned pos =
        static_cast<unsigned>(__builtin_ctzll((x - kNibbles) & ~x & kNibbleTops)) & ~3u;
    const uint64_t below = o & ((uint64_t{1} << pos) - 1);
    o = (o & (~uint64_t{0} << pos << 4)) | (below << 4) | way;
  }
  unsigned victimWay(size_t set) {
    if (order_.empty()) return repl_->victim(set);
    return static_cast<unsigned>(order_[set] >> (4 * (ways_ - 1))) & 15;
  }
  /// touch() of the way victimWay() named (the last nibble) under the per-set LRU order: every
  /// other way moves back one place, so the order is a shift (the nibbles above the ways, 15s,
  /// stay).
  void touchVictim(size_t set, unsigned way) {
    uint64_t& o = order_[set];
    o = (o & ~orderMask_) | ((o << 4) & orderMask_) | way;
  }
  void dirtyUp(size_t i) {
    if (!(state_[i] & kDirty)) {
      state_[i] |= kDirty;
      ++dirtyLines_;
    }
  }
  Victim remove(size_t set, size_t i);
  Victim allocate(size_t set, uint64_t line, bool dirty, bool pageTable);
  /// Invalidates `line` in every inclusive upper level; true if a copy there was dirty.
  bool invalidateUppers(uint64_t line) {
    return !uppers_.empty() && invalidateUppersSlow(line);
  }
  bool invalidateUppersSlow(uint64_t line);

  unsigned ways_;
  unsigned lineShift_;
  size_t sets_;
  bool pow2_;
  // Line numbers with kTagValid set while valid (0 when not): a probe is one compare per way.
  static constexpr uint64_t kTagValid = uint64_t{1} << 63;
  std::vector<uint64_t> tags_;
  std::vector<uint8_t> state_;      // kValid | kDirty | kPageTable
  std::vector<uint32_t> setValid_;  // valid lines per set: a full set needs no free-way search
  std::unique_ptr<tlb::SetReplacement> repl_;
  // LRU with at most 16 ways: per set, the way numbers from the most to the least recently used,
  // a nibble each (nibble 0 the most recent). The victim is the last nibble, so no scan of use
  // stamps; the order is the stamps' order (tlb's LruReplacement, used for more ways and for
  // the other policies), since a full set's ways have all been filled since the start. Empty
  // otherwise.
  static constexpr uint64_t kNibbles = 0x1111111111111111ull, kNibbleTops = 0x8888888888888888ull;
  std::vector<uint64_t> order_;
  uint64_t orderMask_ = 0;  // the nibbles of ways 0..ways-1 in an order_ word
  std::vector<CacheCore*> uppers_;
  // The last line hit or filled: repeated accesses to a line skip the probe. Emptied whenever
  // a line leaves the array.
  bool memoValid_ = false;
  uint64_t memoLine_ = 0;
  size_t memoSet_ = 0;
  unsigned memoWay_ = 0;
  uint64_t valid_ = 0, pageTableLines_ = 0, dirtyLines_ = 0, backInvalidations_ = 0;
};

/// Miss status holding registers. Each entry is busy with one line until a time (in any integer
/// unit, e.g. SystemC ticks); kPending marks a fill whose end is not known yet (AT). An access
/// to a line whose entry is still busy merges with it instead of fetching again; a miss that
/// finds every entry busy waits (a stall) until the first one frees.
class MshrFile {
 public:
  static constexpr uint64_t kPending = ~uint64_t{0};
  explicit MshrFile(unsigned entries);

  unsigned size() const { return static_cast<unsigned>(busyUntil_.size()); }
  /// False when no entry can be busy at `now`: one compare, for the hit path.
  bool anyBusy(uint64_t now) const { return now < latest_; }
  /// Index of the entry busy with `line` at `now`, or -1.
  int find(uint64_t line, uint64_t now) const;
  uint64_t busyUntil(unsigned i) const { return busyUntil_[i]; }
  /// The entry that frees first, and when it is free (>= now; kPending if every entry waits for
  /// a fill whose end is unknown).
  std::pair<unsigned, uint64_t> acquire(uint64_t now) const {
    if (!anyBusy(now)) return {0, now};  // every entry is free (inline: the common LT case)
    return acquireBusy(now);
  }
  /// Entry `i` is busy with `line` until `until` (kPending: until release()).
  void occupy(unsigned i, uint64_t line, uint64_t until) {
    line_[i] = line;
    busyUntil_[i] = until;
    if (until > latest_) latest_ = until;
  }
  void release(unsigned i, uint64_t now);
  /// Entries busy at `now`.
  unsigned busy(uint64_t now) const;

 private:
  std::pair<unsigned, uint64_t> acquireBusy(uint64_t now) const;
  std::vector<uint64_t> line_;
  std::vector<uint64_t> busyUntil_;
  uint64_t latest_ = 0;  // max of busyUntil_
};

}  // namespace vmsim::cache
