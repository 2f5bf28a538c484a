// Fault kinds shared by the textbook address-translation cores (OSTEP ch. 15-20).
#pragma once

#include <string>

namespace vmsim::os {

enum class TranslationFault {
  None,
  Bounds,             // outside base-and-bounds or a segment's limit (a segmentation violation)
  Protection,         // the segment or page forbids this kind of access
  DirectoryInvalid,   // multi-level: the page-directory entry's valid bit is clear
  PageInvalid,        // the PTE's valid bit is clear / the page is not mapped
  AddressOutOfRange,  // the VA lies outside the address space the table describes
};

/// Lower-case words, e.g. "bounds", "page invalid".
std::string toString(TranslationFault f);

/// The access being translated; segments and pages carry permission bits for each.
enum class AccessKind { Read, Write, Execute };

}  // namespace vmsim::os
