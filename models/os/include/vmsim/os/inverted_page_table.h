// A hashed inverted page table (OSTEP ch. 20, the PowerPC/IA-64 style): one entry per physical
// frame holding (ASID, VPN), a hash anchor table of chain heads, and chaining through the frames.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace vmsim::os {

struct InvertedLookup {
  std::optional<uint64_t> frame;  // empty when (asid, vpn) is not mapped
  uint64_t memoryReads = 0;       // one for the anchor plus one per chained entry visited
};

class InvertedPageTable {
 public:
  /// `frames` physical frames and `anchors` hash buckets (both >= 1).
  InvertedPageTable(uint64_t frames, uint64_t anchors);
  /// Maps (asid, vpn) to a free frame; std::invalid_argument if the frame is in use or the pair is
  /// already mapped. The new entry goes to the head of its chain.
  void map(uint32_t asid, uint64_t vpn, uint64_t frame);
  /// Frees a frame; std::invalid_argument if it was not mapped.
  void unmap(uint64_t frame);
  InvertedLookup lookup(uint32_t asid, uint64_t vpn) const;
  /// The anchor bucket (asid, vpn) hashes to.
  uint64_t bucketOf(uint32_t asid, uint64_t vpn) const;
  uint64_t frames() const { return entries_.size(); }
  uint64_t mappedFrames() const { return mapped_; }

 private:
  static constexpr uint64_t kNone = ~0ull;
  struct Entry {
    bool valid = false;
    uint32_t asid = 0;
    uint64_t vpn = 0;
    uint64_t next = kNone;
  };
  std::vector<Entry> entries_;
  std::vector<uint64_t> anchor_;
  uint64_t mapped_ = 0;
};

}  // namespace vmsim::os
