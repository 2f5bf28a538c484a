// Joins several upper translation levels (TLBs) onto one single-bind target such as the page
// walker's `tsock`: a pass-through of translation requests (b_transport) and debug translations
// (transport_dbg). The MMU uses it when several TLBs (its own, or shared levels routing this
// core's misses) miss straight to the walker; the walker itself bounds and times concurrent
// walks. With a `cost` and a counter it is the software-refill trap: each request is one trap
// into the kernel's TLB refill handler, costing `cost` before the handler runs.
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <systemc>

#include "vmsim/common/stats.h"

namespace vmsim::mmu {

class TranslationJoin : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<TranslationJoin> tsock;
  tlm_utils::simple_initiator_socket<TranslationJoin> next;

  explicit TranslationJoin(const sc_core::sc_module_name& nm,
                           sc_core::sc_time cost = sc_core::SC_ZERO_TIME,
                           vmsim::stats::Scalar* counter = nullptr)
      : sc_core::sc_module(nm), tsock("tsock"), next("next"), cost_(cost), counter_(counter) {
    tsock.register_b_transport(this, &TranslationJoin::b_transport);
    tsock.register_transport_dbg(this, &TranslationJoin::transport_dbg);
  }

 private:
  void b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    delay += cost_;
    if (counter_) ++*counter_;
    next->b_transport(gp, delay);
  }
  unsigned int transport_dbg(int, tlm::tlm_generic_payload& gp) { return next->transport_dbg(gp); }
  sc_core::sc_time cost_;
  vmsim::stats::Scalar* counter_;
};

}  // namespace vmsim::mmu
