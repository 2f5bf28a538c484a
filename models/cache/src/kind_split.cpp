// Fetch/data split in front of the L1 caches.
#include "vmsim/cache/kind_split.h"

namespace vmsim::cache {

KindSplit::KindSplit(const sc_core::sc_module_name& nm)
    : sc_core::sc_module(nm), tsock("tsock"), fetch("fetch"), data("data") {
  tsock.register_b_transport(this, &KindSplit::b_transport);
  tsock.register_transport_dbg(this, &KindSplit::transport_dbg);
  tsock.register_nb_transport_fw(this, &KindSplit::nb_transport_fw);
  tsock.register_get_direct_mem_ptr(this, &KindSplit::get_direct_mem_ptr);
  fetch.register_nb_transport_bw(this, &KindSplit::nb_transport_bw);
  data.register_nb_transport_bw(this, &KindSplit::nb_transport_bw);
}

}  // namespace vmsim::cache
