// Small interfaces through which the kernel model reaches hardware state outside TLM sockets:
// TLB/walk-cache shootdowns (INVLPG, PCID flush) and the page-table base register (CR3) per ASID.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "vmsim/common/types.h"
#include "vmsim/paging/format.h"

namespace vmsim {

/// The kinds of TLB invalidation an x86 kernel issues (Intel SDM Vol. 3A 4.10.4.1):
/// one page (INVLPG, global entries included), one ASID (INVPCID single-context: the PCID's
/// non-global entries), all non-global entries (MOV to CR3 without PCIDs) and everything, global
/// entries included (a toggle of CR4.PGE).
enum class Invalidation : uint8_t { Page = 0, Asid = 1, NonGlobal = 2, All = 3 };
constexpr unsigned kInvalidationKinds = 4;

/// Anything that caches translations: TLB levels and walk caches.
class TranslationCache {
 public:
  virtual ~TranslationCache() = default;
  /// Drops every cached translation of `va`'s page in `asid` (any page size).
  virtual void invalidatePage(Asid asid, VirtAddr va) = 0;
  /// Drops every cached non-global translation of `asid`.
  virtual void invalidateAsid(Asid asid) = 0;
  /// Drops every non-global translation of every ASID. Default: invalidateAll() (dropping more
  /// than asked is always correct).
  virtual void invalidateNonGlobal() { invalidateAll(); }
  /// Drops every translation, global ones included. Default: nothing, for caches that hold
  /// nothing a wholesale flush must remove; every cache with entries overrides it.
  virtual void invalidateAll() {}
  /// Picoseconds the invalidating CPU spends on an invalidation of `kind` in this structure
  /// (0 by default: free).
  virtual uint64_t invalidationCostPs(Invalidation) const { return 0; }
  /// Dispatches one invalidation (`va` is used by Page only, `asid` by Page and Asid).
  void invalidate(Invalidation kind, Asid asid, VirtAddr va) {
    switch (kind) {
      case Invalidation::Page:
        invalidatePage(asid, va);
        break;
      case Invalidation::Asid:
        invalidateAsid(asid);
        break;
      case Invalidation::NonGlobal:
        invalidateNonGlobal();
        break;
      case Invalidation::All:
        invalidateAll();
        break;
    }
  }
};

/// Frames with accesses in flight. An MMU pins the frame of every translation it is about to
/// use and unpins it when the physical access has completed; the kernel never evicts a pinned
/// frame, so a concurrent fault (AT mode, another core, the second page of a page-crossing access)
/// cannot take a frame from under an access that already holds its physical address.
class FramePins {
 public:
  virtual ~FramePins() = default;
  virtual void pinFrame(PhysAddr pa) = 0;
  virtual void unpinFrame(PhysAddr pa) = 0;
};

/// A core that takes interrupts from the kernel (an IPI of a TLB shootdown): the core spends
/// `handlerPs` picoseconds in the handler, charged to its next access (an in-order core takes the
/// interrupt between instructions).
class InterruptTarget {
 public:
  virtual ~InterruptTarget() = default;
  virtual void interrupt(uint64_t handlerPs) = 0;
};

/// A core's scheduler as its requester sees it (platform::CoreScheduler, docs/os.md "Scheduling
/// and context switches"): the requester runs the process it names until the slice ends or the
/// process's workload does, then asks again. Times are in kernel time units (sc_time::value()).
class CoreScheduling {
 public:
  struct Slice {
    int process = -1;           // index of the requester's process to run; -1: none is left
    uint64_t switchTicks = 0;   // the core spends this long switching before the first access
    uint64_t endTicks = ~0ull;  // the slice ends at this time (switch included) ...
    uint64_t accesses = ~0ull;  // ... or after this many accesses, whichever comes first
  };
  virtual ~CoreScheduling() = default;
  /// The process that ran (none at the first call) stopped at `nowTicks` after `ran` accesses in
  /// its slice, because the slice ended (`exited` false) or its workload did (true, after its last
  /// access completed): what runs next.
  virtual Slice next(uint64_t nowTicks, uint64_t ran, bool exited) = 0;
  /// Process `process`, which is not running, ends without running again (the OOM killer).
  virtual void remove(int process) = 0;
};

/// Every address space's page-table root by ASID, published by the OS for the walker to read
/// live (never to copy): the OS writes a slot whenever that root changes (create, exec, exit), so
/// a read always sees the root the OS has now. kNone: no such address space, or it exited.
struct PageTableRoots {
  static constexpr uint64_t kNone = ~0ull;  // not a frame address (roots are page-aligned)
  std::vector<uint64_t> byAsid;
  std::optional<PhysAddr> get(Asid asid) const {
    if (asid >= byAsid.size() || byAsid[asid] == kNone) return std::nullopt;
    return PhysAddr(byAsid[asid]);
  }
};

/// Where the walker finds the root of an address space's page table (CR3 per PCID).
class PageTableBase {
 public:
  virtual ~PageTableBase() = default;
  virtual std::optional<PhysAddr> pageTableRoot(Asid asid) const = 0;
  /// The roots as a table the walker reads live, or null (then it asks pageTableRoot). When not
  /// null, it lives as long as this object and pageTableRoot(a) == pageTableRoots()->get(a)
  /// always.
  virtual const PageTableRoots* pageTableRoots() const { return nullptr; }
  /// Page sizes (log2 of bytes) the OS maps leaf entries with; empty when it does not say.
  virtual std::vector<unsigned> mappedPageShifts() const { return {}; }
  /// The format of the tables under every root (the kernel's `page_table_format`); the walker
  /// reads the tables in it. Fixed before simulation starts.
  virtual const paging::Format& pageTableFormat() const {
    return paging::Format::get(paging::Kind::X86_64_4);
  }
};

}  // namespace vmsim

namespace vmsim {

/// Space management of a swap device (the kernel's view of its swap map): slots of one page.
class SwapSpace {
 public:
  virtual ~SwapSpace() = default;
  /// First slot of `count` contiguous free slots, or nothing when the device is full.
  virtual std::optional<uint64_t> allocateSlots(uint64_t count) = 0;
  virtual void freeSlots(uint64_t first, uint64_t count) = 0;
  virtual uint64_t slotBytes() const = 0;
};

}  // namespace vmsim

namespace vmsim {

/// Direct host access to the bytes of simulated physical memory, for a model's own page-table
/// reads and writes (the walker's PTE reads and A/D updates, the kernel's table edits). The
/// bytes move through this interface; the access's timing is still charged by a transaction
/// through the model's memory socket, marked TimingOnlyExt (docs/direct-memory.md). A platform
/// connects it only when everything between the model's socket and the memory keeps no data
/// (our caches and router), so both paths see the same bytes. Like TLM DMI, minus the region
/// bookkeeping: one page at a time, from a sparse store.
class DirectMemory {
 public:
  virtual ~DirectMemory() = default;
  /// The host bytes of the 4 KiB page holding physical address `pa` (4096 contiguous bytes at
  /// the returned pointer, the page's first byte first), or nullptr when no memory behind this
  /// interface serves `pa`. The pointer stays valid for the simulation's lifetime.
  virtual unsigned char* directPage(uint64_t pa) = 0;
  /// The host bytes of the 8-byte entry holding `pa` (its address rounded down to 8 bytes), or
  /// nullptr when no memory serves `pa`: a page-table entry read or written in place.
  uint64_t* directEntry(uint64_t pa) {
    unsigned char* page = directPage(pa);
    return page ? reinterpret_cast<uint64_t*>(page + (pa & 4095 & ~uint64_t{7})) : nullptr;
  }

  /// What peekPage() tells: the page's host bytes if the memory keeps them as one block already
  /// (nullptr: move them through the sockets), valid while `*epoch` keeps the value it had when
  /// asked. `epoch` nullptr: the answer may not be kept at all.
  struct PageView {
    unsigned char* bytes = nullptr;
    const uint64_t* epoch = nullptr;
  };
  /// As directPage(), but without changing how the memory stores the page (no host memory is
  /// committed to it): for program data, whose pages a sparse store keeps in pieces until they
  /// fill up (a cache's direct path for the data bytes of its hits, Cache::setDirectData). The
  /// default offers nothing.
  virtual PageView peekPage(uint64_t pa) {
    (void)pa;
    return {};
  }
};

/// DirectMemory::directEntry() for one user (the walker, the kernel), with the pages asked for
/// recently remembered: a page directPage() answered stays where it is for the whole run (the
/// memory pins it), so the remembered pointer is what asking again would return. Pages it
/// answered nullptr are asked again.
class DirectPages {
 public:
  void connect(DirectMemory* m) {
    mem_ = m;
    slots_ = {};
  }
  DirectMemory* memory() const { return mem_; }
  /// As mem->directEntry(pa); needs a memory connected.
  uint64_t* entry(uint64_t pa) {
    const uint64_t pn = pa >> 12;
    const Slot& s = slots_[pn & (kSlots - 1)];
    unsigned char* page = s.tag == pn + 1 ? s.bytes : ask(pa);
    return page ? reinterpret_cast<uint64_t*>(page + (pa & 4095 & ~uint64_t{7})) : nullptr;
  }

 private:
  struct Slot {
    uint64_t tag = 0;  // page number + 1; 0: empty
    unsigned char* bytes = nullptr;
  };
  static constexpr size_t kSlots = 512;  // direct-mapped by page number
  unsigned char* ask(uint64_t pa) {
    unsigned char* page = mem_->directPage(pa);
    if (page) slots_[(pa >> 12) & (kSlots - 1)] = Slot{(pa >> 12) + 1, page};
    return page;
  }
  DirectMemory* mem_ = nullptr;
  std::array<Slot, kSlots> slots_{};
};

}  // namespace vmsim
