// Page-walker rules, checked against page tables written by hand into simulated DRAM: PTE reads
// per level, walk caches, accessed/dirty write-back, permission accumulation, large pages.
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>

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

struct WalkRig {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  mem::Router router{"router", ctx};
  dram::Dram dram{"dram", ctx};
  ptw::Walker walker{"walker", ctx};
  Asker asker{"asker"};
  FixedRoot root;

  WalkRig() {
    router.isock.bind(dram.tsock);
    router.map(0, 0, dram.size(), "dram");
    walker.mem.bind(router.tsock);
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
