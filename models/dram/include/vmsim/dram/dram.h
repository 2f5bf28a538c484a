// The DRAM as an sc_module: a TLM target that stores data (sparse backing store) and times every
// access with the DRAM rules. b_transport (LT) uses the busy-until LtTimingModel, so LT runs still
// show row-buffer and bank effects; nb_transport_fw (AT, 4-phase) enqueues into the scheduling
// controllers (MemorySystem), with back-pressure on END_REQ when a queue is full. The controller
// is only woken when it has work (event-driven: an idle DRAM costs no host time).
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <deque>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "vmsim/common/direct_socket.h"
#include "vmsim/common/interfaces.h"
#include "vmsim/common/module.h"
#include "vmsim/dram/backing_store.h"
#include "vmsim/dram/lt_timing_model.h"
#include "vmsim/dram/memory_system.h"
#include "vmsim/dram/posted_writes.h"

namespace vmsim::dram {

class Dram : public Module, public DirectMemory, public DirectTransport {
 public:
  tlm_utils::simple_target_socket<Dram> tsock;

  SC_HAS_PROCESS(Dram);
  Dram(const sc_core::sc_module_name& nm, SimContext& ctx);

  /// Bytes addressable through this target.
  uint64_t size() const { return size_; }
  const DramConfig& config() const { return cfg_; }
  DramStats combinedStats() const;
  uint64_t cycleOf(const sc_core::sc_time& t) const;  // defined inline in dram.cpp
  /// store_data: false when the bytes of program accesses (payloads carrying VmAccess) are not
  /// kept (docs/direct-memory.md).
  bool storesData() const { return storeData_; }
  const BackingStore& store() const { return store_; }
  /// DirectMemory: the backing store's page holding `pa` (a target-local address).
  unsigned char* directPage(uint64_t pa) override;
  /// DirectMemory: the store's page holding `pa` if it is a full page already (BackingStore::
  /// fullPage, valid while its layout epoch holds); nothing with store_data false, where program
  /// stores must not keep their bytes.
  PageView peekPage(uint64_t pa) override;
  /// DirectTransport: b_transport on `tsock`, for the router's LT calls without the socket hop
  /// (Router::setDirectTransport).
  void directTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  /// What b_transport and directTransport do (inline in both).
  void ltTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay);
  void warnAtOnlyKeys(Params& p) const;
  bool checkAccess(tlm::tlm_generic_payload& gp) const;
  void moveData(tlm::tlm_generic_payload& gp);
  /// The write of `gp`'s bytes into the store (store_data: false drops program data).
  void storeWrite(const tlm::tlm_generic_payload& gp, unsigned len);
  /// AT: runs the controllers up to now, admits waiting requests, schedules the next wake-up.
  void controllerProcess();
  void admitWaiting();
  void onComplete(const Completion& c);
  sc_core::sc_time timeOf(uint64_t cycle) const;

  DramConfig cfg_;
  uint64_t size_ = 0;
  BackingStore store_;
  bool storeData_ = true;
  std::unique_ptr<LtTimingModel> lt_;
  std::unique_ptr<LtWriteBuffer> ltWrites_;  // LT write buffer (null: writes booked at once)
  std::unique_ptr<MemorySystem> at_;
  sc_core::sc_time latency_;  // front-end (controller pipeline) latency on top of the DRAM rules

  struct Inflight {
    tlm::tlm_generic_payload* gp;
    unsigned bursts;  // bursts still to complete
  };
  std::unordered_map<uint64_t, Inflight> inflight_;                     // by id
  std::deque<std::pair<tlm::tlm_generic_payload*, unsigned>> waiting_;  // gp, next burst
  tlm::tlm_generic_payload* unacked_ = nullptr;  // request whose END_REQ is still owed
  uint64_t nextId_ = 1;
  sc_core::sc_event wake_;
  std::multimap<uint64_t, tlm::tlm_generic_payload*> responses_;  // by ready time (kernel units)
  tlm::tlm_generic_payload* respInFlight_ = nullptr;  // BEGIN_RESP sent, END_RESP awaited
  uint64_t tckPs_ = 1000;
  // One DRAM cycle is cycleUnits_ / unitsDiv_ kernel time units (the fraction tCK / resolution
  // in lowest terms). unitsDiv_ == 1 (1 ps, and any resolution that divides tCK) is the exact,
  // fast case: unitsPerCycle_ units per cycle. Otherwise (DDR4-2400's 833 ps at 1 ns) a time
  // converts to the cycle it falls in and a cycle to the first time step at or after its start:
  // the DRAM's timing stays cycle-exact, responses leave at the next step of the resolution.
  uint64_t unitsPerCycle_ = 1000;
  uint64_t cycleUnits_ = 1000;
  uint64_t unitsDiv_ = 1;
  // LT: timeOf(n) + latency_ for the common short service times, built once (no sc_time
  // construction per access).
  std::vector<sc_core::sc_time> ltDelays_;
  std::vector<sc_core::sc_time> ltOffsets_;  // from_value(u) for u < unitsPerCycle_ (unitsDiv_ 1)
  sc_core::sc_simcontext* sim_ = nullptr;    // its time_stamp() is inline
  // LT: divisions without a divide instruction (tens of cycles each, three per access).
  unsigned burstShift_ = 0;     // log2(burst bytes) when a power of two
  bool burstPow2_ = false;      // otherwise divide
  double cyclesPerUnit_ = 0.0;  // estimate of 1 / unitsPerCycle_, corrected exactly
  uint64_t burstOf(uint64_t addr) const {
    return burstPow2_ ? addr >> burstShift_ : addr / cfg_.org.burstBytes();
  }
  stats::Scalar& ltAccesses_;
  stats::Scalar& atAccesses_;
};

}  // namespace vmsim::dram
