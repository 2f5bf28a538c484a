// Base-and-bounds translation (relocation.py's rule: valid iff va < limit).
#include "vmsim/os/relocation.h"

namespace vmsim::os {

RelocationResult BaseBoundsTranslator::translate(uint64_t va) const {
  RelocationResult r;
  r.va = va;
  r.valid = va < limit_;
  if (r.valid) {
    r.pa = base_ + va;
  } else {
    r.fault = TranslationFault::Bounds;
  }
  return r;
}

}  // namespace vmsim::os
