// 4-phase base-protocol helpers: target front end with worker threads, blocking initiator port.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "vmsim/common/at_helpers.h"

namespace vmsim {

AtTargetFrontEnd::AtTargetFrontEnd(unsigned workers, NbCall backward, Process process)
    : workers_(workers), backward_(std::move(backward)), process_(std::move(process)) {
  for (unsigned i = 0; i < workers_; ++i) {
    sc_core::sc_spawn([this] { worker(); }, sc_core::sc_gen_unique_name("at_worker"));
  }
}

tlm::tlm_sync_enum AtTargetFrontEnd::forward(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                             sc_core::sc_time& delay) {
  if (ph == tlm::BEGIN_REQ) {
    if (gp.has_mm()) gp.acquire();
    queue_.push_back(&gp);
    queued_.notify(delay);
    if (busy_++ < workers_) {
      ph = tlm::END_REQ;
      return tlm::TLM_UPDATED;
    }
    endReqOwed_ = &gp;
    return tlm::TLM_ACCEPTED;
  }
  if (ph == tlm::END_RESP) {
    respBusy_ = false;
    respFree_.notify(sc_core::SC_ZERO_TIME);
    if (gp.has_mm()) gp.release();
    return tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR("vmsim/at", "unexpected phase on nb_transport_fw");
  return tlm::TLM_COMPLETED;
}

void AtTargetFrontEnd::worker() {
  while (true) {
    while (queue_.empty()) sc_core::wait(queued_);
    tlm::tlm_generic_payload* gp = queue_.front();
    queue_.pop_front();
    if (gp == endReqOwed_) {
      endReqOwed_ = nullptr;
      tlm::tlm_phase ph = tlm::END_REQ;
      sc_core::sc_time t = sc_core::SC_ZERO_TIME;
      backward_(*gp, ph, t);
    }
    process_(*gp);
    respond(*gp);
    --busy_;
  }
}

void AtTargetFrontEnd::respond(tlm::tlm_generic_payload& gp) {
  while (respBusy_) sc_core::wait(respFree_);
  respBusy_ = true;
  tlm::tlm_phase ph = tlm::BEGIN_RESP;
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  const auto s = backward_(gp, ph, t);
  if (s == tlm::TLM_COMPLETED || (s == tlm::TLM_UPDATED && ph == tlm::END_RESP)) {
    respBusy_ = false;
    respFree_.notify(sc_core::SC_ZERO_TIME);
    if (gp.has_mm()) gp.release();
  }
}

void AtInitiatorPort::releaseRequest(const sc_core::sc_time& when) {
  reqBusy_ = false;
  reqOwner_ = nullptr;
  reqFree_.notify(when);
}

void AtInitiatorPort::transact(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  sc_core::wait(delay);
  delay = sc_core::SC_ZERO_TIME;
  while (reqBusy_) sc_core::wait(reqFree_);
  reqBusy_ = true;
  reqOwner_ = &gp;
  if (idleEvents_.empty()) {
    events_.push_back(std::make_unique<sc_core::sc_event>());
    idleEvents_.push_back(events_.back().get());
  }
  sc_core::sc_event& done = *idleEvents_.back();
  idleEvents_.pop_back();
  waiting_[&gp] = &done;
  tlm::tlm_phase ph = tlm::BEGIN_REQ;
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  const auto s = forward_(gp, ph, t);
  bool responded = s == tlm::TLM_COMPLETED;
  if (s == tlm::TLM_UPDATED && ph == tlm::BEGIN_RESP) {
    tlm::tlm_phase end = tlm::END_RESP;
    sc_core::sc_time z = sc_core::SC_ZERO_TIME;
    forward_(gp, end, z);
    responded = true;
  }
  if (responded || (s == tlm::TLM_UPDATED && ph == tlm::END_REQ)) releaseRequest(t);
  if (responded) {
    waiting_.erase(&gp);
    idleEvents_.push_back(&done);
    sc_core::wait(t);
  } else {
    sc_core::wait(done);
    idleEvents_.push_back(&done);
  }
}

tlm::tlm_sync_enum AtInitiatorPort::backward(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                             sc_core::sc_time& delay) {
  if (reqOwner_ == &gp && (ph == tlm::END_REQ || ph == tlm::BEGIN_RESP)) releaseRequest(delay);
  if (ph == tlm::BEGIN_RESP) {
    auto it = waiting_.find(&gp);
    if (it != waiting_.end()) {
      it->second->notify(delay);
      waiting_.erase(it);
    }
    return tlm::TLM_COMPLETED;  // END_RESP implied
  }
  return tlm::TLM_ACCEPTED;
}

}  // namespace vmsim
