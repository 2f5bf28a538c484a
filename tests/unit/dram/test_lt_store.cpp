// LT timing model (busy-until banks/bus with the same checker) and the sparse backing store.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "vmsim/dram/backing_store.h"
#include "vmsim/dram/lt_timing_model.h"

using namespace vmsim::dram;

namespace {

uint64_t at(const LtTimingModel& m, unsigned rank, unsigned bg, unsigned bank, uint32_t row,
            uint32_t col) {
  DramAddress d;
  d.rank = rank, d.bankGroup = bg, d.bank = bank, d.row = row, d.column = col;
  return AddressMapping(m.config().ctrl.mapping, m.config().org).encode(d);
}

TEST(dramLtTiming, UnloadedLatenciesMatchTheAtController) {
  LtTimingModel m(preset("DDR4-2400"));
  EXPECT_EQ(m.access(at(m, 0, 1, 1, 4, 0), false, 100) - 100, 39u);
  EXPECT_EQ(m.access(at(m, 0, 1, 1, 4, 1), false, 1000) - 1000, 22u);
  EXPECT_EQ(m.access(at(m, 0, 1, 1, 8, 0), false, 2000) - 2000, 56u);
  EXPECT_EQ(m.stats().rowHits, 1u);
  EXPECT_EQ(m.stats().rowMisses, 1u);
  EXPECT_EQ(m.stats().rowConflicts, 1u);
}

TEST(dramLtTiming, BackToBackAccessesContendForBankAndBus) {
  LtTimingModel m(preset("DDR4-2400"));
  const uint64_t a = m.access(at(m, 0, 0, 0, 1, 0), false, 0);
  const uint64_t b = m.access(at(m, 0, 0, 0, 1, 1), false, 0);  // same row, tCCD_L later
  const uint64_t c = m.access(at(m, 0, 1, 0, 1, 0), false, 0);  // other bank group: ACT, tRRD_S
  EXPECT_EQ(b - a, 6u);
  EXPECT_GT(c, a);
  const uint64_t d = m.access(at(m, 0, 0, 0, 2, 0), false, 0);  // conflict waits for tRAS
  EXPECT_GE(d, 1u + 39u + 17u + 17u + 21u);
}

TEST(dramLtTiming, RefreshIsAppliedWhenDue) {
  LtTimingModel m(preset("DDR4-2400"));
  m.access(at(m, 0, 0, 0, 1, 0), false, 4000);
  const uint64_t t = m.access(at(m, 0, 0, 0, 1, 1), false, 4690);
  EXPECT_EQ(m.stats().refCmds, 1u);
  EXPECT_GE(t, 4680u + 17u + 420u + 17u + 21u);  // PRE, REF, tRFC, ACT, RD
  const uint64_t later = m.access(at(m, 0, 0, 0, 1, 2), false, 20000);
  EXPECT_EQ(m.stats().refCmds, 4u);  // 4680, 9360, 14040, 18720
  EXPECT_GT(later, 20000u);
}

// The page policy acts in LT: closed page precharges after each access (auto-precharge), so a
// stream through one row never hits; open page keeps the row for the next access. Without a
// queue the adaptive policies see no other request: open_adaptive acts as open, closed_adaptive
// as closed (documented in models/dram/README.md; Dram warns at elaboration).
DramStats ltRun(const std::string& pagePolicy) {
  DramConfig c = preset("DDR4-2400");
  c.ctrl.pagePolicy = pagePolicy;
  c.ctrl.refresh = "none";  // no refresh closing a row in the middle
  LtTimingModel m(c);
  uint64_t t = 0;
  for (uint32_t i = 0; i < 256; ++i) {  // two passes over 4 rows of one bank, 32 bursts each
    const uint32_t row = (i / 32) % 4;
    t = m.access(at(m, 0, 0, 0, row, i % 32), i % 3 == 0, t + 10) - 9;
  }
  return m.stats();
}

TEST(dramLtTiming, PagePolicyActsInLt) {
  const DramStats open = ltRun("open"), closed = ltRun("closed");
  EXPECT_EQ(open.rowHits, 256u - 8u);  // one ACT per row visit
  EXPECT_EQ(open.rowMisses + open.rowConflicts, 8u);
  EXPECT_EQ(closed.rowHits, 0u);
  EXPECT_EQ(closed.rowMisses, 256u);
  EXPECT_EQ(closed.actCmds, 256u);
  EXPECT_GT(open.rowHitRate(), 0.9);
  EXPECT_EQ(closed.rowHitRate(), 0.0);
  EXPECT_GT(closed.readLatency.average(), open.readLatency.average());
  const DramStats oa = ltRun("open_adaptive"), ca = ltRun("closed_adaptive");
  EXPECT_EQ(oa.rowHits, open.rowHits);
  EXPECT_EQ(oa.actCmds, open.actCmds);
  EXPECT_EQ(oa.readLatency.average(), open.readLatency.average());
  EXPECT_EQ(ca.rowHits, closed.rowHits);
  EXPECT_EQ(ca.actCmds, closed.actCmds);
  EXPECT_EQ(ca.readLatency.average(), closed.readLatency.average());
}

TEST(dramLtTiming, WritesCompleteAfterWriteLatency) {
  LtTimingModel m(preset("DDR4-2400"));
  EXPECT_EQ(m.access(at(m, 1, 0, 0, 1, 0), true, 50) - 50, 1u + 17u + 16u);
}

TEST(dramBackingStore, UnwrittenBytesReadAsZero) {
  BackingStore s;
  std::vector<uint8_t> buf(100, 0xAA);
  s.read(0x123456789, buf.data(), buf.size());
  EXPECT_TRUE(std::all_of(buf.begin(), buf.end(), [](uint8_t b) { return b == 0; }));
  EXPECT_EQ(s.pagesAllocated(), 0u);
}

TEST(dramBackingStore, WritesSpanPagesAndReadBack) {
  BackingStore s(4096);
  std::vector<uint8_t> in(10000);
  std::iota(in.begin(), in.end(), uint8_t(1));
  s.write(4000, in.data(), in.size());
  EXPECT_EQ(s.pagesAllocated(), 4u);  // 4000..13999 touches pages 0..3
  std::vector<uint8_t> out(in.size());
  s.read(4000, out.data(), out.size());
  EXPECT_EQ(in, out);
  uint8_t edge[8];
  s.read(3996, edge, 8);
  EXPECT_EQ(edge[3], 0);
  EXPECT_EQ(edge[4], 1);
  EXPECT_THROW(BackingStore(1000), std::invalid_argument);
}

}  // namespace

namespace {

// A reference model of the store: every byte ever written, zero elsewhere.
struct FlatMemory {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(1 << 20, 0);
  void write(uint64_t a, const uint8_t* src, size_t n) {
    for (size_t i = 0; i < n; ++i) bytes[a + i] = src ? src[i] : 0;
  }
};

TEST(dramBackingStore, StoresScatteredWritesInChunksNotPages) {
  BackingStore s;
  ASSERT_EQ(s.chunkBytes(), 64u);
  const uint64_t v = 0x1122334455667788;
  // One 8-byte store into each of 100 pages: 100 chunks of host memory, not 100 pages.
  for (uint64_t p = 0; p < 100; ++p) {
    s.write(p * 4096 * 7 + 8 * (p % 500), reinterpret_cast<const uint8_t*>(&v), 8);
  }
  EXPECT_EQ(s.pagesAllocated(), 100u);
  EXPECT_EQ(s.storedBytes(), 100u * 64);
  uint64_t back = 0;
  s.read(7 * 4096 * 3 + 24, reinterpret_cast<uint8_t*>(&back), 8);
  EXPECT_EQ(back, v);
}

TEST(dramBackingStore, ZeroWritesStoreNothingAndClearStoredBytes) {
  BackingStore s;
  const std::vector<uint8_t> zeros(3 * 4096, 0);
  s.write(4096, zeros.data(), zeros.size());  // a zero-filled frame costs nothing
  s.write(100 * 4096, nullptr, 4096);
  EXPECT_EQ(s.pagesAllocated(), 0u);
  EXPECT_EQ(s.storedBytes(), 0u);
  const uint8_t ones[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  s.write(4096 + 60, ones, 16);  // straddles chunks 0 and 1 of page 1
  EXPECT_EQ(s.storedBytes(), 128u);
  s.write(4096, nullptr, 4096);  // zeros over stored chunks: they read as zero again
  uint8_t back[16];
  s.read(4096 + 60, back, 16);
  for (uint8_t b : back) EXPECT_EQ(b, 0);
  EXPECT_EQ(s.storedBytes(), 0u);  // and their memory is given back
  EXPECT_EQ(s.pagesAllocated(), 0u);
  // A page that became full from its data, then zero-filled (a frame reused): nothing stored.
  std::vector<uint8_t> data(4096, 0x5a);
  s.write(8 * 4096, data.data(), data.size());
  EXPECT_EQ(s.storedBytes(), 4096u);
  s.write(8 * 4096, zeros.data(), 4096);
  EXPECT_EQ(s.storedBytes(), 0u);
  // Zeros over part of a chunk keep it (its other bytes); over the whole chunk they drop it.
  s.write(9 * 4096 + 128, data.data(), 64);
  s.write(9 * 4096 + 130, nullptr, 8);
  EXPECT_EQ(s.storedBytes(), 64u);
  s.read(9 * 4096 + 128, back, 4);
  EXPECT_EQ(back[0], 0x5a);
  EXPECT_EQ(back[2], 0);
  s.write(9 * 4096 + 128, zeros.data(), 64);
  EXPECT_EQ(s.storedBytes(), 0u);
}

TEST(dramBackingStore, PageIsContiguousKeepsItsBytesAndStaysPut) {
  BackingStore s;
  const uint8_t a[4] = {9, 8, 7, 6};
  s.write(0x5000 + 200, a, 4);
  s.write(0x5000 + 4000, a, 4);
  uint8_t* p = s.page(0x5123);
  EXPECT_EQ(p[200], 9);
  EXPECT_EQ(p[203], 6);
  EXPECT_EQ(p[4000], 9);
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(s.storedBytes(), 4096u);  // a full page now
  p[8] = 0x42;                        // host writes through the page are the store's bytes
  uint8_t b = 0;
  s.read(0x5008, &b, 1);
  EXPECT_EQ(b, 0x42);
  s.write(0x5000, nullptr, 4096);  // a full page stays one, at the same address
  EXPECT_EQ(s.page(0x5000), p);
  EXPECT_EQ(p[200], 0);
  EXPECT_EQ(s.pagesAllocated(), 1u);
}

TEST(dramBackingStore, AgreesWithAFlatMemoryUnderRandomWrites) {
  // Random writes of random lengths (zeros among them) over 256 pages, promotions to full pages
  // included: every byte reads back as a flat memory says.
  BackingStore s;
  FlatMemory ref;
  std::mt19937_64 rng(7);
  std::vector<uint8_t> buf(9000);
  for (int i = 0; i < 4000; ++i) {
    const uint64_t a = rng() % (ref.bytes.size() - buf.size());
    const size_t n = 1 + rng() % (i % 50 == 0 ? buf.size() : 80);
    const int kind = static_cast<int>(rng() % 4);
    for (size_t k = 0; k < n; ++k) buf[k] = kind == 0 ? 0 : static_cast<uint8_t>(rng());
    s.write(a, kind == 1 ? nullptr : buf.data(), n);
    ref.write(a, kind == 1 ? nullptr : buf.data(), n);
  }
  std::vector<uint8_t> out(ref.bytes.size());
  s.read(0, out.data(), out.size());
  EXPECT_TRUE(out == ref.bytes);
  for (int i = 0; i < 500; ++i) {
    const uint64_t a = rng() % (ref.bytes.size() - 300);
    const size_t n = 1 + rng() % 300;
    std::vector<uint8_t> piece(n);
    s.read(a, piece.data(), n);
    ASSERT_TRUE(std::equal(piece.begin(), piece.end(), ref.bytes.begin() + a)) << a << " " << n;
  }
  EXPECT_LE(s.storedBytes(), uint64_t{s.pagesAllocated()} * 4096);
}

TEST(dramBackingStore, FullPageAnswersHoldWhileTheLayoutEpochHolds) {
  BackingStore s;
  EXPECT_EQ(s.fullPage(0x3000), nullptr);  // nothing stored
  uint8_t line[64];
  for (unsigned i = 0; i < 64; ++i) line[i] = static_cast<uint8_t>(i + 1);
  s.write(0x3000, line, 64);
  EXPECT_EQ(s.fullPage(0x3000), nullptr);  // one chunk: not a block of its own
  uint64_t e = s.layoutEpoch();
  for (unsigned c = 1; c <= 32; ++c) s.write(0x3000 + c * 64, line, 64);  // past half: full
  EXPECT_NE(s.layoutEpoch(), e);
  uint8_t* p = s.fullPage(0x3abc);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p[0], 1);
  EXPECT_EQ(p[32 * 64 + 63], 64);
  e = s.layoutEpoch();
  s.write(0x3010, nullptr, 16);  // in place: the block stays, the epoch too
  s.write(0x7000, line, 8);      // another page in pieces: not a full page's change
  EXPECT_EQ(s.layoutEpoch(), e);
  EXPECT_EQ(s.fullPage(0x3000), p);
  s.write(0x3000, nullptr, 4096);  // zeros over all of it: the block goes back
  EXPECT_NE(s.layoutEpoch(), e);
  EXPECT_EQ(s.fullPage(0x3000), nullptr);
  // A page handed out by page() is a full page for good.
  uint8_t* q = s.page(0x9000);
  e = s.layoutEpoch();
  s.write(0x9000, nullptr, 4096);
  EXPECT_EQ(s.layoutEpoch(), e);
  EXPECT_EQ(s.fullPage(0x9000), q);
}

TEST(dramBackingStore, DirectUserKeepingFullPagesAgreesWithAFlatMemory) {
  // A user as a cache's direct path is (Cache::setDirectData): it keeps the pointers fullPage()
  // gave, per page, with the epoch they came with, and moves bytes through them while the epoch
  // holds; the store's read()/write() otherwise. Whole-page zero writes give full pages back
  // (and later ones fill again), so stale pointers would show as wrong bytes.
  BackingStore s;
  FlatMemory ref;
  std::mt19937_64 rng(11);
  struct Kept {
    uint8_t* bytes = nullptr;
    uint64_t epoch = ~uint64_t{0};
  };
  std::vector<Kept> kept(ref.bytes.size() / 4096);
  auto direct = [&](uint64_t a) -> uint8_t* {
    Kept& k = kept[a / 4096];
    if (k.epoch != s.layoutEpoch()) k = {s.fullPage(a), s.layoutEpoch()};
    return k.bytes;
  };
  uint64_t directMoves = 0;
  uint8_t buf[64];
  for (int i = 0; i < 200000; ++i) {
    const uint64_t page = rng() % 8;  // a few pages, so they fill, empty and fill again
    const int kind = static_cast<int>(rng() % 100);
    if (kind == 0) {
      s.write(page * 4096, nullptr, 4096);
      ref.write(page * 4096, nullptr, 4096);
      continue;
    }
    const size_t n = 1 + rng() % 64;
    const uint64_t a = page * 4096 + rng() % (4096 - n + 1);
    if (kind < 50) {  // a store
      for (size_t k = 0; k < n; ++k) buf[k] = static_cast<uint8_t>(rng() | 1);
      ref.write(a, buf, n);
      if (uint8_t* p = direct(a)) {
        std::memcpy(p + a % 4096, buf, n);
        ++directMoves;
      } else {
        s.write(a, buf, n);
      }
    } else {  // a load
      uint8_t got[64];
      if (uint8_t* p = direct(a)) {
        std::memcpy(got, p + a % 4096, n);
        ++directMoves;
      } else {
        s.read(a, got, n);
      }
      ASSERT_TRUE(std::equal(got, got + n, ref.bytes.begin() + a)) << i << " at " << a;
    }
  }
  EXPECT_GT(directMoves, 100000u);  // the direct path was taken most of the time
  std::vector<uint8_t> out(8 * 4096);
  s.read(0, out.data(), out.size());
  EXPECT_TRUE(std::equal(out.begin(), out.end(), ref.bytes.begin()));
}

}  // namespace
