// The swap disk as an sc_module: a block device on `tsock` whose byte address is slot * page
// size. It really stores what it is given (PageStore) and times every request with an HDD or SSD
// model behind a command queue (DiskQueue: FIFO or C-LOOK, queue-depth bound). The kernel
// allocates slots through SwapSpace. Interface (docs/swap.md):
//   - one request = a contiguous run of allocated slots: address slot * 4096, length n * 4096;
//   - LT: b_transport adds the request's latency (queueing included) to the delay, never waits;
//     requests are served in call order;
//   - AT: 4-phase base protocol; END_REQ once the device has a free command slot (at most
//     queue_depth outstanding), BEGIN_RESP at completion, responses in completion order; queued
//     requests are served in the configured scheduling order;
//   - data moves when the request reaches the device (its arrival), so the contents follow
//     arrival order whatever the service order;
//   - transport_dbg reads and writes contents without time.
#pragma once

#include <tlm_utils/peq_with_get.h>
#include <tlm_utils/simple_target_socket.h>

#include <deque>
#include <memory>
#include <vector>

#include "vmsim/common/interfaces.h"
#include "vmsim/common/module.h"
#include "vmsim/swap/disk_queue.h"
#include "vmsim/swap/disk_timing.h"
#include "vmsim/swap/hdd_timing.h"
#include "vmsim/swap/page_store.h"
#include "vmsim/swap/ssd_timing.h"

namespace vmsim::swap {

class SwapDisk : public Module, public SwapSpace {
 public:
  tlm_utils::simple_target_socket<SwapDisk> tsock;

  SC_HAS_PROCESS(SwapDisk);
  SwapDisk(const sc_core::sc_module_name& nm, SimContext& ctx);

  std::optional<uint64_t> allocateSlots(uint64_t count) override;
  void freeSlots(uint64_t first, uint64_t count) override;
  uint64_t slotBytes() const override { return store_->pageBytes(); }
  const PageStore& store() const { return *store_; }
  const DiskTiming& timing() const { return *timing_; }
  // The parameters in effect (from YAML or defaults), for tests and reports.
  const HddParams& hddParams() const { return hddParams_; }
  const SsdParams& ssdParams() const { return ssdParams_; }
  bool isHdd() const { return ssd_ == nullptr; }
  uint32_t queueDepth() const { return queue_->queueDepth(); }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  /// Whether the request is well formed (response status set when not).
  bool check(tlm::tlm_generic_payload& gp);
  /// Copies between the payload and the store (check() passed).
  void copy(tlm::tlm_generic_payload& gp);
  void readParams();

  // AT: arrivals (BEGIN_REQ + delay), command-slot acceptance, dispatch, completions, responses.
  void onArrival();
  void accept(tlm::tlm_generic_payload& gp, uint64_t nowNs);
  void runDispatch();
  void onDone();
  void sendResponses();
  void record(bool write, uint64_t bytes, uint64_t arrivalNs, uint64_t startNs, uint64_t doneNs,
              uint32_t depth);

  std::unique_ptr<PageStore> store_;
  std::unique_ptr<DiskTiming> timing_;
  std::unique_ptr<DiskQueue> queue_;
  HddParams hddParams_;
  SsdParams ssdParams_;
  SsdTiming* ssd_ = nullptr;  // timing_ when it is an SSD (write-buffer stats)

  struct Pending {
    tlm::tlm_generic_payload* gp = nullptr;
    uint64_t arrivalNs = 0;
    uint32_t depth = 0;
  };
  std::vector<Pending> pending_;  // by request id
  std::vector<uint64_t> freeIds_;
  std::vector<Dispatched> started_;
  tlm_utils::peq_with_get<tlm::tlm_generic_payload> arrivals_;
  tlm_utils::peq_with_get<tlm::tlm_generic_payload> completions_;
  sc_core::sc_event dispatchEvent_, responseEvent_;
  tlm::tlm_generic_payload* waitingEndReq_ = nullptr;  // arrived while every slot was taken
  uint64_t waitingArrivalNs_ = 0;
  std::deque<tlm::tlm_generic_payload*> responses_;
  tlm::tlm_generic_payload* responseOpen_ = nullptr;  // BEGIN_RESP sent, END_RESP awaited

  stats::Scalar* bufferedWrites_ = nullptr;
  stats::Scalar* bufferFullWaits_ = nullptr;
  stats::Scalar* bufferReadHits_ = nullptr;
  stats::Scalar& reads_;
  stats::Scalar& writes_;
  stats::Scalar& bytes_;
  stats::Scalar& pages_;
  stats::Histogram& latency_;
  stats::Histogram& readLatency_;
  stats::Histogram& writeLatency_;
  stats::Histogram& queueWait_;
  stats::Histogram& queueDepthHist_;
  stats::Histogram& requestPages_;
};

}  // namespace vmsim::swap
