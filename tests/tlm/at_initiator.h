// Test initiators shared by the socket tests: a minimal memory manager and a 4-phase (AT)
// initiator that uses only tlm_utils sockets and no vmsim extension, keeping several accesses in
// flight while obeying the base protocol's request and response exclusion rules.
#pragma once

#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm>

#include <algorithm>
#include <memory>
#include <vector>

namespace vmsim::test {

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
  sc_core::sc_time doneAt;  // when the last read completed
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
    doneAt = sc_core::sc_time_stamp();
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

}  // namespace vmsim::test
