// The page-replacement policy interface a kernel swaps with, and the factory table that builds a
// policy by name (FIFO, random, LRU, MRU, CLOCK, OSTEP's counter CLOCK, OPT, UNOPT; OSTEP ch. 22).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vmsim::os {

class DrawSource;
class PageState;

/// Tracks resident pages (any 64-bit key: a VPN, or ASID and VPN packed) and picks victims.
/// insert() and touch() are accesses; chooseVictim() names a page but leaves it resident until the
/// caller remove()s it (the caller may fail to write it out and keep it).
class ReplacementPolicy {
 public:
  virtual ~ReplacementPolicy() = default;
  virtual std::string name() const = 0;
  /// A page became resident (and was accessed). std::invalid_argument if already resident.
  virtual void insert(uint64_t page) = 0;
  /// A resident page was accessed. std::invalid_argument if not resident.
  virtual void touch(uint64_t page) = 0;
  /// The page to evict next. std::logic_error when nothing is resident.
  virtual uint64_t chooseVictim() = 0;
  /// A second chance: the candidate `page` turned out to be referenced (its PTE accessed bit was
  /// set), so it is spared and the caller asks for a victim again. By default an access
  /// (touch()); FIFO moves the page to the tail, as FIFO with second chance does (Tanenbaum,
  /// Modern Operating Systems, 4th ed., sec. 3.4.4). std::invalid_argument if not resident.
  virtual void spare(uint64_t page) { touch(page); }
  /// Whether spare() can change the next victim. False for MRU: a referenced page is the most
  /// recently used one, which MRU evicts anyway.
  virtual bool sparingChangesVictim() const { return true; }
  /// Whether a kernel gives this policy's victims a second chance by their accessed bit unless
  /// configured otherwise (system.kernel.use_accessed_bit). False for MRU (it cannot change the
  /// victim), for policies that read page state themselves, and for VMS (the VAX had no
  /// reference bit, and VMS used none).
  virtual bool secondChanceByDefault() const { return sparingChangesVictim(); }
  /// Policies of real kernels (nru, wsclock, linux; kernel_policies.h) read and clear the
  /// pages' accessed bits, read their dirty bits and start write-backs themselves: the kernel
  /// then asks chooseVictim(PageState&) and gives no second chances of its own.
  virtual bool readsPageState() const { return false; }
  virtual uint64_t chooseVictim(PageState& state) {
    (void)state;
    return chooseVictim();
  }
  /// Local replacement (VMS): before process `asid` gets a new frame, the page it must give up
  /// because it is at its resident limit; nullopt when it is below it.
  virtual std::optional<uint64_t> localVictim(uint32_t asid) {
    (void)asid;
    return std::nullopt;
  }
  /// Whether an evicted clean page keeps its frame on a free list until the frame is needed
  /// (VMS's free page list: a fault on it takes it back without I/O).
  virtual bool keepsEvictedPages() const { return false; }
  /// The page left memory. std::invalid_argument if not resident.
  virtual void remove(uint64_t page) = 0;
  /// Every resident page left memory (the exit of the only process with pages): remove() of
  /// each page in residents() order, which a policy may do at once.
  virtual void clear() {
    for (const uint64_t page : residents()) remove(page);
  }
  virtual bool contains(uint64_t page) const = 0;
  virtual size_t size() const = 0;
  /// Resident pages in the policy's list order (OSTEP's `memory` list: oldest or least recently
  /// used first). O(n); for reports and tests.
  virtual std::vector<uint64_t> residents() const = 0;
};

/// Everything a policy constructor may need; each policy uses only its part.
struct PolicyOptions {
  uint64_t seed = 1;                       // random, ostep-clock when `draws` is null
  std::shared_ptr<DrawSource> draws;       // injected draws (overrides seed)
  unsigned clockBits = 2;                  // ostep-clock: use-counter saturation value
  std::vector<uint64_t> futureReferences;  // opt, unopt: the whole reference string
};

/// Valid names, in table order: fifo, random, lru, mru, clock, ostep-clock, opt, unopt.
std::vector<std::string> replacementPolicyNames();
/// Builds a policy; an unknown name is a std::invalid_argument listing every valid name, and so
/// is opt/unopt without future references (they are offline policies).
std::unique_ptr<ReplacementPolicy> makeReplacementPolicy(const std::string& name,
                                                         const PolicyOptions& options);
std::unique_ptr<ReplacementPolicy> makeReplacementPolicy(const std::string& name, uint64_t seed);

}  // namespace vmsim::os
