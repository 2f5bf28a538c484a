// Sparse DRAM contents (page-granular allocation on write; unwritten bytes read as zero).
#include "vmsim/dram/backing_store.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace vmsim::dram {

BackingStore::BackingStore(uint64_t pageBytes) : pageBytes_(pageBytes) {
  if (pageBytes == 0 || (pageBytes & (pageBytes - 1)) != 0)
    throw std::invalid_argument("BackingStore page size must be a power of two, got " +
                                std::to_string(pageBytes));
  while ((uint64_t{1} << pageShift_) < pageBytes) ++pageShift_;
}

void BackingStore::FreeDeleter::operator()(uint8_t* p) const {
  std::free(p);
}

uint8_t* BackingStore::findOrCreate(uint64_t pn) {
  const uint64_t top = pn >> kLeafBits;
  if (top >= leaves_.size()) leaves_.resize(top + 1);
  if (!leaves_[top]) leaves_[top] = std::make_unique<Leaf>();
  uint8_t*& slot = leaves_[top]->page[pn & ((1u << kLeafBits) - 1)];
  if (!slot) {
    if (arenaUsed_ == kArenaPages) {
      // calloc: for blocks this large the C library maps fresh zero pages from the OS, which
      // are only touched (and faulted in) when a page is really written.
      auto* mem = static_cast<uint8_t*>(std::calloc(kArenaPages, pageBytes_));
      if (!mem) throw std::bad_alloc();
      arenas_.emplace_back(mem);
      arenaUsed_ = 0;
    }
    slot = arenas_.back().get() + (arenaUsed_++) * pageBytes_;
    ++pages_;
  }
  return slot;
}

void BackingStore::read(uint64_t addr, uint8_t* dst, size_t len) const {
  while (len > 0) {
    const uint64_t off = addr & (pageBytes_ - 1);
    const size_t n = size_t(std::min<uint64_t>(len, pageBytes_ - off));
    const uint8_t* page = find(addr >> pageShift_);
    if (!page)
      std::memset(dst, 0, n);
    else
      std::memcpy(dst, page + off, n);
    addr += n, dst += n, len -= n;
  }
}

void BackingStore::write(uint64_t addr, const uint8_t* src, size_t len) {
  while (len > 0) {
    const uint64_t off = addr & (pageBytes_ - 1);
    const size_t n = size_t(std::min<uint64_t>(len, pageBytes_ - off));
    std::memcpy(findOrCreate(addr >> pageShift_) + off, src, n);
    addr += n, src += n, len -= n;
  }
}

}  // namespace vmsim::dram
