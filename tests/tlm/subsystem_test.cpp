// platform::Subsystem (docs/integration.md) inside a platform that is not vmsim's: a CPU written
// with tlm_utils sockets only and a flat RAM, joined by nothing but the subsystem's sockets.
// Each case is its own process (SystemC elaborates once; some set a time resolution first).
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "at_initiator.h"
#include "protocol_checker.h"
#include "vmsim/platform/subsystem.h"

using namespace vmsim;
using platform::Subsystem;

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// The platform's RAM: flat bytes, a fixed latency, debug transport unless told otherwise.
struct Ram : sc_core::sc_module {
  tlm_utils::simple_target_socket<Ram> tsock{"tsock"};
  std::vector<unsigned char> bytes;
  sc_core::sc_time latency;
  uint64_t accesses = 0;
  Ram(const sc_core::sc_module_name& nm, size_t size, bool debug = true,
      sc_core::sc_time lat = sc_core::sc_time(50, sc_core::SC_NS))
      : sc_module(nm), bytes(size), latency(lat) {
    tsock.register_b_transport(this, &Ram::b_transport);
    if (debug) tsock.register_transport_dbg(this, &Ram::transport_dbg);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    ++accesses;
    if (transport_dbg(gp) != gp.get_data_length()) return;
    delay += latency;
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

uint64_t pattern(uint64_t va) {
  return va * 0x9e3779b97f4a7c15ull + 7;
}

// A blocking CPU: writes one word into each of `pages` pages from `base`, then reads them back.
// With `asid` it attaches a VmAccess naming that address space (user privilege).
struct LtCpu : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<LtCpu> isock{"isock"};
  uint64_t base, pages;
  int asid;
  unsigned errors = 0, dataErrors = 0;
  sc_core::sc_time firstHit, secondHit;  // delay of a load that misses the TLBs, then hits them
  SC_HAS_PROCESS(LtCpu);
  LtCpu(const sc_core::sc_module_name& nm, uint64_t b, uint64_t n, int a = -1)
      : sc_module(nm), base(b), pages(n), asid(a) {
    SC_THREAD(run);
  }
  sc_core::sc_time access(tlm::tlm_command cmd, uint64_t va, uint64_t& v) {
    tlm::tlm_generic_payload gp;
    VmAccess x;
    if (asid >= 0) {
      x.asid = static_cast<Asid>(asid);
      x.privilege = Privilege::User;
      x.kind = cmd == tlm::TLM_WRITE_COMMAND ? AccessKind::Store : AccessKind::Load;
      gp.set_extension(&x);
    }
    gp.set_command(cmd);
    gp.set_address(va);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    gp.set_data_length(8);
    gp.set_streaming_width(8);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    isock->b_transport(gp, d);
    sc_core::wait(d);
    if (!gp.is_response_ok()) ++errors;
    if (asid >= 0) gp.clear_extension(&x);
    return d;
  }
  void run() {
    for (uint64_t i = 0; i < pages; ++i) {
      uint64_t v = pattern(base + i * 4096);
      access(tlm::TLM_WRITE_COMMAND, base + i * 4096, v);
    }
    for (uint64_t i = 0; i < pages; ++i) {
      uint64_t v = 0;
      access(tlm::TLM_READ_COMMAND, base + i * 4096, v);
      if (v != pattern(base + i * 4096)) ++dataErrors;
    }
    uint64_t v = 0;
    firstHit = access(tlm::TLM_READ_COMMAND, base + 8, v);
    // The reclaim daemon woken by that access's fault interrupts this core (shootdown IPIs),
    // which pays the handlers with its next access: let the pass end, take them, then measure.
    sc_core::wait(10, sc_core::SC_MS);
    access(tlm::TLM_READ_COMMAND, base + 24, v);
    secondHit = access(tlm::TLM_READ_COMMAND, base + 16, v);
  }
};

constexpr uint64_t kBase = 0x40000000;

// 2 MiB of memory for 1000 pages: pages are swapped out and back in.
Params swapping() {
  return {{"kernel.memory_size", "2MiB"}, {"cpu0.mmu.l1d.entries", "32"}};
}

TEST(Subsystem, LtForeignCpuAndRamOnlySocketsWithSwapping) {
  Subsystem vm("vm", swapping());
  LtCpu cpu("cpu", kBase, 1000);
  Ram ram("ram", 4 << 20);
  cpu.isock.bind(vm.cpu[0]);
  vm.mem.bind(ram.tsock);
  sc_core::sc_start();
  EXPECT_EQ(cpu.errors, 0u);
  EXPECT_EQ(cpu.dataErrors, 0u);
  EXPECT_EQ(vm.cores(), 1u);
  EXPECT_GE(vm.stats().value("vm.kernel.minorFaults"), 1000.0);
  EXPECT_GT(vm.stats().value("vm.kernel.majorFaults"), 0.0);  // the reads swap pages back in
  EXPECT_GT(vm.stats().value("vm.swap.writes"), 0.0);
  EXPECT_GT(vm.stats().value("vm.cpu0.mmu.walker.walks"), 1000.0);
  EXPECT_GT(ram.accesses, 0u);  // page-walk reads and data reach the platform's RAM
  // A TLB hit costs less than the walk before it, and at least the RAM's latency.
  EXPECT_LT(cpu.secondHit, cpu.firstHit);
  EXPECT_GE(cpu.secondHit, ram.latency);
}

void atThroughCheckers(const Params& p) {
  Subsystem vm("vm", p);
  test::AtInitiator cpu("cpu", kBase, 300, 4);
  test::ProtocolChecker toVm("check_cpu"), toRam("check_ram");
  Ram ram("ram", 4 << 20);
  cpu.isock.bind(toVm.tsock);
  toVm.isock.bind(vm.cpu[0]);
  vm.mem.bind(toRam.tsock);
  toRam.isock.bind(ram.tsock);
  sc_core::sc_start();
  EXPECT_EQ(cpu.errors, 0u);
  EXPECT_EQ(cpu.dataErrors, 0u);
  EXPECT_EQ(cpu.ok, 600u);
  EXPECT_GT(toVm.nbTransactions, 0u);
  EXPECT_GT(toRam.nbTransactions, 0u);  // AT in, AT out
  EXPECT_TRUE(toVm.violations.empty()) << toVm.violations.front();
  EXPECT_TRUE(toRam.violations.empty()) << toRam.violations.front();
}

TEST(Subsystem, AtForeignInitiatorThroughCheckers) {
  atThroughCheckers(swapping());
}

// The same blocking access sequence as test::AtInitiator (n stores of 8 bytes at stride 64, then
// n loads), one access at a time.
struct LtStrided : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<LtStrided> isock{"isock"};
  uint64_t base;
  unsigned n, errors = 0;
  sc_core::sc_time doneAt;
  SC_HAS_PROCESS(LtStrided);
  LtStrided(const sc_core::sc_module_name& nm, uint64_t b, unsigned count)
      : sc_module(nm), base(b), n(count) {
    SC_THREAD(run);
  }
  void run() {
    for (int pass = 0; pass < 2; ++pass) {
      for (unsigned i = 0; i < n; ++i) {
        uint64_t v = pattern(base + i * 64);
        const uint64_t expect = v;
        tlm::tlm_generic_payload gp;
        gp.set_command(pass ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
        gp.set_address(base + i * 64);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
        gp.set_data_length(8);
        gp.set_streaming_width(8);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        isock->b_transport(gp, d);
        sc_core::wait(d);
        if (!gp.is_response_ok() || v != expect) ++errors;
      }
    }
    doneAt = sc_core::sc_time_stamp();
  }
};

// One in-order requester sees the same timing in LT and AT (docs/timed-path.md), through the
// subsystem's sockets and its memory bridge too: both platforms run side by side in one
// elaboration, each with its own subsystem, RAM and statistics.
TEST(Subsystem, LtAndAtAgreeForOneInOrderRequester) {
  Params p = swapping();
  p.push_back({"cpu0.dcache.enabled", "true"});
  p.push_back({"llc.enabled", "true"});
  Subsystem lt("lt", p), at("at", p);
  LtStrided ltCpu("lt_cpu", kBase, 3000);
  test::AtInitiator atCpu("at_cpu", kBase, 3000, 1);
  Ram ltRam("lt_ram", 4 << 20), atRam("at_ram", 4 << 20);
  ltCpu.isock.bind(lt.cpu[0]);
  atCpu.isock.bind(at.cpu[0]);
  lt.mem.bind(ltRam.tsock);
  at.mem.bind(atRam.tsock);
  sc_core::sc_start();
  EXPECT_EQ(ltCpu.errors, 0u);
  EXPECT_EQ(atCpu.errors + atCpu.dataErrors, 0u);
  EXPECT_EQ(lt.stats().value("lt.kernel.minorFaults"), at.stats().value("at.kernel.minorFaults"));
  EXPECT_EQ(lt.stats().value("lt.cpu0.mmu.walker.walks"),
            at.stats().value("at.cpu0.mmu.walker.walks"));
  const double l = ltCpu.doneAt.to_seconds(), a = atCpu.doneAt.to_seconds();
  EXPECT_GT(l, 0.0);
  EXPECT_NEAR(a / l, 1.0, 0.04) << "LT " << ltCpu.doneAt << ", AT " << atCpu.doneAt;
}

// Cache write-backs and line fills in AT: timing-only payloads, sent to the foreign RAM as reads.
TEST(Subsystem, AtWithCachesThroughCheckers) {
  Params p = swapping();
  p.push_back({"cpu0.dcache.enabled", "true"});
  p.push_back({"cpu0.dcache.size", "4KiB"});
  p.push_back({"llc.enabled", "true"});
  p.push_back({"llc.size", "64KiB"});
  atThroughCheckers(p);
}

TEST(Subsystem, CachesAndTwoCoresShareKernelAndSwap) {
  Params p = swapping();
  p.push_back({"cores", "2"});
  p.push_back({"cpu0.dcache.enabled", "true"});
  p.push_back({"cpu0.l2cache.enabled", "true"});
  p.push_back({"cpu1.dcache.enabled", "true"});
  p.push_back({"llc.enabled", "true"});
  p.push_back({"llc.size", "256KiB"});
  Subsystem vm("vm", p);
  LtCpu a("a", kBase, 300), b("b", kBase + (64ull << 20), 300);
  Ram ram("ram", 4 << 20);
  a.isock.bind(vm.cpu[0]);
  b.isock.bind(vm.cpu[1]);
  vm.mem.bind(ram.tsock);
  sc_core::sc_start();
  EXPECT_EQ(a.errors + b.errors, 0u);
  EXPECT_EQ(a.dataErrors + b.dataErrors, 0u);
  EXPECT_EQ(vm.cores(), 2u);
  // Write-backs reach the RAM (as reads: their bytes are not the memory's) and lose nothing.
  EXPECT_GT(vm.stats().value("vm.cpu0.dcache.writebacks"), 0.0);
  EXPECT_GT(vm.stats().value("vm.llc.writebacks"), 0.0);
  EXPECT_GT(vm.stats().value("vm.cpu1.mmu.walker.walks"), 300.0);
  EXPECT_GT(vm.stats().value("vm.kernel.majorFaults"), 0.0);
}

TEST(Subsystem, ProcessAddressSpacesFromVmAccess) {
  Params p = swapping();
  p.push_back({"processes", "2"});
  Subsystem vm("vm", p);
  ASSERT_EQ(vm.asids().size(), 3u);
  // The same virtual pages in two processes hold different data.
  LtCpu a("a", kBase, 200, vm.asids()[1]);
  Ram ram("ram", 4 << 20);
  a.isock.bind(vm.cpu[0]);
  vm.mem.bind(ram.tsock);
  sc_core::sc_start();
  EXPECT_EQ(a.errors, 0u);
  EXPECT_EQ(a.dataErrors, 0u);
  EXPECT_GT(vm.stats().value("vm.kernel.proc1.peakResidentPages"), 0.0);
  EXPECT_EQ(vm.stats().value("vm.kernel.proc2.peakResidentPages"), 0.0);
}

TEST(Subsystem, OutsideTheRegionIsASegmentationFault) {
  Params p = swapping();
  p.push_back({"space.base", "0x40000000"});
  p.push_back({"space.size", "1MiB"});
  Subsystem vm("vm", p);
  LtCpu cpu("cpu", kBase + (1 << 20) - 4096, 2);  // the second page lies past the region
  Ram ram("ram", 4 << 20);
  cpu.isock.bind(vm.cpu[0]);
  vm.mem.bind(ram.tsock);
  sc_core::sc_start();
  EXPECT_EQ(cpu.errors, 2u);  // its store and its load
  EXPECT_EQ(vm.stats().value("vm.kernel.segmentationFaults"), 2.0);
}

// Swap off: nothing to bind, the swap keys are reported as ignored, and no swap disk exists.
TEST(Subsystem, SwapDisabledNeedsNoDisk) {
  std::vector<std::string> warnings;
  static std::vector<std::string>* sink = &warnings;
  sc_core::sc_report_handler::set_handler(
      [](const sc_core::sc_report& r, const sc_core::sc_actions&) {
        if (r.get_severity() == sc_core::SC_WARNING) sink->push_back(r.get_msg());
      });
  Subsystem vm("vm", {{"kernel.swap.enabled", "false"}, {"swap.type", "hdd"}});
  LtCpu cpu("cpu", kBase, 100);
  Ram ram("ram", 256 << 20);
  cpu.isock.bind(vm.cpu[0]);
  vm.mem.bind(ram.tsock);
  sc_core::sc_start();
  EXPECT_EQ(cpu.errors + cpu.dataErrors, 0u);
  EXPECT_EQ(vm.stats().find("vm.swap.writes"), nullptr);
  bool named = false;
  for (const auto& w : warnings) named |= w.find("ignoring vm.swap.type") != std::string::npos;
  EXPECT_TRUE(named);
}

std::string configErrors(const Params& p) {
  try {
    Subsystem vm("vm", p);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Subsystem, TypoIsAnErrorNamingTheClosestKey) {
  const std::string err = configErrors({{"cpu0.mmu.l1d.entires", "32"}});
  EXPECT_NE(err.find("unknown configuration key 'vm.cpu0.mmu.l1d.entires'; did you mean "
                     "'vm.cpu0.mmu.l1d.entries'?"),
            std::string::npos)
      << err;
}

TEST(Subsystem, BadValuesAreConfigErrors) {
  const std::string err =
      configErrors({{"cores", "0"}, {"space.base", "0"}, {"kernel.replacement", "belady"}});
  EXPECT_NE(err.find("'vm.cores'"), std::string::npos) << err;
  EXPECT_NE(err.find("'vm.space.base'/'vm.space.size'"), std::string::npos) << err;
  EXPECT_NE(err.find("'vm.kernel.replacement'"), std::string::npos) << err;
}

TEST(Subsystem, TextbookModeAndSharedLevelsAreRefused) {
  std::string err = configErrors({{"cpu0.mmu.mode", "linear"}});
  EXPECT_NE(err.find("'vm.cpu0.mmu.mode': linear: the subsystem serves radix paging only"),
            std::string::npos)
      << err;
  err = configErrors({{"cpu0.mmu.l2.next", "shared.stlb"}});
  EXPECT_NE(err.find("shared TLB levels are not built in the subsystem"), std::string::npos) << err;
}

// Inside a module of the platform: keys and statistics follow the full hierarchical name.
struct Top : sc_core::sc_module {
  Subsystem vm{"vm", swapping()};
  LtCpu cpu{"cpu", kBase, 50};
  Ram ram{"ram", 4 << 20};
  explicit Top(const sc_core::sc_module_name& nm) : sc_module(nm) {
    cpu.isock.bind(vm.cpu[0]);
    vm.mem.bind(ram.tsock);
  }
};

TEST(Subsystem, NestedInAPlatformModule) {
  Top top("top");
  EXPECT_TRUE(top.vm.config().declared().count("top.vm.kernel.memory_size"));
  EXPECT_EQ(top.vm.config().declared().at("top.vm.kernel.memory_size").value, "2097152");
  sc_core::sc_start();
  EXPECT_EQ(top.cpu.errors + top.cpu.dataErrors, 0u);
  EXPECT_GE(top.vm.stats().value("top.vm.kernel.minorFaults"), 50.0);
}

// A caller that shares its Config with other modules finalizes it itself.
TEST(Subsystem, SharedConfigFinalizedByTheCaller) {
  Config cfg;
  stats::Registry stats;
  cfg.set("vm.kernel.memory_size", "2MiB");
  cfg.set("other.key", "1");
  Subsystem vm("vm", cfg, stats, false);
  cfg.at("other").getUint("key", 0, "Count", "a key of the caller's own module");
  EXPECT_NO_THROW(cfg.finalize());
  EXPECT_EQ(&vm.stats(), &stats);
  EXPECT_TRUE(vm.config().declared().count("vm.cpu0.mmu.l1d.entries"));
}

// The error sc_start() throws when the subsystem meets a RAM of `size` bytes, with or without
// debug transport; "" if none.
std::string startError(size_t size, bool debug) {
  Subsystem vm("vm", swapping());
  LtCpu cpu("cpu", kBase, 10);
  Ram ram("ram", size, debug);
  cpu.isock.bind(vm.cpu[0]);
  vm.mem.bind(ram.tsock);
  sc_core::sc_report_handler::set_actions(sc_core::SC_ERROR, sc_core::SC_THROW);
  try {
    sc_core::sc_start();
  } catch (const sc_core::sc_report& r) {
    EXPECT_EQ(cpu.errors + cpu.dataErrors, 0u);  // nothing ran
    return r.what();
  }
  return "";
}

// A RAM without transport_dbg: a clear error when the simulation starts, no crash.
TEST(Subsystem, MemoryWithoutDebugTransportIsAClearError) {
  const std::string msg = startError(4 << 20, false);
  EXPECT_NE(msg.find("the memory target bound to 'vm.mem' answered a debug read (transport_dbg) "
                     "of 8 bytes at physical address 0x0 with 0 bytes"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("must implement transport_dbg"), std::string::npos) << msg;
}

// A RAM smaller than the kernel's memory: the same check names the end of the range.
TEST(Subsystem, MemorySmallerThanTheKernelsIsAClearError) {
  const std::string msg = startError(1 << 20, true);
  EXPECT_NE(msg.find("at physical address 0x1ffff8 with 0 bytes"), std::string::npos) << msg;
}

// A RAM that serves it all: no error.
TEST(Subsystem, MemoryWithDebugTransportStarts) {
  EXPECT_EQ(startError(4 << 20, true), "");
}

// Time resolution: the same run at 1 ps, 10 ps and 1 ns (clocks the resolution expresses) gives
// the same functional results and the same delays where they are whole nanoseconds.
struct ResolutionRun {
  unsigned errors = 0;
  double walks = 0, majors = 0;
  sc_core::sc_time firstHit, secondHit;
};
ResolutionRun runAt(double step, sc_core::sc_time_unit unit) {
  sc_core::sc_set_time_resolution(step, unit);
  Params p = swapping();
  p.push_back({"clock", "1GHz"});  // every module of the subsystem
  p.push_back({"cpu0.mmu.latency", "2"});
  p.push_back({"cpu0.mmu.l1d.latency", "3"});
  p.push_back({"router.latency", "1"});
  Subsystem vm("vm", p);
  LtCpu cpu("cpu", kBase, 600);
  Ram ram("ram", 4 << 20);
  cpu.isock.bind(vm.cpu[0]);
  vm.mem.bind(ram.tsock);
  // The effective configuration shows the clock the core's modules run at.
  EXPECT_EQ(vm.config().declared().at("vm.cpu0.clock").value, "1ns");
  sc_core::sc_start();
  return {cpu.errors + cpu.dataErrors, vm.stats().value("vm.cpu0.mmu.walker.walks"),
          vm.stats().value("vm.kernel.majorFaults"), cpu.firstHit, cpu.secondHit};
}
void expectWorks(const ResolutionRun& r) {
  EXPECT_EQ(r.errors, 0u);
  EXPECT_GT(r.walks, 600.0);
  EXPECT_GT(r.majors, 0.0);
  EXPECT_LT(r.secondHit, r.firstHit);
}

TEST(SubsystemResolution, Picosecond) {
  const auto r = runAt(1, sc_core::SC_PS);
  expectWorks(r);
  // The TLB hit: MMU 2, L1 DTLB 3 and router 1 cycles at 1 GHz, and the RAM's 50 ns.
  EXPECT_EQ(r.secondHit, sc_core::sc_time(56, sc_core::SC_NS));
}

TEST(SubsystemResolution, TenPicoseconds) {
  const auto r = runAt(10, sc_core::SC_PS);
  expectWorks(r);
  EXPECT_EQ(r.secondHit, sc_core::sc_time(56, sc_core::SC_NS));
}

TEST(SubsystemResolution, Nanosecond) {
  const auto r = runAt(1, sc_core::SC_NS);
  expectWorks(r);
  EXPECT_EQ(r.secondHit, sc_core::sc_time(56, sc_core::SC_NS));
}

// A clock the resolution cannot express is a configuration error naming the key, not a crash.
TEST(SubsystemResolution, InexpressibleClockIsAConfigError) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_NS);
  const std::string err = configErrors({{"cpu0.clock", "2GHz"}});
  EXPECT_NE(err.find("'vm.cpu0.mmu.clock': a period of 500 ps is not a whole number of "
                     "time-resolution steps (1 ns)"),
            std::string::npos)
      << err;
}

}  // namespace
