// AT (4-phase) tests of every TextbookMmu mode (OSTEP ch. 15-20): a foreign initiator without
// vmsim extensions (so ASID 0) keeps several accesses in flight; checkers must see no violation
// and the data must read back. Also compares LT walk costs between the modes on one workload.
#include <gtest/gtest.h>

#include <tlm_utils/peq_with_cb_and_phase.h>

#include <memory>

#include "textbook_rig.h"

using namespace vmsim;
using namespace vmsim::test;

namespace {

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

// 4-phase initiator: writes `n` words from `base` (stride 64), then reads them back.
class AtInitiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<AtInitiator> isock{"isock"};
  unsigned ok = 0, errors = 0, dataErrors = 0, maxInFlight = 0;
  SC_HAS_PROCESS(AtInitiator);
  AtInitiator(const sc_core::sc_module_name& nm, uint64_t base, unsigned n, unsigned depth)
      : sc_module(nm), peq_(this, &AtInitiator::onPhase), base_(base), n_(n), depth_(depth) {
    isock.register_nb_transport_bw(this, &AtInitiator::nb_transport_bw);
    values_.resize(2 * n);
    SC_THREAD(run);
  }

 private:
  static uint64_t pattern(uint64_t va) { return va * 0x9e3779b97f4a7c15ull + 1; }
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
      values_[i] = pattern(base_ + i * 64);
      issue(tlm::TLM_WRITE_COMMAND, base_ + i * 64, &values_[i]);
    }
    while (inFlight_) sc_core::wait(freed_);
    for (unsigned i = 0; i < n_; ++i)
      issue(tlm::TLM_READ_COMMAND, base_ + i * 64, &values_[n_ + i]);
    while (inFlight_) sc_core::wait(freed_);
    for (unsigned i = 0; i < n_; ++i) {
      if (values_[n_ + i] != pattern(base_ + i * 64)) ++dataErrors;
    }
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& t) {
    peq_.notify(gp, ph, t);
    return tlm::TLM_ACCEPTED;
  }
  void onPhase(tlm::tlm_generic_payload& gp, const tlm::tlm_phase& ph) {
    if ((ph == tlm::END_REQ || ph == tlm::BEGIN_RESP) && reqOpen_ == &gp) {
      reqOpen_ = nullptr;
      endReq_.notify();
    }
    if (ph != tlm::BEGIN_RESP) return;
    tlm::tlm_phase end = tlm::END_RESP;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    isock->nb_transport_fw(gp, end, t);
    finish(gp);
  }
  void finish(tlm::tlm_generic_payload& gp) {
    gp.is_response_ok() ? ++ok : ++errors;
    gp.release();
    --inFlight_;
    freed_.notify();
  }

  SimpleMm mm_;
  tlm_utils::peq_with_cb_and_phase<AtInitiator> peq_;
  std::vector<uint64_t> values_;
  uint64_t base_;
  unsigned n_, depth_, inFlight_ = 0;
  tlm::tlm_generic_payload* reqOpen_ = nullptr;
  sc_core::sc_event endReq_, freed_;
};

struct ModeCase {
  const char* name;
  const char* yaml;
  uint64_t base;  // VA of a 64 KiB region of ASID 0
};

const ModeCase kCases[] = {
    {"base_bounds", "mmu: {mode: base_bounds, phys_base: 0x1000000, phys_size: 4MiB}\n", 0x0},
    {"segmentation", "mmu: {mode: segmentation, phys_base: 0x1000000, phys_size: 4MiB}\n",
     0x40000000},
    {"linear", "mmu: {mode: linear, phys_base: 0x1000000, phys_size: 4MiB}\n", 0x100000},
    {"two_level",
     "mmu: {mode: two_level, phys_base: 0x1000000, phys_size: 4MiB,\n"
     "      two_level: {page_size: 4KiB, address_space: 16MiB, entry_bytes: 2}}\n",
     0x100000},
    {"inverted", "mmu: {mode: inverted, phys_base: 0x1000000, phys_size: 4MiB}\n", 0x100000},
};

void PrintTo(const ModeCase& c, std::ostream* os) {
  *os << c.name;
}

class TextbookAt : public ::testing::TestWithParam<ModeCase> {};

TEST_P(TextbookAt, SeveralInFlightReadBackWhatTheyWrote) {
  TextbookRig rig(GetParam().yaml);
  rig.mmu.mapRegion(0, GetParam().base, 0x10000, Perms{});
  AtInitiator cpu("cpu", GetParam().base, 256, 6);
  cpu.isock.bind(rig.toMmu.tsock);
  sc_core::sc_start();
  EXPECT_EQ(cpu.ok, 512u);
  EXPECT_EQ(cpu.errors, 0u);
  EXPECT_EQ(cpu.dataErrors, 0u);
  EXPECT_GT(cpu.maxInFlight, 1u);
  EXPECT_EQ(rig.toMmu.nbTransactions, 512u);
  EXPECT_EQ(rig.mmuMem.nbTransactions, 512u);  // the data accesses go on as 4-phase
  EXPECT_EQ(rig.violations(), std::vector<std::string>{});
}

// The same small LT workload in every mode: what each scheme's walk costs per access.
TEST_P(TextbookAt, LtWalkCostOnASmallWorkload) {
  TextbookRig rig(GetParam().yaml);
  const uint64_t base = GetParam().base;
  rig.mmu.mapRegion(0, base, 0x10000, Perms{});
  std::vector<Op> ops;
  for (unsigned i = 0; i < 200; ++i) ops.push_back(store(0, base + (i * 4168) % 0xfff8, i));
  for (unsigned i = 0; i < 200; ++i) ops.push_back(load(0, base + (i * 4168) % 0xfff8));
  const auto r = runScript(rig, ops);
  sc_core::sc_time total;
  for (unsigned i = 0; i < 200; ++i) EXPECT_EQ(r[200 + i].value, i);
  for (const auto& x : r) total += x.delay;
  const double reads = rig.stat("mmu.tableReads") / 400;
  std::printf("[walk cost] %-12s table reads/access %.2f, mean access time %s\n", GetParam().name,
              reads, (total / 400).to_string().c_str());
  const std::string mode = GetParam().name;
  if (mode == "base_bounds" || mode == "segmentation") {
    EXPECT_EQ(reads, 0);
  }
  if (mode == "linear") {
    EXPECT_EQ(reads, 1);
  }
  if (mode == "two_level") {
    EXPECT_EQ(reads, 2);
  }
  if (mode == "inverted") {
    EXPECT_GE(reads, 2);  // anchor + at least one entry
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, TextbookAt, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
