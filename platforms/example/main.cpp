// A platform that is not vmsim's: its own initiator and its own RAM model, with vmsim's MMU (TLBs
// and page walker), kernel model and swap disk placed between them through standard TLM sockets.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include <cstring>
#include <iostream>
#include <vector>

#include "vmsim/mem/router.h"
#include "vmsim/mmu/mmu.h"
#include "vmsim/os/kernel.h"
#include "vmsim/swap/swap_disk.h"

// The host platform's RAM: a flat array with a fixed latency; supports debug access, which the
// kernel model uses to build page tables.
struct Ram : sc_core::sc_module {
  tlm_utils::simple_target_socket<Ram> tsock{"tsock"};
  std::vector<unsigned char> bytes;
  explicit Ram(const sc_core::sc_module_name& nm, size_t size) : sc_module(nm), bytes(size) {
    tsock.register_b_transport(this, &Ram::b_transport);
    tsock.register_transport_dbg(this, &Ram::transport_dbg);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    transport_dbg(gp);
    delay += sc_core::sc_time(50, sc_core::SC_NS);
  }
  unsigned transport_dbg(tlm::tlm_generic_payload& gp) {
    const uint64_t a = gp.get_address();
    const unsigned n = gp.get_data_length();
    if (a + n > bytes.size()) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return 0;
    }
    if (gp.is_write()) std::memcpy(&bytes[a], gp.get_data_ptr(), n);
    if (gp.is_read()) std::memcpy(gp.get_data_ptr(), &bytes[a], n);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return n;
  }
};

// The host platform's CPU: plain blocking accesses, no vmsim extension (kernel space, ASID 0).
struct Cpu : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Cpu> isock{"isock"};
  int errors = 0;
  SC_HAS_PROCESS(Cpu);
  explicit Cpu(const sc_core::sc_module_name& nm) : sc_module(nm) { SC_THREAD(run); }
  void access(tlm::tlm_command cmd, uint64_t va, uint32_t& v) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(va);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    gp.set_data_length(4);
    gp.set_streaming_width(4);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    isock->b_transport(gp, d);
    sc_core::wait(d);
    if (!gp.is_response_ok()) ++errors;
  }
  void run() {
    for (uint32_t i = 0; i < 1000; ++i) {
      uint32_t v = i * 7;
      access(tlm::TLM_WRITE_COMMAND, 0x40000000 + i * 4096, v);
    }
    for (uint32_t i = 0; i < 1000; ++i) {
      uint32_t v = 0;
      access(tlm::TLM_READ_COMMAND, 0x40000000 + i * 4096, v);
      if (v != i * 7) ++errors;
    }
  }
};

int sc_main(int, char*[]) {
  vmsim::Config cfg;                      // parameters from C++: no YAML needed
  cfg.set("kernel.memory_size", "2MiB");  // less than the buffer: pages get swapped
  cfg.set("mmu.l1d.entries", "32");
  vmsim::stats::Registry stats;
  vmsim::SimContext ctx{cfg, stats};

  Cpu cpu("cpu");
  Ram ram("ram", 16 << 20);
  vmsim::mmu::Mmu mmu("mmu", ctx);
  vmsim::os::Kernel kernel("kernel", ctx);
  vmsim::swap::SwapDisk disk("swap", ctx);
  vmsim::mem::Router bus("bus", ctx);  // any TLM bus with several target-side bindings would do
  cpu.isock.bind(mmu.tsock);
  mmu.mem.bind(bus.tsock);
  mmu.fault.bind(kernel.fault_tsock);
  mmu.walker()->mem.bind(bus.tsock);
  kernel.mem.bind(bus.tsock);
  bus.isock.bind(ram.tsock);
  bus.map(0, 0, ram.bytes.size(), "ram");
  kernel.swap.bind(disk.tsock);
  kernel.setSwapSpace(&disk);
  mmu.walker()->setPageTableBase(&kernel);
  for (auto* c : mmu.translationCaches()) kernel.addTranslationCache(c);
  kernel.addRegion(0, {"buffer", 0x40000000, 1000 * 4096, vmsim::Perms{}});
  cfg.finalize();

  sc_core::sc_start();
  std::cout << "example: " << (cpu.errors ? "FAILED" : "ok") << ", "
            << stats.value("mmu.walker.walks") << " walks, " << stats.value("kernel.minorFaults")
            << " minor faults, " << stats.value("kernel.majorFaults") << " major faults\n";
  return cpu.errors ? 1 : 0;
}
