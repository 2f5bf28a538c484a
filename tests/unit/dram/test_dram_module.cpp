// The Dram sc_module (dram.cpp shell): time resolution handling (every case sets its resolution
// before elaboration, so each needs its own process, which ctest gives every case) and the
// start-of-run warnings for keys that only act on AT accesses.
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>

#include <string>
#include <vector>

#include "vmsim/common/config.h"
#include "vmsim/common/module.h"
#include "vmsim/dram/dram.h"
#include "vmsim/dram/lt_timing_model.h"
#include "vmsim/dram/memory_system.h"

using namespace vmsim;

namespace {

// One LT read (b_transport) at time 0, then one AT read (4-phase) once it is done.
class Probe : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Probe> isock{"isock"};
  sc_core::sc_time ltDelay, atResponse, atStart;
  bool atDone = false;
  SC_HAS_PROCESS(Probe);
  explicit Probe(const sc_core::sc_module_name& nm, uint64_t atAddr)
      : sc_module(nm), atAddr_(atAddr) {
    isock.register_nb_transport_bw(this, &Probe::nb_transport_bw);
    SC_THREAD(run);
  }

 private:
  void run() {
    uint64_t v = 0;
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(0);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    gp.set_data_length(8);
    gp.set_streaming_width(8);
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    isock->b_transport(gp, d);
    ltDelay = d;
    sc_core::wait(d);
    atStart = sc_core::sc_time_stamp();
    gp_.set_mm(&mm_);
    gp_.acquire();
    gp_.set_command(tlm::TLM_READ_COMMAND);
    gp_.set_address(atAddr_);
    gp_.set_data_ptr(reinterpret_cast<unsigned char*>(&v2_));
    gp_.set_data_length(8);
    gp_.set_streaming_width(8);
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    isock->nb_transport_fw(gp_, ph, t);
    sc_core::wait(done_);
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase& ph,
                                     sc_core::sc_time&) {
    if (ph == tlm::BEGIN_RESP) {
      atResponse = sc_core::sc_time_stamp();
      atDone = true;
      done_.notify();
      ph = tlm::END_RESP;
      return tlm::TLM_COMPLETED;
    }
    return tlm::TLM_ACCEPTED;  // END_REQ
  }
  struct NoMm : tlm::tlm_mm_interface {
    void free(tlm::tlm_generic_payload*) override {}
  } mm_;
  tlm::tlm_generic_payload gp_;
  uint64_t v2_ = 0;
  uint64_t atAddr_;
  sc_core::sc_event done_;
};

struct Rig {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
};

std::string finalizeError(Config& cfg) {
  try {
    cfg.finalize();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// Cycles the plain models give for the probe's two reads: LT read of 0 at cycle 0, then the AT
// read of `atAddr` entering an empty controller at cycle `atCycle`.
uint64_t ltCycles(const dram::DramConfig& c) {
  dram::LtTimingModel m(c);
  return m.access(0, false, 0);
}
uint64_t atCycles(const dram::DramConfig& c, uint64_t atAddr) {
  dram::MemorySystem ctl(c);
  uint64_t done = 0;
  ctl.setCompletionCallback([&](const dram::Completion& x) { done = x.done - x.added; });
  ctl.add(atAddr, false, 1);
  while (ctl.readsPending()) ctl.advanceTo(ctl.nextEventCycle() + 1);
  return done;
}

// Runs the probe against a Dram of `preset` and checks both latencies in kernel units.
void probeAtResolution(const std::string& preset, uint64_t unitsPerCycle) {
  Rig r;
  r.cfg.set("dram.preset", preset);
  dram::Dram dram("dram", r.ctx);
  const uint64_t atAddr = 1ull << 20;
  Probe probe("probe", atAddr);
  probe.isock.bind(dram.tsock);
  ASSERT_EQ(finalizeError(r.cfg), "");
  sc_core::sc_start();
  const uint64_t lt = ltCycles(dram.config()), at = atCycles(dram.config(), atAddr);
  EXPECT_GT(lt, 20u);
  EXPECT_EQ(probe.ltDelay.value(), lt * unitsPerCycle);
  ASSERT_TRUE(probe.atDone);
  EXPECT_EQ(probe.atStart.value() % unitsPerCycle, 0u);
  EXPECT_EQ((probe.atResponse - probe.atStart).value(), at * unitsPerCycle);
}

// DDR4-2400's 833 ps tCK at 1 ns: the DRAM keeps its cycle timing (the same cycles as the plain
// models) and each answer leaves at the first nanosecond at or after its cycle; a warning says so.
TEST(dramModule, Ddr4AtNanosecondResolutionRoundsResponsesUp) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_NS);
  std::vector<std::string> seen;
  static std::vector<std::string>* sink = &seen;
  sc_core::sc_report_handler::set_handler(
      [](const sc_core::sc_report& rep, const sc_core::sc_actions&) {
        if (rep.get_severity() == sc_core::SC_WARNING) sink->push_back(rep.get_msg());
      });
  Rig r;
  dram::Dram dram("dram", r.ctx);
  const uint64_t atAddr = 1ull << 20;
  Probe probe("probe", atAddr);
  probe.isock.bind(dram.tsock);
  ASSERT_EQ(finalizeError(r.cfg), "");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].find("DDR4-2400 clock tCK = 833 ps is not a whole number of "
                         "time-resolution steps (1 ns)"),
            std::string::npos)
      << seen[0];
  sc_core::sc_start();
  // ceil(cycles * 0.833 ns), in whole nanoseconds.
  auto ns = [](uint64_t cycle) { return (cycle * 833 + 999) / 1000; };
  const uint64_t lt = ltCycles(dram.config()), at = atCycles(dram.config(), atAddr);
  EXPECT_GT(lt, 20u);
  EXPECT_EQ(probe.ltDelay.value(), ns(lt));
  ASSERT_TRUE(probe.atDone);
  const uint64_t start = probe.atStart.value(), arrival = start * 1000 / 833;
  EXPECT_EQ(probe.atResponse.value(), ns(arrival + at));
  EXPECT_LE(probe.atResponse.value() - start, ns(at) + 1);
}

TEST(dramModule, HbmAtNanosecondResolutionRunsLtAndAt) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_NS);  // HBM2: tCK = 1 ns
  probeAtResolution("HBM2", 1);
}

TEST(dramModule, Ddr4AtFemtosecondResolutionKeepsCycleTimes) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_FS);
  probeAtResolution("DDR4-2400", 833000);
}

TEST(dramModule, Ddr4AtPicosecondResolution) {
  probeAtResolution("DDR4-2400", 833);
}

// Module::declareClock: a period the resolution cannot express is refused, not rounded to 0.
struct Clocked : Module {
  Clocked(const sc_core::sc_module_name& nm, SimContext& ctx, const char* deflt) : Module(nm, ctx) {
    declareClock(deflt);
  }
};

TEST(dramModule, ModuleClockNotExpressibleIsAConfigError) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_NS);
  Rig r;
  r.cfg.set("fast.clock", "2GHz");
  Clocked fast("fast", r.ctx, "1GHz");
  Clocked slow("slow", r.ctx, "1GHz");
  EXPECT_EQ(slow.clockPeriod(), sc_core::sc_time(1, sc_core::SC_NS));
  const std::string err = finalizeError(r.cfg);
  EXPECT_NE(err.find("'fast.clock': a period of 500 ps"), std::string::npos) << err;
  EXPECT_NE(err.find("(1 ns)"), std::string::npos) << err;
  EXPECT_EQ(err.find("slow.clock"), std::string::npos) << err;
}

TEST(dramModule, ResolutionHelpers) {
  sc_core::sc_set_time_resolution(10, sc_core::SC_PS);
  EXPECT_EQ(timeResolutionText(), "10 ps");
  EXPECT_EQ(timeUnitsOfPs(1250), std::optional<uint64_t>(125));
  EXPECT_EQ(timeUnitsOfPs(833), std::nullopt);
}

}  // namespace

namespace {

std::vector<std::string> warnings;
void recordWarnings(const sc_core::sc_report& rep, const sc_core::sc_actions&) {
  if (rep.get_severity() == sc_core::SC_WARNING) warnings.push_back(rep.get_msg());
}
size_t countContaining(const std::string& what) {
  size_t n = 0;
  for (const auto& w : warnings) n += w.find(what) != std::string::npos;
  return n;
}

TEST(dramModule, AtOnlyKeysAreNamedOnceAtStart) {
  sc_core::sc_report_handler::set_handler(recordWarnings);
  Rig r;
  r.cfg.set("dram.scheduler", "fcfs");
  r.cfg.set("dram.page_policy", "open_adaptive");
  dram::Dram dram("dram", r.ctx);
  ASSERT_EQ(finalizeError(r.cfg), "");
  EXPECT_EQ(countContaining("'dram.scheduler' acts only on AT accesses"), 1u);
  EXPECT_EQ(countContaining("'dram.page_policy' = open_adaptive"), 1u);
  EXPECT_EQ(countContaining("acts as 'open'"), 1u);
  EXPECT_EQ(countContaining("row_hit_cap"), 0u);
  EXPECT_EQ(warnings.size(), 2u);
}

TEST(dramModule, DefaultKeysGiveNoWarning) {
  sc_core::sc_report_handler::set_handler(recordWarnings);
  Rig r;
  r.cfg.set("dram.page_policy", "closed");
  dram::Dram dram("dram", r.ctx);
  ASSERT_EQ(finalizeError(r.cfg), "");
  EXPECT_TRUE(warnings.empty());
}

}  // namespace
