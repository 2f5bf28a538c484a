// One TLB level as an sc_module: translation requests (payloads carrying TranslationExt) arrive
// on `tsock`; misses go on through `next` (another TLB level or the page walker). Lookup latency
// is counted in this TLB's own clock cycles. `tsock` accepts any number of upper levels (an L2
// shared by L1I and L1D, or by several cores); translation requests are blocking calls.
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include "vmsim/common/interfaces.h"
#include "vmsim/common/module.h"
#include "vmsim/tlb/tlb_core.h"

namespace vmsim::tlb {

class Tlb : public Module, public TranslationCache {
 public:
  tlm_utils::multi_passthrough_target_socket<Tlb> tsock;
  tlm_utils::simple_initiator_socket<Tlb> next;

  /// `level` is reported in TranslationExt::resolvedLevel (1 = L1, 2 = L2, ...).
  Tlb(const sc_core::sc_module_name& nm, SimContext& ctx, unsigned level,
      size_t defaultEntries = 64, unsigned defaultWays = 4);

  /// For a level the configuration turns off (e.g. `<mmu>.l2.enabled: false`): declares the keys
  /// a TLB at `p` would read (values still checked), marks them ignored in their descriptions,
  /// and returns the ones the user set, for a warning. They are then no "unknown keys".
  static std::vector<std::string> declareDisabled(Params p, size_t defaultEntries,
                                                  unsigned defaultWays);

  /// Warns when none of this TLB's page sizes (log2) is among those the OS maps (`mapped`,
  /// empty when the OS does not say): every lookup would miss.
  void checkMappedPageSizes(const std::vector<unsigned>& mapped) const;

  void invalidatePage(Asid asid, VirtAddr va) override;
  void invalidateAsid(Asid asid) override;
  TlbCore& core() { return *core_; }

 private:
  struct Settings {
    uint64_t entries = 0, ways = 0, lookupLatency = 0, seed = 0;
    std::string policy;
    std::vector<uint64_t> pageSizes;
  };
  static Settings readSettings(Params& p, size_t defaultEntries, unsigned defaultWays);

  void b_transport(int from, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(int from, tlm::tlm_generic_payload& gp);

  unsigned level_;
  std::unique_ptr<TlbCore> core_;
  sc_core::sc_time lookupLatency_;
  stats::Scalar& hits_;
  stats::Scalar& misses_;
  stats::Scalar& dirtyMisses_;
  stats::Scalar& evictions_;
  stats::Scalar& invalidations_;
};

}  // namespace vmsim::tlb
