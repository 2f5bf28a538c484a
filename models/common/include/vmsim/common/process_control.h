// The system calls of a workload that create, change and end processes, as the kernel model
// implements them (models/os kernel_procs.cpp; docs/os.md "Processes"). The requester calls
// them for the fork/exit/exec/mmap/munmap/brk records of multi-process traces.
#pragma once

#include <systemc>

#include <optional>
#include <string>

#include "vmsim/common/extensions.h"

namespace vmsim {

/// The system calls of a workload that create, change and end processes (docs/os.md,
/// "Processes"). Each returns what it cost the calling core in `delay` (kernel work timed as its
/// parts; in AT the caller's timed accesses may wait inside); false (or an empty result) when
/// the kernel refuses, with the reason in `error`.
class ProcessControl {
 public:
  virtual ~ProcessControl() = default;
  /// fork(): a child with a copy-on-write copy of `parent`'s address space, running on the cores
  /// that run the parent.
  /// `name` names the child in stats and messages (empty: `<parent>_child<asid>`).
  virtual std::optional<Asid> fork(Asid parent, const std::string& name, sc_core::sc_time& delay,
                                   bool at, std::string& error) = 0;
  /// exit(): frees the address space (shared frames and swap slots when their last user goes).
  virtual void exit(Asid asid) = 0;
  /// execve()-like: the address space is replaced by a fresh one (the layout the process started
  /// with, Kernel::setExecLayout).
  virtual bool exec(Asid asid, sc_core::sc_time& delay, bool at, std::string& error) = 0;
  /// mmap(MAP_FIXED | MAP_ANONYMOUS | (shared ? MAP_SHARED : MAP_PRIVATE)) of [addr, addr+len):
  /// what was mapped there is unmapped first, as MAP_FIXED does.
  virtual bool mmap(Asid asid, uint64_t addr, uint64_t len, Perms perms, bool shared,
                    sc_core::sc_time& delay, bool at, std::string& error) = 0;
  /// munmap(): any part of any mappings (regions are split).
  virtual bool munmap(Asid asid, uint64_t addr, uint64_t len, sc_core::sc_time& delay, bool at,
                      std::string& error) = 0;
  /// brk(): the first call of a process sets where its heap starts (an empty heap); later ones
  /// move the break (growing maps read-write private pages, shrinking unmaps them).
  virtual bool brk(Asid asid, uint64_t addr, sc_core::sc_time& delay, bool at,
                   std::string& error) = 0;
};

}  // namespace vmsim
