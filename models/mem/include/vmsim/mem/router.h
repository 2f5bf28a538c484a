// Physical-address router: any number of initiators (MMUs, walkers, the kernel) on `tsock`,
// targets on `isock` at address ranges; an address that decodes to nothing is answered with
// TLM_ADDRESS_ERROR_RESPONSE. Target-local addresses are (pa - range base). Forwards b_transport,
// transport_dbg and the 4-phase nb_transport (routing backward calls to the right initiator).
// DMI is denied: it would bypass translation, timing and statistics. The models' own page-table
// accesses get their bytes through DirectMemory instead (timing still through the sockets):
// the router forwards directPage() to the target that serves the address, if it offers one.
// A target may also take the router's LT calls directly (setDirectTransport): b_transport then
// calls its DirectTransport instead of going through isock and the target's socket layers.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>

#include <unordered_map>
#include <vector>

#include "vmsim/common/direct_socket.h"
#include "vmsim/common/interfaces.h"
#include "vmsim/common/module.h"

namespace vmsim::mem {

class Router : public Module, public DirectMemory {
 public:
  DirectMultiTargetSocket<Router> tsock;
  tlm_utils::multi_passthrough_initiator_socket<Router> isock;

  Router(const sc_core::sc_module_name& nm, SimContext& ctx);

  /// Declares that target number `index` (bind order on isock) serves [base, base+size).
  /// `direct`: the target's DirectMemory (its host bytes), or nullptr if it offers none.
  void map(unsigned index, uint64_t base, uint64_t size, const std::string& name,
           DirectMemory* direct = nullptr);
  /// LT b_transport to target number `index` calls `t` (the b_transport of the target socket
  /// that isock[index] is bound to, without the socket hop: DirectTransport) instead of
  /// isock[index]; nullptr goes back to the socket. The socket stays bound and carries
  /// nb_transport and transport_dbg. A platform connects it only where isock[index] is bound to
  /// that target.
  void setDirectTransport(unsigned index, DirectTransport* t);
  /// Every target back on the sockets (vmsim run --socket-path).
  void clearDirectTransports();
  /// DirectMemory: the page of the target serving `pa` (nullptr if none does, or offers none).
  unsigned char* directPage(uint64_t pa) override;
  /// DirectMemory: peekPage() of the target serving `pa` (nothing if none does, or offers none).
  PageView peekPage(uint64_t pa) override;

 private:
  struct Range {
    uint64_t base, size;
    unsigned index;
    std::string name;
    DirectMemory* direct;
    DirectTransport* lt = nullptr;  // setDirectTransport
  };
  const Range* decode(uint64_t addr) const;
  /// The range whose direct target holds all of the 4 KiB page at `page` (page aligned), at a
  /// page-aligned offset in it; nullptr if none does (directPage and peekPage).
  const Range* directRange(uint64_t page) const;

  void b_transport(int from, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(int from, tlm::tlm_generic_payload& gp);
  tlm::tlm_sync_enum nb_transport_fw(int from, tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(int to, tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay);
  bool get_direct_mem_ptr(int from, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  void end_of_elaboration() override;

  std::vector<Range> ranges_;
  mutable const Range* last_ = nullptr;  // most recent decode hit (one target is the common case)
  sc_core::sc_time latency_;
  // nb transactions in flight: where to send their backward calls, and the original address.
  std::unordered_map<tlm::tlm_generic_payload*, std::pair<int, uint64_t>> pending_;
  stats::Scalar& decodeErrors_;
};

}  // namespace vmsim::mem
