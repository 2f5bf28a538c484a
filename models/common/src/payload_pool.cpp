// Payload pool: payloads are created on demand and recycled when their reference count drops.
#include "vmsim/common/payload_pool.h"

namespace vmsim {

PayloadPool::~PayloadPool() {
  for (auto& p : all_) p->free_all_extensions();
}

tlm::tlm_generic_payload* PayloadPool::allocate() {
  PooledPayload* gp;
  if (free_.empty()) {
    all_.push_back(std::make_unique<PooledPayload>(this, dataBytes_));
    gp = all_.back().get();
    gp->set_data_ptr(gp->buffer.get());
  } else {
    gp = free_.back();
    free_.pop_back();
  }
  gp->acquire();
  return gp;
}

void PayloadPool::free(tlm::tlm_generic_payload* p) {
  // Keep extensions attached (sticky) so the next user does not allocate them again; reset the
  // rest of the payload state.
  auto* pp = static_cast<PooledPayload*>(p);
  pp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  pp->set_dmi_allowed(false);
  pp->set_byte_enable_ptr(nullptr);
  pp->set_byte_enable_length(0);
  pp->set_streaming_width(0);
  pp->set_data_ptr(pp->buffer.get());
  free_.push_back(pp);
}

}  // namespace vmsim
