// Set-associative TLB array with ASID (PCID) tags and mixed page sizes: the rules of a TLB,
// without SystemC. Each supported page size is probed with its own set index (as in a
// hash-rehash/skewed lookup), so 4 KiB and 2 MiB entries share one array.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vmsim/common/extensions.h"
#include "vmsim/common/types.h"

namespace vmsim::tlb {

struct TlbEntry {
  bool valid = false;
  bool global = false;
  bool dirty = false;
  Asid asid = 0;
  uint8_t shift = 12;
  uint64_t vpn = 0;    // va >> shift
  uint64_t frame = 0;  // pa >> shift
  Perms perms;
};

/// Chooses a victim way within one set; told about every hit and fill.
class SetReplacement {
 public:
  virtual ~SetReplacement() = default;
  virtual void touch(size_t set, unsigned way) = 0;
  virtual void filled(size_t set, unsigned way) = 0;
  virtual unsigned victim(size_t set) = 0;
};

/// Valid names: lru, fifo, random, plru (tree pseudo-LRU; ways must be a power of two).
std::unique_ptr<SetReplacement> makeSetReplacement(const std::string& name, size_t sets,
                                                   unsigned ways, uint64_t seed);
const std::vector<std::string>& setReplacementNames();

class LruReplacement;

class TlbCore {
 public:
  /// `entries` must be a multiple of `ways`; `pageShifts` lists the page sizes held (log2).
  TlbCore(size_t entries, unsigned ways, std::vector<unsigned> pageShifts,
          const std::string& policy, uint64_t seed = 1);
  TlbCore(const TlbCore&) = delete;  // it points into itself (the memo, the count it shares)
  TlbCore& operator=(const TlbCore&) = delete;

  /// The matching valid entry or nullptr. Updates replacement state on a hit. Inline: a repeated
  /// lookup of the last page hit (the memo) is the hit path of every access.
  const TlbEntry* lookup(Asid asid, uint64_t va) {
    if (memo_.valid && memo_.asid == asid && memo_.key == va >> minShift_) {
      // Under the per-set LRU order the memo's way is already its set's most recent (the memo
      // is the last hit, and any fill empties it): the touch changes nothing.
      if (order_.empty()) {
        if (memo_.stamp) {
          *memo_.stamp = ++*lruClock_;  // LRU's touch, without a virtual call
        } else {
          repl_->touch(memo_.set, memo_.way);
        }
      }
      return memo_.entry;
    }
    // An empty array (the superpage arrays of a run without superpages) answers at once: most
    // misses of a walk-heavy run probe several arrays that never fill.
    // A repeated miss (the lookups after a page fault) is known without a probe (miss_).
    return valid_ && !knownMiss(asid, va) ? probe(asid, va) : nullptr;
  }
  /// What lookup() would return, without touching the replacement state or the memo. Inline:
  /// the AT hit path asks it first for every access (Tlb::wouldHit), and the memo answers it as
  /// it answers lookup().
  const TlbEntry* peek(Asid asid, uint64_t va) const {
    if (memo_.valid && memo_.asid == asid && memo_.key == va >> minShift_) return memo_.entry;
    return peekProbe(asid, va);
  }
  /// Inserts a translation; returns true when a valid entry was evicted. An entry already cached
  /// for the same page (ASID, vpn, size) is updated in place (e.g. its dirty bit set after a
  /// store): the policy sees a use of that way, not a fill. So FIFO keeps its insertion order
  /// (hardware FIFO/round-robin pointers move only on allocation), LRU and tree PLRU make the
  /// entry most recently used, random is unaffected.
  bool insert(const TlbEntry& e);
  /// As insert(); a valid entry it evicts is copied to `*victim` (for an exclusive hierarchy,
  /// where the victim moves down a level).
  bool insert(const TlbEntry& e, TlbEntry* victim);
  /// Drops the entry for exactly `e`'s page (same size, same ASID or both global); returns
  /// whether there was one (an exclusive level moving the entry up).
  bool remove(const TlbEntry& e);
  /// Returns the number of entries dropped. A page invalidation drops global entries too
  /// (INVLPG); an ASID invalidation only the ASID's non-global entries (INVPCID type 1).
  size_t invalidatePage(Asid asid, uint64_t va);
  size_t invalidateAsid(Asid asid);
  /// Every non-global entry (MOV to CR3 without PCIDs).
  size_t invalidateNonGlobal();
  /// Every entry, global ones too; returns how many were valid.
  size_t invalidateAll();
  /// Valid entries now (tests, occupancy).
  size_t validEntries() const;

  size_t sets() const { return sets_; }
  unsigned ways() const { return ways_; }
  const std::vector<unsigned>& pageShifts() const { return shifts_; }
  bool holdsShift(unsigned shift) const { return shift < 64 && ((shiftMask_ >> shift) & 1); }
  bool empty() const { return valid_ == 0; }
  /// Makes `*count` follow this array's number of valid entries too (it is added now, and every
  /// change from then on): an owner of several arrays sums those it probes together and skips
  /// them all while the sum is 0. Once per array.
  void shareCount(size_t* count) {
    sharedCount_ = count;
    *count += valid_;
  }

 private:
  size_t setOf(uint64_t vpn) const { return pow2_ ? (vpn & (sets_ - 1)) : (vpn % sets_); }
  TlbEntry* way(size_t set, unsigned w) { return &entries_[set * ways_ + w]; }
  const TlbEntry* way(size_t set, unsigned w) const { return &entries_[set * ways_ + w]; }
  const TlbEntry* probe(Asid asid, uint64_t va);
  /// The first way of `set` whose key is `key` and whose entry matches, or ways_.
  unsigned findWay(size_t set, uint64_t key, Asid asid, uint64_t vpn, unsigned shift) const;
  const TlbEntry* peekProbe(Asid asid, uint64_t va) const;  // probe() without side effects
  // A filter in front of the entries (the miss path probes and fills every way of a set): each
  // valid entry's key is keyOf(vpn, shift), an invalid entry's 0. Equal pages have equal keys,
  // so a way whose key differs cannot match; a way whose key is equal is checked in full.
  static constexpr uint64_t kKeyValid = uint64_t{1} << 63;
  static uint64_t keyOf(uint64_t vpn, unsigned shift) { return kKeyValid | (vpn << 6) | shift; }
  void invalidateAt(size_t i) {
    if (keys_[i]) {
      --setValid_[i / ways_];
      --valid_;
      --*sharedCount_;
      --countByShift_[shiftIndex_[entries_[i].shift]];
    }
    entries_[i].valid = false;
    keys_[i] = 0;
  }
  // The policy's hooks: LRU's directly (no virtual call; up to 16 ways as the per-set order
  // below), others through repl_.
  void touch(size_t set, unsigned w);
  void filled(size_t set, unsigned w);
  unsigned victimOf(size_t set);
  /// touch() under the per-set LRU order: the way's nibble moves to the front.
  void orderTouch(size_t set, unsigned w) {
    uint64_t& o = order_[set];
    if ((o & 15) == w) return;  // already the most recent
    // The lowest zero nibble of o ^ (w in every nibble) is exactly w's place (a borrow only
    // runs above a zero nibble).
    const uint64_t x = o ^ (kNibbles * w);
    const unsigned pos =
        static_cast<unsigned>(__builtin_ctzll((x - kNibbles) & ~x & kNibbleTops)) & ~3u;
    const uint64_t below = o & ((uint64_t{1} << pos) - 1);
    o = (o & (~uint64_t{0} << pos << 4)) | (below << 4) | w;
  }
  static bool matches(const TlbEntry& e, Asid asid, uint64_t vpn, unsigned shift) {
    return e.valid && e.vpn == vpn && e.shift == shift && (e.global || e.asid == asid);
  }
  static bool samePage(const TlbEntry& a, const TlbEntry& b) {
    return a.vpn == b.vpn && a.shift == b.shift && (a.asid == b.asid || (a.global && b.global));
  }

  // The last hit, keyed by ASID and va >> smallest shift (which fixes the vpn probed for every
  // page size): repeated lookups of a page skip the probing. Any change of the array empties it,
  // so a memo hit returns what the probe would, and touches the replacement state the same way.
  struct Memo {
    bool valid = false;
    Asid asid = 0;
    uint64_t key = 0;
    const TlbEntry* entry = nullptr;
    size_t set = 0;
    unsigned way = 0;
    uint64_t* stamp = nullptr;  // the way's LRU stamp, when the policy is LRU with stamps
  };
  Memo memo_;
  unsigned minShift_ = 12;
  // The last probe that missed, keyed as the memo, and fills_ then. Only a fill can turn a miss
  // into a hit (an invalidation only drops entries), so while fills_ has not moved the same
  // lookup misses again without a probe (the lookups after a page fault repeat the ones before
  // it), and a fill of a page inside that miss's pages finds no entry of it to update (the fill
  // after a miss skips that search).
  struct MissMemo {
    bool valid = false;
    Asid asid = 0;
    uint64_t key = 0;
    uint64_t fills = 0;
  };
  MissMemo miss_;
  uint64_t fills_ = 0;  // insert() calls
  bool knownMiss(Asid asid, uint64_t va) const {
    return miss_.valid && miss_.fills == fills_ && miss_.asid == asid &&
           miss_.key == va >> minShift_;
  }

  size_t sets_;
  unsigned ways_;
  bool pow2_;
  std::vector<unsigned> shifts_;
  std::vector<TlbEntry> entries_;
  std::vector<uint64_t> keys_;      // by entry, see keyOf
  std::vector<uint32_t> setValid_;  // valid entries by set: a full set has no invalid way to find
  // Up to 16 ways (with SSE2): by set, 16 bytes holding a fingerprint of each way's key (bytes
  // past the ways unused), written with the key. A probe compares them all at once and checks
  // only the ways whose fingerprint is the key's. An invalidated way keeps its fingerprint: its
  // key (0) fails the full check. Empty otherwise (the plain scan).
  std::vector<uint8_t> fp_;
  unsigned fpWays_ = 0;  // bit w: way w
  // The fingerprint is the key's byte just above the set index's vpn bits (which every key of a
  // set shares; keyOf puts the vpn at bit 6).
  unsigned fpShift_ = 6;
  uint8_t fingerprint(uint64_t key) const { return static_cast<uint8_t>(key >> fpShift_); }
  uint64_t shiftMask_ = 0;  // bit s: shifts_ holds s (s < 64)
  // Valid entries, in all and by page size (index into shifts_): probe() skips a size no entry
  // has, lookup() an empty array. shiftIndex_ maps a shift held to its index.
  size_t valid_ = 0;
  size_t ownCount_ = 0;  // sharedCount_'s target when no owner shares one
  size_t* sharedCount_ = &ownCount_;
  std::vector<size_t> countByShift_;
  uint8_t shiftIndex_[64] = {};
  std::unique_ptr<SetReplacement> repl_;  // every policy but LRU over at most 16 ways (order_)
  // LRU with at most 16 ways: per set, the way numbers from the most to the least recently used
  // (a hit, an update in place or a fill), a nibble each, nibble 0 the most recent; unused
  // nibbles hold 15. The victim is the last way's nibble, where LruReplacement scans the set's
  // stamps for the smallest. The same way: a victim is asked for only when the set is full, and
  // then every way has been filled since the start, so each way's stamp is its last use and the
  // stamps are distinct; their order is this order (an invalidation changes neither). Empty for
  // other policies and for LRU over more than 16 ways (LruReplacement's stamps).
  static constexpr uint64_t kNibbles = 0x1111111111111111ull, kNibbleTops = 0x8888888888888888ull;
  std::vector<uint64_t> order_;
  uint64_t orderMask_ = 0;         // the nibbles of ways 0..ways-1 in an order_ word
  LruReplacement* lru_ = nullptr;  // repl_ when it is LRU with stamps (more than 16 ways)
  uint64_t* lruClock_ = nullptr;   // its clock
};

}  // namespace vmsim::tlb
