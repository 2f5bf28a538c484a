// A platform that is not vmsim's: its own CPU and its own RAM model, with vmsim's whole virtual
// memory system (MMU with TLBs and page walker, kernel model, swap disk) placed between them as
// one module, platform::Subsystem, joined by nothing but standard TLM-2.0 sockets
// (docs/integration.md). Built in vmsim's tree and, by the test Package.InstallAndFindPackage,
// as an outside project against an installed VmSim (find_package).
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include <cstring>
#include <iostream>
#include <vector>

#include "vmsim/platform/subsystem.h"

// The host platform's RAM: a flat array with a fixed latency. It serves debug transport, which
// the subsystem's kernel uses to build page tables and copy pages.
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
  // This platform runs at 1 ns resolution (vmsim's modules then need clocks of whole
  // nanoseconds: 1 GHz here).
  sc_core::sc_set_time_resolution(1, sc_core::SC_NS);
  Cpu cpu("cpu");
  Ram ram("ram", 16 << 20);
  // Parameters from C++ (no YAML), relative to the module; a misspelt key throws ConfigError
  // naming the closest valid one.
  vmsim::platform::Subsystem vm("vm", {{"clock", "1GHz"},
                                       {"kernel.memory_size", "2MiB"},  // < 1000 pages: swapping
                                       {"cpu0.mmu.l1d.entries", "32"},
                                       {"cpu0.dcache.enabled", "true"}});
  cpu.isock.bind(vm.cpu[0]);
  vm.mem.bind(ram.tsock);

  sc_core::sc_start();
  auto& s = vm.stats();
  std::cout << "example: " << (cpu.errors ? "FAILED" : "ok") << ", "
            << s.value("vm.cpu0.mmu.walker.walks") << " walks, " << s.value("vm.kernel.minorFaults")
            << " minor faults, " << s.value("vm.kernel.majorFaults") << " major faults, "
            << sc_core::sc_time_stamp() << " simulated\n";
  return cpu.errors ? 1 : 0;
}
