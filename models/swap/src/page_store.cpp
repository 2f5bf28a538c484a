// Contents of the swap device: page buffers keyed by slot, recycled through a spare list.
#include "vmsim/swap/page_store.h"

#include <algorithm>
#include <string>

namespace vmsim::swap {

PageStore::PageStore(uint32_t pageBytes, uint64_t capacitySlots)
    : pageBytes_(pageBytes), slots_(capacitySlots) {
  if (pageBytes == 0) throw std::invalid_argument("swap: page size must be > 0");
}

void PageStore::requireAllocated(uint64_t slot, const char* operation) const {
  if (!slots_.isAllocated(slot))
    throw std::logic_error(std::string("swap: ") + operation + " of slot " + std::to_string(slot) +
                           " which is not allocated");
}

void PageStore::free(uint64_t first, uint64_t count) {
  slots_.release(first, count);
  for (uint64_t slot = first; slot < first + count; ++slot) {
    auto it = pages_.find(slot);
    if (it == pages_.end()) continue;
    spare_.push_back(std::move(it->second));
    pages_.erase(it);
  }
}

void PageStore::write(uint64_t slot, const uint8_t* page) {
  requireAllocated(slot, "write");
  auto [it, inserted] = pages_.try_emplace(slot);
  if (inserted) {
    if (!spare_.empty()) {
      it->second = std::move(spare_.back());
      spare_.pop_back();
    } else {
      it->second.resize(pageBytes_);
    }
  }
  std::copy(page, page + pageBytes_, it->second.begin());
}

void PageStore::write(uint64_t slot, const std::vector<uint8_t>& page) {
  if (page.size() != pageBytes_)
    throw std::invalid_argument("swap: write of " + std::to_string(page.size()) +
                                " bytes, page size is " + std::to_string(pageBytes_));
  write(slot, page.data());
}

void PageStore::read(uint64_t slot, uint8_t* page) const {
  requireAllocated(slot, "read");
  auto it = pages_.find(slot);
  if (it == pages_.end())
    std::fill(page, page + pageBytes_, uint8_t{0});
  else
    std::copy(it->second.begin(), it->second.end(), page);
}

std::vector<uint8_t> PageStore::read(uint64_t slot) const {
  std::vector<uint8_t> page(pageBytes_);
  read(slot, page.data());
  return page;
}

}  // namespace vmsim::swap
