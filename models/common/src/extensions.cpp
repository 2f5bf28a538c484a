// String names of the access and fault kinds, used in reports and stats.
#include "vmsim/common/extensions.h"

namespace vmsim {

const char* toString(AccessKind k) {
  switch (k) {
    case AccessKind::Load:
      return "load";
    case AccessKind::Store:
      return "store";
    case AccessKind::Fetch:
      return "fetch";
  }
  return "?";
}

const char* toString(FaultKind k) {
  switch (k) {
    case FaultKind::None:
      return "none";
    case FaultKind::NotPresent:
      return "page not present";
    case FaultKind::Protection:
      return "protection violation";
    case FaultKind::Segmentation:
      return "segmentation fault";
    case FaultKind::OutOfMemory:
      return "out of memory";
    case FaultKind::BusError:
      return "bus error";
  }
  return "?";
}

}  // namespace vmsim
