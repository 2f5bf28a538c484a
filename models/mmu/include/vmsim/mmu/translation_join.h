// Joins several upper translation levels (TLBs) onto one single-bind target such as the page
// walker's `tsock`: a zero-delay pass-through of translation requests (b_transport) and debug
// translations (transport_dbg). The MMU uses it when the shared L2 TLB is disabled and both L1
// TLBs miss straight to the walker; the walker itself bounds and times concurrent walks.
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <systemc>

namespace vmsim::mmu {

class TranslationJoin : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<TranslationJoin> tsock;
  tlm_utils::simple_initiator_socket<TranslationJoin> next;

  explicit TranslationJoin(const sc_core::sc_module_name& nm)
      : sc_core::sc_module(nm), tsock("tsock"), next("next") {
    tsock.register_b_transport(this, &TranslationJoin::b_transport);
    tsock.register_transport_dbg(this, &TranslationJoin::transport_dbg);
  }

 private:
  void b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    next->b_transport(gp, delay);
  }
  unsigned int transport_dbg(int, tlm::tlm_generic_payload& gp) { return next->transport_dbg(gp); }
};

}  // namespace vmsim::mmu
