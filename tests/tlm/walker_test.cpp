// Page-walker rules, checked against page tables written by hand into simulated DRAM: PTE reads
// per level, walk caches, accessed/dirty write-back, permission accumulation, large pages.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <unistd.h>

#include <cstring>

#include "vmsim/dram/dram.h"
#include "vmsim/mem/router.h"
#include "vmsim/paging/format.h"
#include "vmsim/ptw/walker.h"

using namespace vmsim;

namespace {

class FixedRoot : public PageTableBase {
 public:
  std::optional<PhysAddr> pageTableRoot(Asid asid) const override {
    if (asid != 1) return std::nullopt;
    return PhysAddr(0x1000);
  }
};

// Asks the walker for translations, one at a time, and keeps the answers.
class Asker : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Asker> isock{"isock"};
  std::vector<TranslationExt> answers;
  std::vector<std::pair<uint64_t, AccessKind>> questions;
  Privilege privilege = Privilege::User;
  bool at = false;                      // AT walks (the 4-phase memory port)
  std::vector<sc_core::sc_time> times;  // when each answer arrived
  SC_HAS_PROCESS(Asker);
  explicit Asker(const sc_core::sc_module_name& nm) : sc_module(nm) { SC_THREAD(run); }
  void run() {
    for (auto [va, kind] : questions) {
      tlm::tlm_generic_payload gp;
      TranslationExt x;
      x.va = VirtAddr(va);
      x.asid = 1;
      x.kind = kind;
      x.privilege = privilege;
      x.mayWait = at;
      gp.set_extension(&x);
      gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_core::sc_time d = sc_core::SC_ZERO_TIME;
      isock->b_transport(gp, d);
      sc_core::wait(d);
      gp.clear_extension(&x);
      answers.push_back(x);
      times.push_back(sc_core::sc_time_stamp());
    }
  }
};

struct WalkRig {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  mem::Router router{"router", ctx};
  dram::Dram dram{"dram", ctx};
  ptw::Walker walker{"walker", ctx};
  Asker asker{"asker"};
  FixedRoot root;

  // direct: the walker's PTE bytes move through the router's DirectMemory (the DRAM's store).
  explicit WalkRig(bool direct = false) {
    router.isock.bind(dram.tsock);
    router.map(0, 0, dram.size(), "dram", direct ? &dram : nullptr);
    walker.mem.bind(router.tsock);
    if (direct) walker.setDirectMemory(&router);
    walker.setPageTableBase(&root);
    asker.isock.bind(walker.tsock);
    cfg.finalize();
  }
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
  // PML4 at 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000, for VA 0x40000000 (PML4 0, PDPT 1).
  void buildTables(uint64_t leafFlags, uint64_t pdeFlags = paging::x86::kPresent |
                                                           paging::x86::kWritable |
                                                           paging::x86::kUser) {
    const uint64_t upper = paging::x86::kPresent | paging::x86::kWritable | paging::x86::kUser;
    write64(0x1000 + 0 * 8, 0x2000 | upper);
    write64(0x2000 + 1 * 8, 0x3000 | upper);
    write64(0x3000 + 0 * 8, 0x4000 | pdeFlags);
    write64(0x4000 + 5 * 8, 0x77000 | leafFlags);  // VA 0x40005000 -> PA 0x77000
    // A 2 MiB page: PD entry 1 (VA 0x40200000) maps PA 0x600000 directly.
    write64(0x3000 + 1 * 8, 0x600000 | upper | paging::x86::kPageSize);
  }
};

constexpr uint64_t kVa = 0x40005123;

}  // namespace

TEST(Walker, ColdWalkReadsFourLevelsThenWalkCacheSkipsThree) {
  WalkRig rig;
  rig.buildTables(paging::x86::kPresent | paging::x86::kWritable | paging::x86::kUser);
  rig.asker.questions = {{kVa, AccessKind::Load}, {kVa + 0x1000, AccessKind::Load}};
  rig.write64(0x4000 + 6 * 8, 0x78000 | paging::x86::kPresent | paging::x86::kUser);
  sc_core::sc_start();
  ASSERT_EQ(rig.asker.answers.size(), 2u);
  EXPECT_EQ(rig.asker.answers[0].fault, FaultKind::None);
  EXPECT_EQ(rig.asker.answers[0].pa.value(), 0x77123u);
  EXPECT_EQ(rig.asker.answers[1].pa.value(), 0x78123u);
  // 4 reads for the cold walk, 1 for the second (PDE cache hit).
  EXPECT_EQ(rig.reg.value("walker.memReads"), 5);
  EXPECT_EQ(static_cast<const stats::Vector*>(rig.reg.find("walker.walkCacheHits"))->at(0), 1);
}

TEST(Walker, SetsAccessedOnLoadAndDirtyOnStore) {
  WalkRig rig;
  rig.buildTables(paging::x86::kPresent | paging::x86::kWritable | paging::x86::kUser);
  rig.asker.questions = {{kVa, AccessKind::Load}, {kVa, AccessKind::Store}};
  sc_core::sc_start();
  const uint64_t e = rig.read64(0x4000 + 5 * 8);
  EXPECT_TRUE(e & paging::x86::kAccessed);
  EXPECT_TRUE(e & paging::x86::kDirty);
  EXPECT_FALSE(rig.asker.answers[0].dirty);
  EXPECT_TRUE(rig.asker.answers[1].dirty);
  EXPECT_EQ(rig.reg.value("walker.adWrites"), 2);
}

TEST(Walker, NotPresentAndProtectionFaults) {
  WalkRig rig;
  rig.buildTables(paging::x86::kPresent | paging::x86::kUser);  // read-only page
  rig.asker.questions = {{kVa, AccessKind::Store},
                         {kVa + 0x2000, AccessKind::Load},  // PTE 7 is empty
                         {0x80000000, AccessKind::Load},    // PDPT entry 2 is empty
                         {kVa, AccessKind::Load}};
  sc_core::sc_start();
  EXPECT_EQ(rig.asker.answers[0].fault, FaultKind::Protection);
  EXPECT_EQ(rig.asker.answers[1].fault, FaultKind::NotPresent);
  EXPECT_EQ(rig.asker.answers[2].fault, FaultKind::NotPresent);
  EXPECT_EQ(rig.asker.answers[3].fault, FaultKind::None);
  // A protection fault must not set D.
  EXPECT_FALSE(rig.read64(0x4000 + 5 * 8) & paging::x86::kDirty);
}

// A copy-on-write leaf (fork): loads translate; a store is a page fault for the kernel
// (NotPresent: the MMU hands it to the fault handler, which copies the page), not a protection
// fault, and sets no D; a kernel-only COW page still refuses a user store as a protection fault.
TEST(Walker, AStoreThroughACopyOnWriteLeafGoesToTheKernel) {
  WalkRig rig;
  const uint64_t cow = paging::x86::kPresent | paging::x86::kUser | paging::x86::kSwapped;
  rig.buildTables(cow);
  rig.write64(0x4000 + 6 * 8, 0x78000 | paging::x86::kPresent | paging::x86::kSwapped);
  rig.asker.questions = {{kVa, AccessKind::Load},
                         {kVa, AccessKind::Store},
                         {kVa + 0x1000, AccessKind::Store}};  // COW but not user: no
  sc_core::sc_start();
  ASSERT_EQ(rig.asker.answers.size(), 3u);
  EXPECT_EQ(rig.asker.answers[0].fault, FaultKind::None);
  EXPECT_EQ(rig.asker.answers[0].pa.value(), 0x77123u);
  EXPECT_EQ(rig.asker.answers[1].fault, FaultKind::NotPresent);
  EXPECT_EQ(rig.asker.answers[2].fault, FaultKind::Protection);
  EXPECT_FALSE(rig.read64(0x4000 + 5 * 8) & paging::x86::kDirty);
}

TEST(Walker, PermissionsAreTheAndOfAllLevels) {
  WalkRig rig;
  // Leaf allows user writes, but the PDE clears U/S: a user access faults, a kernel one passes.
  rig.buildTables(paging::x86::kPresent | paging::x86::kWritable | paging::x86::kUser,
                  paging::x86::kPresent | paging::x86::kWritable);
  rig.asker.questions = {{kVa, AccessKind::Load}};
  sc_core::sc_start();
  EXPECT_EQ(rig.asker.answers[0].fault, FaultKind::Protection);
}

TEST(Walker, KernelAccessesIgnoreTheUserBit) {
  WalkRig rig;
  rig.buildTables(paging::x86::kPresent | paging::x86::kWritable | paging::x86::kUser,
                  paging::x86::kPresent | paging::x86::kWritable);
  rig.asker.privilege = Privilege::Kernel;
  rig.asker.questions = {{kVa, AccessKind::Store}};
  sc_core::sc_start();
  EXPECT_EQ(rig.asker.answers[0].fault, FaultKind::None);
  EXPECT_FALSE(rig.asker.answers[0].perms.user);  // the AND over levels is what gets cached
  EXPECT_TRUE(rig.asker.answers[0].perms.write);
}

TEST(Walker, NoExecuteForbidsFetch) {
  WalkRig rig;
  rig.buildTables(paging::x86::kPresent | paging::x86::kUser | paging::x86::kNoExec);
  rig.asker.questions = {{kVa, AccessKind::Load}, {kVa, AccessKind::Fetch}};
  sc_core::sc_start();
  EXPECT_EQ(rig.asker.answers[0].fault, FaultKind::None);
  EXPECT_EQ(rig.asker.answers[1].fault, FaultKind::Protection);
}

TEST(Walker, LargePageFromPdeWithPageSizeBit) {
  WalkRig rig;
  rig.buildTables(paging::x86::kPresent | paging::x86::kUser);
  rig.asker.questions = {{0x40212345, AccessKind::Load}};
  sc_core::sc_start();
  EXPECT_EQ(rig.asker.answers[0].fault, FaultKind::None);
  EXPECT_EQ(rig.asker.answers[0].pageShift, 21u);
  EXPECT_EQ(rig.asker.answers[0].pa.value(), 0x612345u);
  EXPECT_EQ(rig.reg.value("walker.memReads"), 3);
}

TEST(Walker, UnknownAddressSpaceAndNonCanonicalAddressesAreSegmentationFaults) {
  WalkRig rig;
  rig.buildTables(paging::x86::kPresent | paging::x86::kUser);
  rig.asker.questions = {{0x900000000000ull, AccessKind::Load}};
  sc_core::sc_start();
  EXPECT_EQ(rig.asker.answers[0].fault, FaultKind::Segmentation);
}

// --- the direct path (docs/direct-memory.md)
// ------------------------------------------------------ The walker takes the PTE bytes from host
// memory (the router's DirectMemory, the DRAM's store) and still sends every timed read and A/D
// write through its socket, as timing only. The same walks with and without it must give the same
// answers, times, stats and PTE bytes. SystemC elaborates once per process, so each variant runs in
// a child process of its own.
namespace {

std::vector<uint64_t> runWalks(bool direct, bool at) {
  WalkRig rig(direct);
  rig.asker.at = at;
  rig.buildTables(paging::x86::kPresent | paging::x86::kWritable | paging::x86::kUser);
  rig.write64(0x4000 + 6 * 8, 0x78000 | paging::x86::kPresent | paging::x86::kUser);
  rig.asker.questions = {{kVa, AccessKind::Load},          {kVa, AccessKind::Store},
                         {kVa + 0x2000, AccessKind::Load}, {0x40212345, AccessKind::Store},
                         {kVa + 0x1000, AccessKind::Load}, {kVa + 0x1000, AccessKind::Store},
                         {0x80000000, AccessKind::Load},   {kVa, AccessKind::Load}};
  sc_core::sc_start();
  std::vector<uint64_t> out;
  for (size_t i = 0; i < rig.asker.answers.size(); ++i) {
    const TranslationExt& x = rig.asker.answers[i];
    out.insert(out.end(), {static_cast<uint64_t>(x.fault), x.pa.value(), x.pageShift,
                           uint64_t{x.dirty}, rig.asker.times[i].value()});
  }
  for (const char* s : {"walker.walks", "walker.memReads", "walker.adWrites", "walker.faults",
                        "dram.ltAccesses", "dram.atAccesses", "dram.reads", "dram.writes"}) {
    out.push_back(static_cast<uint64_t>(rig.reg.value(s)));
  }
  // The tables' bytes afterwards (A and D set where the walks set them).
  for (uint64_t table : {0x1000, 0x2000, 0x3000, 0x4000}) {
    for (uint64_t i = 0; i < 8; ++i) out.push_back(rig.read64(table + i * 8));
  }
  return out;
}

// runWalks in a child process: its result, through a pipe.
std::vector<uint64_t> runWalksInChild(bool direct, bool at) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const std::vector<uint64_t> v = runWalks(direct, at);
    const uint64_t n = v.size();
    bool ok = write(fds[1], &n, sizeof n) == static_cast<ssize_t>(sizeof n);
    ok = ok && write(fds[1], v.data(), n * 8) == static_cast<ssize_t>(n * 8);
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  std::vector<uint64_t> v;
  uint64_t n = 0;
  if (read(fds[0], &n, sizeof n) == static_cast<ssize_t>(sizeof n)) {
    v.resize(n);
    size_t got = 0;
    while (got < n * 8) {
      const ssize_t r = read(fds[0], reinterpret_cast<char*>(v.data()) + got, n * 8 - got);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    if (got != n * 8) v.clear();
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return v;
}

void expectSameAsSocketPath(bool at) {
  const std::vector<uint64_t> viaSockets = runWalksInChild(false, at);
  const std::vector<uint64_t> direct = runWalksInChild(true, at);
  ASSERT_FALSE(viaSockets.empty());
  EXPECT_EQ(direct, viaSockets);
  // The walks did read and write the tables through the socket (the timing), and set A and D.
  const size_t stats = 8 * 5;
  EXPECT_GT(viaSockets[stats + 1], 10u);                               // memReads
  EXPECT_GT(viaSockets[stats + 2], 2u);                                // adWrites
  EXPECT_GT(viaSockets[stats + (at ? 5 : 4)], viaSockets[stats + 1]);  // DRAM accesses
}

}  // namespace

TEST(WalkerDirect, LtWalksGiveTheSameAnswersTimesStatsAndBytesAsTheSocketPath) {
  expectSameAsSocketPath(false);
}

TEST(WalkerDirect, AtWalksGiveTheSameAnswersTimesStatsAndBytesAsTheSocketPath) {
  expectSameAsSocketPath(true);
}

TEST(WalkerDirect, RouterServesTheDramBytesThatTheSocketsMove) {
  WalkRig rig(true);
  rig.write64(0x7008, 0xfeedface12345678);  // through the DRAM's debug transport
  unsigned char* page = rig.router.directPage(0x7abc);
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page, rig.dram.directPage(0x7000));
  uint64_t v = 0;
  std::memcpy(&v, page + 8, 8);
  EXPECT_EQ(v, 0xfeedface12345678u);
  v = 0x0102030405060708;
  std::memcpy(page + 16, &v, 8);  // and what the direct path writes, the sockets read
  EXPECT_EQ(rig.read64(0x7010), v);
  EXPECT_EQ(rig.router.directPage(rig.dram.size()), nullptr);  // no target serves it
  // Without a DirectMemory in the map the router offers none.
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  mem::Router plain{"plain", ctx};
  plain.map(0, 0, 1 << 20, "mem");
  EXPECT_EQ(plain.directPage(0x1000), nullptr);
}
