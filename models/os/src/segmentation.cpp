// Segment translation: segmentation.py's two segments and a general N-segment table (OSTEP ch. 16).
#include "vmsim/os/segmentation.h"

#include <stdexcept>
#include <string>

namespace vmsim::os {

TwoSegmentTranslator::TwoSegmentTranslator(uint64_t asize, SegmentRegister seg0,
                                           SegmentRegister seg1)
    : asize_(asize), seg0_(seg0), seg1_(seg1) {
  if (asize == 0) throw std::invalid_argument("address-space size must be positive");
}

SegmentResult TwoSegmentTranslator::translate(uint64_t va) const {
  SegmentResult r;
  r.va = va;
  r.fault = TranslationFault::Bounds;
  if (va >= asize_) {
    r.segment = 1;
    r.fault = TranslationFault::AddressOutOfRange;
    return r;
  }
  if (2 * va < asize_) {  // exact asize/2 split, also for sizes that are not powers of two
    r.segment = 0;
    r.valid = va < seg0_.limit;
    if (r.valid) r.pa = seg0_.base + va;
  } else {
    r.segment = 1;
    const uint64_t below = asize_ - va;  // the negative offset's magnitude, >= 1
    r.valid = below <= seg1_.limit && below <= seg1_.base;
    if (r.valid) r.pa = seg1_.base - below;
  }
  if (r.valid) r.fault = TranslationFault::None;
  return r;
}

bool Segment::allows(AccessKind k) const {
  switch (k) {
    case AccessKind::Read:
      return read;
    case AccessKind::Write:
      return write;
    case AccessKind::Execute:
      return execute;
  }
  return false;
}

SegmentTranslator::SegmentTranslator(unsigned vaBits, unsigned selectorBits,
                                     std::vector<Segment> segments)
    : vaBits_(vaBits), segments_(std::move(segments)) {
  if (vaBits == 0 || vaBits > 63 || selectorBits > vaBits)
    throw std::invalid_argument("segmentation needs 0 < vaBits <= 63 and selectorBits <= vaBits");
  offsetBits_ = vaBits - selectorBits;
  span_ = 1ull << offsetBits_;
  if (segments_.size() > (1ull << selectorBits))
    throw std::invalid_argument(std::to_string(segments_.size()) + " segments do not fit in " +
                                std::to_string(selectorBits) + " selector bits");
}

SegmentResult SegmentTranslator::translate(uint64_t va, AccessKind kind) const {
  if (va >> vaBits_) {
    SegmentResult r;
    r.va = va;
    r.fault = TranslationFault::AddressOutOfRange;
    return r;
  }
  SegmentResult r = translate(static_cast<unsigned>(va >> offsetBits_), va & (span_ - 1), kind);
  r.va = va;
  return r;
}

SegmentResult SegmentTranslator::translate(unsigned selector, uint64_t offset,
                                           AccessKind kind) const {
  SegmentResult r;
  r.va = (static_cast<uint64_t>(selector) << offsetBits_) | offset;
  r.segment = selector;
  if (selector >= segments_.size() || offset >= span_) {
    r.fault = TranslationFault::Bounds;
    return r;
  }
  const Segment& s = segments_[selector];
  const uint64_t below = span_ - offset;
  const bool inBounds = s.growsDown ? below <= s.limit && below <= s.base : offset < s.limit;
  if (!inBounds) {
    r.fault = TranslationFault::Bounds;
  } else if (!s.allows(kind)) {
    r.fault = TranslationFault::Protection;
  } else {
    r.valid = true;
    r.pa = s.growsDown ? s.base - below : s.base + offset;
  }
  return r;
}

}  // namespace vmsim::os
