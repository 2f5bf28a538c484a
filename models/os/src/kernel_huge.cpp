// Huge pages in the kernel model: transparent huge pages (THP) after Linux mm/huge_memory.c and
// hugetlbfs-like regions mapped only with 2 MiB or 1 GiB pages. See docs/huge-pages.md.
//
// THP (Documentation/admin-guide/mm/transhuge.rst): with `thp: always` (or `madvise` and a region
// advised with MADV_HUGEPAGE) the first fault in an aligned 2 MiB range that lies fully inside
// the region, whose PMD is still empty, maps a 2 MiB page when the buddy allocator has a free
// 2 MiB-aligned block (do_huge_pmd_anonymous_page); otherwise the fault falls back to a 4 KiB
// page (thp_fault_fallback). No direct compaction or reclaim is done for a THP (the behaviour of
// the `defrag` setting "madvise" for non-advised memory, "never" for all), and there is no
// khugepaged collapsing 4 KiB pages into huge ones later. As in Linux, a page-table frame is
// deposited with every THP (pgtable_trans_huge_deposit), so that splitting it never needs memory.
// Reclaim splits a THP into 4 KiB pages before evicting any (the pages inherit its A/D bits and
// may then be swapped one by one), so swapping never loses data of a huge page.
//
// Huge-page regions (Region::pageShift 21 or 30) behave as hugetlbfs mappings: each fault maps one
// page of the region's size from a free aligned block; no block -> the access fails as out of
// memory (counted in hugeOutOfMemory, reported once). Their pages are not swappable (hugetlbfs
// pages are never swapped: Documentation/admin-guide/mm/hugetlbpage.rst).
#include <algorithm>

#include "vmsim/os/kernel.h"
#include "vmsim/os/replacement.h"
#include "vmsim/paging/format.h"

namespace vmsim::os {
namespace {
constexpr uint64_t kPage = 4096;
constexpr unsigned kVpnBits = 45;  // as kernel.cpp's page keys
constexpr unsigned kThpLevel = 2;  // PMD / PDE
constexpr unsigned kThpOrder = 9;  // 2 MiB = 2^9 frames
constexpr uint64_t kThpSize = uint64_t{1} << 21;
uint64_t pageKey(Asid asid, uint64_t vpn) {
  return (uint64_t{asid} << kVpnBits) | vpn;
}
}  // namespace

bool Kernel::isHugeLeaf(uint64_t e, unsigned level) const {
  return level > 1 && fmt_->check(e, level) == paging::Check::Leaf;
}

uint64_t Kernel::makeLeaf(uint64_t frame, const Region& r, const Process& p, unsigned level) const {
  paging::Entry leaf;
  leaf.valid = leaf.leaf = true;
  leaf.readable = r.perms.read;
  leaf.writable = r.perms.write;
  leaf.exec = r.perms.exec;
  leaf.user = true;
  leaf.frame = frame;
  leaf.global = r.global;  // kernel mappings (TLB entries match any ASID)
  if (!p.hardwareAD) {
    // As for 4 KiB pages (handleFault): no MMU sets A/D, so the kernel does.
    leaf.accessed = true;
    leaf.dirty = r.perms.write;
  }
  return fmt_->encode(leaf, level);
}

std::optional<uint64_t> Kernel::allocBlock(unsigned order) {
  const auto pfn = frameAlloc_->allocate(order);
  if (!pfn) return std::nullopt;
  const uint64_t first = *pfn - memBase_ / kPage;
  for (uint64_t i = first; i < first + (uint64_t{1} << order); ++i) {
    frames_[i] = Frame{!everUsed_[i]};
    everUsed_[i] = true;
  }
  return *pfn * kPage;
}

void Kernel::zeroBlock(uint64_t pa, unsigned order, sc_core::sc_time& delay) {
  // Linux clears a huge page 4 KiB subpage by subpage (clear_huge_page / folio_zero_user): the
  // cost is that of zeroing every byte of it (cost.zero: per byte or as memory traffic).
  const uint64_t n = uint64_t{1} << order;
  for (uint64_t i = 0; i < n; ++i) zeroFrame(pa + i * kPage);
  chargeZero(pa, n * kPage, delay);
}

bool Kernel::thpFault(Asid asid, Process& p, const Region& r, uint64_t va,
                      sc_core::sc_time& delay) {
  if (thp_ == Thp::Madvise && !r.hugeAdvised) {
    ++thpFallbacks_[2];
    return false;
  }
  const uint64_t hva = va & ~(kThpSize - 1);
  if (hva < r.start || hva + kThpSize > r.start + r.size) {  // transhuge_vma_suitable
    ++thpFallbacks_[1];
    return false;
  }
  const uint64_t pde = entryAddr(p, va, kThpLevel, true);
  if (!pde) return false;  // no frame for the tables above: the 4 KiB path reports it
  const uint64_t old = read64(pde);
  if (isHugeLeaf(old, kThpLevel)) return true;  // mapped meanwhile (another core, a retry)
  // Only a first fault (an empty PMD) maps a THP: once 4 KiB pages are mapped in the range,
  // it stays 4 KiB (there is no khugepaged collapsing them).
  if (old != 0) return false;
  unusableAtHugeFault_.sample(100 * frameAlloc_->unusableIndex(kThpOrder));
  const auto block = allocBlock(kThpOrder);
  if (!block) {
    ++thpFallbacks_[0];
    return false;
  }
  const auto table = allocBlock(0);  // deposited for the split (pgtable_trans_huge_deposit)
  if (!table) {
    frameAlloc_->free(*block / kPage, kThpOrder);
    ++thpFallbacks_[0];
    return false;
  }
  ++tableFrames_;
  deposits_[pde] = *table;
  zeroBlock(*block, kThpOrder, delay);
  write64(pde, makeLeaf(*block, r, p, kThpLevel));
  policy_->insert(pageKey(asid, hva / kPage));
  residentChanged(p, static_cast<int>(kThpSize / kPage));
  ++minorFaults_;
  ++hugeFaults_[0];
  served_ = Served::Huge;
  return true;
}

FaultKind Kernel::hugeRegionFault(Asid asid, Process& p, const Region& r, uint64_t va,
                                  sc_core::sc_time& delay) {
  const unsigned level = r.pageShift == 21 ? 2 : 3;
  const unsigned order = r.pageShift - 12;
  const uint64_t addr = entryAddr(p, va, level, true);
  if (!addr) {
    ++oomFaults_;  // no frame for a table above
    return FaultKind::OutOfMemory;
  }
  uint64_t old = read64(addr);
  if (isHugeLeaf(old, level)) return FaultKind::None;  // mapped meanwhile
  if (fmt_->check(old, level) == paging::Check::Pointer) {
    // A table left from an earlier region at these addresses (unmapping keeps tables): it maps
    // nothing any more; free it so that the huge leaf can take its place.
    freeTable(p, fmt_->frameAddr(old), level - 1);
    write64(addr, 0);
    old = 0;
    // Walk caches may hold pointers into the freed tables, anywhere in the page's range.
    for (auto* c : caches_) c->invalidateAsid(asid);
  }
  unusableAtHugeFault_.sample(100 * frameAlloc_->unusableIndex(order));
  const auto block = allocBlock(order);
  if (!block) {
    ++hugeOutOfMemory_[level - 2];
    ++oomFaults_;
    if (!hugeOomReported_) {
      hugeOomReported_ = true;
      logWarning("region " + r.name + " of process " + p.name + ": no free " +
                 (level == 2 ? std::string("2 MiB") : std::string("1 GiB")) +
                 "-aligned block of physical memory for a huge page; the access fails as out "
                 "of memory (huge-page regions are not swappable and need contiguous frames: "
                 "see kernel.hugeOutOfMemory and buddy.freeBlocks; reported once)");
    }
    return FaultKind::OutOfMemory;
  }
  zeroBlock(*block, order, delay);
  write64(addr, makeLeaf(*block, r, p, level));
  residentChanged(p, static_cast<int>(uint64_t{1} << order));
  ++minorFaults_;
  ++hugeFaults_[level - 2];
  served_ = Served::Huge;
  return FaultKind::None;
}

void Kernel::splitHuge(Asid asid, uint64_t hva, uint64_t pdeAddr) {
  const uint64_t e = read64(pdeAddr);
  auto dep = deposits_.find(pdeAddr);
  if (!isHugeLeaf(e, kThpLevel) || dep == deposits_.end()) {
    SC_REPORT_FATAL(name(), "splitting a page that is not a transparent huge page");
    return;
  }
  const uint64_t table = dep->second;
  deposits_.erase(dep);
  // Each 4 KiB PTE keeps the huge entry's permissions and A/D bits (Linux
  // __split_huge_pmd_locked); re-encoded for level 1 (x86: PS goes, bit 7 is PAT in a PTE).
  paging::Entry sub = fmt_->decode(e, kThpLevel);
  const uint64_t block = sub.frame;
  for (uint64_t i = 0; i < 512; ++i) {
    sub.frame = block + i * kPage;
    write64(table + i * paging::Format::kEntryBytes, fmt_->encode(sub, 1));
  }
  frameAlloc_->split(block / kPage, kThpOrder);
  write64(pdeAddr, fmt_->pointer(table));
  shootdown(asid, hva);  // the 2 MiB TLB entry covers every 4 KiB page of it
  for (uint64_t i = 1; i < 512; ++i) policy_->insert(pageKey(asid, hva / kPage + i));
  ++hugeSplits_;
}

void Kernel::splitIfHuge(uint64_t key) {
  const Asid asid = static_cast<Asid>(key >> kVpnBits);
  const uint64_t va = (key & ((uint64_t{1} << kVpnBits) - 1)) * kPage;
  Process& p = procs_.at(asid);
  const LeafRef l = findLeaf(p, va);
  if (l.level == kThpLevel && isHugeLeaf(read64(l.addr), l.level)) {
    splitHuge(asid, va & ~(kThpSize - 1), l.addr);
  }
}

void Kernel::releaseHuge(Process& p, uint64_t addr, uint64_t e, unsigned level) {
  const unsigned order = paging::Format::leafShift(level) - 12;
  const uint64_t block = fmt_->decode(e, level).frame;
  const uint64_t first = (block - memBase_) / kPage;
  for (uint64_t i = first; i < first + (uint64_t{1} << order); ++i) frames_[i] = Frame{};
  frameAlloc_->free(block / kPage, order);
  auto dep = deposits_.find(addr);
  if (dep != deposits_.end()) {
    freeFrame(dep->second);
    deposits_.erase(dep);
  }
  residentChanged(p, -static_cast<int>(uint64_t{1} << order));
}

}  // namespace vmsim::os
