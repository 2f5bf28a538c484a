// Hashed inverted page table: anchor table plus chains through the per-frame entries.
#include "vmsim/os/inverted_page_table.h"

#include <stdexcept>
#include <string>

namespace vmsim::os {

InvertedPageTable::InvertedPageTable(uint64_t frames, uint64_t anchors)
    : entries_(frames), anchor_(anchors, kNone) {
  if (frames == 0 || anchors == 0)
    throw std::invalid_argument("an inverted page table needs at least one frame and one bucket");
}

uint64_t InvertedPageTable::bucketOf(uint32_t asid, uint64_t vpn) const {
  uint64_t x = vpn ^ (static_cast<uint64_t>(asid) << 40);  // splitmix64 finaliser
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x % anchor_.size();
}

void InvertedPageTable::map(uint32_t asid, uint64_t vpn, uint64_t frame) {
  if (frame >= entries_.size())
    throw std::invalid_argument("frame " + std::to_string(frame) + " does not exist");
  if (entries_[frame].valid)
    throw std::invalid_argument("frame " + std::to_string(frame) + " is already mapped");
  if (lookup(asid, vpn).frame)
    throw std::invalid_argument("ASID " + std::to_string(asid) + " VPN " + std::to_string(vpn) +
                                " is already mapped");
  const uint64_t b = bucketOf(asid, vpn);
  entries_[frame] = Entry{true, asid, vpn, anchor_[b]};
  anchor_[b] = frame;
  ++mapped_;
}

void InvertedPageTable::unmap(uint64_t frame) {
  if (frame >= entries_.size() || !entries_[frame].valid)
    throw std::invalid_argument("frame " + std::to_string(frame) + " is not mapped");
  uint64_t* link = &anchor_[bucketOf(entries_[frame].asid, entries_[frame].vpn)];
  while (*link != frame) link = &entries_[*link].next;
  *link = entries_[frame].next;
  entries_[frame] = Entry{};
  --mapped_;
}

InvertedLookup InvertedPageTable::lookup(uint32_t asid, uint64_t vpn) const {
  InvertedLookup r;
  r.memoryReads = 1;  // the anchor
  for (uint64_t f = anchor_[bucketOf(asid, vpn)]; f != kNone; f = entries_[f].next) {
    ++r.memoryReads;
    if (entries_[f].asid == asid && entries_[f].vpn == vpn) {
      r.frame = f;
      break;
    }
  }
  return r;
}

}  // namespace vmsim::os
