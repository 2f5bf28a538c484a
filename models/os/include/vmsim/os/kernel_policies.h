// Page-replacement policies of real kernels, for the kernel model's swap path
// (system.kernel.replacement; docs/os.md "Replacement policies"):
// - nru: the enhanced clock (second chance over (referenced, dirty) classes; Tanenbaum, Modern
//   Operating Systems, 4th ed., sec. 3.4.2 and 3.4.5),
// - wsclock: Carr and Hennessy's WSClock (SOSP 1981): a working-set window in the process's
//   virtual time, clean old pages first, dirty old pages scheduled for write-back,
// - vms: VAX/VMS (Levy and Lipman, IEEE Computer 15(3), 1982): a resident limit per process with
//   FIFO replacement inside it; the pages it gives up wait on the kernel's free and modified
//   lists (its swap cache), where a fault takes them back without I/O,
// - linux: the active/inactive lists of Linux v6.1 (mm/vmscan.c, mm/swap.c; MGLRU off),
// - opt: Belady's MIN for trace workloads (the future is the trace).
// Each is a plain class: it reads what it needs of the pages (PTE accessed and dirty bits, the
// virtual time of their process) through PageState, which the kernel implements over its page
// tables (timed) and the unit tests over a table of their own.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vmsim/os/replacement.h"
#include "vmsim/os/replacement_policies.h"

namespace vmsim::os {

/// Page keys of the kernel: the ASID above 45 bits of VPN (4 KiB pages of 57-bit VAs).
constexpr unsigned kPageKeyVpnBits = 45;
inline uint64_t makePageKey(uint32_t asid, uint64_t vpn) {
  return (uint64_t{asid} << kPageKeyVpnBits) | vpn;
}
inline uint32_t pageKeyAsid(uint64_t key) {
  return static_cast<uint32_t>(key >> kPageKeyVpnBits);
}
inline uint64_t pageKeyVpn(uint64_t key) {
  return key & ((uint64_t{1} << kPageKeyVpnBits) - 1);
}

/// What a policy may learn about, and do to, a resident page.
class PageState {
 public:
  struct Bits {
    bool referenced = false;  // the PTE accessed bit (a software reference bit without one)
    bool dirty = false;       // the page differs from its copy in swap (or has none)
  };
  virtual ~PageState() = default;
  virtual Bits bits(uint64_t page) = 0;
  /// Clears the accessed bit (and invalidates the page's TLB entries, so the next use sets it).
  virtual void clearReferenced(uint64_t page) = 0;
  /// Starts writing a dirty page to swap while it stays resident; it is clean afterwards (its
  /// eviction then waits for that write at most). False when it cannot (no swap slot, or its
  /// MMU keeps no dirty bit).
  virtual bool startWriteback(uint64_t page) = 0;
  /// The virtual time of the page's process (the time it has run), in ps.
  virtual uint64_t virtualTimePs(uint64_t page) = 0;
};

/// Pages on a ring with a hand; new pages enter just behind the hand (examined last).
class PageRing {
 public:
  PageRing() = default;
  PageRing(const PageRing&) = delete;
  PageRing& operator=(const PageRing&) = delete;
  void insert(uint64_t page);
  void remove(uint64_t page);
  bool contains(uint64_t page) const { return where_.count(page) != 0; }
  size_t size() const { return where_.size(); }
  uint64_t atHand() const { return *hand_; }
  void advance();
  /// From the hand on.
  std::vector<uint64_t> inOrder() const;

 private:
  std::list<uint64_t> ring_;
  std::list<uint64_t>::iterator hand_ = ring_.end();
  std::unordered_map<uint64_t, std::list<uint64_t>::iterator> where_;
};

/// Enhanced clock: from the hand, a first pass looks for a page neither referenced nor dirty
/// (class 0) without changing anything; then a pass looks for one not referenced (class 1,
/// dirty: its eviction writes it), clearing the accessed bits of the pages it passes; the two
/// passes repeat (after the second every bit is clear, so the next first or second pass finds
/// a victim). The hardware only sets the bits, so a first pass reads only the pages not yet seen
/// referenced or dirty since the kernel last cleared a bit of theirs (new pages, and clean pages
/// whose accessed bit a second pass cleared): the same victim as reading every PTE, without the
/// reads that cannot change it.
class NruPolicy : public ReplacementPolicy {
 public:
  std::string name() const override { return "nru"; }
  void insert(uint64_t page) override;
  void touch(uint64_t page) override;
  uint64_t chooseVictim() override;
  bool readsPageState() const override { return true; }
  bool secondChanceByDefault() const override { return false; }
  uint64_t chooseVictim(PageState& s) override;
  void remove(uint64_t page) override;
  bool contains(uint64_t page) const override { return ring_.contains(page); }
  size_t size() const override { return ring_.size(); }
  std::vector<uint64_t> residents() const override { return ring_.inOrder(); }
  /// PTE reads of the first passes (for tests).
  uint64_t pass1Reads() const { return pass1Reads_; }

 private:
  PageRing ring_;
  /// False once a first pass saw the page referenced or dirty and no bit was cleared since.
  std::unordered_map<uint64_t, bool> maybeClass0_;
  uint64_t pass1Reads_ = 0;
};

/// WSClock. Each page keeps the virtual time of its last observed use. From the hand: a
/// referenced page has its bit cleared and its last use set to now; an unreferenced page older
/// than tau is evicted if clean, or, if dirty, has its write-back started (at most
/// `maxWrites` per scan) and the hand moves on. After a full turn: the first page whose
/// write-back was started (clean now), else the first clean page seen, else the page under the
/// hand.
class WsClockPolicy : public ReplacementPolicy {
 public:
  WsClockPolicy(uint64_t tauPs, unsigned maxWrites) : tauPs_(tauPs), maxWrites_(maxWrites) {}
  std::string name() const override { return "wsclock"; }
  void insert(uint64_t page) override;
  void touch(uint64_t page) override;
  uint64_t chooseVictim() override;
  bool readsPageState() const override { return true; }
  bool secondChanceByDefault() const override { return false; }
  uint64_t chooseVictim(PageState& s) override;
  void remove(uint64_t page) override;
  bool contains(uint64_t page) const override { return ring_.contains(page); }
  size_t size() const override { return ring_.size(); }
  std::vector<uint64_t> residents() const override { return ring_.inOrder(); }
  uint64_t writesStarted() const { return writes_; }

 private:
  static constexpr uint64_t kUnseen = ~uint64_t{0};
  uint64_t tauPs_;
  unsigned maxWrites_;
  uint64_t writes_ = 0;
  PageRing ring_;
  std::unordered_map<uint64_t, uint64_t> lastUse_;  // kUnseen: not scanned since it came in
};

/// Linux v6.1's two LRU lists (one lruvec; anonymous pages; MGLRU off). New pages enter the
/// inactive list's head (lru_cache_add_inactive_or_unevictable, since v5.9). Reclaim takes the
/// inactive tail (shrink_folio_list with folio_check_references): referenced by a PTE and
/// marked PG_referenced -> activated (active head); referenced but not marked -> marked and
/// kept (inactive head); unreferenced -> the victim. When the inactive list is low
/// (inactive_is_low: inactive x int_sqrt(10 x GiB of both lists) < active, ratio 1 below
/// 1 GiB) shrink_active_list moves `scanBatch` pages from the active tail to the inactive head,
/// clearing their accessed bits (anonymous pages are not rotated back). touch() is
/// folio_mark_accessed: the first call marks PG_referenced, the second activates.
class LinuxPolicy : public ReplacementPolicy {
 public:
  explicit LinuxPolicy(unsigned scanBatch = 32) : batch_(scanBatch) {}
  std::string name() const override { return "linux"; }
  void insert(uint64_t page) override;
  void touch(uint64_t page) override;
  uint64_t chooseVictim() override;
  bool readsPageState() const override { return true; }
  bool secondChanceByDefault() const override { return false; }
  uint64_t chooseVictim(PageState& s) override;
  void remove(uint64_t page) override;
  /// Both lists emptied at once: the state removing every page one by one leaves.
  void clear() override;
  bool contains(uint64_t page) const override { return index_.find(page) != kNil; }
  size_t size() const override { return index_.size(); }
  /// Inactive tail to head, then active tail to head (reclaim order).
  std::vector<uint64_t> residents() const override;
  bool active(uint64_t page) const { return node(page).active; }
  bool markedReferenced(uint64_t page) const { return node(page).referenced; }
  size_t activeSize() const { return active_.size; }
  size_t inactiveSize() const { return inactive_.size; }
  /// inactive_is_low of mm/vmscan.c.
  bool inactiveIsLow() const;
  uint64_t activations() const { return activations_; }
  uint64_t deactivations() const { return deactivations_; }

 private:
  // The two lists are linked through a pool of nodes (indices, no allocation per page), and a
  // page finds its node through an open-addressing table: two dense arrays instead of a list
  // node and a hash-map node per resident page.
  static constexpr uint32_t kNil = ~uint32_t{0};
  struct Node {
    uint64_t page = 0;
    uint32_t prev = kNil, next = kNil;  // towards the head, towards the tail
    bool active = false;
    bool referenced = false;  // PG_referenced
  };
  struct List {
    uint32_t head = kNil, tail = kNil;
    size_t size = 0;
  };
  /// page -> node index (linear probing, backward-shift deletion; no tombstones).
  class Index {
   public:
    uint32_t find(uint64_t page) const;
    void put(uint64_t page, uint32_t node);
    /// put() of a page not in the index; false (and no entry changed) when it is there.
    bool add(uint64_t page, uint32_t node);
    void erase(uint64_t page);
    /// Every entry erased (the slot count stays, as erase() leaves it).
    void clear();
    size_t size() const { return size_; }

   private:
    size_t slotOf(uint64_t page) const {
      return static_cast<size_t>((page * 0x9E3779B97F4A7C15ull) >> shift_);
    }
    void grow();
    struct Slot {
      uint64_t page;
      uint32_t node;  // kNil: empty
    };
    std::vector<Slot> slots_;
    unsigned shift_ = 64;
    size_t size_ = 0;
  };
  const Node& node(uint64_t page) const;
  uint32_t nodeOf(uint64_t page) const;  // throws if not resident
  List& listOf(const Node& n) { return n.active ? active_ : inactive_; }
  void unlink(uint32_t i);
  void pushHead(uint32_t i, bool toActive);
  void moveToHead(uint32_t i, bool toActive);
  void shrinkActive(PageState& s);
  unsigned batch_;
  std::vector<Node> nodes_;
  std::vector<uint32_t> freeNodes_;
  List active_, inactive_;  // head = most recently added
  Index index_;
  uint64_t activations_ = 0, deactivations_ = 0;
};

/// VAX/VMS. Each process replaces FIFO within its resident limit (localVictim); the kernel puts
/// the page it gives up on the free list (clean) or the modified list (dirty), from which a
/// fault takes it back without I/O. chooseVictim() (memory itself is short: the free list is
/// empty) trims the process with the largest resident set, its oldest page first.
class VmsPolicy : public ReplacementPolicy {
 public:
  explicit VmsPolicy(uint64_t residentLimit) : limit_(residentLimit) {}
  std::string name() const override { return "vms"; }
  void insert(uint64_t page) override;
  void touch(uint64_t page) override;
  uint64_t chooseVictim() override;
  /// FIFO with second chance inside the process, if the kernel is told to use accessed bits.
  void spare(uint64_t page) override;
  bool secondChanceByDefault() const override { return false; }
  std::optional<uint64_t> localVictim(uint32_t asid) override;
  bool keepsEvictedPages() const override { return true; }
  void remove(uint64_t page) override;
  bool contains(uint64_t page) const override { return where_.count(page) != 0; }
  size_t size() const override { return where_.size(); }
  /// By process (ascending ASID), each oldest first.
  std::vector<uint64_t> residents() const override;
  uint64_t residentLimit() const { return limit_; }
  void setResidentLimit(uint64_t pages) { limit_ = pages; }
  size_t residentOf(uint32_t asid) const;

 private:
  uint64_t limit_;
  std::map<uint32_t, std::list<uint64_t>> fifo_;  // per process, oldest first
  std::unordered_map<uint64_t, std::list<uint64_t>::iterator> where_;
};

/// Belady's MIN over the kernel's resident pages, for trace workloads: each process's future
/// page reference string (the VPN of every access of its trace) and its position tell each
/// page's next use; the victim is the page of the process whose next use is furthest ahead of
/// that process's position (never again first). The position is the prefix of accesses that
/// have completed (`completed`; with several in flight, a use among them is still ahead, the
/// faulting access's among them). Next uses are kept in an
/// ordered set and refreshed lazily (a page whose recorded next use its process has passed was
/// used then), so a victim costs O(log n) amortized.
class KernelOptPolicy : public ReplacementPolicy {
 public:
  std::string name() const override { return "opt"; }
  /// The future of process `asid`: the VPN of each of its accesses in order, and a function
  /// returning how many of them from the start have completed (its position).
  void setFuture(uint32_t asid, const std::vector<uint64_t>& vpns,
                 std::function<uint64_t()> completed);
  bool hasFuture(uint32_t asid) const { return procs_.count(asid) != 0; }
  /// std::logic_error for a process without a future.
  void insert(uint64_t page) override;
  void touch(uint64_t page) override;
  uint64_t chooseVictim() override;
  void remove(uint64_t page) override;
  bool contains(uint64_t page) const override { return next_.count(page) != 0; }
  size_t size() const override { return next_.size(); }
  /// By process, soonest next use first.
  std::vector<uint64_t> residents() const override;
  /// The recorded next use of a resident page (kNever: none), for tests.
  uint64_t nextUse(uint64_t page) const { return next_.at(page); }
  static constexpr uint64_t kNever = ~uint64_t{0};

 private:
  struct Proc {
    std::unordered_map<uint64_t, std::vector<uint64_t>> uses;  // vpn -> access indices
    std::function<uint64_t()> completed;
    std::set<std::pair<uint64_t, uint64_t>> byNext;  // (next use, key)
  };
  Proc& procOf(uint64_t page);
  /// First use of `vpn` at an index >= `from`, or kNever.
  static uint64_t firstUseFrom(const Proc& p, uint64_t vpn, uint64_t from);
  std::map<uint32_t, Proc> procs_;
  std::unordered_map<uint64_t, uint64_t> next_;  // key -> recorded next use
};

/// Options of the kernel policies (system.kernel.<policy>.*).
struct KernelPolicyOptions {
  uint64_t wsclockTauPs = 0;
  unsigned wsclockMaxWrites = 32;
  uint64_t vmsResidentLimit = 0;
  unsigned linuxScanBatch = 32;
};

/// nru, wsclock, vms, linux (opt is built alone: it needs the traces).
std::vector<std::string> kernelPolicyNames();
std::unique_ptr<ReplacementPolicy> makeKernelPolicy(const std::string& name,
                                                    const KernelPolicyOptions& o);

}  // namespace vmsim::os
