// Names of the translation fault kinds.
#include "vmsim/os/translation_fault.h"

namespace vmsim::os {

std::string toString(TranslationFault f) {
  switch (f) {
    case TranslationFault::None:
      return "none";
    case TranslationFault::Bounds:
      return "bounds";
    case TranslationFault::Protection:
      return "protection";
    case TranslationFault::DirectoryInvalid:
      return "directory invalid";
    case TranslationFault::PageInvalid:
      return "page invalid";
    case TranslationFault::AddressOutOfRange:
      return "address out of range";
  }
  return "unknown";
}

}  // namespace vmsim::os
