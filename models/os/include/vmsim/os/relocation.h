// Base-and-bounds (dynamic relocation) address translation, OSTEP ch. 15 and relocation.py.
#pragma once

#include <cstdint>

#include "vmsim/os/translation_fault.h"

namespace vmsim::os {

struct RelocationResult {
  uint64_t va = 0;
  bool valid = false;
  uint64_t pa = 0;  // meaningful when valid
  TranslationFault fault = TranslationFault::None;
};

/// Valid iff va < limit (a plain comparison; va == limit faults); then pa = base + va.
class BaseBoundsTranslator {
 public:
  BaseBoundsTranslator(uint64_t base, uint64_t limit) : base_(base), limit_(limit) {}
  RelocationResult translate(uint64_t va) const;
  uint64_t base() const { return base_; }
  uint64_t limit() const { return limit_; }

 private:
  uint64_t base_;
  uint64_t limit_;
};

}  // namespace vmsim::os
