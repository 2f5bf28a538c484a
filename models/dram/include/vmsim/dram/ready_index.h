// Which bank queues' ready hints have come: a due set plus a 64-cycle timing wheel (and a far
// list beyond it), so the controller looks only at queues that may issue now and finds the next
// cycle one may, without scanning every queue at every event.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace vmsim::dram {

/// Files queue q under a hint h (a lower bound on the cycle it can next issue; kNever: not
/// before some change files it again). After advance(c): due() holds exactly the filed queues
/// with h <= c; nextAfterDue() is the least hint of the others. Each operation costs O(1) per
/// queue moved (plus the words of one 64-queue mask), whatever the number of queues.
class ReadyIndex {
 public:
  static constexpr uint64_t kNone = std::numeric_limits<uint64_t>::max();

  void init(unsigned queues) {
    words_ = (queues + 63) / 64;
    hint_.assign(queues, kNone);
    due_.assign(words_, 0);
    far_.assign(words_, 0);
    slots_.assign(size_t(kSlots) * words_, 0);
    occupied_ = 0, now_ = 0, farMin_ = kNone;
  }

  uint64_t hint(unsigned q) const { return hint_[q]; }
  const std::vector<uint64_t>& due() const { return due_; }
  uint64_t now() const { return now_; }

  /// Files q under h (replacing its previous hint).
  void set(unsigned q, uint64_t h) {
    unfile(q);
    hint_[q] = h;
    file(q);
  }

  /// set(q, h) for a due q and a later h (h > now()): a due queue that was picked and was not
  /// ready, the common case, without the tests of where q was filed.
  void defer(unsigned q, uint64_t h) {
    const uint64_t bit = uint64_t(1) << (q & 63);
    const unsigned w = q >> 6;
    due_[w] &= ~bit;
    hint_[q] = h;
    if (h - now_ < kSlots) {
      const unsigned s = unsigned(h & (kSlots - 1));
      slots_[w * kSlots + s] |= bit;
      occupied_ |= uint64_t(1) << s;
    } else if (h != kNone) {
      far_[w] |= bit;
      farMin_ = std::min(farMin_, h);
    }
  }

  /// Moves time forward to c: every hint <= c becomes due.
  void advance(uint64_t c) {
    if (c <= now_) return;
    const uint64_t span = c - now_;
    uint64_t m = occupied_;
    if (span < kSlots) {  // slots of cycles now_+1 .. c
      const unsigned first = unsigned((now_ + 1) & (kSlots - 1));
      const uint64_t run = (uint64_t(1) << span) - 1;
      m &= first ? (run << first) | (run >> (kSlots - first)) : run;
    }
    for (uint64_t left = m; left; left &= left - 1) {
      const unsigned s = unsigned(__builtin_ctzll(left));
      for (unsigned w = 0; w < words_; ++w) {
        due_[w] |= slots_[w * kSlots + s];
        slots_[w * kSlots + s] = 0;
      }
    }
    occupied_ &= ~m;
    now_ = c;
    if (farMin_ != kNone && farMin_ < now_ + kSlots) refileFar();
  }

  /// Least hint among the filed queues that are not due (kNone if none).
  uint64_t nextAfterDue() const {
    if (occupied_) {
      const unsigned first = unsigned((now_ + 1) & (kSlots - 1));
      const uint64_t r = first ? (occupied_ >> first) | (occupied_ << (kSlots - first)) : occupied_;
      return now_ + 1 + unsigned(__builtin_ctzll(r));
    }
    return farMin_;
  }

 private:
  static constexpr unsigned kSlots = 64;

  // Where a queue is filed follows from its hint and now_ alone: kNone: nowhere; h <= now_: due;
  // h - now_ < kSlots: the wheel; else the far list. (A wheel hint stays above now_, as advance()
  // makes every hint it passes due, and stays within kSlots of it; a far hint stays kSlots or more
  // ahead, as advance() re-files the far list once its least hint comes within kSlots.)
  void file(unsigned q) {
    const uint64_t h = hint_[q], bit = uint64_t(1) << (q & 63);
    const unsigned w = q >> 6;
    if (h <= now_) {
      due_[w] |= bit;
    } else if (h == kNone) {
    } else if (h - now_ < kSlots) {
      const unsigned s = unsigned(h & (kSlots - 1));
      slots_[w * kSlots + s] |= bit;
      occupied_ |= uint64_t(1) << s;
    } else {
      far_[w] |= bit;
      farMin_ = std::min(farMin_, h);
    }
  }

  void unfile(unsigned q) {
    const uint64_t h = hint_[q], bit = uint64_t(1) << (q & 63);
    const unsigned w = q >> 6;
    if (h <= now_) {
      due_[w] &= ~bit;
    } else if (h == kNone) {
    } else if (h - now_ < kSlots) {
      const unsigned s = unsigned(h & (kSlots - 1));
      slots_[w * kSlots + s] &= ~bit;
      bool empty = true;
      for (unsigned i = 0; i < words_ && empty; ++i) empty = slots_[i * kSlots + s] == 0;
      if (empty) occupied_ &= ~(uint64_t(1) << s);
    } else {
      far_[w] &= ~bit;
      if (h == farMin_) recomputeFarMin();
    }
  }

  void recomputeFarMin() {
    farMin_ = kNone;
    for (unsigned w = 0; w < words_; ++w)
      for (uint64_t b = far_[w]; b; b &= b - 1)
        farMin_ = std::min(farMin_, hint_[w * 64 + unsigned(__builtin_ctzll(b))]);
  }

  void refileFar() {
    farMin_ = kNone;
    for (unsigned w = 0; w < words_; ++w) {
      const uint64_t bits = far_[w];
      far_[w] = 0;
      for (uint64_t b = bits; b; b &= b - 1) file(w * 64 + unsigned(__builtin_ctzll(b)));
    }
  }

  unsigned words_ = 0;
  std::vector<uint64_t> hint_;
  std::vector<uint64_t> due_, far_, slots_;  ///< slots_[w * kSlots + s]: word w of slot s
  uint64_t occupied_ = 0;                    ///< bit s: slot s holds a queue
  uint64_t now_ = 0, farMin_ = kNone;
};

}  // namespace vmsim::dram
