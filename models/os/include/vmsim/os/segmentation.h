// Segmentation (OSTEP ch. 16): segmentation.py's two-segment scheme (segment 1 is a stack that
// grows down) and a general N-segment table with protection bits, grows-down segments, explicit or
// top-bits segment selection and segments shared between address spaces.
#pragma once

#include <cstdint>
#include <vector>

#include "vmsim/os/translation_fault.h"

namespace vmsim::os {

struct SegmentResult {
  uint64_t va = 0;
  unsigned segment = 0;
  bool valid = false;
  uint64_t pa = 0;  // meaningful when valid
  TranslationFault fault = TranslationFault::None;
};

struct SegmentRegister {
  uint64_t base = 0;   // grows up: PA of offset 0; grows down: exclusive top (one past the end)
  uint64_t limit = 0;  // size of the valid part
};

/// segmentation.py: segment 1 iff 2*va >= asize (any even asize, not only powers of two).
/// Segment 0 is valid iff va < limit0, pa = base0 + va; segment 1 is valid iff
/// asize - va <= limit1, pa = base1 - (asize - va).
class TwoSegmentTranslator {
 public:
  TwoSegmentTranslator(uint64_t asize, SegmentRegister seg0, SegmentRegister seg1);
  SegmentResult translate(uint64_t va) const;

 private:
  uint64_t asize_;
  SegmentRegister seg0_;
  SegmentRegister seg1_;
};

struct Segment {
  uint64_t base = 0;  // as in SegmentRegister
  uint64_t limit = 0;
  bool growsDown = false;
  bool read = true;
  bool write = true;
  bool execute = false;
  bool shared = false;  // mapped into several address spaces (informational; often read-only)
  bool allows(AccessKind k) const;
};

/// N segments. With top-bits addressing, the top `selectorBits` of a `vaBits`-bit VA select the
/// segment and the rest is the offset within a span of 2^(vaBits - selectorBits) bytes; explicit
/// addressing passes the selector (like an x86 segment register) and an offset within that span.
/// A grows-down segment is valid for offsets in [span - limit, span) and maps offset o to
/// base - (span - o). Bounds are checked before protection.
class SegmentTranslator {
 public:
  SegmentTranslator(unsigned vaBits, unsigned selectorBits, std::vector<Segment> segments);
  SegmentResult translate(uint64_t va, AccessKind kind = AccessKind::Read) const;
  SegmentResult translate(unsigned selector, uint64_t offset, AccessKind kind) const;
  uint64_t span() const { return span_; }
  const Segment& segment(unsigned i) const { return segments_.at(i); }
  void setSegment(unsigned i, const Segment& s) { segments_.at(i) = s; }

 private:
  unsigned vaBits_;
  unsigned offsetBits_;
  uint64_t span_;
  std::vector<Segment> segments_;
};

}  // namespace vmsim::os
