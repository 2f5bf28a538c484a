// Free-space managers over a growing brk heap (OSTEP ch. 17) and the metadata accesses each makes;
// the break rises in M_TOP_PAD-sized steps as in glibc's sysmalloc().
#include "vmsim/os/heap_arena.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "vmsim/os/buddy_allocator.h"
#include "vmsim/os/segregated_allocator.h"
#include "vmsim/os/slab_allocator.h"

namespace vmsim::os {
namespace {

constexpr uint64_t kNodeBytes = 16;  // a free chunk's size word and next pointer
constexpr uint64_t kTopRoom = 16;    // the top chunk's header stays below the break (glibc MINSIZE)
constexpr uint64_t kLine = 64;

uint64_t alignUp(uint64_t x, uint64_t a) {
  return a <= 1 ? x : (x + a - 1) / a * a;
}

const std::vector<std::pair<std::string, HeapAllocatorKind>>& kindTable() {
  static const std::vector<std::pair<std::string, HeapAllocatorKind>> t = {
      {"freelist", HeapAllocatorKind::FreeList},
      {"segregated", HeapAllocatorKind::Segregated},
      {"buddy", HeapAllocatorKind::Buddy},
      {"slab", HeapAllocatorKind::Slab}};
  return t;
}

std::optional<size_t> classFor(const std::vector<uint64_t>& classes, uint64_t n) {
  for (size_t i = 0; i < classes.size(); ++i)
    if (n <= classes[i]) return i;
  return std::nullopt;
}

}  // namespace

std::vector<std::string> heapAllocatorNames() {
  std::vector<std::string> out;
  for (const auto& [n, k] : kindTable()) out.push_back(n);
  return out;
}

HeapAllocatorKind heapAllocatorFromName(const std::string& name) {
  std::string valid;
  for (const auto& [n, k] : kindTable()) {
    if (n == name) return k;
    valid += (valid.empty() ? "" : ", ") + n;
  }
  throw std::invalid_argument("unknown heap allocator '" + name + "'; valid: " + valid);
}

void AccessTrace::emit(workloads::Op op, uint64_t va, uint64_t size) {
  (op == workloads::Op::Load ? loads_ : stores_) += 1;
  if (!sink_) return;
  while (size > 0) {
    const uint64_t piece = std::min(size, kLine - va % kLine);
    sink_->push_back({op, va, static_cast<uint32_t>(piece)});
    va += piece;
    size -= piece;
  }
}

ProgramBreak::ProgramBreak(ProcessMemory& mem, uint64_t increment)
    : mem_(mem),
      increment_(std::max<uint64_t>(increment, 1)),
      start_(mem.heapStart()),
      break_(start_) {}

bool ProgramBreak::cover(uint64_t end) {
  if (end <= break_) {
    if (pending_ && end > *pending_) pending_ = start_ + alignUp(end - start_, increment_);
    return true;
  }
  const uint64_t next = start_ + alignUp(end - start_, increment_);
  if (!mem_.setBreak(next)) return false;
  break_ = next;
  pending_.reset();
  ++growths_;
  return true;
}

bool ProgramBreak::trim(uint64_t end, uint64_t threshold) {
  const uint64_t keep = start_ + alignUp(std::max(end, start_) - start_, increment_);
  if (threshold == 0 || break_ <= keep || break_ - keep < threshold) return false;
  pending_ = keep;
  if (!deferShrink_) applyPending();
  return true;
}

void ProgramBreak::applyPending() {
  if (pending_ && *pending_ < break_ && mem_.setBreak(*pending_)) {
    break_ = *pending_;
    ++shrinks_;
  }
  pending_.reset();
}

namespace {

/// FreeListAllocator over [base, base + heapLimit): the part above the break is the top chunk
/// ("wilderness"), an ordinary free-list element, so a fit policy that picks it grows the heap.
class FreeListArena : public HeapArena {
 public:
  FreeListArena(const HeapConfig& c, ProgramBreak& brk)
      : brk_(brk),
        fl_(FreeListConfig{alignUp(brk.start(), std::max<uint64_t>(c.alignment, 16)), c.heapLimit,
                           c.headerSize, c.alignment, c.fit, c.order, c.coalesce}),
        end_(fl_.config().base + c.heapLimit),
        trimThreshold_(c.trimThreshold) {}

  std::optional<HeapChunk> allocate(uint64_t n, AccessTrace& t) override {
    const std::vector<FreeChunk> before = fl_.freeList();
    const size_t start = fl_.config().fit == FitPolicy::Next ? rover_ : 0;
    const AllocResult r = fl_.allocate(n);
    lastSearched_ = r.searched;
    for (uint64_t k = 0; k < r.searched; ++k) {
      // Only a top chunk left above the break by a refused brk without coalescing lies there.
      const uint64_t node = before[(start + k) % before.size()].addr;
      if (node + kNodeBytes <= brk_.current()) t.load(node, kNodeBytes);
    }
    if (!r.addr) return std::nullopt;
    size_t idx = 0;
    while (before[idx].addr != *r.addr) ++idx;
    if (fl_.config().fit == FitPolicy::Next) rover_ = idx;
    if (!brk_.cover(*r.addr + r.size + kTopRoom)) {
      fl_.release(r.userPtr);
      fixRover();
      return std::nullopt;
    }
    const uint64_t header = fl_.config().headerSize;
    if (header > 0) t.store(*r.addr, std::min(header, kNodeBytes));
    if (before[idx].size > r.size) t.store(*r.addr + r.size, kNodeBytes);  // split remainder
    return HeapChunk{*r.addr, *r.addr + r.size, r.userPtr, r.size - header};
  }

  void release(const HeapChunk& c, AccessTrace& t) override {
    const size_t sizeBefore = fl_.freeList().size();
    if (fl_.config().headerSize > 0) t.load(c.chunk, 8);  // the size word
    fl_.release(c.user);
    const auto& list = fl_.freeList();
    size_t idx = 0;
    while (!(list[idx].addr <= c.chunk && c.chunk < list[idx].addr + list[idx].size)) ++idx;
    const ListOrder o = fl_.config().order;
    if (o != ListOrder::InsertFront && o != ListOrder::InsertBack)
      for (size_t i = 0; i < idx; ++i) t.load(list[i].addr, kNodeBytes);  // walk to the spot
    for (size_t m = list.size(); m < sizeBefore + 1; ++m) t.load(c.chunkEnd, kNodeBytes);
    t.store(list[idx].addr, kNodeBytes);
    fixRover();
    if (list[idx].addr + list[idx].size == end_)  // the top chunk grew: maybe give memory back
      brk_.trim(list[idx].addr + kTopRoom, trimThreshold_);
  }

 private:
  void fixRover() {
    if (rover_ >= fl_.freeList().size()) rover_ = 0;
  }
  ProgramBreak& brk_;
  FreeListAllocator fl_;
  uint64_t end_;  // end of the region the free list spans (end of the top chunk)
  uint64_t trimThreshold_;
  size_t rover_ = 0;  // mirrors the allocator's next-fit rover, to know which elements it read
};

/// SegregatedAllocator over the heap: class lists in front of a first-fit, address-ordered,
/// coalescing backing list whose top chunk is the wilderness. No headers (sizes out of band).
class SegregatedArena : public HeapArena {
 public:
  SegregatedArena(const HeapConfig& c, ProgramBreak& brk)
      : brk_(brk),
        classes_(c.sizeClasses),
        seg_(alignUp(brk.start(), 16), c.heapLimit, c.sizeClasses) {}

  std::optional<HeapChunk> allocate(uint64_t n, AccessTrace& t) override {
    const auto cls = classFor(classes_, n);
    const uint64_t usable = cls ? classes_[*cls] : alignUp(std::max<uint64_t>(n, 1), 16);
    const bool fromClass = cls && seg_.classFreeCount(*cls) > 0;
    if (!fromClass) traceFirstFit(usable, t);
    const auto addr = seg_.allocate(usable);
    if (!addr) return std::nullopt;
    if (fromClass) {
      lastSearched_ = 1;
      t.load(*addr, 8);  // pop: read the head's next pointer
    }
    if (!brk_.cover(*addr + usable + kTopRoom)) {
      seg_.release(*addr);
      return std::nullopt;
    }
    return HeapChunk{*addr, *addr + usable, *addr, usable};
  }

  void release(const HeapChunk& c, AccessTrace& t) override {
    if (!classes_.empty() && c.usable <= classes_.back()) {
      t.store(c.chunk, 8);  // push onto the class list
    } else {
      for (const FreeChunk& f : seg_.backingFreeList()) {
        if (f.addr > c.chunk) break;
        t.load(f.addr, kNodeBytes);
      }
      t.store(c.chunk, kNodeBytes);
    }
    seg_.release(c.chunk);
  }

 private:
  void traceFirstFit(uint64_t r, AccessTrace& t) {
    lastSearched_ = 0;
    for (const FreeChunk& f : seg_.backingFreeList()) {
      ++lastSearched_;
      if (f.addr + kNodeBytes <= brk_.current()) t.load(f.addr, kNodeBytes);  // see FreeListArena
      if (f.size >= r) return;
    }
  }
  ProgramBreak& brk_;
  std::vector<uint64_t> classes_;
  SegregatedAllocator seg_;
};

/// BuddyAllocator over the largest power-of-two span that, aligned to its size (the allocator's
/// rule), fits in [heap start, heap start + heapLimit). Free lists are kept
/// out of band (like Linux's struct page), so a split or merge costs no heap access: one load per
/// order examined, one store at the block.
class BuddyArena : public HeapArena {
 public:
  BuddyArena(const HeapConfig& c, ProgramBreak& brk)
      : brk_(brk),
        span_(spanFor(brk.start(), c.heapLimit, c.buddyMinBlock)),
        buddy_(alignUp(brk.start(), span_), span_, c.buddyMinBlock) {}

  std::optional<HeapChunk> allocate(uint64_t n, AccessTrace& t) override {
    uint64_t want = 1;
    while (want < std::max(n, uint64_t{1})) want <<= 1;
    lastSearched_ = 0;
    for (uint64_t s = want; s <= span_; s <<= 1) {
      ++lastSearched_;  // one free list (order) looked at
      if (!buddy_.freeBlocks(s).empty()) break;
    }
    const auto addr = buddy_.allocate(n);
    if (!addr) return std::nullopt;
    const uint64_t usable = buddy_.blockSizeOf(*addr);
    if (!brk_.cover(*addr + usable + kTopRoom)) {
      buddy_.release(*addr);
      return std::nullopt;
    }
    t.load(*addr, 8);
    return HeapChunk{*addr, *addr + usable, *addr, usable};
  }

  void release(const HeapChunk& c, AccessTrace& t) override {
    t.store(c.chunk, 8);
    buddy_.release(c.chunk);
  }

 private:
  // The largest power of two that, aligned, still ends within [start, start + limit).
  static uint64_t spanFor(uint64_t start, uint64_t limit, uint64_t minBlock) {
    uint64_t s = 1;
    while (s * 2 <= limit) s *= 2;
    while (s > minBlock && alignUp(start, s) + s > start + limit) s /= 2;
    return s;
  }
  ProgramBreak& brk_;
  uint64_t span_;
  BuddyAllocator buddy_;
};

/// One SlabAllocator per size class; a new slab is carved from the top of the brk heap (a bump
/// pointer), so slabs grow the heap; empty slabs are kept, not returned. Requests above the
/// largest class get no slab (the heap mmaps them).
class SlabArena : public HeapArena {
 public:
  SlabArena(const HeapConfig& c, ProgramBreak& brk)
      : brk_(brk), classes_(c.sizeClasses), top_(alignUp(brk.start(), 16)) {
    for (const uint64_t size : classes_)
      slabs_.emplace_back(size, c.slabObjects, [this](uint64_t bytes) { return carve(bytes); });
  }

  std::optional<HeapChunk> allocate(uint64_t n, AccessTrace& t) override {
    lastSearched_ = 0;
    const auto cls = classFor(classes_, n);
    if (!cls) return std::nullopt;
    const auto addr = slabs_[*cls].allocate();
    if (!addr) return std::nullopt;
    lastSearched_ = 1;
    t.load(*addr, 8);  // the free-slot link
    return HeapChunk{*addr, *addr + classes_[*cls], *addr, classes_[*cls]};
  }

  void release(const HeapChunk& c, AccessTrace& t) override {
    t.store(c.chunk, 8);
    slabs_[*classFor(classes_, c.usable)].release(c.chunk);
  }

 private:
  std::optional<uint64_t> carve(uint64_t bytes) {
    if (!brk_.cover(top_ + bytes)) return std::nullopt;
    const uint64_t addr = top_;
    top_ += bytes;
    return addr;
  }
  ProgramBreak& brk_;
  std::vector<uint64_t> classes_;
  uint64_t top_;
  std::vector<SlabAllocator> slabs_;
};

}  // namespace

std::unique_ptr<HeapArena> makeHeapArena(const HeapConfig& config, ProgramBreak& brk) {
  switch (config.allocator) {
    case HeapAllocatorKind::FreeList:
      return std::make_unique<FreeListArena>(config, brk);
    case HeapAllocatorKind::Segregated:
      return std::make_unique<SegregatedArena>(config, brk);
    case HeapAllocatorKind::Buddy:
      return std::make_unique<BuddyArena>(config, brk);
    case HeapAllocatorKind::Slab:
      return std::make_unique<SlabArena>(config, brk);
  }
  throw std::invalid_argument("unknown heap allocator");
}

}  // namespace vmsim::os
