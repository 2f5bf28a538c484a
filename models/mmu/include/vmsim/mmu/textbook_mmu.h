// A timed MMU for the textbook translation schemes of OSTEP ch. 15-20: base-and-bounds dynamic
// relocation, segmentation, a linear page table, the two-level one-byte-entry page directory and a
// hashed inverted page table. Page tables live in simulated memory (written by mapRegion, read by
// every translation through `mem`), so each table read costs DRAM time. Same socket interface as
// mmu::Mmu: LT b_transport with annotated delay, native AT 4-phase nb_transport, transport_dbg.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "vmsim/common/at_helpers.h"
#include "vmsim/common/extensions.h"
#include "vmsim/common/module.h"

namespace vmsim::os {
class InvertedPageTable;
}

namespace vmsim::mmu {

enum class TextbookMode { BaseBounds, Segmentation, Linear, TwoLevel, Inverted };
const std::vector<std::string>& textbookModeNames();

/// Explicit segment selection (segmentation with `addressing: explicit`), like an x86 segment
/// register: the payload address is then the offset within the selected segment. Ignorable.
class SegmentSelectorExt : public tlm::tlm_extension<SegmentSelectorExt> {
 public:
  unsigned selector = 0;
  tlm::tlm_extension_base* clone() const override { return new SegmentSelectorExt(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const SegmentSelectorExt&>(other);
  }
};

/// Reaches the page tables in simulated memory: timed reads (b_transport, counted) during an
/// access, debug reads/writes (transport_dbg) for setup and functional accesses. Little-endian.
/// Each read() is one memory transaction (one "table read" in the stats).
class TableMemory {
 public:
  virtual ~TableMemory() = default;
  virtual void read(uint64_t pa, unsigned char* out, unsigned bytes) = 0;
  virtual void write(uint64_t pa, const unsigned char* in, unsigned bytes) = 0;
  /// A little-endian value of `bytes` (<= 8) in one read.
  uint64_t readLe(uint64_t pa, unsigned bytes);
  void writeLe(uint64_t pa, uint64_t value, unsigned bytes);
};

/// What one translation found.
struct SchemeTranslation {
  FaultKind fault = FaultKind::None;
  uint64_t pa = 0;
  uint64_t contiguous = 0;  // bytes from va on that map contiguously under this translation
  unsigned cycles = 0;      // MMU cycles besides table reads (e.g. hashing)
};

/// One textbook scheme: per-ASID registers or tables and the rule that translates with them.
class TranslationScheme {
 public:
  virtual ~TranslationScheme() = default;
  /// Makes [va, va+size) of `asid` accessible with `perms`; std::invalid_argument if it cannot.
  virtual void mapRegion(Asid asid, uint64_t va, uint64_t size, const Perms& perms,
                         TableMemory& mem) = 0;
  /// Makes a workload's data footprint [va, va+size) accessible, keeping the protection the
  /// configuration gives that range: `deflt` (the platform's heap protection) where the scheme
  /// configures none. Segmentation keeps each segment's configured protection; see
  /// TextbookMmu::mapWorkload.
  virtual void mapWorkload(Asid asid, uint64_t va, uint64_t size, const Perms& deflt,
                           TableMemory& mem) {
    mapRegion(asid, va, size, deflt, mem);
  }
  virtual SchemeTranslation translate(Asid asid, uint64_t va, AccessKind kind, Privilege priv,
                                      const SegmentSelectorExt* sel, TableMemory& mem) = 0;
  /// PA of the ASID's page table / directory / the inverted table (0 for register-only schemes).
  virtual uint64_t tableBase(Asid asid) const = 0;
  /// Inverted mode: PA of the hash anchor table and the plain model the tables mirror.
  virtual uint64_t anchorBase() const { return 0; }
  virtual const os::InvertedPageTable* invertedModel() const { return nullptr; }
};

/// Bump allocator over the physical region the MMU owns (`phys_base`, `phys_size`).
class RegionAllocator {
 public:
  RegionAllocator(uint64_t base, uint64_t size) : base_(base), end_(base + size), next_(base) {}
  /// `bytes` aligned to `align` (a power of two); std::invalid_argument when the region is full.
  uint64_t allocate(uint64_t bytes, uint64_t align);
  uint64_t base() const { return base_; }
  uint64_t end() const { return end_; }

 private:
  uint64_t base_, end_, next_;
};

class TextbookMmu : public Module {
 public:
  tlm_utils::simple_target_socket<TextbookMmu> tsock;
  tlm_utils::simple_initiator_socket<TextbookMmu> mem;

  SC_HAS_PROCESS(TextbookMmu);
  TextbookMmu(const sc_core::sc_module_name& nm, SimContext& ctx);
  ~TextbookMmu() override;

  TextbookMode mode() const { return mode_; }
  /// The physical region [phys_base, phys_base + phys_size) the MMU owns.
  uint64_t physBase() const { return region_->base(); }
  uint64_t physEnd() const { return region_->end(); }
  /// Setup, before or during simulation: sets registers or allocates frames and writes the
  /// page-table entries into simulated memory (staged until simulation starts, as the sockets
  /// behind `mem` may not be bound before). std::invalid_argument when it cannot.
  void mapRegion(Asid asid, uint64_t va, uint64_t size, Perms perms);
  /// Maps a workload's footprint as the platform does, never over configured protection:
  /// segmentation keeps the `protection` of every segment the range lies in (split at segment
  /// boundaries; with `addressing: explicit` the range is offsets of the heap segment, which
  /// loads and stores without a selector use); two_level with one-byte entries (no protection
  /// bits) maps the format's implicit rwx; the other schemes map `deflt`. Throws like mapRegion.
  void mapWorkload(Asid asid, uint64_t va, uint64_t size, Perms deflt);
  /// PA of the ASID's linear table / page directory, or the inverted table (shared by all ASIDs).
  uint64_t tableBase(Asid asid) const { return scheme_->tableBase(asid); }
  /// Functional translation without timing or stats (tests, debuggers).
  SchemeTranslation debugTranslate(Asid asid, uint64_t va, AccessKind kind,
                                   Privilege priv = Privilege::User,
                                   const SegmentSelectorExt* sel = nullptr);
  TranslationScheme& scheme() { return *scheme_; }

 private:
  class TimedTables;
  class DebugTables;

  void start_of_simulation() override;
  void transferDbg(tlm::tlm_command cmd, uint64_t pa, unsigned char* data, unsigned bytes);
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  void access(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, bool at);
  void reportFault(tlm::tlm_generic_payload& gp, FaultKind kind, uint64_t va, const VmAccess& who);
  // AT path: the shared 4-phase helpers (workers, END_REQ back-pressure, exclusion rules).
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum mem_nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                         sc_core::sc_time& delay);

  TextbookMode mode_ = TextbookMode::Linear;
  std::unique_ptr<RegionAllocator> region_;
  std::unique_ptr<TranslationScheme> scheme_;
  bool memReady_ = false;               // simulation started: `mem` reaches memory
  std::map<uint64_t, uint8_t> staged_;  // table bytes written before that
  sc_core::sc_time latency_;

  std::unique_ptr<AtTargetFrontEnd> atFront_;
  AtInitiatorPort memAt_;

  stats::Scalar& accesses_;
  stats::Vector& faults_;
  stats::Scalar& tableReads_;
  stats::Histogram& walkReads_;
  stats::Histogram& translationLatency_;
};

}  // namespace vmsim::mmu
