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
