// Sparse byte store for simulated DRAM contents: zeros wherever nothing non-zero was written.
//
// Storage is allocated in chunks of 1/64 page (64 bytes for 4 KiB pages, a cache line), so a
// page that received a few scattered stores costs a few chunks of host memory, not a page. Each
// page has a slot (a bitmap of its stored chunks and a pointer to them, packed in address order);
// a page whose chunks pass half of it, or one asked for with page(), becomes a full page (every
// bit set, the chunks are the page's bytes in order); one asked for with page() stays one, at a
// fixed host address. Writing zeros where nothing is stored stores nothing, and zeros over a whole
// stored chunk (or a whole full page not handed out by page()) give its memory back, so
// zero-filled frames cost no host memory.
// Slots are found through a two-level table (512 pages per leaf) instead of a hash map; chunk
// arrays come from per-size free lists carved out of large arenas (no allocation per access).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace vmsim::dram {

class BackingStore {
 public:
  explicit BackingStore(uint64_t pageBytes = 4096);
  ~BackingStore();
  BackingStore(const BackingStore&) = delete;
  BackingStore& operator=(const BackingStore&) = delete;

  void read(uint64_t addr, uint8_t* dst, size_t len) const;
  /// Stores `len` bytes from `src` at `addr`; src == nullptr writes zeros (stored bytes become
  /// zero, where nothing is stored nothing is allocated).
  void write(uint64_t addr, const uint8_t* src, size_t len);
  /// The page holding `addr` as one contiguous block of pageBytes() host bytes (made a full page
  /// first if it is not one). The pointer stays valid for the store's lifetime.
  uint8_t* page(uint64_t addr);
  /// The page holding `addr` if it is stored as one contiguous block already (a full page),
  /// without changing how it is stored; nullptr otherwise (then read()/write() move its bytes).
  /// The answer stays true while layoutEpoch() keeps its value: the epoch changes whenever a page
  /// becomes full or a full page's block is given back (zeros over all of it), the only two
  /// changes of where a full page's bytes are. A caller may keep the pointer (a cache's direct
  /// path for program data, Cache::setDirectData) and check the epoch at each use.
  uint8_t* fullPage(uint64_t addr) const {
    const Slot* s = find(addr >> pageShift_);
    return s && s->present == kFull ? s->data : nullptr;
  }
  const uint64_t& layoutEpoch() const { return epoch_; }

  /// Pages with at least one stored chunk.
  size_t pagesAllocated() const { return pages_; }
  /// Host bytes holding stored chunks (full pages count whole).
  uint64_t storedBytes() const { return storedChunks_ * chunkBytes_; }
  uint64_t pageBytes() const { return pageBytes_; }
  uint64_t chunkBytes() const { return chunkBytes_; }

 private:
  static constexpr unsigned kChunksPerPage = 64;  // one bit each in Slot::present
  static constexpr uint64_t kFull = ~uint64_t{0};
  static constexpr unsigned kLeafBits = 9;  // pages per leaf: 512
  struct Slot {
    uint64_t present = 0;     // bit i: chunk i is stored
    uint8_t* data = nullptr;  // popcount(present) chunks, in address order
  };
  struct Leaf {
    Slot slot[size_t{1} << kLeafBits];
    uint64_t pinned[(size_t{1} << kLeafBits) / 64] = {};  // handed out by page(): never moves
  };
  const Slot* find(uint64_t pn) const {
    const uint64_t top = pn >> kLeafBits;
    if (top >= leaves_.size() || !leaves_[top]) return nullptr;
    return &leaves_[top]->slot[pn & ((1u << kLeafBits) - 1)];
  }
  Slot& slotOf(uint64_t pn);
  bool pinned(uint64_t pn) const {
    const uint64_t i = pn & ((1u << kLeafBits) - 1);
    return leaves_[pn >> kLeafBits]->pinned[i / 64] >> (i % 64) & 1;
  }
  /// Drops stored chunk `c` of `s` (it became zero).
  void dropChunk(Slot& s, unsigned c);
  /// The stored chunk `c` of `s`, adding it (zero) if absent.
  uint8_t* chunk(Slot& s, unsigned c);
  void makeFull(Slot& s);
  uint8_t* allocChunks(unsigned n);
  void freeChunks(uint8_t* p, unsigned n);

  uint64_t pageBytes_;
  uint64_t chunkBytes_;
  unsigned pageShift_ = 0;
  unsigned chunkShift_ = 0;
  size_t pages_ = 0;
  uint64_t epoch_ = 0;  // see layoutEpoch()
  uint64_t storedChunks_ = 0;
  std::vector<std::unique_ptr<Leaf>> leaves_;
  // Free blocks of n chunks (n = 1..64), linked through their first bytes.
  std::vector<uint8_t*> free_;
  std::vector<uint8_t*> arenas_;
  uint8_t* arenaNext_ = nullptr;
  uint8_t* arenaEnd_ = nullptr;
};

}  // namespace vmsim::dram
