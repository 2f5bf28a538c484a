// The kernel model on its own sockets, as the kernel tests drive it (kernel_test, kernel_procs,
// kernel_paging, kernel_sched, huge_pages): page faults sent straight to `fault_tsock` as an MMU
// sends them, page tables and frames read and written through debug accesses to the memory behind
// the kernel. Each test file derives its own rig from KernelRig for what only it needs.
#pragma once

#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>

#include <memory>
#include <string>

#include "vmsim/dram/dram.h"
#include "vmsim/mem/router.h"
#include "vmsim/os/kernel.h"
#include "vmsim/paging/format.h"
#include "vmsim/swap/swap_disk.h"

namespace vmsim::test {

// Sends page faults to the kernel as an MMU does, and debug accesses to physical memory.
struct FaultPort : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<FaultPort> isock{"isock"};
  tlm_utils::simple_initiator_socket<FaultPort> mem{"mem"};  // debug access to physical memory
  explicit FaultPort(const sc_core::sc_module_name& nm) : sc_module(nm) {}

  // The fault an access of `kind` to `va` takes when its page is not present; returns
  // FaultKind::None when the kernel resolved it, otherwise the fault it reports.
  FaultKind fault(Asid asid, uint64_t va, AccessKind kind = AccessKind::Load) {
    tlm::tlm_generic_payload gp;
    FaultExt f;
    f.kind = FaultKind::NotPresent;
    f.va = VirtAddr(va);
    f.asid = asid;
    f.access = kind;
    gp.set_extension(&f);
    gp.set_command(tlm::TLM_IGNORE_COMMAND);
    gp.set_address(va);
    gp.set_data_length(0);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    isock->b_transport(gp, delay);
    gp.clear_extension(&f);
    return gp.is_response_ok() ? FaultKind::None : f.kind;
  }
  void debug(uint64_t pa, void* data, unsigned len, bool write) {
    tlm::tlm_generic_payload gp;
    gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(pa);
    gp.set_data_ptr(static_cast<unsigned char*>(data));
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    ASSERT_EQ(mem->transport_dbg(gp), len) << "debug access at 0x" << std::hex << pa;
  }
  uint64_t read64(uint64_t pa) {
    uint64_t v = 0;
    debug(pa, &v, 8, false);
    return v;
  }
};

// Kernel, DRAM behind a router, and (unless the configuration turns swap off) an SSD swap disk
// as the kernel's swap space. The port's fault socket is the kernel's first binding (core 0's
// faults). Construct, adjust (cores, swap space, processes), then start() to elaborate; faults
// and debug accesses may be sent from the test body afterwards.
struct KernelRig {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  std::unique_ptr<mem::Router> router;
  std::unique_ptr<dram::Dram> dram;
  std::unique_ptr<swap::SwapDisk> disk;
  std::unique_ptr<os::Kernel> kernel;
  FaultPort port{"port"};

  explicit KernelRig(const std::string& yaml) {
    cfg.loadString(yaml);
    router = std::make_unique<mem::Router>("router", ctx);
    dram = std::make_unique<dram::Dram>("dram", ctx);
    router->isock.bind(dram->tsock);
    router->map(0, 0, dram->size(), "dram");
    kernel = std::make_unique<os::Kernel>("kernel", ctx);
    kernel->mem.bind(router->tsock);
    if (kernel->swapEnabled()) {
      disk = std::make_unique<swap::SwapDisk>("swap", ctx);
      kernel->swap.bind(disk->tsock);
      kernel->setSwapSpace(disk.get());
    }
    port.isock.bind(kernel->fault_tsock);
    port.mem.bind(router->tsock);
  }
  void start() {
    cfg.finalize();
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  void debug(uint64_t pa, void* data, unsigned len, bool write) {
    port.debug(pa, data, len, write);
  }
  uint64_t read64(uint64_t pa) { return port.read64(pa); }
  const paging::Format& format() const { return kernel->pageTableFormat(); }
  // Physical address of the leaf PTE of `va` (the page tables on its path must exist).
  uint64_t pteAddr(Asid asid, uint64_t va) {
    uint64_t table = kernel->pageTableRoot(asid)->value();
    for (unsigned level = format().levels(); level > 1; --level) {
      table = format().frameAddr(read64(table + paging::Format::entryOffset(va, level)));
    }
    return table + paging::Format::entryOffset(va, 1);
  }
};

}  // namespace vmsim::test
