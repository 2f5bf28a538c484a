// Sends instruction fetches to one target and every other access to another: the MMU's single
// physical `mem` socket in front of split L1 caches (fetches -> icache, loads/stores -> dcache).
// The kind is VmAccess::kind; a payload without VmAccess is data. LT, AT and debug transport
// pass straight through (stateless: a transaction's later phases follow its kind again).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "vmsim/common/extensions.h"

namespace vmsim::cache {

class KindSplit : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<KindSplit> tsock;
  tlm_utils::simple_initiator_socket<KindSplit> fetch;
  tlm_utils::simple_initiator_socket<KindSplit> data;

  explicit KindSplit(const sc_core::sc_module_name& nm);

 private:
  tlm_utils::simple_initiator_socket<KindSplit>& route(const tlm::tlm_generic_payload& gp) {
    const auto* a = gp.get_extension<VmAccess>();
    return a && a->kind == AccessKind::Fetch ? fetch : data;
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    route(gp)->b_transport(gp, delay);
  }
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp) { return route(gp)->transport_dbg(gp); }
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay) {
    return route(gp)->nb_transport_fw(gp, ph, delay);
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay) {
    return tsock->nb_transport_bw(gp, ph, delay);
  }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi&) { return false; }
};

}  // namespace vmsim::cache
