// A small TLM-2.0 base-protocol checker (IEEE 1666-2011 sections 14.2 and 15.2) to sit between
// two modules in the socket tests: it forwards every call and records each rule it sees broken.
// Checked: response status on b_transport entry and exit, attributes a target must not change,
// the 4-phase sequence per transaction, request and response exclusion, a memory manager on
// every nb transaction, and DMI denial.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <tlm>

#include <map>
#include <string>
#include <vector>

namespace vmsim::test {

class ProtocolChecker : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<ProtocolChecker> tsock;
  tlm_utils::simple_initiator_socket<ProtocolChecker> isock;
  std::vector<std::string> violations;
  uint64_t bCalls = 0, nbTransactions = 0;

  explicit ProtocolChecker(const sc_core::sc_module_name& nm)
      : sc_core::sc_module(nm), tsock("tsock"), isock("isock") {
    tsock.register_b_transport(this, &ProtocolChecker::b_transport);
    tsock.register_nb_transport_fw(this, &ProtocolChecker::nb_transport_fw);
    tsock.register_transport_dbg(this, &ProtocolChecker::transport_dbg);
    tsock.register_get_direct_mem_ptr(this, &ProtocolChecker::get_direct_mem_ptr);
    isock.register_nb_transport_bw(this, &ProtocolChecker::nb_transport_bw);
  }

 private:
  enum class Phase { Req, ReqDone, Resp };
  void fail(const std::string& what) {
    violations.push_back(std::string(name()) + " @" + sc_core::sc_time_stamp().to_string() + ": " +
                         what);
  }

  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    ++bCalls;
    if (gp.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE)
      fail("b_transport entered with a response status already set");
    if (gp.get_data_length() > 0 && !gp.get_data_ptr()) fail("data pointer is null");
    if (gp.get_streaming_width() == 0) fail("streaming width is 0");
    const auto cmd = gp.get_command();
    const auto len = gp.get_data_length();
    auto* data = gp.get_data_ptr();
    isock->b_transport(gp, delay);
    if (gp.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
      fail("b_transport returned TLM_INCOMPLETE_RESPONSE");
    if (gp.get_command() != cmd || gp.get_data_length() != len || gp.get_data_ptr() != data)
      fail("target changed command, data pointer or data length");
  }

  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay) {
    if (ph == tlm::BEGIN_REQ) {
      ++nbTransactions;
      if (!gp.has_mm()) fail("nb transaction without a memory manager");
      if (reqInProgress_) fail("BEGIN_REQ before END_REQ of the previous request");
      if (state_.count(&gp)) fail("BEGIN_REQ for a transaction already in flight");
      if (gp.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE)
        fail("BEGIN_REQ with a response status already set");
      state_[&gp] = Phase::Req;
      reqInProgress_ = &gp;
    } else if (ph == tlm::END_RESP) {
      auto it = state_.find(&gp);
      if (it == state_.end() || it->second != Phase::Resp) fail("END_RESP without BEGIN_RESP");
      respInProgress_ = nullptr;
      state_.erase(&gp);
    } else {
      fail("initiator sent phase " + phaseName(ph) + " on the forward path");
    }
    auto s = isock->nb_transport_fw(gp, ph, delay);
    afterReturn(gp, ph, s, true);
    return s;
  }

  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay) {
    targetPhase(gp, ph);
    auto s = tsock->nb_transport_bw(gp, ph, delay);
    afterReturn(gp, ph, s, false);
    return s;
  }

  // A phase sent by the target (on the backward path or as a TLM_UPDATED return).
  void targetPhase(tlm::tlm_generic_payload& gp, const tlm::tlm_phase& ph) {
    auto it = state_.find(&gp);
    if (it == state_.end()) {
      fail("target sent " + phaseName(ph) + " for an unknown transaction");
      return;
    }
    if (ph == tlm::END_REQ) {
      if (it->second != Phase::Req) fail("END_REQ twice or after BEGIN_RESP");
      it->second = Phase::ReqDone;
      if (reqInProgress_ == &gp) reqInProgress_ = nullptr;
    } else if (ph == tlm::BEGIN_RESP) {
      if (respInProgress_) fail("BEGIN_RESP before END_RESP of the previous response");
      if (it->second == Phase::Resp) fail("BEGIN_RESP twice");
      if (reqInProgress_ == &gp) reqInProgress_ = nullptr;  // BEGIN_RESP implies END_REQ
      if (gp.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
        fail("BEGIN_RESP with TLM_INCOMPLETE_RESPONSE");
      it->second = Phase::Resp;
      respInProgress_ = &gp;
    } else {
      fail("target sent phase " + phaseName(ph));
    }
  }

  void afterReturn(tlm::tlm_generic_payload& gp, const tlm::tlm_phase& ph, tlm::tlm_sync_enum s,
                   bool forward) {
    if (s == tlm::TLM_COMPLETED) {
      if (reqInProgress_ == &gp) reqInProgress_ = nullptr;
      if (respInProgress_ == &gp) respInProgress_ = nullptr;
      state_.erase(&gp);
    } else if (s == tlm::TLM_UPDATED) {
      if (forward) {
        targetPhase(gp, ph);
      } else if (ph == tlm::END_RESP) {
        respInProgress_ = nullptr;
        state_.erase(&gp);
      } else {
        fail("initiator returned TLM_UPDATED with phase " + phaseName(ph));
      }
    }
  }

  unsigned int transport_dbg(tlm::tlm_generic_payload& gp) { return isock->transport_dbg(gp); }

  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    const bool granted = isock->get_direct_mem_ptr(gp, dmi);
    if (granted) fail("DMI granted: it would bypass translation and timing");
    return granted;
  }

  static std::string phaseName(const tlm::tlm_phase& ph) {
    std::ostringstream os;
    os << ph;
    return os.str();
  }

  std::map<tlm::tlm_generic_payload*, Phase> state_;
  tlm::tlm_generic_payload* reqInProgress_ = nullptr;
  tlm::tlm_generic_payload* respInProgress_ = nullptr;
};

}  // namespace vmsim::test
