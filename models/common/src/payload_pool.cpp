// Payload pool: payloads are created on demand and recycled when their reference count drops.
#include "vmsim/common/payload_pool.h"

namespace vmsim {

PayloadPool::~PayloadPool() {
  for (auto& s : all_) s.gp->free_all_extensions();
}

tlm::tlm_generic_payload* PayloadPool::allocate() {
  tlm::tlm_generic_payload* gp;
  if (free_.empty()) {
    Slot s;
    s.gp = std::make_unique<tlm::tlm_generic_payload>(this);
    s.data = std::make_unique<unsigned char[]>(dataBytes_);
    s.gp->set_data_ptr(s.data.get());
    gp = s.gp.get();
    buffers_.emplace(gp, s.data.get());
    all_.push_back(std::move(s));
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
  p->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  p->set_dmi_allowed(false);
  p->set_byte_enable_ptr(nullptr);
  p->set_byte_enable_length(0);
  p->set_streaming_width(0);
  p->set_data_ptr(buffers_.at(p));
  free_.push_back(p);
}

}  // namespace vmsim
