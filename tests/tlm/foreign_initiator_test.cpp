// Socket tests: initiators written only with tlm_utils sockets and no vmsim extension drive the
// MMU in LT and in AT mode; protocol checkers sit on every hop and must see no violation.
#include <gtest/gtest.h>

#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <deque>
#include <memory>

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

// A minimal memory manager, as any foreign AT initiator must bring.
class SimpleMm : public tlm::tlm_mm_interface {
 public:
  tlm::tlm_generic_payload* get() {
    if (free_.empty()) {
      all_.push_back(std::make_unique<tlm::tlm_generic_payload>(this));
      free_.push_back(all_.back().get());
    }
    auto* gp = free_.back();
    free_.pop_back();
    gp->acquire();
    return gp;
  }
  void free(tlm::tlm_generic_payload* gp) override {
    gp->reset();
    free_.push_back(gp);
  }

 private:
  std::vector<std::unique_ptr<tlm::tlm_generic_payload>> all_;
  std::vector<tlm::tlm_generic_payload*> free_;
};

// 4-phase initiator with up to `depth` transactions in flight: writes, then reads back.
class AtInitiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<AtInitiator> isock{"isock"};
  Outcome out;
  unsigned maxInFlight = 0;
  SC_HAS_PROCESS(AtInitiator);
  AtInitiator(const sc_core::sc_module_name& nm, unsigned n, unsigned depth)
      : sc_module(nm), peq_(this, &AtInitiator::onPhase), n_(n), depth_(depth) {
    isock.register_nb_transport_bw(this, &AtInitiator::nb_transport_bw);
    values_.resize(2 * n);
    SC_THREAD(run);
  }

 private:
  void issue(tlm::tlm_command cmd, uint64_t va, uint64_t* value) {
    while (inFlight_ >= depth_) sc_core::wait(freed_);
    auto* gp = mm_.get();
    gp->set_command(cmd);
    gp->set_address(va);
    gp->set_data_ptr(reinterpret_cast<unsigned char*>(value));
    gp->set_data_length(8);
    gp->set_streaming_width(8);
    gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    ++inFlight_;
    maxInFlight = std::max(maxInFlight, inFlight_);
    reqOpen_ = gp;
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    const auto s = isock->nb_transport_fw(*gp, ph, t);
    if (s == tlm::TLM_UPDATED) peq_.notify(*gp, ph, t);
    if (s == tlm::TLM_COMPLETED) {
      reqOpen_ = nullptr;
      finish(*gp);
    }
    while (reqOpen_) sc_core::wait(endReq_);
  }
  void run() {
    for (unsigned i = 0; i < n_; ++i) {
      values_[i] = pattern(kBase + i * 64);
      issue(tlm::TLM_WRITE_COMMAND, kBase + i * 64, &values_[i]);
    }
    while (inFlight_) sc_core::wait(freed_);
    for (unsigned i = 0; i < n_; ++i)
      issue(tlm::TLM_READ_COMMAND, kBase + i * 64, &values_[n_ + i]);
    while (inFlight_) sc_core::wait(freed_);
    for (unsigned i = 0; i < n_; ++i) {
      if (values_[n_ + i] != pattern(kBase + i * 64)) ++out.dataErrors;
    }
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& t) {
    peq_.notify(gp, ph, t);
    return tlm::TLM_ACCEPTED;
  }
  void onPhase(tlm::tlm_generic_payload& gp, const tlm::tlm_phase& ph) {
    if (ph == tlm::END_REQ || ph == tlm::BEGIN_RESP) {
      if (reqOpen_ == &gp) {
        reqOpen_ = nullptr;
        endReq_.notify();
      }
    }
    if (ph != tlm::BEGIN_RESP) return;
    tlm::tlm_phase end = tlm::END_RESP;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    isock->nb_transport_fw(gp, end, t);
    finish(gp);
  }
  void finish(tlm::tlm_generic_payload& gp) {
    if (gp.is_response_ok()) {
      ++out.ok;
    } else {
      ++out.otherErrors;
    }
    gp.release();
    --inFlight_;
    freed_.notify();
  }

  SimpleMm mm_;
  tlm_utils::peq_with_cb_and_phase<AtInitiator> peq_;
  std::vector<uint64_t> values_;
  unsigned n_, depth_, inFlight_ = 0;
  tlm::tlm_generic_payload* reqOpen_ = nullptr;
  sc_core::sc_event endReq_, freed_;
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
  AtInitiator cpu("cpu", 400, 6);
  cpu.isock.bind(rig.toMmu.tsock);
  sc_core::sc_start();
  EXPECT_EQ(cpu.out.ok, 800u);
  EXPECT_EQ(cpu.out.dataErrors, 0u);
  EXPECT_EQ(cpu.out.otherErrors, 0u);
  EXPECT_GT(cpu.maxInFlight, 1u);
  EXPECT_EQ(rig.toMmu.nbTransactions, 800u);
  EXPECT_GE(rig.mmuMem.nbTransactions, 800u);  // the physical accesses are 4-phase too
  EXPECT_EQ(rig.violations(), std::vector<std::string>{});
}
