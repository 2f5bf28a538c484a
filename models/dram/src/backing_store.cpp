// Sparse DRAM contents (page-granular allocation on write; unwritten bytes read as zero).
#include "vmsim/dram/backing_store.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace vmsim::dram {

BackingStore::BackingStore(uint64_t pageBytes) : pageBytes_(pageBytes) {
  if (pageBytes == 0 || (pageBytes & (pageBytes - 1)) != 0)
    throw std::invalid_argument("BackingStore page size must be a power of two, got " +
                                std::to_string(pageBytes));
}

void BackingStore::read(uint64_t addr, uint8_t* dst, size_t len) const {
  while (len > 0) {
    const uint64_t off = addr & (pageBytes_ - 1);
    const size_t n = size_t(std::min<uint64_t>(len, pageBytes_ - off));
    auto it = pages_.find(addr / pageBytes_);
    if (it == pages_.end())
      std::memset(dst, 0, n);
    else
      std::memcpy(dst, it->second.get() + off, n);
    addr += n, dst += n, len -= n;
  }
}

void BackingStore::write(uint64_t addr, const uint8_t* src, size_t len) {
  while (len > 0) {
    const uint64_t off = addr & (pageBytes_ - 1);
    const size_t n = size_t(std::min<uint64_t>(len, pageBytes_ - off));
    auto& page = pages_[addr / pageBytes_];
    if (!page) {
      page.reset(new uint8_t[pageBytes_]);
      std::memset(page.get(), 0, pageBytes_);
    }
    std::memcpy(page.get() + off, src, n);
    addr += n, src += n, len -= n;
  }
}

}  // namespace vmsim::dram
