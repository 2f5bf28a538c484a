// Page-table formats against their specifications: bit positions (Intel SDM Vol. 3A 4.5 tables
// 4-14 to 4-20; RISC-V privileged spec 4.3.1, 4.4-4.6), encode/decode round trips, the walk's
// classification of entries, canonical ranges and the software encodings.
#include <gtest/gtest.h>

#include "vmsim/paging/format.h"

using namespace vmsim::paging;

namespace {

const Format& fmt(Kind k) {
  return Format::get(k);
}

Entry leafEntry(uint64_t frame) {
  Entry e;
  e.valid = e.leaf = e.readable = e.user = true;
  e.frame = frame;
  return e;
}

const Kind kAll[] = {Kind::X86_64_4, Kind::X86_64_5, Kind::Sv39, Kind::Sv48, Kind::Sv57};

}  // namespace

TEST(PagingFormat, NamesParseAndGeometry) {
  EXPECT_EQ(Format::names().front(), "x86-64-4");
  for (Kind k : kAll) EXPECT_EQ(Format::parse(fmt(k).name()), k);
  EXPECT_FALSE(Format::parse("sv32").has_value());
  struct G {
    Kind k;
    unsigned levels, vaBits, maxLeaf;
  };
  for (auto g : {G{Kind::X86_64_4, 4, 48, 3}, G{Kind::X86_64_5, 5, 57, 3}, G{Kind::Sv39, 3, 39, 3},
                 G{Kind::Sv48, 4, 48, 4}, G{Kind::Sv57, 5, 57, 5}}) {
    const Format& f = fmt(g.k);
    EXPECT_EQ(f.levels(), g.levels) << f.name();
    EXPECT_EQ(f.vaBits(), g.vaBits) << f.name();
    EXPECT_EQ(f.maxLeafLevel(), g.maxLeaf) << f.name();
    EXPECT_FALSE(f.leafAllowed(0));
    EXPECT_TRUE(f.leafAllowed(1));
    EXPECT_TRUE(f.leafAllowed(g.maxLeaf));
    EXPECT_FALSE(f.leafAllowed(g.maxLeaf + 1));
  }
  // 4 KiB, 2 MiB, 1 GiB, 512 GiB, 256 TiB.
  EXPECT_EQ(Format::leafShift(1), 12u);
  EXPECT_EQ(Format::leafShift(2), 21u);
  EXPECT_EQ(Format::leafShift(3), 30u);
  EXPECT_EQ(Format::leafShift(4), 39u);
  EXPECT_EQ(Format::leafShift(5), 48u);
  EXPECT_EQ(fmt(Kind::Sv48).leafShifts(), (std::vector<unsigned>{12, 21, 30, 39}));
  EXPECT_EQ(fmt(Kind::X86_64_5).leafShifts(), (std::vector<unsigned>{12, 21, 30}));
}

TEST(PagingFormat, IndexTakesNineBitsPerLevel) {
  // x86: PML5 56:48, PML4 47:39, PDPT 38:30, PD 29:21, PT 20:12 (SDM 4.5.4); RISC-V VPN[i] alike.
  const uint64_t va = (uint64_t{0x1a5} << 48) | (uint64_t{0x0f3} << 39) | (uint64_t{0x111} << 30) |
                      (uint64_t{0x0ab} << 21) | (uint64_t{0x1ff} << 12) | 0xabc;
  EXPECT_EQ(Format::index(va, 5), 0x1a5u);
  EXPECT_EQ(Format::index(va, 4), 0x0f3u);
  EXPECT_EQ(Format::index(va, 3), 0x111u);
  EXPECT_EQ(Format::index(va, 2), 0x0abu);
  EXPECT_EQ(Format::index(va, 1), 0x1ffu);
  EXPECT_EQ(Format::entryOffset(va, 1), 0x1ffu * 8);
}

TEST(PagingFormat, CanonicalAndUserRanges) {
  const Format& x4 = fmt(Kind::X86_64_4);
  EXPECT_TRUE(x4.isCanonicalUser(0x7fffffffffffull));
  EXPECT_FALSE(x4.isCanonicalUser(0x800000000000ull));
  EXPECT_TRUE(x4.isCanonical(0xffff800000000000ull));
  EXPECT_FALSE(x4.isCanonical(0x0000800000000000ull));
  EXPECT_EQ(x4.userTop(), uint64_t{1} << 47);
  const Format& x5 = fmt(Kind::X86_64_5);
  EXPECT_TRUE(x5.isCanonicalUser(0x00ffffffffffffffull));
  EXPECT_FALSE(x5.isCanonicalUser(0x0100000000000000ull));
  EXPECT_TRUE(x5.isCanonical(0xff00000000000000ull));
  const Format& sv39 = fmt(Kind::Sv39);
  EXPECT_TRUE(sv39.isCanonicalUser(0x3fffffffffull));
  EXPECT_FALSE(sv39.isCanonicalUser(0x4000000000ull));
  EXPECT_TRUE(sv39.isCanonical(0xffffffc000000000ull));  // bits 63..38 all one
  EXPECT_FALSE(sv39.isCanonical(0xffffff8000000000ull - 1));
  EXPECT_FALSE(sv39.isCanonical(0x0000008000000000ull));  // bit 39 set, 38 clear
  EXPECT_EQ(fmt(Kind::Sv48).userTop(), uint64_t{1} << 47);
  EXPECT_EQ(fmt(Kind::Sv57).userTop(), uint64_t{1} << 56);
}

TEST(PagingFormat, X86BitPositionsOfALeaf) {
  for (Kind k : {Kind::X86_64_4, Kind::X86_64_5}) {
    const Format& f = fmt(k);
    Entry e = leafEntry(0x000ffffffffff000ull);
    e.writable = e.accessed = e.dirty = e.global = true;
    e.exec = false;
    // P(0) R/W(1) U/S(2) A(5) D(6) G(8) frame 12..51, XD(63); PAT (bit 7) clear in a PTE.
    EXPECT_EQ(f.encode(e, 1), 0x800ffffffffff167ull) << f.name();
    e.exec = true;
    e.writable = e.dirty = e.global = e.accessed = false;
    EXPECT_EQ(f.encode(e, 1), 0x000ffffffffff005ull);
    // A 2 MiB leaf has PS (bit 7); a 1 GiB one too (not executable: XD).
    EXPECT_EQ(f.encode(leafEntry(0x40000000), 2), x86::kNoExec | 0x40000000ull | 0x85);
    EXPECT_EQ(f.encode(leafEntry(0x40000000), 3), x86::kNoExec | 0x40000000ull | 0x85);
    // A pointer: P, R/W, U/S, frame; no PS.
    EXPECT_EQ(f.pointer(0x1234000), 0x1234007ull);
    EXPECT_THROW(f.encode(leafEntry(0x40000000), 4), std::invalid_argument);  // PS reserved
    EXPECT_THROW(f.encode(leafEntry(0x1000), 2), std::invalid_argument);      // misaligned
  }
  EXPECT_EQ(x86::kNoExec, 1ull << 63);
  EXPECT_EQ(x86::kSwapped, 1ull << 9);
  EXPECT_EQ(x86::kRevoked, 1ull << 10);
}

TEST(PagingFormat, RiscvBitPositionsOfALeaf) {
  for (Kind k : {Kind::Sv39, Kind::Sv48, Kind::Sv57}) {
    const Format& f = fmt(k);
    Entry e = leafEntry(0x00fffffffffff000ull);  // the largest 56-bit PA's frame
    e.writable = e.exec = e.accessed = e.dirty = e.global = true;
    // V(0) R(1) W(2) X(3) U(4) G(5) A(6) D(7), PPN in 10..53.
    EXPECT_EQ(f.encode(e, 1), (uint64_t{0xfffffffffff} << 10) | 0xff) << f.name();
    // Read-only user page: V R U.
    EXPECT_EQ(f.encode(leafEntry(0x80000000), 1), (uint64_t{0x80000} << 10) | 0x13);
    // W implies R (W without R is reserved).
    Entry w = leafEntry(0x1000);
    w.readable = false;
    w.writable = true;
    EXPECT_EQ(f.encode(w, 1) & 0x7, 0x7u);
    // Execute-only is expressible.
    Entry xo = leafEntry(0x1000);
    xo.readable = false;
    xo.exec = true;
    EXPECT_EQ(f.encode(xo, 1) & 0xf, 0x9u);
    // A pointer is V alone with the PPN (U, A, D reserved in pointers).
    EXPECT_EQ(f.pointer(0x1234000), (uint64_t{0x1234} << 10) | 1);
    EXPECT_THROW(f.encode(Entry{true, true}, 1), std::invalid_argument);  // no R, W or X
    EXPECT_THROW(f.encode(leafEntry(uint64_t{1} << 56), 1), std::invalid_argument);
  }
  // 512 GiB leaves exist in Sv48 and Sv57, not in Sv39; 256 TiB only in Sv57.
  EXPECT_NO_THROW(fmt(Kind::Sv48).encode(leafEntry(uint64_t{1} << 39), 4));
  EXPECT_THROW(fmt(Kind::Sv48).encode(leafEntry(uint64_t{1} << 48), 5), std::invalid_argument);
  EXPECT_NO_THROW(fmt(Kind::Sv57).encode(leafEntry(uint64_t{1} << 48), 5));
  EXPECT_THROW(fmt(Kind::Sv39).encode(leafEntry(uint64_t{1} << 39), 4), std::invalid_argument);
}

TEST(PagingFormat, EncodeDecodeRoundTripsEveryFieldAtEveryLevel) {
  for (Kind k : kAll) {
    const Format& f = fmt(k);
    for (unsigned level = 1; level <= f.levels(); ++level) {
      // Pointers (not at level 1).
      if (level > 1) {
        Entry p;
        p.valid = true;
        p.frame = 0x7654000;
        const Entry d = f.decode(f.encode(p, level), level);
        EXPECT_TRUE(d.valid && !d.leaf) << f.name() << " level " << level;
        EXPECT_EQ(d.frame, p.frame);
        EXPECT_EQ(f.check(f.pointer(p.frame), level), Check::Pointer);
      }
      if (!f.leafAllowed(level)) continue;
      for (unsigned bits = 0; bits < 64; ++bits) {
        Entry e;
        e.valid = e.leaf = e.user = true;
        e.writable = bits & 1;
        e.exec = bits & 2;
        e.accessed = bits & 4;
        e.dirty = bits & 8;
        e.global = bits & 16;
        e.user = bits & 32;
        e.readable = f.isRiscv() ? (e.writable || !e.exec || (bits & 4)) : true;
        e.frame = uint64_t{3} << Format::leafShift(level);
        const uint64_t raw = f.encode(e, level);
        EXPECT_EQ(f.decode(raw, level), e) << f.name() << " level " << level << " bits " << bits;
        EXPECT_EQ(f.check(raw, level), Check::Leaf) << f.name() << " level " << level;
        EXPECT_EQ(f.frameAddr(raw), e.frame);
      }
    }
  }
}

TEST(PagingFormat, X86WalkClassification) {
  const Format& f = fmt(Kind::X86_64_4);
  EXPECT_EQ(f.check(0, 3), Check::NotPresent);
  EXPECT_EQ(f.check(0x2000 | x86::kSwapped, 1), Check::NotPresent);
  EXPECT_EQ(f.check(0x2000 | 1, 4), Check::Pointer);
  EXPECT_EQ(f.check(0x2000 | 1 | x86::kPageSize, 1), Check::Leaf);  // PAT in a PTE
  EXPECT_EQ(f.check(0x200000 | 1 | x86::kPageSize, 2), Check::Leaf);
  EXPECT_EQ(f.check(0x201000 | 1 | x86::kPageSize, 2), Check::Leaf);      // bit 12: PAT
  EXPECT_EQ(f.check(0x202000 | 1 | x86::kPageSize, 2), Check::Reserved);  // bit 13
  EXPECT_EQ(f.check(0x40200000 | 1 | x86::kPageSize, 3), Check::Reserved);
  EXPECT_EQ(f.check(0x0 | 1 | x86::kPageSize, 4), Check::Reserved);  // PS in a PML4E
  EXPECT_EQ(fmt(Kind::X86_64_5).check(1 | x86::kPageSize, 5), Check::Reserved);
  // Decoding a large leaf drops the PAT bit from the frame.
  EXPECT_EQ(f.decode(0x201000 | 1 | x86::kPageSize, 2).frame, 0x200000u);
  // Permissions of a pointer are real on x86 (they accumulate).
  const Entry p = f.decode(0x3000 | 1, 3);
  EXPECT_FALSE(p.writable);
  EXPECT_FALSE(p.user);
  EXPECT_TRUE(f.hierarchicalPermissions());
}

TEST(PagingFormat, RiscvWalkClassification) {
  const Format& f = fmt(Kind::Sv39);
  const uint64_t ppn1 = uint64_t{1} << 10;  // PPN = 1 (4 KiB frame 0x1000)
  EXPECT_EQ(f.check(0, 2), Check::NotPresent);
  EXPECT_EQ(f.check(ppn1 | riscv::kRead, 1), Check::NotPresent);  // V clear
  EXPECT_EQ(f.check(ppn1 | riscv::kValid, 3), Check::Pointer);
  EXPECT_EQ(f.check(ppn1 | riscv::kValid, 1), Check::Reserved);  // pointer at the last level
  EXPECT_EQ(f.check(ppn1 | riscv::kValid | riscv::kWrite, 1), Check::Reserved);  // W without R
  EXPECT_EQ(f.check(ppn1 | riscv::kValid | riscv::kRead | (uint64_t{1} << 54), 1),
            Check::Reserved);  // reserved bit 54
  EXPECT_EQ(f.check(ppn1 | riscv::kValid | riscv::kRead | (uint64_t{1} << 63), 1),
            Check::Reserved);  // N without Svnapot
  EXPECT_EQ(f.check(ppn1 | riscv::kValid | riscv::kExec, 1), Check::Leaf);
  // A megapage (level 2) needs PPN[0] = 0; a gigapage PPN[1..0] = 0.
  EXPECT_EQ(f.check(ppn1 | riscv::kValid | riscv::kRead, 2), Check::Misaligned);
  EXPECT_EQ(f.check((uint64_t{512} << 10) | riscv::kValid | riscv::kRead, 2), Check::Leaf);
  EXPECT_EQ(f.check((uint64_t{512} << 10) | riscv::kValid | riscv::kRead, 3), Check::Misaligned);
  EXPECT_EQ(f.check((uint64_t{512 * 512} << 10) | riscv::kValid | riscv::kRead, 3), Check::Leaf);
  // Pointers carry no permissions: they decode as fully permissive.
  const Entry p = f.decode(ppn1 | riscv::kValid, 2);
  EXPECT_TRUE(p.writable && p.user && p.exec && p.readable);
  EXPECT_FALSE(f.hierarchicalPermissions());
}

TEST(PagingFormat, SwappedAndRevokedSoftwareEncodings) {
  for (Kind k : kAll) {
    const Format& f = fmt(k);
    const uint64_t s = f.makeSwapped(123456);
    EXPECT_FALSE(f.present(s)) << f.name();
    EXPECT_TRUE(f.isSwapped(s));
    EXPECT_FALSE(f.isRevoked(s));
    EXPECT_EQ(f.swapSlot(s), 123456u);
    EXPECT_EQ(f.check(s, 1), Check::NotPresent);
    EXPECT_EQ(f.swapSlot(f.makeSwapped(f.maxSwapSlot())), f.maxSwapSlot());
    EXPECT_THROW(f.makeSwapped(f.maxSwapSlot() + 1), std::invalid_argument);

    Entry e = leafEntry(0x5000);
    e.writable = e.dirty = true;
    const uint64_t raw = f.encode(e, 1);
    const uint64_t rv = f.revoke(raw);
    EXPECT_FALSE(f.present(rv));
    EXPECT_TRUE(f.isRevoked(rv));
    EXPECT_FALSE(f.isSwapped(rv));
    EXPECT_EQ(f.frameAddr(rv), 0x5000u) << "a revoked page keeps its frame";
    EXPECT_EQ(f.check(rv, 1), Check::NotPresent);
    const uint64_t back = f.revalidate(rv);
    EXPECT_TRUE(f.present(back));
    EXPECT_FALSE(f.isRevoked(back));
    EXPECT_EQ(back, raw | f.accessedBit());
  }
  // The bits: x86 9 and 10 with the slot in the frame field; RISC-V RSW 8 and 9, slot in the PPN.
  EXPECT_EQ(fmt(Kind::X86_64_4).makeSwapped(5), (uint64_t{5} << 12) | (1u << 9));
  EXPECT_EQ(fmt(Kind::Sv48).makeSwapped(5), (uint64_t{5} << 10) | (1u << 8));
  EXPECT_EQ(fmt(Kind::Sv48).revokedBit(), 1u << 9);
  EXPECT_EQ(fmt(Kind::X86_64_5).revokedBit(), 1u << 10);
}

TEST(PagingFormat, WithFrameKeepsTheOtherBits) {
  const Format& x = fmt(Kind::X86_64_4);
  EXPECT_EQ(x.withFrame(0x8000000000000fffull | 0x1234000, 0x9000), 0x8000000000009fffull);
  const Format& r = fmt(Kind::Sv57);
  EXPECT_EQ(r.withFrame((uint64_t{0x1234} << 10) | 0x3ff, 0x9000), (uint64_t{9} << 10) | 0x3ff);
}

// Copy-on-write leaves (fork): present, read-only, clean, with the software bit that no
// non-present encoding of a present entry uses; a store through one goes to the kernel.
// The kernel encodes a fault's 4 KiB leaf from the encoding of the same fields without a frame
// (Kernel::encodeLeaf): the frame field is disjoint from every other bit of a leaf.
TEST(PagingFormat, LeafEncodingIsTheFramelessEncodingWithTheFrame) {
  const uint64_t frames[] = {0, 0x1000, 0x7fff'f000, 0x000f'ffff'ffff'f000};
  for (Kind k : kAll) {
    const Format& f = fmt(k);
    for (unsigned bits = 0; bits < 128; ++bits) {
      Entry e;
      e.valid = e.leaf = true;
      e.readable = bits & 1;
      e.writable = bits & 2;
      e.user = bits & 4;
      e.exec = bits & 8;
      e.accessed = bits & 16;
      e.dirty = bits & 32;
      e.global = bits & 64;
      if (f.isRiscv() && !e.readable && !e.writable && !e.exec) continue;  // not encodable
      Entry frameless = e;
      frameless.frame = 0;
      const uint64_t base = f.encode(frameless, 1);
      for (uint64_t frame : frames) {
        e.frame = frame;
        EXPECT_EQ(f.withFrame(base, frame), f.encode(e, 1)) << f.name() << " bits " << bits;
      }
    }
  }
}

TEST(PagingFormat, CopyOnWriteLeavesAreReadOnlyCleanAndMarked) {
  for (const Kind k : {Kind::X86_64_4, Kind::Sv39}) {
    const Format& f = fmt(k);
    Entry e = leafEntry(0x5000);
    e.writable = e.accessed = e.dirty = true;
    const uint64_t raw = f.encode(e, 1);
    EXPECT_FALSE(f.isCow(raw));
    const uint64_t cow = f.makeCow(raw);
    EXPECT_TRUE(f.isCow(cow));
    EXPECT_TRUE(f.present(cow));
    EXPECT_FALSE(f.isSwapped(cow)) << "present: not a swap entry";
    EXPECT_EQ(f.check(cow, 1), Check::Leaf);
    const Entry d = f.decode(cow, 1);
    EXPECT_FALSE(d.writable);
    EXPECT_FALSE(d.dirty);
    EXPECT_TRUE(d.accessed);
    EXPECT_EQ(d.frame, 0x5000u);
    EXPECT_EQ(f.makeCow(cow), cow) << "idempotent";
    const uint64_t back = f.breakCow(cow);
    EXPECT_FALSE(f.isCow(back));
    EXPECT_TRUE(f.decode(back, 1).writable);
    EXPECT_EQ(back, raw & ~f.dirtyBit());
    // A copy-on-write leaf revoked for reference sampling stays resident (revoked first).
    const uint64_t rev = f.revoke(cow);
    EXPECT_TRUE(f.isRevoked(rev));
    EXPECT_TRUE(f.isCow(f.revalidate(rev)));
  }
  EXPECT_EQ(fmt(Kind::X86_64_4).cowBit(), x86::kSwapped);
  EXPECT_EQ(fmt(Kind::Sv48).cowBit(), riscv::kSwapped);
}
