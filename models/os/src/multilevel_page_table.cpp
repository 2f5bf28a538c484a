// Two-level translation through one-byte PDEs/PTEs (paging-multilevel-translate.py's rule).
#include "vmsim/os/multilevel_page_table.h"

#include <stdexcept>
#include <string>

namespace vmsim::os {

uint8_t ByteImage::readByte(uint64_t pa) const {
  if (pa >= bytes_.size())
    throw std::out_of_range("physical address " + std::to_string(pa) + " beyond a " +
                            std::to_string(bytes_.size()) + "-byte memory image");
  return bytes_[pa];
}

TwoLevelByteTable::TwoLevelByteTable(const PhysicalByteReader& memory, uint64_t pdbr,
                                     uint64_t pageSize, unsigned vaBits)
    : memory_(memory), pdbr_(pdbr), pageSize_(pageSize), offsetBits_(0), vaBits_(vaBits) {
  if (pageSize < 2 || (pageSize & (pageSize - 1)) != 0)
    throw std::invalid_argument("page size " + std::to_string(pageSize) +
                                " is not a power of two >= 2");
  while ((1ull << offsetBits_) < pageSize) ++offsetBits_;
  if (vaBits <= 2 * offsetBits_ || vaBits > 63)
    throw std::invalid_argument(std::to_string(vaBits) + "-bit VAs leave no directory index");
}

MultiLevelResult TwoLevelByteTable::translate(uint64_t va) const {
  if (va >> vaBits_)
    throw std::out_of_range("VA " + std::to_string(va) + " exceeds " + std::to_string(vaBits_) +
                            " bits");
  const uint64_t mask = pageSize_ - 1;
  MultiLevelResult r;
  r.va = va;
  r.pdeIndex = va >> (2 * offsetBits_);
  r.pde = memory_.readByte(pdbr_ * pageSize_ + r.pdeIndex);
  r.pdeValid = (r.pde & kValid) != 0;
  r.pdePfn = r.pde & kNumberMask;
  if (!r.pdeValid) {
    r.fault = TranslationFault::DirectoryInvalid;
    return r;
  }
  r.pteIndex = (va >> offsetBits_) & mask;
  r.pte = memory_.readByte(r.pdePfn * pageSize_ + *r.pteIndex);
  r.pteValid = (*r.pte & kValid) != 0;
  r.ptePfn = *r.pte & kNumberMask;
  if (!*r.pteValid) {
    r.fault = TranslationFault::PageInvalid;
    return r;
  }
  r.pa = *r.ptePfn * pageSize_ + (va & mask);
  r.value = memory_.readByte(*r.pa);
  return r;
}

}  // namespace vmsim::os
