// TLB array rules: probing per page size, ASID/global matching, replacement and invalidation.
#include "vmsim/tlb/tlb_core.h"

#include <algorithm>
#include <stdexcept>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vmsim::tlb {

// Outside the anonymous namespace: TlbCore calls it directly on hits (declared in the header).
class LruReplacement final : public SetReplacement {
 public:
  LruReplacement(size_t sets, unsigned ways) : ways_(ways), stamp_(sets * ways, 0) {}
  void touch(size_t s, unsigned w) override { stamp_[s * ways_ + w] = ++clock_; }
  void filled(size_t s, unsigned w) override { touch(s, w); }
  uint64_t* stampAt(size_t s, unsigned w) { return &stamp_[s * ways_ + w]; }
  uint64_t* clock() { return &clock_; }
  unsigned victim(size_t s) override {
    // The first way of the smallest stamp (std::min_element's choice), without branches.
    const uint64_t* b = &stamp_[s * ways_];
    unsigned best = 0;
    uint64_t least = b[0];
    for (unsigned w = 1; w < ways_; ++w) {
      const bool older = b[w] < least;
      least = older ? b[w] : least;
      best = older ? w : best;
    }
    return best;
  }

 private:
  unsigned ways_;
  uint64_t clock_ = 0;
  std::vector<uint64_t> stamp_;
};

namespace {

class FifoReplacement : public SetReplacement {
 public:
  FifoReplacement(size_t sets, unsigned ways) : ways_(ways), next_(sets, 0) {}
  void touch(size_t, unsigned) override {}
  void filled(size_t s, unsigned w) override {
    if (w == next_[s]) next_[s] = (next_[s] + 1) % ways_;
  }
  unsigned victim(size_t s) override { return next_[s]; }

 private:
  unsigned ways_;
  std::vector<unsigned> next_;
};

class RandomReplacement : public SetReplacement {
 public:
  RandomReplacement(unsigned ways, uint64_t seed) : ways_(ways), state_(seed ? seed : 1) {}
  void touch(size_t, unsigned) override {}
  void filled(size_t, unsigned) override {}
  unsigned victim(size_t) override {
    // xorshift64*: deterministic across platforms and library versions.
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return static_cast<unsigned>(((state_ * 2685821657736338717ull) >> 32) % ways_);
  }

 private:
  unsigned ways_;
  uint64_t state_;
};

// Tree pseudo-LRU: ways-1 bits per set; each bit points toward the less recently used half.
class TreePlruReplacement : public SetReplacement {
 public:
  TreePlruReplacement(size_t sets, unsigned ways) : ways_(ways), bits_(sets * ways, 0) {
    if (ways & (ways - 1)) throw std::invalid_argument("plru needs a power-of-two way count");
  }
  void touch(size_t s, unsigned w) override {
    uint8_t* t = &bits_[s * ways_];
    unsigned node = 1, lo = 0, span = ways_;
    while (span > 1) {
      span /= 2;
      const bool right = w >= lo + span;
      t[node] = right ? 0 : 1;  // point away from the touched half
      if (right) lo += span;
      node = node * 2 + (right ? 1 : 0);
    }
  }
  void filled(size_t s, unsigned w) override { touch(s, w); }
  unsigned victim(size_t s) override {
    const uint8_t* t = &bits_[s * ways_];
    unsigned node = 1, lo = 0, span = ways_;
    while (span > 1) {
      span /= 2;
      const bool right = t[node] != 0;
      if (right) lo += span;
      node = node * 2 + (right ? 1 : 0);
    }
    return lo;
  }

 private:
  unsigned ways_;
  std::vector<uint8_t> bits_;
};

}  // namespace

const std::vector<std::string>& setReplacementNames() {
  static const std::vector<std::string> n = {"lru", "fifo", "random", "plru"};
  return n;
}

std::unique_ptr<SetReplacement> makeSetReplacement(const std::string& name, size_t sets,
                                                   unsigned ways, uint64_t seed) {
  if (name == "lru") return std::make_unique<LruReplacement>(sets, ways);
  if (name == "fifo") return std::make_unique<FifoReplacement>(sets, ways);
  if (name == "random") return std::make_unique<RandomReplacement>(ways, seed);
  if (name == "plru") return std::make_unique<TreePlruReplacement>(sets, ways);
  std::string valid;
  for (const auto& v : setReplacementNames()) valid += (valid.empty() ? "" : ", ") + v;
  throw std::invalid_argument("unknown TLB replacement policy '" + name + "'; valid: " + valid);
}

TlbCore::TlbCore(size_t entries, unsigned ways, std::vector<unsigned> pageShifts,
                 const std::string& policy, uint64_t seed)
    : ways_(ways), shifts_(std::move(pageShifts)) {
  if (ways == 0 || entries == 0 || entries % ways) {
    throw std::invalid_argument("TLB entries (" + std::to_string(entries) +
                                ") must be a non-zero multiple of ways (" + std::to_string(ways) +
                                ")");
  }
  if (shifts_.empty()) throw std::invalid_argument("TLB must hold at least one page size");
  minShift_ = *std::min_element(shifts_.begin(), shifts_.end());
  sets_ = entries / ways;
  pow2_ = (sets_ & (sets_ - 1)) == 0;
  entries_.resize(entries);
  keys_.assign(entries, 0);
  setValid_.assign(sets_, 0);
  for (size_t i = 0; i < shifts_.size(); ++i) {
    if (shifts_[i] >= 64) throw std::invalid_argument("a TLB page shift must be below 64");
    shiftMask_ |= uint64_t{1} << shifts_[i];
    shiftIndex_[shifts_[i]] = static_cast<uint8_t>(i);
  }
  countByShift_.assign(shifts_.size(), 0);
#if defined(__SSE2__)
  if (ways_ <= 16) {
    fp_.assign(sets_ * 16, 0);
    fpWays_ = (1u << ways_) - 1;
    if (pow2_) {
      while ((size_t{1} << (fpShift_ - 6)) < sets_) ++fpShift_;
    }
  }
#endif
  if (policy == "lru" && ways <= 16) {
    // The nibble order below is the whole policy: no SetReplacement (its stamps would be
    // allocated and never read).
    // Ways 0..ways-1 in any order (every way is filled before a victim is asked for).
    uint64_t o = 0;
    for (unsigned i = 0; i < 16; ++i) o |= uint64_t{i < ways ? i : 15u} << (4 * i);
    order_.assign(sets_, o);
    orderMask_ = ways == 16 ? ~uint64_t{0} : (uint64_t{1} << (4 * ways)) - 1;
  } else {
    repl_ = makeSetReplacement(policy, sets_, ways, seed);
    lru_ = dynamic_cast<LruReplacement*>(repl_.get());
    if (lru_) lruClock_ = lru_->clock();
  }
}

inline void TlbCore::touch(size_t set, unsigned w) {
  if (!order_.empty()) {
    orderTouch(set, w);
  } else if (lru_) {
    lru_->touch(set, w);
  } else {
    repl_->touch(set, w);
  }
}

inline void TlbCore::filled(size_t set, unsigned w) {
  if (!order_.empty()) {
    orderTouch(set, w);  // LRU's fill is a use
  } else if (lru_) {
    lru_->filled(set, w);
  } else {
    repl_->filled(set, w);
  }
}

inline unsigned TlbCore::victimOf(size_t set) {
  if (!order_.empty()) return static_cast<unsigned>(order_[set] >> (4 * (ways_ - 1))) & 15;
  return lru_ ? lru_->victim(set) : repl_->victim(set);
}

const TlbEntry* TlbCore::probe(Asid asid, uint64_t va) {
  for (size_t i = 0; i < shifts_.size(); ++i) {
    if (!countByShift_[i]) continue;  // no entry of this size: nothing to match
    const unsigned shift = shifts_[i];
    const uint64_t vpn = va >> shift;
    const size_t set = setOf(vpn);
    const unsigned w = findWay(set, keyOf(vpn, shift), asid, vpn, shift);
    if (w < ways_) {
      TlbEntry* e = way(set, w);
      touch(set, w);
      memo_ = {true, asid, va >> minShift_, e, set, w, lru_ ? lru_->stampAt(set, w) : nullptr};
      return e;
    }
  }
  miss_ = {true, asid, va >> minShift_, fills_};
  return nullptr;
}

inline unsigned TlbCore::findWay(size_t set, uint64_t key, Asid asid, uint64_t vpn,
                                 unsigned shift) const {
  const uint64_t* k = &keys_[set * ways_];
#if defined(__SSE2__)
  if (!fp_.empty()) {
    // The ways whose fingerprint is the key's, in one compare of the set's 16 bytes; of those,
    // the first whose key and entry match (the way the plain scan below finds first).
    const __m128i f = _mm_set1_epi8(static_cast<char>(fingerprint(key)));
    const __m128i row = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&fp_[set * 16]));
    unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(row, f))) & fpWays_;
    while (m) {
      const unsigned w = static_cast<unsigned>(__builtin_ctz(m));
      if (k[w] == key && matches(*way(set, w), asid, vpn, shift)) return w;
      m &= m - 1;
    }
    return ways_;
  }
#endif
  // The keys alone in the scan (no entry pointer kept alongside); a way whose key is equal is
  // checked in full.
  for (unsigned w = 0; w < ways_; ++w) {
    if (k[w] == key && matches(*way(set, w), asid, vpn, shift)) return w;
  }
  return ways_;
}

const TlbEntry* TlbCore::peekProbe(Asid asid, uint64_t va) const {
  for (size_t i = 0; i < shifts_.size(); ++i) {  // probe()'s search, without its side effects
    if (!countByShift_[i]) continue;
    const unsigned shift = shifts_[i];
    const uint64_t vpn = va >> shift;
    const size_t set = setOf(vpn);
    const uint64_t key = keyOf(vpn, shift);
    const uint64_t* k = &keys_[set * ways_];
    for (unsigned w = 0; w < ways_; ++w) {
      const TlbEntry* e = way(set, w);
      if (k[w] == key && e->vpn == vpn && e->shift == shift && (e->global || e->asid == asid)) {
        return e;
      }
    }
  }
  return nullptr;
}

bool TlbCore::insert(const TlbEntry& in) {
  return insert(in, nullptr);
}

bool TlbCore::insert(const TlbEntry& in, TlbEntry* victim) {
  if (!holdsShift(in.shift)) return false;
  memo_.valid = false;
  const size_t set = setOf(in.vpn);
  const size_t base = set * ways_;
  const uint64_t key = keyOf(in.vpn, in.shift);
  const uint64_t* k = &keys_[base];
  // The last probe missed on this page with no fill since (the fill after a miss): no way holds
  // it. An empty set holds nothing either.
  // (in.shift is held, so it is at least minShift_.)
  const bool absent =
      setValid_[set] == 0 || (miss_.valid && miss_.fills == fills_ && miss_.asid == in.asid &&
                              miss_.key >> (in.shift - minShift_) == in.vpn);
  ++fills_;
  unsigned same = ways_;
  if (!absent) {
    for (unsigned w = 0; w < ways_; ++w) {
      if (k[w] == key && samePage(entries_[base + w], in)) {
        same = w;
        break;
      }
    }
  }
  if (same < ways_) {
    // An update of a cached translation (a store setting D, a refill of an entry already
    // present) rewrites the entry in place: for the policy it is a use, not a fill. FIFO keeps
    // its insertion order; LRU and PLRU see a touch, as the lookup before it did.
    entries_[base + same] = in;
    entries_[base + same].valid = true;
    touch(set, same);
    return false;
  }
  // The first invalid way (key 0), else the policy's victim.
  unsigned target = ways_;
  if (setValid_[set] < ways_) {
    for (unsigned w = 0; w < ways_; ++w) {
      if (k[w] == 0) {
        target = w;
        break;
      }
    }
  }
  bool evicted = false;
  if (target == ways_) {
    target = victimOf(set);
    evicted = true;
    TlbEntry& old = entries_[base + target];
    if (victim) *victim = old;
    if (old.shift != in.shift) {
      // The counts by size move; a victim of the same size leaves every count as it was.
      --countByShift_[shiftIndex_[old.shift]];
      ++countByShift_[shiftIndex_[in.shift]];
    }
  } else {
    ++setValid_[set];
    ++valid_;
    ++*sharedCount_;
    ++countByShift_[shiftIndex_[in.shift]];
  }
  entries_[base + target] = in;
  entries_[base + target].valid = true;
  keys_[base + target] = key;
  if (!fp_.empty()) fp_[set * 16 + target] = fingerprint(key);
  if (evicted && !order_.empty()) {
    // LRU's fill of its victim, the last way in the order: the others move back one place.
    uint64_t& o = order_[set];
    o = (o & ~orderMask_) | ((o << 4) & orderMask_) | target;
  } else {
    filled(set, target);
  }
  return evicted;
}

size_t TlbCore::invalidatePage(Asid asid, uint64_t va) {
  memo_.valid = false;
  size_t n = 0;
  for (size_t i = 0; i < shifts_.size(); ++i) {
    if (!countByShift_[i]) continue;
    const unsigned shift = shifts_[i];
    const uint64_t vpn = va >> shift;
    const size_t set = setOf(vpn);
    for (unsigned w = 0; w < ways_; ++w) {
      TlbEntry* e = way(set, w);
      if (e->valid && e->vpn == vpn && e->shift == shift && (e->global || e->asid == asid)) {
        invalidateAt(set * ways_ + w);
        ++n;
      }
    }
  }
  return n;
}

size_t TlbCore::invalidateAsid(Asid asid) {
  memo_.valid = false;
  size_t n = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const TlbEntry& e = entries_[i];
    if (e.valid && !e.global && e.asid == asid) {
      invalidateAt(i);
      ++n;
    }
  }
  return n;
}

bool TlbCore::remove(const TlbEntry& in) {
  if (!holdsShift(in.shift)) return false;
  memo_.valid = false;
  const size_t set = setOf(in.vpn);
  for (unsigned w = 0; w < ways_; ++w) {
    TlbEntry* e = way(set, w);
    if (e->valid && samePage(*e, in)) {
      invalidateAt(set * ways_ + w);
      return true;
    }
  }
  return false;
}

size_t TlbCore::invalidateNonGlobal() {
  memo_.valid = false;
  size_t n = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const TlbEntry& e = entries_[i];
    if (e.valid && !e.global) {
      invalidateAt(i);
      ++n;
    }
  }
  return n;
}

size_t TlbCore::invalidateAll() {
  memo_.valid = false;
  size_t n = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    n += entries_[i].valid ? 1 : 0;
    invalidateAt(i);
  }
  return n;
}

size_t TlbCore::validEntries() const {
  size_t n = 0;
  for (const auto& e : entries_) n += e.valid ? 1 : 0;
  return n;
}

}  // namespace vmsim::tlb
