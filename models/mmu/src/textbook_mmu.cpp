// The textbook translation schemes (OSTEP ch. 15 base and bounds, ch. 16 segmentation, ch. 18
// linear page table, ch. 20 two-level one-byte tables and hashed inverted table) as a timed MMU.
// Register rules come from the plain translators in models/os; table formats are OSTEP's, with
// the documented generalisations in docs/textbook-modes.md.
#include "vmsim/mmu/textbook_mmu.h"

#include "vmsim/mmu/piecewise.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

#include "vmsim/os/inverted_page_table.h"
#include "vmsim/os/linear_page_table.h"
#include "vmsim/os/multilevel_page_table.h"
#include "vmsim/os/relocation.h"
#include "vmsim/os/segmentation.h"

namespace vmsim::mmu {

const std::vector<std::string>& textbookModeNames() {
  static const std::vector<std::string> names{"base_bounds", "segmentation", "linear", "two_level",
                                              "inverted"};
  return names;
}

uint64_t TableMemory::readLe(uint64_t pa, unsigned bytes) {
  unsigned char b[8] = {};
  read(pa, b, bytes);
  uint64_t v = 0;
  for (unsigned i = bytes; i-- > 0;) v = (v << 8) | b[i];
  return v;
}

void TableMemory::writeLe(uint64_t pa, uint64_t value, unsigned bytes) {
  unsigned char b[8];
  for (unsigned i = 0; i < bytes; ++i) b[i] = static_cast<unsigned char>(value >> (8 * i));
  write(pa, b, bytes);
}

uint64_t RegionAllocator::allocate(uint64_t bytes, uint64_t align) {
  const uint64_t at = (next_ + align - 1) & ~(align - 1);
  if (at < next_ || bytes > end_ - std::min(at, end_) || at >= end_) {
    std::ostringstream os;
    os << "physical region [0x" << std::hex << base_ << ", 0x" << end_ << ") has no room for 0x"
       << bytes << " more bytes (raise phys_size)";
    throw std::invalid_argument(os.str());
  }
  next_ = at + bytes;
  return at;
}

namespace {

unsigned log2Exact(uint64_t v, const std::string& what) {
  if (v == 0 || (v & (v - 1)) != 0)
    throw std::invalid_argument(what + " " + std::to_string(v) + " is not a power of two");
  unsigned n = 0;
  while ((1ull << n) < v) ++n;
  return n;
}

std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

os::AccessKind osKind(AccessKind k) {
  switch (k) {
    case AccessKind::Store:
      return os::AccessKind::Write;
    case AccessKind::Fetch:
      return os::AccessKind::Execute;
    default:
      return os::AccessKind::Read;
  }
}

FaultKind faultOf(os::TranslationFault f) {
  switch (f) {
    case os::TranslationFault::None:
      return FaultKind::None;
    case os::TranslationFault::Protection:
      return FaultKind::Protection;
    default:
      return FaultKind::Segmentation;  // bounds, invalid entry, outside the address space
  }
}

// Protection in page-table entries: three "deny" bits right below the valid bit, so an entry
// with full permissions is bit-identical to the textbook format.
struct DenyBits {
  static constexpr unsigned kNoWrite = 1, kNoExec = 2, kKernelOnly = 4;
  static unsigned of(const Perms& p) {
    if (!p.read) throw std::invalid_argument("textbook page-table entries cannot deny reads");
    return (p.write ? 0 : kNoWrite) | (p.exec ? 0 : kNoExec) | (p.user ? 0 : kKernelOnly);
  }
  static Perms perms(unsigned deny) {
    Perms p;
    p.write = !(deny & kNoWrite);
    p.exec = !(deny & kNoExec);
    p.user = !(deny & kKernelOnly);
    return p;
  }
};

// --- base and bounds (OSTEP ch. 15) ------------------------------------------------------------

class BaseBoundsScheme : public TranslationScheme {
 public:
  BaseBoundsScheme(Params p, RegionAllocator& region) : region_(region) {
    reserve_ = p.getSize("size", "1MiB", "physical bytes reserved per ASID (largest bounds)",
                         Range{1, 1e15});
    initialBounds_ = p.getSize("bounds", "0", "bounds register of a new ASID", Range{0, 1e15});
  }
  void mapRegion(Asid asid, uint64_t va, uint64_t size, const Perms&, TableMemory&) override {
    if (va + size > reserve_)
      throw std::invalid_argument("base_bounds: region ends at " + hex(va + size) +
                                  ", beyond the " + hex(reserve_) + "-byte reservation");
    Regs& r = regs(asid);
    r.limit = std::max(r.limit, va + size);
  }
  SchemeTranslation translate(Asid asid, uint64_t va, AccessKind, Privilege,
                              const SegmentSelectorExt*, TableMemory&) override {
    SchemeTranslation t;
    const auto it = regs_.find(asid);
    const os::BaseBoundsTranslator tr =
        it == regs_.end() ? os::BaseBoundsTranslator(0, 0)
                          : os::BaseBoundsTranslator(it->second.base, it->second.limit);
    const os::RelocationResult r = tr.translate(va);
    t.fault = faultOf(r.fault);
    t.pa = r.pa;
    if (r.valid) t.contiguous = tr.limit() - va;
    return t;
  }
  uint64_t tableBase(Asid) const override { return 0; }

 private:
  struct Regs {
    uint64_t base = 0, limit = 0;
  };
  Regs& regs(Asid asid) {
    auto it = regs_.find(asid);
    if (it == regs_.end()) {
      it = regs_.emplace(asid, Regs{region_.allocate(reserve_, 64), initialBounds_}).first;
      it->second.limit = std::min(it->second.limit, reserve_);
    }
    return it->second;
  }
  RegionAllocator& region_;
  uint64_t reserve_ = 0, initialBounds_ = 0;
  std::map<Asid, Regs> regs_;
};

// --- segmentation (OSTEP ch. 16) ---------------------------------------------------------------

class SegmentationScheme : public TranslationScheme {
 public:
  // Top-bits selector values, OSTEP's: 00 code, 01 heap, 11 stack (10 unused).
  static constexpr unsigned kSelectorBits = 2;
  static constexpr unsigned kIndex[3] = {0, 1, 3};

  SegmentationScheme(Params p, RegionAllocator& region) : region_(region) {
    vaBits_ = static_cast<unsigned>(
        p.getUint("va_bits", 32, "Bit", "virtual-address width", Range{3, 63}));
    explicit_ = p.getChoice("addressing", "top_bits", {"top_bits", "explicit"},
                            "segment from the VA's top two bits, or from SegmentSelectorExt "
                            "(fetches default to code, other accesses to heap)") == "explicit";
    const char* names[3] = {"code", "heap", "stack"};
    const char* prot[3] = {"r-x", "rw-", "rw-"};
    for (unsigned i = 0; i < 3; ++i) readTemplate(p.child(names[i]), i, prot[i]);
    span_ = 1ull << (vaBits_ - kSelectorBits);
  }
  void mapRegion(Asid asid, uint64_t va, uint64_t size, const Perms& perms, TableMemory&) override;
  void mapWorkload(Asid asid, uint64_t va, uint64_t size, const Perms&, TableMemory&) override;
  SchemeTranslation translate(Asid asid, uint64_t va, AccessKind kind, Privilege,
                              const SegmentSelectorExt* sel, TableMemory&) override;
  uint64_t tableBase(Asid) const override { return 0; }

 private:
  /// Template index (0 code, 1 heap, 2 stack) of the top-bits segment holding [va, va+size).
  unsigned templateOf(uint64_t va, uint64_t size) const;
  /// Raises segment `sel`'s limit to cover `size` bytes from offset `off`; sets its protection
  /// from `perms` unless null (then the configured protection stays).
  void grow(Asid asid, unsigned tplIndex, unsigned sel, uint64_t off, uint64_t size,
            const Perms* perms);
  struct Template {
    os::Segment seg;   // base is filled per ASID (or once, when shared)
    uint64_t reserve;  // physical bytes reserved: the largest limit
    bool explicitBase;
  };
  void readTemplate(Params p, unsigned i, const std::string& defProt) {
    Template& t = tpl_[i];
    t.reserve =
        p.getSize("size", "1MiB", "physical bytes reserved (largest limit)", Range{0, 1e15});
    t.seg.limit = p.getSize("limit", "0", "limit register of a new ASID", Range{0, 1e15});
    t.seg.growsDown = p.getBool("grows_down", i == 2, "segment grows toward lower addresses");
    t.seg.shared = p.getBool("shared", false, "one physical copy for every ASID");
    const std::string prot = p.getString("protection", defProt, "rwx bits, '-' for denied");
    t.seg.read = prot.find('r') != std::string::npos;
    t.seg.write = prot.find('w') != std::string::npos;
    t.seg.execute = prot.find('x') != std::string::npos;
    t.seg.base = p.getSize("base", "0", "fixed physical base (0: allocate from the region)");
    t.explicitBase = t.seg.base != 0;
    t.seg.limit = std::min(t.seg.limit, t.reserve);
  }
  uint64_t placeSegment(unsigned i);
  os::SegmentTranslator& table(Asid asid);

  RegionAllocator& region_;
  unsigned vaBits_ = 32;
  bool explicit_ = false;
  uint64_t span_ = 0;
  Template tpl_[3];
  std::map<unsigned, uint64_t> sharedBase_;
  std::map<Asid, os::SegmentTranslator> tables_;
};

uint64_t SegmentationScheme::placeSegment(unsigned i) {
  const Template& t = tpl_[i];
  if (t.seg.shared) {
    auto it = sharedBase_.find(i);
    if (it != sharedBase_.end()) return it->second;
  }
  uint64_t base = t.seg.base;
  if (!t.explicitBase) {
    base = region_.allocate(std::max<uint64_t>(t.reserve, 1), 64);
    if (t.seg.growsDown) base += t.reserve;  // a grows-down base is the exclusive top
  }
  if (t.seg.shared) sharedBase_[i] = base;
  return base;
}

os::SegmentTranslator& SegmentationScheme::table(Asid asid) {
  auto it = tables_.find(asid);
  if (it != tables_.end()) return it->second;
  std::vector<os::Segment> segs(1u << kSelectorBits);
  segs[2].limit = 0;  // selector 10: unused, every offset is out of bounds
  for (unsigned i = 0; i < 3; ++i) {
    segs[kIndex[i]] = tpl_[i].seg;
    segs[kIndex[i]].base = placeSegment(i);
  }
  return tables_.emplace(asid, os::SegmentTranslator(vaBits_, kSelectorBits, segs)).first->second;
}

unsigned SegmentationScheme::templateOf(uint64_t va, uint64_t size) const {
  const unsigned sel = static_cast<unsigned>(va >> (vaBits_ - kSelectorBits));
  const uint64_t off = va & (span_ - 1);
  const unsigned* found = std::find(kIndex, kIndex + 3, sel);
  if (va >> vaBits_ || found == kIndex + 3 || off + size > span_)
    throw std::invalid_argument("segmentation: region " + hex(va) + "+" + hex(size) +
                                " is not inside the code, heap or stack segment");
  return static_cast<unsigned>(found - kIndex);
}

void SegmentationScheme::grow(Asid asid, unsigned tplIndex, unsigned sel, uint64_t off,
                              uint64_t size, const Perms* perms) {
  const Template& t = tpl_[tplIndex];
  os::SegmentTranslator& tr = table(asid);
  os::Segment s = tr.segment(sel);
  const uint64_t need = s.growsDown ? span_ - off : off + size;
  if (need > t.reserve)
    throw std::invalid_argument("segmentation: segment " + std::to_string(sel) + " would need " +
                                hex(need) + " bytes, more than its size " + hex(t.reserve));
  s.limit = std::max(s.limit, need);
  if (perms) {
    s.read = perms->read;
    s.write = perms->write;
    s.execute = perms->exec;
  }
  tr.setSegment(sel, s);
}

void SegmentationScheme::mapRegion(Asid asid, uint64_t va, uint64_t size, const Perms& perms,
                                   TableMemory&) {
  const unsigned i = templateOf(va, size);
  grow(asid, i, kIndex[i], va & (span_ - 1), size, &perms);
}

void SegmentationScheme::mapWorkload(Asid asid, uint64_t va, uint64_t size, const Perms&,
                                     TableMemory&) {
  if (explicit_) {
    // Loads and stores without a selector use the heap segment; the VA is the offset.
    if (va >= span_ || size > span_ - va)
      throw std::invalid_argument("segmentation: region " + hex(va) + "+" + hex(size) +
                                  " does not fit the heap segment's " + hex(span_) +
                                  "-byte span (explicit addressing)");
    grow(asid, 1, kIndex[1], va, size, nullptr);
    return;
  }
  // Piece by piece through every segment the range covers, each with its own protection.
  const uint64_t end = va + size;
  for (uint64_t cur = va; cur < end;) {
    const uint64_t pieceEnd = std::min(end, (cur | (span_ - 1)) + 1);
    const unsigned i = templateOf(cur, pieceEnd - cur);
    grow(asid, i, kIndex[i], cur & (span_ - 1), pieceEnd - cur, nullptr);
    cur = pieceEnd;
  }
}

SchemeTranslation SegmentationScheme::translate(Asid asid, uint64_t va, AccessKind kind, Privilege,
                                                const SegmentSelectorExt* sel, TableMemory&) {
  const os::SegmentTranslator& tr = table(asid);
  os::SegmentResult r;
  uint64_t off = va & (span_ - 1);
  if (explicit_) {
    const unsigned s = sel ? sel->selector : (kind == AccessKind::Fetch ? 0u : 1u);
    off = va;
    r = tr.translate(s, va, osKind(kind));
  } else {
    r = tr.translate(va, osKind(kind));
  }
  SchemeTranslation t;
  t.fault = faultOf(r.fault);
  t.pa = r.pa;
  if (r.valid) {
    const os::Segment& s = tr.segment(r.segment);
    t.contiguous = s.growsDown ? span_ - off : s.limit - off;
  }
  return t;
}

// --- paging shared parts -----------------------------------------------------------------------

// Page geometry and frame numbering shared by the paging schemes. Frame numbers count pages of
// the physical region from `phys_base` (frame 0 = phys_base), the textbook's "physical memory".
struct PageGeometry {
  uint64_t pageSize = 4096;
  unsigned offsetBits = 12;
  uint64_t addressSpace = 0;
  uint64_t physBase = 0;

  void read(Params& p, const std::string& defPage, const std::string& defSpace) {
    pageSize = p.getSize("page_size", defPage, "page size (power of two)", Range{2, 1ull << 30});
    offsetBits = log2Exact(pageSize, "page_size");
    addressSpace = p.getSize("address_space", defSpace, "virtual address-space size per ASID",
                             Range{2, 9.2e18});
  }
  uint64_t frameAddr(uint64_t pfn) const { return physBase + (pfn << offsetBits); }
  uint64_t pfnOf(uint64_t pa) const { return (pa - physBase) >> offsetBits; }
  uint64_t offset(uint64_t va) const { return va & (pageSize - 1); }
  void checkRegion(uint64_t va, uint64_t size, const char* mode) const {
    if (size == 0 || va + size > addressSpace || va + size < va)
      throw std::invalid_argument(std::string(mode) + ": region " + hex(va) + "+" + hex(size) +
                                  " is empty or beyond the " + hex(addressSpace) +
                                  "-byte address space");
  }
};

// Turns an entry's deny bits and the access into the fault, if any.
FaultKind checkDeny(unsigned deny, AccessKind kind, Privilege priv) {
  return permits(DenyBits::perms(deny), kind, priv) ? FaultKind::None : FaultKind::Protection;
}

// --- linear page table (OSTEP ch. 18, paging-linear-translate.py) ------------------------------

class LinearScheme : public TranslationScheme {
 public:
  // 32-bit PTE: bit 31 valid (os::LinearPte), bits 30..28 deny bits, bits 27..0 frame number.
  static constexpr unsigned kDenyShift = 28;
  static constexpr uint32_t kPfnMask = (1u << kDenyShift) - 1;

  LinearScheme(Params p, RegionAllocator& region, uint64_t physBase) : region_(region) {
    geo_.physBase = physBase;
    geo_.read(p, "4KiB", "1GiB");
    if (geo_.addressSpace % geo_.pageSize)
      p.config().addProblem(p.key("address_space") + ": not a multiple of page_size");
  }
  void mapRegion(Asid asid, uint64_t va, uint64_t size, const Perms& perms,
                 TableMemory& mem) override {
    geo_.checkRegion(va, size, "linear");
    const uint32_t deny = DenyBits::of(perms);
    const uint64_t base = tableFor(asid);
    for (uint64_t vpn = va >> geo_.offsetBits; vpn <= (va + size - 1) >> geo_.offsetBits; ++vpn) {
      const uint64_t at = base + 4 * vpn;
      uint32_t pte = static_cast<uint32_t>(mem.readLe(at, 4));
      uint32_t pfn = os::LinearPte::pfn(pte) & kPfnMask;
      if (!os::LinearPte::valid(pte)) {
        pfn = static_cast<uint32_t>(geo_.pfnOf(region_.allocate(geo_.pageSize, geo_.pageSize)));
        if (pfn > kPfnMask) throw std::invalid_argument("linear: frame number beyond 28 bits");
      }
      mem.writeLe(at, os::LinearPte::make(pfn | (deny << kDenyShift)), 4);
    }
  }
  SchemeTranslation translate(Asid asid, uint64_t va, AccessKind kind, Privilege priv,
                              const SegmentSelectorExt*, TableMemory& mem) override {
    SchemeTranslation t;
    const auto it = base_.find(asid);
    t.fault = FaultKind::Segmentation;
    if (it == base_.end() || va >= geo_.addressSpace) return t;
    const uint32_t pte =
        static_cast<uint32_t>(mem.readLe(it->second + 4 * (va >> geo_.offsetBits), 4));
    if (!os::LinearPte::valid(pte)) return t;
    t.fault = checkDeny(os::LinearPte::pfn(pte) >> kDenyShift, kind, priv);
    t.pa = geo_.frameAddr(pte & kPfnMask) + geo_.offset(va);
    t.contiguous = geo_.pageSize - geo_.offset(va);
    return t;
  }
  uint64_t tableBase(Asid asid) const override {
    const auto it = base_.find(asid);
    return it == base_.end() ? 0 : it->second;
  }

 private:
  uint64_t tableFor(Asid asid) {
    auto it = base_.find(asid);
    if (it == base_.end()) {
      const uint64_t bytes = 4 * (geo_.addressSpace >> geo_.offsetBits);
      it = base_.emplace(asid, region_.allocate(bytes, geo_.pageSize)).first;
    }
    return it->second;
  }
  RegionAllocator& region_;
  PageGeometry geo_;
  std::map<Asid, uint64_t> base_;  // page-table base register per ASID
};

// --- two-level page directory (OSTEP ch. 20, paging-multilevel-translate.py) -------------------

class TwoLevelScheme : public TranslationScheme {
 public:
  TwoLevelScheme(Params p, RegionAllocator& region, uint64_t physBase) : region_(region) {
    geo_.physBase = physBase;
    geo_.read(p, "32", "32KiB");
    entryBytes_ = static_cast<unsigned>(
        p.getUint("entry_bytes", 1, "Byte",
                  "PDE/PTE width: 1 is OSTEP's (valid bit 7, 7-bit number)", Range{1, 4}));
    if (entryBytes_ == 3) p.config().addProblem(p.key("entry_bytes") + ": must be 1, 2 or 4");
    validBit_ = 8 * entryBytes_ - 1;
    numberBits_ = entryBytes_ == 1 ? 7 : validBit_ - 3;  // wider entries carry deny bits
    const uint64_t perPage = geo_.pageSize / entryBytes_;
    idxBits_ = perPage >= 2 ? log2Exact(perPage, "entries per page") : 0;
    const unsigned vaBits = log2Exact(geo_.addressSpace, "address_space");
    if (perPage < 2 || vaBits <= geo_.offsetBits + idxBits_ ||
        vaBits > geo_.offsetBits + 2 * idxBits_)
      p.config().addProblem(p.key("address_space") + ": " + std::to_string(vaBits) +
                            "-bit VAs need a directory index of 1.." + std::to_string(idxBits_) +
                            " bits with these pages and entries");
  }
  void mapRegion(Asid asid, uint64_t va, uint64_t size, const Perms& perms,
                 TableMemory& mem) override;
  void mapWorkload(Asid asid, uint64_t va, uint64_t size, const Perms& deflt,
                   TableMemory& mem) override {
    // One-byte entries (OSTEP's format) carry no protection: every valid page is rwx.
    mapRegion(asid, va, size, entryBytes_ == 1 ? Perms{} : deflt, mem);
  }
  SchemeTranslation translate(Asid asid, uint64_t va, AccessKind kind, Privilege priv,
                              const SegmentSelectorExt*, TableMemory& mem) override;
  uint64_t tableBase(Asid asid) const override {
    const auto it = pdbr_.find(asid);
    return it == pdbr_.end() ? 0 : it->second;
  }

 private:
  uint64_t valid() const { return 1ull << validBit_; }
  uint64_t numberOf(uint64_t e) const { return e & ((1ull << numberBits_) - 1); }
  unsigned denyOf(uint64_t e) const {
    return entryBytes_ == 1 ? 0 : static_cast<unsigned>((e >> numberBits_) & 7);
  }
  uint64_t newFrame() {
    const uint64_t pfn = geo_.pfnOf(region_.allocate(geo_.pageSize, geo_.pageSize));
    if (pfn >> numberBits_)
      throw std::invalid_argument("two_level: frame " + std::to_string(pfn) + " does not fit the " +
                                  std::to_string(numberBits_) + "-bit frame number of " +
                                  std::to_string(entryBytes_) + "-byte entries");
    return pfn;
  }
  uint64_t pdeAddr(uint64_t pdbr, uint64_t va) const {
    return pdbr + (va >> (geo_.offsetBits + idxBits_)) * entryBytes_;
  }
  uint64_t pteAddr(uint64_t ptPfn, uint64_t va) const {
    return geo_.frameAddr(ptPfn) +
           ((va >> geo_.offsetBits) & ((1ull << idxBits_) - 1)) * entryBytes_;
  }

  RegionAllocator& region_;
  PageGeometry geo_;
  unsigned entryBytes_ = 1, validBit_ = 7, numberBits_ = 7, idxBits_ = 5;
  std::map<Asid, uint64_t> pdbr_;  // page-directory base register (a PA) per ASID
};

void TwoLevelScheme::mapRegion(Asid asid, uint64_t va, uint64_t size, const Perms& perms,
                               TableMemory& mem) {
  geo_.checkRegion(va, size, "two_level");
  const unsigned deny = DenyBits::of(perms);
  if (entryBytes_ == 1 && deny)
    throw std::invalid_argument(
        "two_level: one-byte entries have no protection bits; use "
        "entry_bytes 2 or 4 to map a region with restricted permissions");
  auto it = pdbr_.find(asid);
  if (it == pdbr_.end()) it = pdbr_.emplace(asid, geo_.frameAddr(newFrame())).first;
  for (uint64_t page = va >> geo_.offsetBits; page <= (va + size - 1) >> geo_.offsetBits; ++page) {
    const uint64_t pva = page << geo_.offsetBits;
    const uint64_t pdeAt = pdeAddr(it->second, pva);
    uint64_t pde = mem.readLe(pdeAt, entryBytes_);
    if (!(pde & valid())) {
      pde = valid() | newFrame();
      mem.writeLe(pdeAt, pde, entryBytes_);
    }
    const uint64_t pteAt = pteAddr(numberOf(pde), pva);
    const uint64_t pte = mem.readLe(pteAt, entryBytes_);
    const uint64_t pfn = (pte & valid()) ? numberOf(pte) : newFrame();
    mem.writeLe(pteAt, valid() | (uint64_t{deny} << numberBits_) | pfn, entryBytes_);
  }
}

SchemeTranslation TwoLevelScheme::translate(Asid asid, uint64_t va, AccessKind kind, Privilege priv,
                                            const SegmentSelectorExt*, TableMemory& mem) {
  SchemeTranslation t;
  t.fault = FaultKind::Segmentation;
  const auto it = pdbr_.find(asid);
  if (it == pdbr_.end() || va >= geo_.addressSpace) return t;
  const uint64_t pde = mem.readLe(pdeAddr(it->second, va), entryBytes_);
  if (!(pde & valid())) return t;
  const uint64_t pte = mem.readLe(pteAddr(numberOf(pde), va), entryBytes_);
  if (!(pte & valid())) return t;
  t.fault = checkDeny(denyOf(pte), kind, priv);
  t.pa = geo_.frameAddr(numberOf(pte)) + geo_.offset(va);
  t.contiguous = geo_.pageSize - geo_.offset(va);
  return t;
}

// --- hashed inverted page table (OSTEP ch. 20) -------------------------------------------------

// In memory at phys_base: one 16-byte entry per frame of the region, then the hash anchor table
// (8 bytes per bucket). Entry word 0: bit 63 valid, bits 62..60 deny bits, 59..44 ASID, 43..0
// VPN; word 1: next frame in the chain + 1 (0 ends it). An anchor holds its chain's head frame + 1
// (0: empty), so zero-filled memory is an empty table.
class InvertedScheme : public TranslationScheme {
 public:
  static constexpr unsigned kEntryBytes = 16;
  static constexpr uint64_t kValid = 1ull << 63;
  static constexpr unsigned kVpnBits = 44;

  InvertedScheme(Params p, RegionAllocator& region, uint64_t physBase, uint64_t physSize)
      : region_(region) {
    geo_.physBase = physBase;
    geo_.read(p, "4KiB", "4GiB");
    frames_ = std::max<uint64_t>(physSize >> geo_.offsetBits, 1);
    anchors_ = p.getUint("anchors", 0, "Count", "hash buckets (0: one per frame)", Range{0, 1e12});
    if (anchors_ == 0) anchors_ = frames_;
    hashCycles_ = static_cast<unsigned>(
        p.getUint("hash_latency", 2, "Cycle", "cycles to hash (ASID, VPN)", Range{0, 1e6}));
    if ((geo_.addressSpace - 1) >> (geo_.offsetBits + kVpnBits))
      p.config().addProblem(p.key("address_space") + ": VPNs wider than 44 bits");
    model_ = std::make_unique<os::InvertedPageTable>(frames_, anchors_);
    ipt_ = region_.allocate(frames_ * kEntryBytes, geo_.pageSize);
    hat_ = region_.allocate(anchors_ * 8, geo_.pageSize);
  }
  void mapRegion(Asid asid, uint64_t va, uint64_t size, const Perms& perms,
                 TableMemory& mem) override;
  SchemeTranslation translate(Asid asid, uint64_t va, AccessKind kind, Privilege priv,
                              const SegmentSelectorExt*, TableMemory& mem) override;
  uint64_t tableBase(Asid) const override { return ipt_; }
  uint64_t anchorBase() const override { return hat_; }
  const os::InvertedPageTable* invertedModel() const override { return model_.get(); }

 private:
  static uint64_t tag(Asid asid, uint64_t vpn, unsigned deny) {
    return kValid | (uint64_t{deny} << 60) | (uint64_t{asid} << kVpnBits) | vpn;
  }
  static bool sameKey(uint64_t a, uint64_t b) {
    const uint64_t key = kValid | ((1ull << 60) - 1);
    return (a & key) == (b & key);
  }

  RegionAllocator& region_;
  PageGeometry geo_;
  uint64_t frames_ = 0, anchors_ = 0, ipt_ = 0, hat_ = 0;
  unsigned hashCycles_ = 2;
  std::unique_ptr<os::InvertedPageTable> model_;  // the plain rules: buckets and chain order
};

void InvertedScheme::mapRegion(Asid asid, uint64_t va, uint64_t size, const Perms& perms,
                               TableMemory& mem) {
  geo_.checkRegion(va, size, "inverted");
  const unsigned deny = DenyBits::of(perms);
  for (uint64_t vpn = va >> geo_.offsetBits; vpn <= (va + size - 1) >> geo_.offsetBits; ++vpn) {
    if (auto f = model_->lookup(asid, vpn).frame) {  // remapping changes the permissions only
      mem.writeLe(ipt_ + *f * kEntryBytes, tag(asid, vpn, deny), 8);
      continue;
    }
    const uint64_t frame = geo_.pfnOf(region_.allocate(geo_.pageSize, geo_.pageSize));
    model_->map(asid, vpn, frame);
    const uint64_t anchorAt = hat_ + 8 * model_->bucketOf(asid, vpn);
    const uint64_t head = mem.readLe(anchorAt, 8);
    mem.writeLe(ipt_ + frame * kEntryBytes, tag(asid, vpn, deny), 8);
    mem.writeLe(ipt_ + frame * kEntryBytes + 8, head, 8);
    mem.writeLe(anchorAt, frame + 1, 8);
  }
}

SchemeTranslation InvertedScheme::translate(Asid asid, uint64_t va, AccessKind kind, Privilege priv,
                                            const SegmentSelectorExt*, TableMemory& mem) {
  SchemeTranslation t;
  t.fault = FaultKind::Segmentation;
  t.cycles = hashCycles_;
  if (va >= geo_.addressSpace) return t;
  const uint64_t vpn = va >> geo_.offsetBits;
  const uint64_t want = tag(asid, vpn, 0);
  uint64_t link = mem.readLe(hat_ + 8 * model_->bucketOf(asid, vpn), 8);
  for (uint64_t steps = 0; link != 0 && link <= frames_ && steps < frames_; ++steps) {
    unsigned char e[kEntryBytes];
    mem.read(ipt_ + (link - 1) * kEntryBytes, e, kEntryBytes);  // one read per chained entry
    uint64_t w0 = 0, w1 = 0;
    for (unsigned i = 8; i-- > 0;) {
      w0 = (w0 << 8) | e[i];
      w1 = (w1 << 8) | e[8 + i];
    }
    if (sameKey(w0, want)) {
      t.fault = checkDeny(static_cast<unsigned>((w0 >> 60) & 7), kind, priv);
      t.pa = geo_.frameAddr(link - 1) + geo_.offset(va);
      t.contiguous = geo_.pageSize - geo_.offset(va);
      return t;
    }
    link = w1;
  }
  return t;
}

std::unique_ptr<TranslationScheme> makeScheme(TextbookMode mode, Params& p, RegionAllocator& region,
                                              uint64_t physSize) {
  switch (mode) {
    case TextbookMode::BaseBounds:
      return std::make_unique<BaseBoundsScheme>(p.child("base_bounds"), region);
    case TextbookMode::Segmentation:
      return std::make_unique<SegmentationScheme>(p.child("segmentation"), region);
    case TextbookMode::Linear:
      return std::make_unique<LinearScheme>(p.child("linear"), region, region.base());
    case TextbookMode::TwoLevel:
      return std::make_unique<TwoLevelScheme>(p.child("two_level"), region, region.base());
    case TextbookMode::Inverted:
      return std::make_unique<InvertedScheme>(p.child("inverted"), region, region.base(), physSize);
  }
  return nullptr;
}

}  // namespace

// --- table access from the shell ---------------------------------------------------------------

// Reads as timed b_transport (counted, with the DRAM delay annotated); setup writes are debug.
class TextbookMmu::TimedTables : public TableMemory {
 public:
  TimedTables(TextbookMmu& m, sc_core::sc_time& delay) : m_(m), delay_(delay) {}
  void read(uint64_t pa, unsigned char* out, unsigned bytes) override {
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(pa);
    gp.set_data_ptr(out);
    gp.set_data_length(bytes);
    gp.set_streaming_width(bytes);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    m_.mem->b_transport(gp, delay_);
    ++reads;
    if (!gp.is_response_ok()) {
      failed = true;
      std::fill(out, out + bytes, 0);
    }
  }
  void write(uint64_t, const unsigned char*, unsigned) override {
    throw std::logic_error("page tables are not written during an access");
  }
  unsigned reads = 0;
  bool failed = false;

 private:
  TextbookMmu& m_;
  sc_core::sc_time& delay_;
};

// Setup and functional accesses. Before simulation starts the sockets behind `mem` may not be
// usable yet (multi-passthrough sockets bind at the end of elaboration), so writes are staged
// and reads see staged bytes over zero-filled memory; start_of_simulation() writes them out.
class TextbookMmu::DebugTables : public TableMemory {
 public:
  explicit DebugTables(TextbookMmu& m) : m_(m) {}
  void read(uint64_t pa, unsigned char* out, unsigned bytes) override {
    if (m_.memReady_) return m_.transferDbg(tlm::TLM_READ_COMMAND, pa, out, bytes);
    for (unsigned i = 0; i < bytes; ++i) {
      const auto it = m_.staged_.find(pa + i);
      out[i] = it == m_.staged_.end() ? 0 : it->second;
    }
  }
  void write(uint64_t pa, const unsigned char* in, unsigned bytes) override {
    if (m_.memReady_) {
      return m_.transferDbg(tlm::TLM_WRITE_COMMAND, pa, const_cast<unsigned char*>(in), bytes);
    }
    for (unsigned i = 0; i < bytes; ++i) m_.staged_[pa + i] = in[i];
  }

 private:
  TextbookMmu& m_;
};

void TextbookMmu::transferDbg(tlm::tlm_command cmd, uint64_t pa, unsigned char* data,
                              unsigned bytes) {
  tlm::tlm_generic_payload gp;
  gp.set_command(cmd);
  gp.set_address(pa);
  gp.set_data_ptr(data);
  gp.set_data_length(bytes);
  gp.set_streaming_width(bytes);
  if (mem->transport_dbg(gp) != bytes)
    throw std::invalid_argument("page-table address " + hex(pa) + " is not backed by memory");
}

void TextbookMmu::start_of_simulation() {
  memReady_ = true;
  try {
    for (const auto& [pa, byte] : staged_) {
      unsigned char b = byte;
      transferDbg(tlm::TLM_WRITE_COMMAND, pa, &b, 1);
    }
  } catch (const std::invalid_argument& e) {
    SC_REPORT_ERROR(name(), e.what());
  }
  staged_.clear();
}

// --- the module --------------------------------------------------------------------------------

TextbookMmu::TextbookMmu(const sc_core::sc_module_name& nm, SimContext& ctx)
    : Module(nm, ctx),
      tsock("tsock"),
      mem("mem"),
      memAt_([this](tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time& t) {
        return mem->nb_transport_fw(gp, ph, t);
      }),
      accesses_(ctx.stats.scalar(statName("accesses"), "Count", "accesses translated")),
      faults_(ctx.stats.vector(statName("faults"), {"protection", "segmentation", "busError"},
                               "Count", "accesses ended by a fault")),
      tableReads_(ctx.stats.scalar(statName("tableReads"), "Count",
                                   "page-table memory reads (PTE, PDE, anchor, chain entry)")),
      walkReads_(ctx.stats.histogram(statName("walkReads"), 8, "Count",
                                     "table memory reads per translation")),
      translationLatency_(ctx.stats.histogram(statName("translationLatency"), 16, "Cycle",
                                              "cycles to translate, table reads included")) {
  declareClock("2GHz");
  auto& p = params();
  const std::string m = p.getChoice("mode", "linear", textbookModeNames(), "translation scheme");
  mode_ = static_cast<TextbookMode>(
      std::find(textbookModeNames().begin(), textbookModeNames().end(), m) -
      textbookModeNames().begin());
  if (mode_ > TextbookMode::Inverted) mode_ = TextbookMode::Linear;  // bad name: already reported
  latency_ =
      cycles(p.getUint("latency", 1, "Cycle", "cycles added to every access", Range{0, 1e6}));
  const auto atWorkers = static_cast<unsigned>(p.getUint(
      "at_workers", 16, "Count", "AT mode: accesses translated concurrently", Range{1, 1024}));
  const uint64_t physBase = p.getSize(
      "phys_base", "256MiB", "start of the MMU's physical region (above the kernel's default)");
  const uint64_t physSize =
      p.getSize("phys_size", "64MiB", "bytes of the region holding tables, segments and frames",
                Range{64, 1e15});
  region_ = std::make_unique<RegionAllocator>(physBase, physSize);
  try {
    scheme_ = makeScheme(mode_, p, *region_, physSize);
  } catch (const std::invalid_argument& e) {
    ctx.config.addProblem(p.path() + ": " + e.what());
    scheme_ = std::make_unique<BaseBoundsScheme>(p.child("base_bounds"), *region_);
  }
  tsock.register_b_transport(this, &TextbookMmu::b_transport);
  tsock.register_transport_dbg(this, &TextbookMmu::transport_dbg);
  tsock.register_nb_transport_fw(this, &TextbookMmu::nb_transport_fw);
  mem.register_nb_transport_bw(this, &TextbookMmu::mem_nb_transport_bw);
  atFront_ = std::make_unique<AtTargetFrontEnd>(
      atWorkers,
      [this](tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time& t) {
        return tsock->nb_transport_bw(gp, ph, t);
      },
      [this](tlm::tlm_generic_payload& gp) {
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        access(gp, delay, true);
        sc_core::wait(delay);
      });
}

TextbookMmu::~TextbookMmu() = default;

void TextbookMmu::mapRegion(Asid asid, uint64_t va, uint64_t size, Perms perms) {
  DebugTables tables(*this);
  scheme_->mapRegion(asid, va, size, perms, tables);
}

void TextbookMmu::mapWorkload(Asid asid, uint64_t va, uint64_t size, Perms deflt) {
  DebugTables tables(*this);
  scheme_->mapWorkload(asid, va, size, deflt, tables);
}

SchemeTranslation TextbookMmu::debugTranslate(Asid asid, uint64_t va, AccessKind kind,
                                              Privilege priv, const SegmentSelectorExt* sel) {
  DebugTables tables(*this);
  return scheme_->translate(asid, va, kind, priv, sel, tables);
}

void TextbookMmu::reportFault(tlm::tlm_generic_payload& gp, FaultKind kind, uint64_t va,
                              const VmAccess& who) {
  faults_[kind == FaultKind::Protection ? 0 : kind == FaultKind::Segmentation ? 1 : 2] += 1;
  endWithFault(gp, kind, va, who);
  if (logging(LogLevel::Info)) {
    std::ostringstream os;
    os << toString(kind) << " at VA " << hex(va) << " (asid " << who.asid << ", "
       << toString(who.kind) << ")";
    logInfo(os.str());
  }
}

void TextbookMmu::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  access(gp, delay, false);
}

void TextbookMmu::access(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, bool at) {
  ++accesses_;
  const VmAccess who = accessorOf(gp);
  const auto* sel = gp.get_extension<SegmentSelectorExt>();
  bool first = true;
  uint64_t faultVa = 0;
  const FaultKind fk = accessPiecewise(
      gp,
      [&](uint64_t cur) {
        const sc_core::sc_time before = delay;
        TimedTables tables(*this, delay);
        const SchemeTranslation t =
            scheme_->translate(who.asid, cur, who.kind, who.privilege, sel, tables);
        delay += latency_ + cycles(t.cycles);
        tableReads_ += tables.reads;
        walkReads_.sample(tables.reads);
        if (first) translationLatency_.sample((delay - before) / clockPeriod());
        first = false;
        return PieceTranslation{tables.failed ? FaultKind::BusError : t.fault, t.pa, t.contiguous};
      },
      [&](tlm::tlm_generic_payload& piece) {
        if (at) {
          memAt_.transact(piece, delay);
        } else {
          mem->b_transport(piece, delay);
        }
      },
      faultVa);
  if (fk != FaultKind::None) reportFault(gp, fk, faultVa, who);
}

unsigned int TextbookMmu::transport_dbg(tlm::tlm_generic_payload& gp) {
  const VmAccess who = accessorOf(gp);
  const auto* sel = gp.get_extension<SegmentSelectorExt>();
  const AccessKind kind = gp.is_write() ? AccessKind::Store : AccessKind::Load;
  return debugPiecewise(
      gp,
      [&](uint64_t va) {
        const SchemeTranslation t = debugTranslate(who.asid, va, kind, Privilege::Kernel, sel);
        return PieceTranslation{t.fault, t.pa, t.contiguous};
      },
      [&](tlm::tlm_generic_payload& piece) { return mem->transport_dbg(piece); });
}

// --- AT ------------------------------------------------------------------------------------------

tlm::tlm_sync_enum TextbookMmu::nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                                sc_core::sc_time& delay) {
  return atFront_->forward(gp, ph, delay);
}

tlm::tlm_sync_enum TextbookMmu::mem_nb_transport_bw(tlm::tlm_generic_payload& gp,
                                                    tlm::tlm_phase& ph, sc_core::sc_time& delay) {
  return memAt_.backward(gp, ph, delay);
}

}  // namespace vmsim::mmu
