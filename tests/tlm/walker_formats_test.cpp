// The walker on every page-table format: tables written with paging::Format into simulated DRAM,
// and a recorder between the walker and memory that sees every PTE address read. Checked: a walk
// reads exactly root + index * 8 per level, huge leaves at every level that may hold one, reserved
// encodings and misaligned superpages fault, the walk caches (psc and pwc) make a walk start
// below the deepest hit, and in AT walks of one page merge.
#include <gtest/gtest.h>

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "vmsim/dram/dram.h"
#include "vmsim/mem/router.h"
#include "vmsim/paging/format.h"
#include "vmsim/ptw/walker.h"

using namespace vmsim;
using paging::Format;
using paging::Kind;

namespace vmsim::paging {
// Test names and failure messages show the format's name.
void PrintTo(Kind k, std::ostream* os) {
  *os << Format::get(k).name();
}
}  // namespace vmsim::paging

namespace {

constexpr uint64_t kRoot = 0x1000;

class FormatRoot : public PageTableBase {
 public:
  explicit FormatRoot(Kind k) : fmt_(&Format::get(k)) {}
  std::optional<PhysAddr> pageTableRoot(Asid asid) const override {
    if (asid != 1) return std::nullopt;
    return PhysAddr(kRoot);
  }
  const Format& pageTableFormat() const override { return *fmt_; }

 private:
  const Format* fmt_;
};

// Forwards everything between the walker and memory; records the address of every read and write
// the walker times (b_transport or BEGIN_REQ), not its functional (debug) accesses.
class Recorder : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Recorder> tsock{"tsock"};
  tlm_utils::simple_initiator_socket<Recorder> isock{"isock"};
  std::vector<uint64_t> reads, writes;

  explicit Recorder(const sc_core::sc_module_name& nm) : sc_module(nm) {
    tsock.register_b_transport(this, &Recorder::b_transport);
    tsock.register_nb_transport_fw(this, &Recorder::nb_transport_fw);
    tsock.register_transport_dbg(this, &Recorder::transport_dbg);
    isock.register_nb_transport_bw(this, &Recorder::nb_transport_bw);
  }

 private:
  void note(const tlm::tlm_generic_payload& gp) {
    (gp.is_read() ? reads : writes).push_back(gp.get_address());
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& d) {
    note(gp);
    isock->b_transport(gp, d);
  }
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& d) {
    if (ph == tlm::BEGIN_REQ) note(gp);
    return isock->nb_transport_fw(gp, ph, d);
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& d) {
    return tsock->nb_transport_bw(gp, ph, d);
  }
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp) { return isock->transport_dbg(gp); }
};

struct Question {
  uint64_t va;
  AccessKind kind = AccessKind::Load;
  sc_core::sc_time at = sc_core::SC_ZERO_TIME;  // when to ask (AT askers)
};

// One requester: asks its questions in order (LT: b_transport with the delay annotated; AT:
// mayWait, several askers run concurrently).
class Asker : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Asker> isock{"isock"};
  std::vector<Question> questions;
  std::vector<TranslationExt> answers;
  bool at = false;
  SC_HAS_PROCESS(Asker);
  explicit Asker(const sc_core::sc_module_name& nm) : sc_module(nm) { SC_THREAD(run); }
  void run() {
    for (const auto& q : questions) {
      if (q.at > sc_core::sc_time_stamp()) sc_core::wait(q.at - sc_core::sc_time_stamp());
      tlm::tlm_generic_payload gp;
      TranslationExt x;
      x.va = VirtAddr(q.va);
      x.asid = 1;
      x.kind = q.kind;
      x.mayWait = at;
      gp.set_extension(&x);
      gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_core::sc_time d = sc_core::SC_ZERO_TIME;
      isock->b_transport(gp, d);
      sc_core::wait(d);
      gp.clear_extension(&x);
      answers.push_back(x);
    }
  }
};

struct CfgHolder {
  Config cfg;
  explicit CfgHolder(const std::string& yaml) {
    if (!yaml.empty()) cfg.loadString(yaml);
  }
};

struct Rig : CfgHolder {
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  mem::Router router{"router", ctx};
  dram::Dram dram{"dram", ctx};
  Recorder rec{"rec"};
  ptw::Walker walker{"walker", ctx};
  std::vector<std::unique_ptr<Asker>> askers;
  FormatRoot root;
  const Format& f;
  uint64_t nextTable = 0x100000;  // page-table frames handed out from here

  explicit Rig(Kind k, const std::string& yaml = "", unsigned nAskers = 1)
      : CfgHolder(yaml), root(k), f(Format::get(k)) {
    router.isock.bind(dram.tsock);
    router.map(0, 0, dram.size(), "dram");
    walker.mem.bind(rec.tsock);
    rec.isock.bind(router.tsock);
    walker.setPageTableBase(&root);
    if (nAskers == 1) {
      askers.push_back(std::make_unique<Asker>("asker"));
      askers[0]->isock.bind(walker.tsock);
    } else {
      // The walker's target socket takes one initiator: AT askers share it through a join.
      join = std::make_unique<Join>("join");
      for (unsigned i = 0; i < nAskers; ++i) {
        askers.push_back(std::make_unique<Asker>(("asker" + std::to_string(i)).c_str()));
        askers[i]->isock.bind(join->tsock);
      }
      join->isock.bind(walker.tsock);
    }
    cfg.finalize();
  }
  Asker& asker(unsigned i = 0) { return *askers[i]; }

  struct Join : sc_core::sc_module {
    tlm_utils::multi_passthrough_target_socket<Join> tsock{"tsock"};
    tlm_utils::simple_initiator_socket<Join> isock{"isock"};
    explicit Join(const sc_core::sc_module_name& nm) : sc_module(nm) {
      tsock.register_b_transport(this, &Join::b_transport);
    }
    void b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& d) {
      isock->b_transport(gp, d);
    }
  };
  std::unique_ptr<Join> join;

  void write64(uint64_t pa, uint64_t v) {
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_WRITE_COMMAND);
    gp.set_address(pa);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    gp.set_data_length(8);
    static_cast<sc_core::sc_export<tlm::tlm_fw_transport_if<>>&>(dram.tsock)->transport_dbg(gp);
  }
  uint64_t read64(uint64_t pa) {
    uint64_t v = 0;
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(pa);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    gp.set_data_length(8);
    static_cast<sc_core::sc_export<tlm::tlm_fw_transport_if<>>&>(dram.tsock)->transport_dbg(gp);
    return v;
  }
  /// The table at `level` on `va`'s path, creating pointers down to it.
  uint64_t tableAt(uint64_t va, unsigned level) {
    uint64_t table = kRoot;
    for (unsigned l = f.levels(); l > level; --l) {
      const uint64_t addr = table + Format::entryOffset(va, l);
      uint64_t e = read64(addr);
      if (!f.present(e)) {
        e = f.pointer(nextTable);
        nextTable += 0x1000;
        write64(addr, e);
      }
      table = f.frameAddr(e);
    }
    return table;
  }
  /// Maps `va` with a leaf at `level` onto `pa`; returns the leaf entry's address.
  uint64_t map(uint64_t va, uint64_t pa, unsigned level = 1, bool writable = true) {
    paging::Entry e;
    e.valid = e.leaf = e.readable = e.user = true;
    e.writable = writable;
    e.frame = pa;
    const uint64_t addr = tableAt(va, level) + Format::entryOffset(va, level);
    write64(addr, f.encode(e, level));
    return addr;
  }
  /// The addresses a walk of `va` from the root reads, down to `leafLevel`.
  std::vector<uint64_t> pathOf(uint64_t va, unsigned leafLevel, unsigned fromLevel = 0) {
    std::vector<uint64_t> out;
    uint64_t table = kRoot;
    for (unsigned l = f.levels(); l >= leafLevel; --l) {
      const uint64_t addr = table + Format::entryOffset(va, l);
      if (!fromLevel || l <= fromLevel) out.push_back(addr);
      table = f.frameAddr(read64(addr));
    }
    return out;
  }
  double stat(const std::string& n) { return reg.value("walker." + n); }
  double hits(unsigned level) {
    return static_cast<const stats::Vector*>(reg.find("walker.walkCacheHits"))->at(level - 2);
  }
};

// A VA with a different index at every level (so a wrong level's index reads another address).
uint64_t spreadVa(const Format& f) {
  uint64_t va = 0x123;
  for (unsigned l = 1; l <= f.levels(); ++l)
    va |= uint64_t{(l * 37 + 5) % 512} << Format::leafShift(l);
  // User half: the top level's index below 256.
  return va & (f.userTop() - 1);
}

class WalkerFormat : public ::testing::TestWithParam<Kind> {};

std::string kindName(const ::testing::TestParamInfo<Kind>& i) {
  std::string n = Format::get(i.param).name();
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  return n;
}

const Kind kFormats[] = {Kind::X86_64_4, Kind::X86_64_5, Kind::Sv39, Kind::Sv48, Kind::Sv57};

}  // namespace

TEST_P(WalkerFormat, AWalkReadsExactlyOneEntryPerLevelAtRootPlusIndexTimesEight) {
  Rig rig(GetParam(), "walker: {walk_cache: none}\n");
  const uint64_t va = spreadVa(rig.f);
  rig.map(va, 0x7a000);
  const auto expect = rig.pathOf(va, 1);
  ASSERT_EQ(expect.size(), rig.f.levels());
  // The root entry is root + index(top) * 8; each next one in the table the previous names.
  EXPECT_EQ(expect[0], kRoot + Format::index(va, rig.f.levels()) * 8);
  rig.asker().questions = {{va}};
  sc_core::sc_start();
  ASSERT_EQ(rig.asker().answers.size(), 1u);
  EXPECT_EQ(rig.asker().answers[0].fault, FaultKind::None);
  EXPECT_EQ(rig.asker().answers[0].pa.value(), 0x7a000u | (va & 0xfff));
  EXPECT_EQ(rig.asker().answers[0].pageShift, 12u);
  EXPECT_EQ(rig.rec.reads, expect);
  // The A bit is written back into the leaf (the last entry read).
  EXPECT_EQ(rig.rec.writes, std::vector<uint64_t>{expect.back()});
  EXPECT_TRUE(rig.read64(expect.back()) & rig.f.accessedBit());
  EXPECT_EQ(rig.stat("memReads"), rig.f.levels());
}

TEST_P(WalkerFormat, HugeLeavesAtEveryLevelThatMayHoldOne) {
  Rig rig(GetParam(), "walker: {walk_cache: none}\n");
  std::vector<Question> qs;
  std::vector<std::vector<uint64_t>> paths;
  for (unsigned level = 2; level <= rig.f.maxLeafLevel(); ++level) {
    const unsigned shift = Format::leafShift(level);
    // Distinct top-level slots per size; the page at VA slot << shift, PA 3 pages up.
    const uint64_t va =
        (uint64_t{level} << Format::leafShift(rig.f.levels())) | (uint64_t{1} << shift) | 0x5a5a5;
    const uint64_t vaBase = va & ~((uint64_t{1} << shift) - 1);
    ASSERT_TRUE(rig.f.isCanonicalUser(va));
    rig.map(vaBase, uint64_t{3} << shift, level);
    qs.push_back({va});
    paths.push_back(rig.pathOf(va, level));
  }
  rig.asker().questions = qs;
  sc_core::sc_start();
  ASSERT_EQ(rig.asker().answers.size(), qs.size());
  std::vector<uint64_t> expectReads;
  for (size_t i = 0; i < qs.size(); ++i) {
    const unsigned level = static_cast<unsigned>(i) + 2;
    const unsigned shift = Format::leafShift(level);
    const auto& a = rig.asker().answers[i];
    EXPECT_EQ(a.fault, FaultKind::None) << "level " << level;
    EXPECT_EQ(a.pageShift, shift);
    EXPECT_EQ(a.pa.value(), (uint64_t{3} << shift) | (qs[i].va & ((uint64_t{1} << shift) - 1)));
    EXPECT_EQ(paths[i].size(), rig.f.levels() - level + 1);
    expectReads.insert(expectReads.end(), paths[i].begin(), paths[i].end());
  }
  EXPECT_EQ(rig.rec.reads, expectReads);
}

TEST_P(WalkerFormat, PscStartsBelowTheDeepestHit) {
  Rig rig(GetParam());
  const Format& f = rig.f;
  const uint64_t va = spreadVa(f);
  const uint64_t samePt = va ^ 0x1000;               // another PTE in the same page table
  const uint64_t samePd = va ^ (uint64_t{1} << 21);  // same level-2 table, another PT
  rig.map(va, 0x10000);
  rig.map(samePt, 0x11000);
  rig.map(samePd, 0x12000);
  rig.asker().questions = {{va}, {samePt}, {samePd}};
  sc_core::sc_start();
  for (const auto& a : rig.asker().answers) EXPECT_EQ(a.fault, FaultKind::None);
  std::vector<uint64_t> expect = rig.pathOf(va, 1);
  const auto pt = rig.pathOf(samePt, 1, 1);  // the PDE cache hit: the PTE alone
  const auto pd = rig.pathOf(samePd, 1, 2);  // the PDPTE cache hit: PDE and PTE
  expect.insert(expect.end(), pt.begin(), pt.end());
  expect.insert(expect.end(), pd.begin(), pd.end());
  EXPECT_EQ(rig.rec.reads, expect);
  EXPECT_EQ(rig.hits(2), 1);
  EXPECT_EQ(rig.hits(3), 1);
  EXPECT_EQ(rig.stat("walkCacheMisses"), 1);
  // One hit counter per cached level: 2 .. levels().
  EXPECT_EQ(static_cast<const stats::Vector*>(rig.reg.find("walker.walkCacheHits"))->size(),
            f.levels() - 1);
}

TEST_P(WalkerFormat, UnifiedPwcStartsBelowTheDeepestHitAndSharesItsEntries) {
  // Two entries for every level: after the cold walk (which caches levels-1 entries), only the
  // two most recent ones stay.
  Rig rig(GetParam(), "walker: {walk_cache: pwc, pwc: {entries: 2, ways: 2, latency: 3}}\n");
  const Format& f = rig.f;
  const uint64_t va = spreadVa(f);
  const uint64_t samePt = va ^ 0x1000;
  const uint64_t samePd = va ^ (uint64_t{1} << 21);
  rig.map(va, 0x10000);
  rig.map(samePt, 0x11000);
  rig.map(samePd, 0x12000);
  rig.asker().questions = {{va}, {samePt}, {samePd}};
  sc_core::sc_start();
  std::vector<uint64_t> expect = rig.pathOf(va, 1);
  const auto pt = rig.pathOf(samePt, 1, 1);
  const auto pd = rig.pathOf(samePd, 1, 2);
  expect.insert(expect.end(), pt.begin(), pt.end());
  expect.insert(expect.end(), pd.begin(), pd.end());
  EXPECT_EQ(rig.rec.reads, expect);
  EXPECT_EQ(rig.hits(2), 1);
  EXPECT_EQ(rig.hits(3), 1);
  EXPECT_EQ(rig.stat("walkCacheCycles"), 9);  // 3 walks x 3 cycles
}

TEST_P(WalkerFormat, WithoutWalkCachesEveryWalkStartsAtTheRoot) {
  Rig rig(GetParam(), "walker: {walk_cache: none}\n");
  const uint64_t va = spreadVa(rig.f);
  rig.map(va, 0x10000);
  rig.map(va ^ 0x1000, 0x11000);
  rig.asker().questions = {{va}, {va ^ 0x1000}};
  sc_core::sc_start();
  EXPECT_EQ(rig.stat("memReads"), 2 * rig.f.levels());
  EXPECT_EQ(rig.stat("walkCacheMisses"), 0);  // no cache, nothing probed
}

TEST_P(WalkerFormat, WalksOfOnePageInFlightMerge) {
  Rig rig(GetParam(), "walker: {walkers: 4}\n", 3);
  const uint64_t va = spreadVa(rig.f);
  rig.map(va, 0x10000);
  for (unsigned i = 0; i < 3; ++i) {
    rig.asker(i).at = true;
    // Same page, other offsets, 1 ns apart: the later two arrive while the first walk reads.
    rig.asker(i).questions = {{va + 8 * i, AccessKind::Load, sc_core::sc_time(i, sc_core::SC_NS)}};
  }
  sc_core::sc_start();
  EXPECT_EQ(rig.stat("walks"), 1);
  EXPECT_EQ(rig.stat("mergedWalks"), 2);
  EXPECT_EQ(rig.rec.reads, rig.pathOf(va, 1));
  for (unsigned i = 0; i < 3; ++i) {
    ASSERT_EQ(rig.asker(i).answers.size(), 1u);
    EXPECT_EQ(rig.asker(i).answers[0].fault, FaultKind::None);
    EXPECT_EQ(rig.asker(i).answers[0].pa.value(), 0x10000u | ((va + 8 * i) & 0xfff));
  }
}

INSTANTIATE_TEST_SUITE_P(AllFormats, WalkerFormat, ::testing::ValuesIn(kFormats), kindName);

TEST(WalkerFormats, RiscvMisalignedSuperpageFaults) {
  {
    Rig rig(Kind::Sv39, "walker: {walk_cache: none}\n");
    const uint64_t va = uint64_t{1} << 21;
    const uint64_t addr = rig.tableAt(va, 2) + Format::entryOffset(va, 2);
    // A megapage whose PPN[0] is not zero (frame 0x201000).
    rig.write64(addr, (uint64_t{0x201} << 10) | paging::riscv::kValid | paging::riscv::kRead |
                          paging::riscv::kUser);
    // An aligned one next to it works.
    rig.map(va + (1u << 21), 0x400000, 2);
    rig.asker().questions = {{va + 0x123}, {va + (1u << 21) + 0x123}};
    sc_core::sc_start();
    EXPECT_EQ(rig.asker().answers[0].fault, FaultKind::Protection);
    EXPECT_EQ(rig.asker().answers[1].fault, FaultKind::None);
    EXPECT_EQ(rig.asker().answers[1].pa.value(), 0x400123u);
    EXPECT_EQ(rig.stat("reservedFaults"), 1);
  }
}

namespace {
// x86: PS is reserved in a PML4E and a PML5E (the largest leaf is the 1 GiB PDPTE).
void checkPageSizeBitReservedAt(Kind k, unsigned level) {
  Rig rig(k, "walker: {walk_cache: none}\n");
  const uint64_t va = uint64_t{1} << Format::leafShift(level);
  const uint64_t addr = rig.tableAt(va, level) + Format::entryOffset(va, level);
  rig.write64(addr, rig.f.pointer(0x200000) | paging::x86::kPageSize);
  rig.asker().questions = {{va}};
  sc_core::sc_start();
  EXPECT_EQ(rig.asker().answers[0].fault, FaultKind::Protection);
  EXPECT_EQ(rig.stat("reservedFaults"), 1);
  EXPECT_EQ(rig.rec.reads, rig.pathOf(va, level));  // the walk stops at the reserved entry
}
}  // namespace

TEST(WalkerFormats, X86PageSizeBitInAPml4eIsReserved) {
  checkPageSizeBitReservedAt(Kind::X86_64_4, 4);
}

TEST(WalkerFormats, X86PageSizeBitInAPml5eIsReserved) {
  checkPageSizeBitReservedAt(Kind::X86_64_5, 5);
}

TEST(WalkerFormats, RiscvReservedEncodingsFault) {
  Rig rig(Kind::Sv48, "walker: {walk_cache: none}\n");
  const uint64_t a = 0x40005000, b = 0x40006000, c = 0x40007000;
  const uint64_t pt = rig.tableAt(a, 1);
  using namespace paging::riscv;
  rig.write64(pt + Format::entryOffset(a, 1), (uint64_t{0x10} << 10) | kValid | kWrite | kUser);
  rig.write64(pt + Format::entryOffset(b, 1), (uint64_t{0x11} << 10) | kValid);  // a pointer
  rig.map(c, 0x12000);
  rig.asker().questions = {{a}, {b}, {c}};
  sc_core::sc_start();
  EXPECT_EQ(rig.asker().answers[0].fault, FaultKind::Protection);  // W without R
  EXPECT_EQ(rig.asker().answers[1].fault, FaultKind::Protection);  // pointer at the last level
  EXPECT_EQ(rig.asker().answers[2].fault, FaultKind::None);
  EXPECT_EQ(rig.stat("reservedFaults"), 2);
}

TEST(WalkerFormats, RiscvPermissionsComeFromTheLeafAlone) {
  Rig rig(Kind::Sv48, "walker: {walk_cache: none}\n");
  const uint64_t va = 0x40005000;
  rig.map(va, 0x10000, 1, false);  // read-only user page; pointers carry no permissions
  rig.asker().questions = {{va}, {va, AccessKind::Store}, {va, AccessKind::Fetch}};
  sc_core::sc_start();
  EXPECT_EQ(rig.asker().answers[0].fault, FaultKind::None);
  EXPECT_TRUE(rig.asker().answers[0].perms.user);
  EXPECT_EQ(rig.asker().answers[1].fault, FaultKind::Protection);
  EXPECT_EQ(rig.asker().answers[2].fault, FaultKind::Protection);  // X clear
}

TEST(WalkerFormats, PscLevelWithoutEntriesIsSkipped) {
  // No PDE cache: the second walk of the same page table starts below the PDPTE hit.
  Rig rig(Kind::X86_64_5, "walker: {psc: {pde: {entries: 0}, pml5e: {entries: 4, ways: 2}}}\n");
  const uint64_t va = spreadVa(rig.f);
  rig.map(va, 0x10000);
  rig.map(va ^ 0x1000, 0x11000);
  rig.asker().questions = {{va}, {va ^ 0x1000}};
  sc_core::sc_start();
  auto expect = rig.pathOf(va, 1);
  const auto second = rig.pathOf(va ^ 0x1000, 1, 2);
  expect.insert(expect.end(), second.begin(), second.end());
  EXPECT_EQ(rig.rec.reads, expect);
  EXPECT_EQ(rig.hits(2), 0);
  EXPECT_EQ(rig.hits(3), 1);
}

TEST(WalkerFormats, AStoreDoesNotMergeIntoALoadWalkThatLeavesDClear) {
  Rig rig(Kind::Sv39, "walker: {walkers: 4}\n", 2);
  const uint64_t va = 0x40005000;
  const uint64_t leaf = rig.map(va, 0x10000);
  rig.asker(0).at = rig.asker(1).at = true;
  rig.asker(0).questions = {{va, AccessKind::Load}};
  rig.asker(1).questions = {{va + 64, AccessKind::Store, sc_core::sc_time(1, sc_core::SC_NS)}};
  sc_core::sc_start();
  EXPECT_EQ(rig.stat("walks"), 2);
  EXPECT_EQ(rig.stat("mergedWalks"), 0);
  EXPECT_EQ(rig.asker(1).answers[0].fault, FaultKind::None);
  EXPECT_TRUE(rig.asker(1).answers[0].dirty);
  EXPECT_TRUE(rig.read64(leaf) & rig.f.dirtyBit());
}

TEST(WalkerFormats, ALoadMergesIntoAStoreWalkAndDifferentPagesDoNot) {
  Rig rig(Kind::X86_64_4, "walker: {walkers: 4}\n", 3);
  const uint64_t va = 0x40005000;
  rig.map(va, 0x10000);
  rig.map(va + 0x1000, 0x11000);
  for (unsigned i = 0; i < 3; ++i) rig.asker(i).at = true;
  rig.asker(0).questions = {{va, AccessKind::Store}};
  rig.asker(1).questions = {{va + 8, AccessKind::Load, sc_core::sc_time(1, sc_core::SC_NS)}};
  rig.asker(2).questions = {{va + 0x1000, AccessKind::Load, sc_core::sc_time(1, sc_core::SC_NS)}};
  sc_core::sc_start();
  EXPECT_EQ(rig.stat("walks"), 2);
  EXPECT_EQ(rig.stat("mergedWalks"), 1);
  EXPECT_TRUE(rig.asker(1).answers[0].dirty);
  EXPECT_EQ(rig.asker(1).answers[0].pa.value(), 0x10008u);
  EXPECT_EQ(rig.asker(2).answers[0].pa.value(), 0x11000u);
}

TEST(WalkerFormats, MergedWalksTakeNoWalker) {
  // One walker: a merged walk does not queue behind the walk it waits for.
  Rig rig(Kind::X86_64_4, "walker: {walkers: 1}\n", 2);
  const uint64_t va = 0x40005000;
  rig.map(va, 0x10000);
  rig.asker(0).at = rig.asker(1).at = true;
  rig.asker(0).questions = {{va}};
  rig.asker(1).questions = {{va + 8, AccessKind::Load, sc_core::sc_time(1, sc_core::SC_NS)}};
  sc_core::sc_start();
  EXPECT_EQ(rig.stat("mergedWalks"), 1);
  EXPECT_EQ(rig.stat("queuedWalks"), 0);
}
