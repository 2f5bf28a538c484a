// Building blocks shared by the platform builder (system.h: vmsim's own platform with requesters
// and DRAM) and the ready subsystem (subsystem.h: MMUs, kernel and swap for someone else's
// SystemC platform): one core's translation hardware and private caches, the kernel with its
// swap disk, and the connections between a radix MMU and the kernel. Every piece reads its keys
// under the hierarchical name of the module it builds, so one YAML layout serves both.
#pragma once

#include <systemc>
#include <tlm>

#include <memory>
#include <string>
#include <vector>

#include "vmsim/cache/cache.h"
#include "vmsim/cache/kind_split.h"
#include "vmsim/common/module.h"
#include "vmsim/mmu/mmu.h"
#include "vmsim/mmu/textbook_mmu.h"
#include "vmsim/os/kernel.h"
#include "vmsim/swap/swap_disk.h"

namespace vmsim::platform {

/// Declares every key the user set under `paths` that no module declared as ignored (`why`
/// in its description), so that parts a configuration does not build (textbook-mode keys in radix
/// mode, radix TLB keys in a textbook mode, the kernel without radix cores) are no "unknown
/// keys"; warns once as `who`, naming them.
void acceptIgnored(Config& cfg, const std::vector<std::string>& paths, const std::string& who,
                   const std::string& why);

/// Any TLM target socket a physical initiator can bind to (a cache's or the router's).
using TargetSocket =
    tlm::tlm_base_target_socket_b<32, tlm::tlm_fw_transport_if<>, tlm::tlm_bw_transport_if<>>;

/// The cache levels vmsim builds, each with its own defaults (docs/caches.md).
enum class CacheLevel { L1D, L1I, L2, LLC };
/// Built-in defaults of a level (Intel Skylake client; sources in parts.cpp and docs/caches.md).
cache::Cache::Defaults cacheDefaults(CacheLevel level);

/// Builds the cache level at `path` (`<path>.enabled`, default false) with `d` as its defaults,
/// or accepts its keys as ignored and returns nullptr (docs/caches.md).
std::unique_ptr<cache::Cache> makeCache(const char* name, const std::string& path, SimContext& ctx,
                                        const cache::Cache::Defaults& d);

/// One core's hardware below its requester: the MMU (`<path>.mmu.mode`: radix, with its TLBs and
/// walker, the default; or a textbook scheme) and the private caches dcache, icache, l2cache (each
/// `enabled: false` by default). Build it inside the constructor of the core's sc_module (`path`
/// is that module's name): its modules become that module's children. Reads `<path>.clock`.
class CoreHardware {
 public:
  CoreHardware(const std::string& path, SimContext& ctx);
  /// The radix MMU, or nullptr in a textbook mode.
  mmu::Mmu* radix() { return radix_.get(); }
  /// The textbook MMU, or nullptr in radix mode.
  mmu::TextbookMmu* textbook() { return textbook_.get(); }
  const std::string& mmuMode() const { return mode_; }
  /// Where the core's virtual accesses enter (the MMU's target socket).
  TargetSocket& cpuSide();
  /// Binds the core's physical side: its private caches (any may be disabled) miss to `below`
  /// (the shared LLC's socket, or the router's when there is none; `belowCache` is the LLC or
  /// nullptr); the MMU's accesses enter at the L1s (fetches at the icache), the walker's where
  /// `<mmu>.walker.cache_entry` says (`router` for `memory`). Every cache moves its data through
  /// `router` (debug transport: the bytes live behind it). `direct`, if given, is the router's
  /// direct path to all of memory (docs/direct-memory.md): the caches copy data bytes through it
  /// where it offers a page, and the walker reads and writes its PTE bytes through it.
  void wireMemory(TargetSocket& below, cache::Cache* belowCache, TargetSocket& router,
                  DirectMemory* direct);
  std::vector<cache::Cache*> caches();

 private:
  SimContext& ctx_;
  std::string mode_;
  std::unique_ptr<mmu::Mmu> radix_;
  std::unique_ptr<mmu::TextbookMmu> textbook_;
  std::unique_ptr<cache::Cache> dcache_, icache_, l2cache_;
  std::unique_ptr<cache::KindSplit> split_;  // fetches to the icache, data to the dcache
};

/// The kernel model (named `kernel`) and, with `<kernel>.swap.enabled` (default true), its swap
/// disk (named `swap`), connected to each other: the swap socket bound and the slot map set.
/// Build inside the constructor of the enclosing module; with swap off, the keys under
/// `swapPath` are accepted as ignored (a warning names them) and no disk is built.
struct KernelParts {
  std::unique_ptr<os::Kernel> kernel;
  std::unique_ptr<swap::SwapDisk> swap;
};
KernelParts buildKernel(SimContext& ctx, const std::string& swapPath, const std::string& who);

/// Connects a radix MMU to the kernel whose processes `asids` run on it: page faults (and software
/// TLB refills), the page-table base of its walker, frame pinning of accesses in flight,
/// shootdowns of its TLBs and walk caches, and whether its walker writes accessed/dirty bits
/// into those processes' page tables. Shared TLB levels are the caller's (they are registered
/// with the kernel once). With `scheduled` the core's processes are switched in and out by its
/// scheduler, which puts the core into an address space's set when it runs it (the core starts
/// in none). Returns the core's number in the kernel.
unsigned attachToKernel(mmu::Mmu& m, os::Kernel& k, const std::vector<Asid>& asids, Config& cfg,
                        bool scheduled = false);

}  // namespace vmsim::platform
