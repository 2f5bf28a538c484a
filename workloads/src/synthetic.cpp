// Synthetic access-pattern generators; pointer chase and page chase build their cycles with
// Sattolo's algorithm.
#include "vmsim/workloads/synthetic.h"

#include <limits>
#include <sstream>
#include <stdexcept>
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
    a.va = addresses_.next(rng_);
    a.op = mix_.pick(rng_);
    a.size = spec_.access_size;
    a.dependent = Addresses::kDependent && issued_ > 1;
    return true;
  }

  std::string describe() const override {
    std::ostringstream os;
    os << "synthetic " << spec_.pattern << " base=0x" << std::hex << spec_.base << std::dec
       << " footprint=" << spec_.footprint << " stride=" << spec_.stride << " count=" << spec_.count
       << " write_fraction=" << spec_.write_fraction << " access_size=" << spec_.access_size
       << " page_size=" << spec_.page_size << " seed=" << spec_.seed;
    return os.str();
  }

 private:
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

}  // namespace

const char* toString(Op op) {
  switch (op) {
    case Op::Load:
      return "load";
    case Op::Store:
      return "store";
    case Op::Fetch:
      return "fetch";
  }
  return "?";
}

const std::vector<std::string>& syntheticPatterns() {
  static const std::vector<std::string> names{"sequential", "strided", "random", "pointer_chase",
                                              "page_chase"};
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
  reject("unknown pattern '" + s.pattern + "'; valid patterns: " + joinedPatterns());
}

}  // namespace vmsim::workloads
