// The whole virtual-memory system as one sc_module for someone else's SystemC platform
// (docs/integration.md): per core an MMU with its TLB hierarchy and page walker (and, if enabled,
// private caches), a shared last-level cache (optional), the kernel model with its page tables
// and demand paging, and the swap disk, all wired inside. Outside there are only TLM-2.0
// base-protocol sockets: `cpu[i]`, where core i's initiator sends virtual accesses (b_transport
// or 4-phase nb_transport; a payload without vmsim's VmAccess extension is a kernel-privilege
// access of address space 0), and `mem`, the physical side, bound to the platform's memory.
//
// Parameters are read under the module's hierarchical name, with the same keys as the
// `system.` tree of a vmsim run (`<name>.cpu0.mmu.l1d.entries`, `<name>.kernel.memory_size`,
// `<name>.swap.type`, ...) plus the subsystem's own (`cores`, `space.base`, `space.size`,
// `processes`, `router.latency`). A key no part reads is an error naming the closest valid key.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include <deque>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "vmsim/common/module.h"
#include "vmsim/mem/router.h"
#include "vmsim/platform/parts.h"

namespace vmsim::platform {

class Subsystem : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Subsystem);
  /// Core i's virtual side: bind the platform's CPU initiator socket here.
  sc_core::sc_vector<tlm::tlm_target_socket<32>> cpu;
  /// The physical side: bind it to the platform's memory (or its bus). The target must serve
  /// debug transport (transport_dbg) for the kernel's memory range: the kernel writes page tables
  /// and copies pages with it and the caches move data with it. A target that does not is an
  /// error at the start of simulation naming the address and what answered.
  tlm_utils::simple_initiator_socket<Subsystem> mem;

  /// Reads every parameter from `cfg` under this module's name and registers its statistics in
  /// `stats` (both must outlive the module). With `finalize` (the default) the constructor calls
  /// cfg.finalize(), which throws ConfigError listing every problem, unknown keys (typos)
  /// included; pass false when other modules still declare keys of the same `cfg`, and call
  /// finalize() yourself before sc_start().
  Subsystem(const sc_core::sc_module_name& nm, Config& cfg, stats::Registry& stats,
            bool finalize = true);
  /// The same with a configuration and statistics of its own: `params` are assignments relative
  /// to the module (`{"cpu0.mmu.l1d.entries", "32"}`, `{"kernel.memory_size", "64MiB"}`),
  /// applied in order; cfg.finalize() is always called (ConfigError on any problem).
  explicit Subsystem(const sc_core::sc_module_name& nm,
                     const std::vector<std::pair<std::string, std::string>>& params = {});
  ~Subsystem() override;

  size_t cores() const { return cores_.size(); }
  /// The statistics of every part (names start with this module's name), e.g.
  /// stats().value("<name>.cpu0.mmu.walker.walks"); stats().writeText(...) writes gem5's format.
  stats::Registry& stats() { return *stats_; }
  const Config& config() const { return *cfg_; }

  /// The address spaces a payload's VmAccess extension may name: 0 (no extension) and the
  /// `processes` ASIDs 1..N. Each has one demand-paged region [space.base, space.base +
  /// space.size); an access outside it is a segmentation fault (TLM_ADDRESS_ERROR_RESPONSE).
  /// For more regions or processes, the kernel model's own API (os::Kernel) is the tool.
  std::vector<Asid> asids() const { return asids_; }

 private:
  /// One core: MMU and private caches, named `cpu<i>`.
  class CoreSlot : public sc_core::sc_module {
   public:
    CoreSlot(const sc_core::sc_module_name& nm, SimContext& ctx)
        : sc_core::sc_module(nm), hw(std::string(name()), ctx) {}
    CoreHardware hw;
  };

  void build(bool finalize);
  void start_of_simulation() override;
  // The bridge from the internal router to `mem`.
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  /// Sends BEGIN_REQ of `gp` to `mem` (a timing-only write as a read).
  tlm::tlm_sync_enum beginRequest(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                  sc_core::sc_time& delay);
  /// Sends a held-back BEGIN_REQ and passes a synchronous answer upstream.
  void sendRequest(tlm::tlm_generic_payload& gp, sc_core::sc_time delay);
  void sendQueued();  // SC_METHOD: the next request held back by the exclusion rule

  std::unique_ptr<Config> ownCfg_;
  std::unique_ptr<stats::Registry> ownStats_;
  Config* cfg_;
  stats::Registry* stats_;
  std::unique_ptr<SimContext> ctx_;
  tlm_utils::simple_target_socket<Subsystem> toMem_;  // the router's memory target
  std::unique_ptr<mem::Router> router_;
  std::unique_ptr<cache::Cache> llc_;
  KernelParts kernel_;
  std::vector<std::unique_ptr<CoreSlot>> cores_;
  std::vector<Asid> asids_;
  // Request exclusion on `mem` (several internal initiators share it): one BEGIN_REQ open at a
  // time, the others held back here; transactions the target completed early (TLM_COMPLETED).
  tlm::tlm_generic_payload* reqOpen_ = nullptr;
  std::deque<tlm::tlm_generic_payload*> held_;
  std::unordered_set<tlm::tlm_generic_payload*> doneAtTarget_;
  std::unordered_set<tlm::tlm_generic_payload*> asRead_;  // timing-only writes sent as reads
  sc_core::sc_event sendNext_;
};

}  // namespace vmsim::platform
