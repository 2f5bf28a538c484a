// The swap disk as an sc_module: a block device on `tsock` whose byte address is slot * page
// size. It really stores what it is given (PageStore) and times every request with an HDD or SSD
// model (busy-until, so concurrent requests queue). The kernel allocates slots through SwapSpace.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <memory>

#include "vmsim/common/interfaces.h"
#include "vmsim/common/module.h"
#include "vmsim/swap/disk_timing.h"
#include "vmsim/swap/page_store.h"

namespace vmsim::swap {

class SsdTiming;

class SwapDisk : public Module, public SwapSpace {
 public:
  tlm_utils::simple_target_socket<SwapDisk> tsock;

  SwapDisk(const sc_core::sc_module_name& nm, SimContext& ctx);

  std::optional<uint64_t> allocateSlots(uint64_t count) override;
  void freeSlots(uint64_t first, uint64_t count) override;
  uint64_t slotBytes() const override { return store_->pageBytes(); }
  const PageStore& store() const { return *store_; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  /// Copies between the payload and the store; false (with a response status) on bad input.
  bool move(tlm::tlm_generic_payload& gp);

  std::unique_ptr<PageStore> store_;
  std::unique_ptr<DiskTiming> timing_;
  SsdTiming* ssd_ = nullptr;  // timing_ when it is an SSD (write-buffer stats)
  stats::Scalar* bufferedWrites_ = nullptr;
  stats::Scalar* bufferFullWaits_ = nullptr;
  stats::Scalar* bufferReadHits_ = nullptr;
  stats::Scalar& reads_;
  stats::Scalar& writes_;
  stats::Scalar& bytes_;
  stats::Histogram& latency_;
};

}  // namespace vmsim::swap
