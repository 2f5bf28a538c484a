// Sparse DRAM contents: chunk-granular allocation on non-zero writes; unstored bytes read as zero.
#include "vmsim/dram/backing_store.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace vmsim::dram {
namespace {
constexpr size_t kArenaBytes = size_t{1} << 20;

bool allZero(const uint8_t* p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    if (v) return false;
  }
  for (; n > 0; ++p, --n) {
    if (*p) return false;
  }
  return true;
}

// Chunks below chunk `c` that `present` stores: the index of chunk c in the packed array.
unsigned rank(uint64_t present, unsigned c) {
  return static_cast<unsigned>(__builtin_popcountll(present & ((uint64_t{1} << c) - 1)));
}
}  // namespace

BackingStore::BackingStore(uint64_t pageBytes) : pageBytes_(pageBytes) {
  if (pageBytes < kChunksPerPage || (pageBytes & (pageBytes - 1)) != 0 || pageBytes > kArenaBytes) {
    throw std::invalid_argument(
        "BackingStore page size must be a power of two from " + std::to_string(kChunksPerPage) +
        " to " + std::to_string(kArenaBytes) + " bytes, got " + std::to_string(pageBytes));
  }
  chunkBytes_ = pageBytes / kChunksPerPage;
  while ((uint64_t{1} << pageShift_) < pageBytes) ++pageShift_;
  while ((uint64_t{1} << chunkShift_) < chunkBytes_) ++chunkShift_;
  free_.assign(kChunksPerPage + 1, nullptr);
}

BackingStore::~BackingStore() {
  for (uint8_t* a : arenas_) std::free(a);
}

uint8_t* BackingStore::allocChunks(unsigned n) {
  storedChunks_ += n;
  if (uint8_t* p = free_[n]) {
    std::memcpy(&free_[n], p, sizeof(uint8_t*));
    return p;
  }
  const size_t bytes = size_t{n} * chunkBytes_;
  if (static_cast<size_t>(arenaEnd_ - arenaNext_) < bytes) {
    // Fresh arenas come from the OS as untouched zero pages: only the chunks handed out are
    // ever faulted in. Aligned to a page, so full pages never straddle two host pages.
    auto* a = static_cast<uint8_t*>(std::aligned_alloc(pageBytes_, kArenaBytes));
    if (!a) throw std::bad_alloc();
    arenas_.push_back(a);
    arenaNext_ = a;
    arenaEnd_ = a + kArenaBytes;
  }
  uint8_t* p = arenaNext_;
  arenaNext_ += bytes;
  return p;
}

void BackingStore::freeChunks(uint8_t* p, unsigned n) {
  storedChunks_ -= n;
  std::memcpy(p, &free_[n], sizeof(uint8_t*));
  free_[n] = p;
}

BackingStore::Slot& BackingStore::slotOf(uint64_t pn) {
  const uint64_t top = pn >> kLeafBits;
  if (top >= leaves_.size()) leaves_.resize(top + 1);
  if (!leaves_[top]) leaves_[top] = std::make_unique<Leaf>();
  return leaves_[top]->slot[pn & ((1u << kLeafBits) - 1)];
}

void BackingStore::makeFull(Slot& s) {
  if (s.present == kFull) return;
  uint8_t* full = allocChunks(kChunksPerPage);
  unsigned k = 0;
  for (unsigned c = 0; c < kChunksPerPage; ++c) {
    uint8_t* dst = full + (size_t{c} << chunkShift_);
    if (s.present >> c & 1) {
      std::memcpy(dst, s.data + (size_t{k++} << chunkShift_), chunkBytes_);
    } else {
      std::memset(dst, 0, chunkBytes_);
    }
  }
  if (s.present == 0) ++pages_;
  if (k) freeChunks(s.data, k);
  s.present = kFull;
  s.data = full;
  ++epoch_;  // a page became full: fullPage() answers differently
}

uint8_t* BackingStore::chunk(Slot& s, unsigned c) {
  const unsigned at = rank(s.present, c);
  if (s.present >> c & 1) return s.data + (size_t{at} << chunkShift_);
  const unsigned n = static_cast<unsigned>(__builtin_popcountll(s.present));
  if (n + 1 > kChunksPerPage / 2) {
    // Past half a page the packed form saves little and costs copies: a full page from now on.
    makeFull(s);
    return s.data + (size_t{c} << chunkShift_);
  }
  uint8_t* grown = allocChunks(n + 1);
  const size_t below = size_t{at} << chunkShift_;
  if (n) {
    std::memcpy(grown, s.data, below);
    std::memcpy(grown + below + chunkBytes_, s.data + below, (size_t{n - at} << chunkShift_));
    freeChunks(s.data, n);
  } else {
    ++pages_;
  }
  std::memset(grown + below, 0, chunkBytes_);
  s.data = grown;
  s.present |= uint64_t{1} << c;
  return grown + below;
}

void BackingStore::dropChunk(Slot& s, unsigned c) {
  const unsigned n = static_cast<unsigned>(__builtin_popcountll(s.present));
  if (n == kChunksPerPage) {
    // A whole page of zeros (the caller checked that it may go).
    freeChunks(s.data, n);
    s = Slot{};
    --pages_;
    ++epoch_;  // a full page's block was given back: pointers from fullPage() are stale
    return;
  }
  if (n == 1) {
    freeChunks(s.data, 1);
    s = Slot{};
    --pages_;
    return;
  }
  const unsigned at = rank(s.present, c);
  uint8_t* shrunk = allocChunks(n - 1);
  const size_t below = size_t{at} << chunkShift_;
  std::memcpy(shrunk, s.data, below);
  std::memcpy(shrunk + below, s.data + below + chunkBytes_, size_t{n - 1 - at} << chunkShift_);
  freeChunks(s.data, n);
  s.data = shrunk;
  s.present &= ~(uint64_t{1} << c);
}

uint8_t* BackingStore::page(uint64_t addr) {
  const uint64_t pn = addr >> pageShift_;
  Slot& s = slotOf(pn);
  makeFull(s);
  const uint64_t i = pn & ((1u << kLeafBits) - 1);
  leaves_[pn >> kLeafBits]->pinned[i / 64] |= uint64_t{1} << (i % 64);
  return s.data;
}

void BackingStore::read(uint64_t addr, uint8_t* dst, size_t len) const {
  while (len > 0) {
    const uint64_t off = addr & (pageBytes_ - 1);
    const size_t n = size_t(std::min<uint64_t>(len, pageBytes_ - off));
    const Slot* s = find(addr >> pageShift_);
    if (!s || s->present == 0) {
      std::memset(dst, 0, n);
    } else if (s->present == kFull) {
      std::memcpy(dst, s->data + off, n);
    } else {
      // Chunk by chunk within the page.
      uint64_t o = off;
      uint8_t* d = dst;
      for (size_t left = n; left > 0;) {
        const unsigned c = static_cast<unsigned>(o >> chunkShift_);
        const uint64_t co = o & (chunkBytes_ - 1);
        const size_t m = size_t(std::min<uint64_t>(left, chunkBytes_ - co));
        if (s->present >> c & 1) {
          std::memcpy(d, s->data + (size_t{rank(s->present, c)} << chunkShift_) + co, m);
        } else {
          std::memset(d, 0, m);
        }
        o += m, d += m, left -= m;
      }
    }
    addr += n, dst += n, len -= n;
  }
}

void BackingStore::write(uint64_t addr, const uint8_t* src, size_t len) {
  while (len > 0) {
    const uint64_t off = addr & (pageBytes_ - 1);
    const size_t n = size_t(std::min<uint64_t>(len, pageBytes_ - off));
    const uint64_t pn = addr >> pageShift_;
    Slot* s = const_cast<Slot*>(find(pn));
    if (s && s->present == kFull) {
      if (n == pageBytes_ && (!src || allZero(src, n)) && !pinned(pn)) {
        dropChunk(*s, 0);  // a zero-filled page costs nothing again
      } else if (src) {
        std::memcpy(s->data + off, src, n);
      } else {
        std::memset(s->data + off, 0, n);
      }
    } else {
      uint64_t o = off;
      const uint8_t* p = src;
      for (size_t left = n; left > 0;) {
        const unsigned c = static_cast<unsigned>(o >> chunkShift_);
        const uint64_t co = o & (chunkBytes_ - 1);
        const size_t m = size_t(std::min<uint64_t>(left, chunkBytes_ - co));
        const bool stored = s && (s->present >> c & 1);
        if (stored && m == chunkBytes_ && (!p || allZero(p, m))) {
          dropChunk(*s, c);  // zeros over the whole chunk: nothing to keep
        } else if (stored || (p && !allZero(p, m))) {
          if (!s) s = &slotOf(pn);
          uint8_t* dst = chunk(*s, c) + co;
          if (p) {
            std::memcpy(dst, p, m);
          } else {
            std::memset(dst, 0, m);
          }
          if (s->present == kFull) {
            // Became a full page: the rest of this page in one copy.
            const uint64_t rest = o + m;
            const size_t restLen = left - m;
            if (restLen) {
              if (p) {
                std::memcpy(s->data + rest, p + m, restLen);
              } else {
                std::memset(s->data + rest, 0, restLen);
              }
            }
            break;
          }
        }
        o += m, left -= m;
        if (p) p += m;
      }
    }
    addr += n, len -= n;
    if (src) src += n;
  }
}

}  // namespace vmsim::dram
