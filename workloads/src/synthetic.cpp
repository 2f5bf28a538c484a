// Synthetic access-pattern generators; pointer chase and page chase build their cycles with
// Sattolo's algorithm.
#include "vmsim/workloads/synthetic.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "rng.h"

namespace vmsim::workloads {
namespace {

using detail::Rng;

constexpr uint64_t kCacheLine = 64;

[[noreturn]] void reject(const std::string& why) {
  throw std::invalid_argument("synthetic workload: " + why);
}

bool isPowerOfTwo(uint64_t x) {
  return x != 0 && (x & (x - 1)) == 0;
}

std::string joinedPatterns() {
  std::string all;
  for (const auto& p : syntheticPatterns()) all += (all.empty() ? "" : ", ") + p;
  return all;
}

void validateCommon(const SyntheticSpec& s) {
  const uint64_t size = s.access_size;
  if (!isPowerOfTwo(size) || size > 64)
    reject("access_size " + std::to_string(size) + " must be a power of two in 1..64");
  if (s.footprint == 0) reject("footprint must be > 0");
  if (s.footprint % size != 0)
    reject("footprint " + std::to_string(s.footprint) + " must be a multiple of access_size " +
           std::to_string(size));
  if (s.base % size != 0) reject("base must be aligned to access_size " + std::to_string(size));
  if (s.base > std::numeric_limits<uint64_t>::max() - s.footprint)
    reject("base + footprint overflows 64 bits");
  if (!(s.write_fraction >= 0.0 && s.write_fraction <= 1.0))
    reject("write_fraction " + std::to_string(s.write_fraction) + " must be in [0, 1]");
}

void requireStrideMultiple(uint64_t stride, const SyntheticSpec& s, const char* what) {
  if (stride == 0) reject(std::string(what) + " must be > 0");
  if (stride % s.access_size != 0)
    reject(std::string(what) + " " + std::to_string(stride) +
           " must be a multiple of access_size " + std::to_string(s.access_size));
}

// Decides load or store with probability write_fraction, using a fixed-point threshold.
class WriteMix {
 public:
  explicit WriteMix(double fraction)
      : always_(fraction >= 1.0),
        threshold_(fraction >= 1.0 ? 0 : static_cast<uint64_t>(fraction * 18446744073709551616.0)) {
  }
  Op pick(Rng& rng) const {
    if (always_) return Op::Store;
    if (threshold_ == 0) return Op::Load;
    return rng.next() < threshold_ ? Op::Store : Op::Load;
  }

 private:
  bool always_;
  uint64_t threshold_;
};

// base + (i * stride mod footprint), kept incrementally so i * stride never overflows.
class StridedAddresses {
 public:
  static constexpr bool kDependent = false;
  StridedAddresses(uint64_t base, uint64_t footprint, uint64_t stride, Rng&)
      : base_(base), footprint_(footprint), step_(stride % footprint) {}
  uint64_t next(Rng&) {
    const uint64_t va = base_ + offset_;
    offset_ += step_;
    if (offset_ >= footprint_) offset_ -= footprint_;
    return va;
  }

 private:
  uint64_t base_, footprint_, step_, offset_ = 0;
};

class RandomAddresses {
 public:
  static constexpr bool kDependent = false;
  RandomAddresses(uint64_t base, uint64_t footprint, uint32_t size, Rng&)
      : base_(base), slots_(footprint / size), size_(size) {}
  uint64_t next(Rng& rng) { return base_ + rng.below(slots_) * size_; }

 private:
  uint64_t base_, slots_, size_;
};

// Follows one random cycle through all slots, so every slot is visited once per lap and the next
// address depends on the current one (the classic load-to-use latency benchmark).
class ChaseAddresses {
 public:
  static constexpr bool kDependent = true;  // each address is the data of the previous load
  ChaseAddresses(uint64_t base, uint64_t slotBytes, uint64_t slots, Rng& rng)
      : base_(base), slotBytes_(slotBytes), next_(slots) {
    for (uint64_t i = 0; i < slots; ++i) next_[i] = static_cast<uint32_t>(i);
    // Sattolo: a uniformly random permutation that is a single cycle.
    for (uint64_t i = slots - 1; i > 0; --i) std::swap(next_[i], next_[rng.below(i)]);
  }
  uint64_t next(Rng&) {
    const uint64_t va = base_ + current_ * slotBytes_;
    current_ = next_[current_];
    return va;
  }

 private:
  uint64_t base_, slotBytes_;
  std::vector<uint32_t> next_;
  uint64_t current_ = 0;
};

// A chase through pages: one random cycle over the pages of the footprint (Sattolo), touching
// one 64-byte line per page. The line's offset within page p is (p mod linesPerPage) * 64, so
// consecutive pages use different cache sets and the data caches cannot hide the TLB behind set
// conflicts (every chased line would otherwise map to the same set).
class PageChaseAddresses {
 public:
  static constexpr bool kDependent = true;  // each address is the data of the previous load
  PageChaseAddresses(uint64_t base, uint64_t pageBytes, uint64_t pages, Rng& rng)
      : base_(base), pageBytes_(pageBytes), linesPerPage_(pageBytes / kCacheLine), next_(pages) {
    for (uint64_t i = 0; i < pages; ++i) next_[i] = static_cast<uint32_t>(i);
    for (uint64_t i = pages - 1; i > 0; --i) std::swap(next_[i], next_[rng.below(i)]);
  }
  uint64_t next(Rng&) {
    const uint64_t va = base_ + current_ * pageBytes_ + (current_ % linesPerPage_) * kCacheLine;
    current_ = next_[current_];
    return va;
  }

 private:
  uint64_t base_, pageBytes_, linesPerPage_;
  std::vector<uint32_t> next_;
  uint64_t current_ = 0;
};

// Touches one 64-byte line per page, page after page in address order (the non-dependent TLB
// reach sweep). The line offset rotates with the page index as in PageChaseAddresses.
class PageStrideAddresses {
 public:
  static constexpr bool kDependent = false;
  PageStrideAddresses(uint64_t base, uint64_t pageBytes, uint64_t pages, Rng&)
      : base_(base), pageBytes_(pageBytes), linesPerPage_(pageBytes / kCacheLine), pages_(pages) {}
  uint64_t next(Rng&) {
    const uint64_t va = base_ + page_ * pageBytes_ + (page_ % linesPerPage_) * kCacheLine;
    if (++page_ == pages_) page_ = 0;
    return va;
  }

 private:
  uint64_t base_, pageBytes_, linesPerPage_, pages_, page_ = 0;
};

// Zipf over the slots: rank k (1-based) has probability (1/k^s) / H(n, s). Sampled in O(1) with
// Vose's alias method, built once in double precision and kept in 32-bit fixed point, so the hot
// path is integer only. Rank k lives in slot perm[k-1], a seeded random permutation, so that the
// hot slots are scattered over the footprint (as YCSB's scrambled zipfian) instead of packed at
// its start, where they would share pages.
class ZipfAddresses {
 public:
  static constexpr bool kDependent = false;
  ZipfAddresses(uint64_t base, uint64_t slotBytes, uint64_t slots, double alpha, Rng& rng)
      : base_(base),
        slotBytes_(slotBytes),
        n_(slots),
        threshold_(slots),
        alias_(slots),
        slotOfRank_(slots) {
    std::vector<double> p(n_);
    double sum = 0;
    for (uint64_t k = 0; k < n_; ++k) sum += p[k] = std::pow(static_cast<double>(k + 1), -alpha);
    // Vose: scaled probabilities n*p; "small" ones (< 1) are topped up by an alias from a large.
    std::vector<uint32_t> small, large;
    for (uint64_t k = 0; k < n_; ++k) {
      p[k] *= static_cast<double>(n_) / sum;
      (p[k] < 1.0 ? small : large).push_back(static_cast<uint32_t>(k));
    }
    while (!small.empty() && !large.empty()) {
      const uint32_t s = small.back(), l = large.back();
      small.pop_back();
      setColumn(s, p[s], l);
      p[l] -= 1.0 - p[s];
      if (p[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // Left over (only rounding): probability 1.
    for (uint32_t k : large) setColumn(k, 1.0, k);
    for (uint32_t k : small) setColumn(k, 1.0, k);
    for (uint64_t i = 0; i < n_; ++i) slotOfRank_[i] = static_cast<uint32_t>(i);
    for (uint64_t i = n_ - 1; i > 0; --i) std::swap(slotOfRank_[i], slotOfRank_[rng.below(i + 1)]);
  }
  uint64_t next(Rng& rng) {
    const uint64_t r = rng.next();
    const uint64_t column = ((r >> 32) * n_) >> 32;  // uniform in [0, n) from the high half
    const uint32_t coin = static_cast<uint32_t>(r);  // independent low half
    const uint32_t rank =
        coin < threshold_[column] ? static_cast<uint32_t>(column) : alias_[column];
    return base_ + uint64_t{slotOfRank_[rank]} * slotBytes_;
  }
  // Most slots supported: the tables take 12 bytes per slot (192 MiB at the limit).
  static constexpr uint64_t kMaxSlots = uint64_t{1} << 24;

 private:
  void setColumn(uint32_t k, double keep, uint32_t alias) {
    // keep is in [0, 1]; 2^32 * keep, with 1.0 meaning "always keep" (threshold above any coin).
    threshold_[k] = keep >= 1.0 ? std::numeric_limits<uint32_t>::max()
                                : static_cast<uint32_t>(keep * 4294967296.0);
    alias_[k] = keep >= 1.0 ? k : alias;
  }

  uint64_t base_, slotBytes_, n_;
  std::vector<uint32_t> threshold_, alias_, slotOfRank_;
};

// The first hotBytes of the footprint get hotProbability of the accesses; uniform within each part.
class HotColdAddresses {
 public:
  static constexpr bool kDependent = false;
  HotColdAddresses(uint64_t base, uint64_t footprint, uint32_t size, uint64_t hotBytes,
                   double hotProbability, Rng&)
      : base_(base),
        size_(size),
        hotSlots_(hotBytes / size),
        coldSlots_((footprint - hotBytes) / size),
        always_(hotProbability >= 1.0 || coldSlots_ == 0),
        threshold_(static_cast<uint64_t>(hotProbability * 18446744073709551616.0)) {}
  uint64_t next(Rng& rng) {
    if (always_ || rng.next() < threshold_) return base_ + rng.below(hotSlots_) * size_;
    return base_ + (hotSlots_ + rng.below(coldSlots_)) * size_;
  }

 private:
  uint64_t base_, size_, hotSlots_, coldSlots_;
  bool always_;
  uint64_t threshold_;
};

// Uniform random accesses over a working set that moves every phaseAccesses accesses.
class PhaseAddresses {
 public:
  static constexpr bool kDependent = false;
  PhaseAddresses(uint64_t base, uint64_t footprint, uint32_t size, uint64_t phaseBytes,
                 uint64_t phaseAccesses, uint64_t shift, Rng&)
      : base_(base),
        footprint_(footprint),
        size_(size),
        slots_(phaseBytes / size),
        phaseAccesses_(phaseAccesses),
        shift_(shift % footprint) {}
  uint64_t next(Rng& rng) {
    if (left_ == 0) {
      if (started_) {
        start_ += shift_;
        if (start_ >= footprint_) start_ -= footprint_;
      }
      started_ = true;
      left_ = phaseAccesses_;
    }
    --left_;
    uint64_t offset = start_ + rng.below(slots_) * size_;
    if (offset >= footprint_) offset -= footprint_;  // the set wraps around the footprint
    return base_ + offset;
  }

 private:
  uint64_t base_, footprint_, size_, slots_, phaseAccesses_, shift_;
  uint64_t start_ = 0, left_ = 0;
  bool started_ = false;
};

// GUPS (HPCC RandomAccess): random read-modify-write of access_size-byte words, each update a
// load then a store of the same word. `count` counts accesses, two per update.
class GupsWorkload final : public Workload {
 public:
  GupsWorkload(const SyntheticSpec& spec, Rng rng)
      : spec_(spec), rng_(rng), slots_(spec.footprint / spec.access_size) {}

  bool next(Access& a) override {
    if (issued_ == spec_.count) return false;
    if (issued_++ % 2 == 0) {
      va_ = spec_.base + rng_.below(slots_) * spec_.access_size;
      a.op = Op::Load;
    } else {
      a.op = Op::Store;
    }
    a.va = va_;
    a.size = spec_.access_size;
    a.dependent = false;
    return true;
  }

  std::string describe() const override {
    std::ostringstream os;
    os << "synthetic gups base=0x" << std::hex << spec_.base << std::dec
       << " footprint=" << spec_.footprint << " count=" << spec_.count
       << " access_size=" << spec_.access_size << " seed=" << spec_.seed;
    return os.str();
  }

 private:
  SyntheticSpec spec_;
  Rng rng_;
  uint64_t slots_;
  uint64_t issued_ = 0, va_ = 0;
};

// Each address generator's constructor takes the workload's RNG last (only the chase uses it).
template <class Addresses>
class SyntheticWorkload final : public Workload {
 public:
  template <class... Args>
  SyntheticWorkload(const SyntheticSpec& spec, Rng rng, Args&&... args)
      : spec_(spec), rng_(rng), mix_(spec.write_fraction), addresses_(args..., rng_) {}

  bool next(Access& a) override {
    if (issued_ == spec_.count) return false;
    ++issued_;
    fill(a);
    return true;
  }
  bool batchable() const override { return true; }
  size_t nextBatch(Access* out, size_t n) override {
    const uint64_t left = spec_.count - issued_;
    const size_t k = left < n ? static_cast<size_t>(left) : n;
    // The generator's state in locals for the loop (stores to `out` may alias the members),
    // where it is small and trivially copyable (not a Zipf table).
    if constexpr (std::is_trivially_copyable_v<Addresses> && sizeof(Addresses) <= 64) {
      Rng rng = rng_;
      Addresses addr = addresses_;
      const WriteMix mix = mix_;
      const uint32_t size = spec_.access_size;
      uint64_t issued = issued_;
      for (size_t i = 0; i < k; ++i) {
        ++issued;
        fillFrom(out[i], addr, mix, rng, size, issued);
      }
      rng_ = rng;
      addresses_ = addr;
      issued_ = issued;
    } else {
      for (size_t i = 0; i < k; ++i) {
        ++issued_;
        fill(out[i]);
      }
    }
    return k;
  }

  std::string describe() const override {
    std::ostringstream os;
    os << "synthetic " << spec_.pattern << " base=0x" << std::hex << spec_.base << std::dec
       << " footprint=" << spec_.footprint << " stride=" << spec_.stride << " count=" << spec_.count
       << " write_fraction=" << spec_.write_fraction << " access_size=" << spec_.access_size
       << " page_size=" << spec_.page_size << " seed=" << spec_.seed;
    if (spec_.pattern == "zipf") os << " zipf_alpha=" << spec_.zipf_alpha;
    if (spec_.pattern == "hot_cold")
      os << " hot_fraction=" << spec_.hot_fraction << " hot_probability=" << spec_.hot_probability;
    if (spec_.pattern == "phases")
      os << " phase_footprint=" << spec_.phase_footprint
         << " phase_accesses=" << spec_.phase_accesses << " phase_shift=" << spec_.phase_shift;
    return os.str();
  }

 private:
  // next()'s fields of one access (the others keep what the caller's Access holds).
  void fill(Access& a) { fillFrom(a, addresses_, mix_, rng_, spec_.access_size, issued_); }
  static void fillFrom(Access& a, Addresses& addr, const WriteMix& mix, Rng& rng, uint32_t size,
                       uint64_t issued) {
    a.va = addr.next(rng);
    a.op = mix.pick(rng);
    a.size = size;
    a.dependent = Addresses::kDependent && issued > 1;
  }
  SyntheticSpec spec_;
  Rng rng_;
  WriteMix mix_;
  Addresses addresses_;
  uint64_t issued_ = 0;
};

std::unique_ptr<Workload> makeChase(const SyntheticSpec& s, Rng rng) {
  const uint64_t slot = s.stride == 0 ? kCacheLine : s.stride;
  requireStrideMultiple(slot, s, "pointer_chase slot size (stride)");
  if (slot > s.footprint)
    reject("pointer_chase slot size " + std::to_string(slot) + " exceeds footprint " +
           std::to_string(s.footprint));
  const uint64_t slots = s.footprint / slot;
  if (slots > std::numeric_limits<uint32_t>::max())
    reject("pointer_chase has " + std::to_string(slots) + " slots; at most 2^32-1 supported");
  return std::make_unique<SyntheticWorkload<ChaseAddresses>>(s, rng, s.base, slot, slots);
}

std::unique_ptr<Workload> makePageChase(const SyntheticSpec& s, Rng rng) {
  const uint64_t page = s.page_size;
  if (page < kCacheLine || page % kCacheLine != 0)
    reject("page_chase page_size " + std::to_string(page) + " must be a multiple of " +
           std::to_string(kCacheLine) + " (one 64-byte line is touched per page)");
  if (page > s.footprint)
    reject("page_chase page_size " + std::to_string(page) + " exceeds footprint " +
           std::to_string(s.footprint));
  if (s.base % page != 0)
    reject("page_chase base must be aligned to page_size " + std::to_string(page) +
           " (one line per page)");
  const uint64_t pages = s.footprint / page;
  if (pages > std::numeric_limits<uint32_t>::max())
    reject("page_chase has " + std::to_string(pages) + " pages; at most 2^32-1 supported");
  return std::make_unique<SyntheticWorkload<PageChaseAddresses>>(s, rng, s.base, page, pages);
}

// Pages of page_size with one line touched each: shared checks of page_chase and page_stride.
uint64_t linePerPageCount(const SyntheticSpec& s, const std::string& name) {
  const uint64_t page = s.page_size;
  if (page < kCacheLine || page % kCacheLine != 0)
    reject(name + " page_size " + std::to_string(page) + " must be a multiple of " +
           std::to_string(kCacheLine) + " (one 64-byte line is touched per page)");
  if (page > s.footprint)
    reject(name + " page_size " + std::to_string(page) + " exceeds footprint " +
           std::to_string(s.footprint));
  if (s.base % page != 0)
    reject(name + " base must be aligned to page_size " + std::to_string(page) +
           " (one line per page)");
  if (s.access_size > kCacheLine) reject(name + " access_size must be at most 64");
  return s.footprint / page;
}

std::unique_ptr<Workload> makePageStride(const SyntheticSpec& s, Rng rng) {
  const uint64_t pages = linePerPageCount(s, "page_stride");
  return std::make_unique<SyntheticWorkload<PageStrideAddresses>>(s, rng, s.base, s.page_size,
                                                                  pages);
}

std::unique_ptr<Workload> makeZipf(const SyntheticSpec& s, Rng rng) {
  const uint64_t slot = s.stride == 0 ? kCacheLine : s.stride;
  requireStrideMultiple(slot, s, "zipf slot size (stride)");
  if (slot > s.footprint)
    reject("zipf slot size " + std::to_string(slot) + " exceeds footprint " +
           std::to_string(s.footprint));
  const uint64_t slots = s.footprint / slot;
  if (slots > ZipfAddresses::kMaxSlots)
    reject("zipf has " + std::to_string(slots) + " slots; at most 2^24 supported (12 bytes of " +
           "table each): use a larger slot (stride)");
  if (!(s.zipf_alpha > 0.0 && s.zipf_alpha <= 10.0))
    reject("zipf_alpha " + std::to_string(s.zipf_alpha) + " must be in (0, 10]");
  return std::make_unique<SyntheticWorkload<ZipfAddresses>>(s, rng, s.base, slot, slots,
                                                            s.zipf_alpha);
}

std::unique_ptr<Workload> makeHotCold(const SyntheticSpec& s, Rng rng) {
  if (!(s.hot_fraction > 0.0 && s.hot_fraction <= 1.0))
    reject("hot_fraction " + std::to_string(s.hot_fraction) + " must be in (0, 1]");
  if (!(s.hot_probability >= 0.0 && s.hot_probability <= 1.0))
    reject("hot_probability " + std::to_string(s.hot_probability) + " must be in [0, 1]");
  const uint64_t slots = s.footprint / s.access_size;
  const auto hotSlots = static_cast<uint64_t>(std::llround(s.hot_fraction * slots));
  if (hotSlots == 0)
    reject("hot_fraction " + std::to_string(s.hot_fraction) + " of " + std::to_string(slots) +
           " slots leaves no hot slot");
  if (hotSlots == slots && s.hot_probability < 1.0)
    reject("hot_fraction " + std::to_string(s.hot_fraction) +
           " leaves no cold slot for the accesses hot_probability sends there");
  return std::make_unique<SyntheticWorkload<HotColdAddresses>>(
      s, rng, s.base, s.footprint, s.access_size, hotSlots * s.access_size, s.hot_probability);
}

std::unique_ptr<Workload> makePhases(const SyntheticSpec& s, Rng rng) {
  const uint64_t set = s.phase_footprint;
  if (set == 0 || set % s.access_size != 0)
    reject("phase_footprint " + std::to_string(set) +
           " must be > 0 and a multiple of access_size " + std::to_string(s.access_size));
  if (set > s.footprint)
    reject("phase_footprint " + std::to_string(set) + " exceeds footprint " +
           std::to_string(s.footprint));
  if (s.phase_accesses == 0) reject("phase_accesses must be > 0");
  const uint64_t shift = s.phase_shift == 0 ? set : s.phase_shift;
  if (shift % s.access_size != 0)
    reject("phase_shift " + std::to_string(shift) + " must be a multiple of access_size " +
           std::to_string(s.access_size));
  return std::make_unique<SyntheticWorkload<PhaseAddresses>>(
      s, rng, s.base, s.footprint, s.access_size, set, s.phase_accesses, shift);
}

}  // namespace

const char* toString(Op op) {
  switch (op) {
    case Op::Load:
      return "load";
    case Op::Store:
      return "store";
    case Op::Fetch:
      return "fetch";
    case Op::System:
      return "system";
  }
  return "?";
}

const char* toString(Syscall s) {
  switch (s) {
    case Syscall::None:
      return "none";
    case Syscall::Fork:
      return "fork";
    case Syscall::Exit:
      return "exit";
    case Syscall::Exec:
      return "exec";
    case Syscall::Mmap:
      return "mmap";
    case Syscall::Munmap:
      return "munmap";
    case Syscall::Brk:
      return "brk";
  }
  return "?";
}

const std::vector<std::string>& syntheticPatterns() {
  static const std::vector<std::string> names{
      "sequential",  "strided", "random",   "pointer_chase", "page_chase",
      "page_stride", "zipf",    "hot_cold", "gups",          "phases"};
  return names;
}

std::unique_ptr<Workload> makeSynthetic(const SyntheticSpec& s) {
  validateCommon(s);
  const Rng rng(s.seed);
  if (s.pattern == "sequential")
    return std::make_unique<SyntheticWorkload<StridedAddresses>>(s, rng, s.base, s.footprint,
                                                                 uint64_t{s.access_size});
  if (s.pattern == "strided") {
    requireStrideMultiple(s.stride, s, "stride");
    return std::make_unique<SyntheticWorkload<StridedAddresses>>(s, rng, s.base, s.footprint,
                                                                 s.stride);
  }
  if (s.pattern == "random")
    return std::make_unique<SyntheticWorkload<RandomAddresses>>(s, rng, s.base, s.footprint,
                                                                s.access_size);
  if (s.pattern == "pointer_chase") return makeChase(s, rng);
  if (s.pattern == "page_chase") return makePageChase(s, rng);
  if (s.pattern == "page_stride") return makePageStride(s, rng);
  if (s.pattern == "zipf") return makeZipf(s, rng);
  if (s.pattern == "hot_cold") return makeHotCold(s, rng);
  if (s.pattern == "gups") return std::make_unique<GupsWorkload>(s, rng);
  if (s.pattern == "phases") return makePhases(s, rng);
  reject("unknown pattern '" + s.pattern + "'; valid patterns: " + joinedPatterns());
}

}  // namespace vmsim::workloads
