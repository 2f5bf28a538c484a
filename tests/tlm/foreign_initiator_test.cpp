// Socket tests: initiators written only with tlm_utils sockets and no vmsim extension drive the
// MMU in LT and in AT mode; protocol checkers sit on every hop and must see no violation.
#include <gtest/gtest.h>

#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <deque>
#include <memory>

#include "at_initiator.h"
#include "protocol_checker.h"
#include "vmsim/dram/dram.h"
#include "vmsim/mem/router.h"
#include "vmsim/mmu/mmu.h"
#include "vmsim/os/kernel.h"
#include "vmsim/swap/swap_disk.h"

using namespace vmsim;

namespace {

constexpr uint64_t kBase = 0x100000000ull;  // a kernel-space region of ASID 0
constexpr uint64_t kRegion = 16ull << 20;

uint64_t pattern(uint64_t va) {
  return va * 0x9e3779b97f4a7c15ull + 1;
}

// The memory system behind the MMU, with a checker on every socket the MMU drives.
struct Rig {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  test::ProtocolChecker toMmu{"check_cpu_mmu"};
  test::ProtocolChecker mmuMem{"check_mmu_mem"};
  test::ProtocolChecker walkerMem{"check_walker_mem"};
  mem::Router router{"router", ctx};
  dram::Dram dram{"dram", ctx};
  swap::SwapDisk disk{"swap", ctx};
  os::Kernel kernel{"kernel", ctx};
  mmu::Mmu mmu{"mmu", ctx};

  Rig() {
    router.isock.bind(dram.tsock);
    router.map(0, 0, dram.size(), "dram");
    kernel.mem.bind(router.tsock);
    kernel.swap.bind(disk.tsock);
    kernel.setSwapSpace(&disk);
    toMmu.isock.bind(mmu.tsock);
    mmu.mem.bind(mmuMem.tsock);
    mmuMem.isock.bind(router.tsock);
    mmu.walker()->mem.bind(walkerMem.tsock);
    walkerMem.isock.bind(router.tsock);
    mmu.fault.bind(kernel.fault_tsock);
    mmu.walker()->setPageTableBase(&kernel);
    for (auto* c : mmu.translationCaches()) kernel.addTranslationCache(c);
    kernel.addRegion(0, {"kheap", kBase, kRegion, Perms{}});
    cfg.finalize();
  }
  std::vector<std::string> violations() const {
    std::vector<std::string> v;
    for (const auto* c : {&toMmu, &mmuMem, &walkerMem})
      v.insert(v.end(), c->violations.begin(), c->violations.end());
    return v;
  }
};

struct Outcome {
  unsigned ok = 0, dataErrors = 0, addressErrors = 0, otherErrors = 0;
};

// Blocking initiator: writes a pattern to `n` words, reads them back, then touches an address
// outside every region.
class LtInitiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<LtInitiator> isock{"isock"};
  Outcome out;
  SC_HAS_PROCESS(LtInitiator);
  LtInitiator(const sc_core::sc_module_name& nm, unsigned n) : sc_module(nm), n_(n) {
    SC_THREAD(run);
  }

 private:
  void access(tlm::tlm_command cmd, uint64_t va, uint64_t& value) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(va);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    gp.set_data_length(8);
    gp.set_streaming_width(8);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    isock->b_transport(gp, delay);
    sc_core::wait(delay);
    if (gp.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE) {
      ++out.addressErrors;
    } else if (!gp.is_response_ok()) {
      ++out.otherErrors;
    } else {
      ++out.ok;
    }
  }
  void run() {
    for (unsigned i = 0; i < n_; ++i) {
      uint64_t v = pattern(kBase + i * 4104);
      access(tlm::TLM_WRITE_COMMAND, kBase + i * 4104, v);  // 4104: crosses pages now and then
    }
    for (unsigned i = 0; i < n_; ++i) {
      uint64_t v = 0;
      access(tlm::TLM_READ_COMMAND, kBase + i * 4104, v);
      if (v != pattern(kBase + i * 4104)) ++out.dataErrors;
    }
    uint64_t v = 0;
    access(tlm::TLM_READ_COMMAND, kBase + kRegion + 0x1000, v);
  }
  unsigned n_;
};

}  // namespace

TEST(ForeignInitiator, LtReadsBackWhatItWroteAndFaultsOutsideRegions) {
  Rig rig;
  LtInitiator cpu("cpu", 300);
  cpu.isock.bind(rig.toMmu.tsock);
  sc_core::sc_start();
  EXPECT_EQ(cpu.out.ok, 600u);
  EXPECT_EQ(cpu.out.dataErrors, 0u);
  EXPECT_EQ(cpu.out.addressErrors, 1u);
  EXPECT_EQ(cpu.out.otherErrors, 0u);
  EXPECT_GT(rig.reg.value("kernel.minorFaults"), 0);
  EXPECT_GT(rig.reg.value("mmu.walker.walks"), 0);
  EXPECT_EQ(rig.violations(), std::vector<std::string>{});
  EXPECT_GT(rig.toMmu.bCalls, 0u);
  EXPECT_GT(rig.walkerMem.bCalls, 0u);
}

TEST(ForeignInitiator, AtKeepsSeveralInFlightAndReadsBackWhatItWrote) {
  Rig rig;
  test::AtInitiator cpu("cpu", kBase, 400, 6);
  cpu.isock.bind(rig.toMmu.tsock);
  sc_core::sc_start();
  EXPECT_EQ(cpu.ok, 800u);
  EXPECT_EQ(cpu.dataErrors, 0u);
  EXPECT_EQ(cpu.errors, 0u);
  EXPECT_GT(cpu.maxInFlight, 1u);
  EXPECT_EQ(rig.toMmu.nbTransactions, 800u);
  EXPECT_GE(rig.mmuMem.nbTransactions, 800u);  // the physical accesses are 4-phase too
  EXPECT_EQ(rig.violations(), std::vector<std::string>{});
}

namespace {

// Two processes whose pages interleave in physical memory (A page 0, B page 0, A page 1), so an
// access of A that crossed its page boundary physically would land in B's frame.
class IsolationProbe : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<IsolationProbe> isock{"isock"};
  static constexpr uint64_t kVa = 0x10000000;
  Asid a = 0, b = 0;
  uint64_t aLow = 0, aHigh = 0, bWord = 0, bAfterDebugWrite = 0, aAfterDebugWrite[2] = {};
  unsigned dbgRead = 0, dbgWrite = 0, crossingWriteOk = 0;
  SC_HAS_PROCESS(IsolationProbe);
  explicit IsolationProbe(const sc_core::sc_module_name& nm) : sc_module(nm) { SC_THREAD(run); }

 private:
  bool access(Asid asid, tlm::tlm_command cmd, uint64_t va, void* data, unsigned len,
              bool debug = false, unsigned* n = nullptr) {
    tlm::tlm_generic_payload gp;
    VmAccess who;
    who.asid = asid;
    who.privilege = Privilege::User;
    who.kind = cmd == tlm::TLM_WRITE_COMMAND ? AccessKind::Store : AccessKind::Load;
    gp.set_extension(&who);
    gp.set_command(cmd);
    gp.set_address(va);
    gp.set_data_ptr(static_cast<unsigned char*>(data));
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    bool ok = true;
    if (debug) {
      *n = isock->transport_dbg(gp);
    } else {
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      isock->b_transport(gp, delay);
      sc_core::wait(delay);
      ok = gp.is_response_ok();
    }
    gp.clear_extension(&who);
    return ok;
  }
  void run() {
    uint64_t v = 0xaaaaaaaaaaaaaaaaull;
    access(a, tlm::TLM_WRITE_COMMAND, kVa + 4088, &v, 8);  // A page 0 (last word)
    v = 0xbbbbbbbbbbbbbbbbull;
    access(b, tlm::TLM_WRITE_COMMAND, kVa, &v, 8);  // B page 0 (first word)
    v = 0xa1a1a1a1a1a1a1a1ull;
    access(a, tlm::TLM_WRITE_COMMAND, kVa + 4096, &v, 8);  // A page 1 (first word)
    // A 16-byte debug read of A across its page boundary.
    uint64_t two[2] = {};
    access(a, tlm::TLM_READ_COMMAND, kVa + 4088, two, 16, true, &dbgRead);
    aLow = two[0];
    aHigh = two[1];
    // A 16-byte debug write of A across the boundary must not touch B's frame.
    uint64_t w[2] = {0x1111111111111111ull, 0x2222222222222222ull};
    access(a, tlm::TLM_WRITE_COMMAND, kVa + 4088, w, 16, true, &dbgWrite);
    access(b, tlm::TLM_READ_COMMAND, kVa, &bAfterDebugWrite, 8);
    access(a, tlm::TLM_READ_COMMAND, kVa + 4088, aAfterDebugWrite, 16);
    // And a timed crossing write of A.
    uint64_t t[2] = {0x3333333333333333ull, 0x4444444444444444ull};
    crossingWriteOk = access(a, tlm::TLM_WRITE_COMMAND, kVa + 4088, t, 16);
    access(b, tlm::TLM_READ_COMMAND, kVa, &bWord, 8);
  }
};

}  // namespace

// Issue 7 item 23: a debug access is split per page like b_transport, so no process reaches
// another's frames through transport_dbg.
TEST(Isolation, NoProcessReachesAnotherProcesssFramesThroughAnyPath) {
  Rig rig;
  IsolationProbe probe("probe");
  probe.a = rig.kernel.createProcess("a");
  probe.b = rig.kernel.createProcess("b");
  for (Asid p : {probe.a, probe.b}) {
    rig.kernel.addRegion(p,
                         {"heap", IsolationProbe::kVa, 2 * 4096, Perms{true, true, false, true}});
  }
  probe.isock.bind(rig.toMmu.tsock);
  sc_core::sc_start();
  EXPECT_EQ(probe.dbgRead, 16u);
  EXPECT_EQ(probe.aLow, 0xaaaaaaaaaaaaaaaaull);
  EXPECT_EQ(probe.aHigh, 0xa1a1a1a1a1a1a1a1ull);  // A's page 1, not B's page 0
  EXPECT_EQ(probe.dbgWrite, 16u);
  EXPECT_EQ(probe.bAfterDebugWrite, 0xbbbbbbbbbbbbbbbbull);
  EXPECT_EQ(probe.aAfterDebugWrite[0], 0x1111111111111111ull);
  EXPECT_EQ(probe.aAfterDebugWrite[1], 0x2222222222222222ull);
  EXPECT_TRUE(probe.crossingWriteOk);
  EXPECT_EQ(probe.bWord, 0xbbbbbbbbbbbbbbbbull);
  EXPECT_EQ(rig.violations(), std::vector<std::string>{});
}
