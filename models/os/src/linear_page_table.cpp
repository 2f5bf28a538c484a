// Linear page-table translation (paging-linear-translate.py's rule).
#include "vmsim/os/linear_page_table.h"

#include <stdexcept>
#include <utility>

namespace vmsim::os {

LinearPageTable::LinearPageTable(uint64_t pageSize, std::vector<uint32_t> entries)
    : pageSize_(pageSize), offsetBits_(0), entries_(std::move(entries)) {
  if (pageSize == 0 || (pageSize & (pageSize - 1)) != 0)
    throw std::invalid_argument("page size " + std::to_string(pageSize) + " is not a power of two");
  while ((1ull << offsetBits_) < pageSize) ++offsetBits_;
}

LinearResult LinearPageTable::translate(uint64_t va) const {
  LinearResult r;
  r.va = va;
  r.vpn = va >> offsetBits_;
  if (r.vpn >= entries_.size()) {
    r.fault = TranslationFault::AddressOutOfRange;
    return r;
  }
  const uint32_t e = entries_[r.vpn];
  r.valid = LinearPte::valid(e);
  if (r.valid) {
    r.pa = (static_cast<uint64_t>(LinearPte::pfn(e)) << offsetBits_) | (va & (pageSize_ - 1));
  } else {
    r.fault = TranslationFault::PageInvalid;
  }
  return r;
}

}  // namespace vmsim::os
