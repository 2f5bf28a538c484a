// TLM-2.0 ignorable extensions that carry virtual-memory context along a generic payload:
// who is accessing (VmAccess), what a translation found (Translation) and why an access failed
// (Fault). A payload without VmAccess is treated as a kernel-privilege load/store of ASID 0.
#pragma once

#include <tlm>

#include <cstdint>

#include "vmsim/common/types.h"

namespace vmsim {

enum class AccessKind : uint8_t { Load = 0, Store = 1, Fetch = 2 };
enum class Privilege : uint8_t { User = 0, Kernel = 1 };

const char* toString(AccessKind k);

/// Who issues an access. Ignorable: foreign targets never need to look at it.
class VmAccess : public tlm::tlm_extension<VmAccess> {
 public:
  Asid asid = 0;
  AccessKind kind = AccessKind::Load;
  Privilege privilege = Privilege::Kernel;
  uint16_t core = 0;

  tlm::tlm_extension_base* clone() const override { return new VmAccess(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const VmAccess&>(other);
  }
};

enum class FaultKind : uint8_t {
  None = 0,
  NotPresent,    // page not mapped or swapped out: the kernel may resolve it
  Protection,    // mapped but the access kind or privilege is not allowed
  Segmentation,  // outside every region of the address space
  OutOfMemory,   // the kernel could not find a frame nor swap space
  BusError,      // physical address decodes to no target
};
const char* toString(FaultKind k);

/// Attached to a payload that ends with an error response: what went wrong, and where.
class FaultExt : public tlm::tlm_extension<FaultExt> {
 public:
  FaultKind kind = FaultKind::None;
  VirtAddr va;
  Asid asid = 0;
  AccessKind access = AccessKind::Load;
  /// Request (set by the MMU): keep the frame mapped for this fault pinned (FramePins) until
  /// the MMU unpins it, so the retried access finds it even if other faults run meanwhile.
  bool wantPin = false;
  /// Request (set by the MMU): the caller is an AT thread that may wait, so the kernel times its
  /// own memory accesses with 4-phase transactions (an AT cache must not see b_transport).
  bool mayWait = false;
  /// Answer: the frame the kernel pinned for the MMU (valid when `pinned`).
  bool pinned = false;
  PhysAddr pinnedFrame;

  tlm::tlm_extension_base* clone() const override { return new FaultExt(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const FaultExt&>(other);
  }
};

/// Marks a transaction that exists for its timing only: a write whose data was already applied
/// functionally (an atomic PTE update), or a cache's line fill or write-back (the caches keep no
/// data). A target that knows the extension moves no data. Ignorable: a foreign target writes
/// the payload's bytes (which hold the same value, or no one reads them) or reads into them.
class TimingOnlyExt : public tlm::tlm_extension<TimingOnlyExt> {
 public:
  tlm::tlm_extension_base* clone() const override { return new TimingOnlyExt(*this); }
  void copy_from(const tlm::tlm_extension_base&) override {}
};

/// Marks a page-table access of the walker (a PTE read, or the write that sets accessed/dirty
/// bits), so that caches count page-table lines apart from data. Ignorable: it carries no data.
class PageTableAccessExt : public tlm::tlm_extension<PageTableAccessExt> {
 public:
  tlm::tlm_extension_base* clone() const override { return new PageTableAccessExt(*this); }
  void copy_from(const tlm::tlm_extension_base&) override {}
};

/// Permission bits of a translation.
struct Perms {
  bool read = true;
  bool write = true;
  bool exec = true;
  bool user = true;
};

/// A translation request travelling MMU -> TLB levels -> walker and back. The request fields are
/// set by the MMU; the answer fields by whichever level resolves it.
class TranslationExt : public tlm::tlm_extension<TranslationExt> {
 public:
  // request
  VirtAddr va;
  Asid asid = 0;
  AccessKind kind = AccessKind::Load;
  Privilege privilege = Privilege::User;
  /// The caller runs in a thread and accepts wait(): the resolver may then access memory with
  /// 4-phase transactions (AT), so its reads are scheduled by the DRAM like the data accesses.
  bool mayWait = false;
  // answer
  FaultKind fault = FaultKind::None;
  PhysAddr pa;
  unsigned pageShift = 12;
  Perms perms;
  bool dirty = false;         // the leaf PTE's D bit as seen by the resolver
  bool global = false;        // the leaf PTE's G bit (x86 bit 8): the entry matches every ASID
  uint8_t resolvedLevel = 0;  // 1 = L1 TLB, 2 = L2 TLB, ..., 0xff = page walk

  tlm::tlm_extension_base* clone() const override { return new TranslationExt(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const TranslationExt&>(other);
  }
};

/// Whether `kind` under `priv` is allowed by `p`.
inline bool permits(const Perms& p, AccessKind kind, Privilege priv) {
  if (priv == Privilege::User && !p.user) return false;
  switch (kind) {
    case AccessKind::Load:
      return p.read;
    case AccessKind::Store:
      return p.write;
    case AccessKind::Fetch:
      return p.exec;
  }
  return false;
}

}  // namespace vmsim
