// Caches between foreign initiators and the DRAM, with a base-protocol checker on every socket:
// LT and AT initiators without any vmsim extension read back what they wrote through an L1 and
// an L2 small enough to evict and write back, in each inclusion mode of the L1.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>

#include "at_initiator.h"
#include "protocol_checker.h"
#include "vmsim/cache/cache.h"
#include "vmsim/common/extensions.h"
#include "vmsim/dram/dram.h"
#include "vmsim/mem/router.h"

using namespace vmsim;

namespace {

constexpr uint64_t kBase = 0x200000;

struct Rig {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  test::ProtocolChecker toL1{"check_cpu_l1"};
  test::ProtocolChecker l1L2{"check_l1_l2"};
  test::ProtocolChecker l2Mem{"check_l2_mem"};
  std::unique_ptr<cache::Cache> l1, l2;
  mem::Router router{"router", ctx};
  dram::Dram dram{"dram", ctx};

  explicit Rig(const std::string& inclusion) {
    cfg.set("l1.size", "4KiB");
    cfg.set("l1.ways", "2");
    cfg.set("l1.mshrs", "4");
    cfg.set("l1.inclusion", inclusion);
    cfg.set("l2.size", "16KiB");
    cfg.set("l2.ways", "4");
    cfg.set("l2.mshrs", "2");
    l1 = std::make_unique<cache::Cache>("l1", ctx, cache::Cache::Defaults{});
    l2 = std::make_unique<cache::Cache>("l2", ctx, cache::Cache::Defaults{"64KiB", 4, 12, 8});
    router.isock.bind(dram.tsock);
    router.map(0, 0, dram.size(), "dram");
    toL1.isock.bind(l1->tsock);
    l1->next.bind(l1L2.tsock);
    l1L2.isock.bind(l2->tsock);
    l2->next.bind(l2Mem.tsock);
    l2Mem.isock.bind(router.tsock);
    l1->linkNext(l2.get());
    l2->linkNext(nullptr);
    cfg.finalize();
  }
  std::vector<std::string> violations() const {
    std::vector<std::string> v;
    for (const auto* c : {&toL1, &l1L2, &l2Mem})
      v.insert(v.end(), c->violations.begin(), c->violations.end());
    return v;
  }
};

uint64_t pattern(uint64_t a) {
  return a * 0x9e3779b97f4a7c15ull + 3;
}
double total(const stats::Registry& reg, const std::string& name) {
  return static_cast<const stats::Vector*>(reg.find(name))->total();
}

// Writes `n` words 64 bytes apart, reads them back twice.
class LtInitiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<LtInitiator> isock{"isock"};
  unsigned ok = 0, dataErrors = 0;
  SC_HAS_PROCESS(LtInitiator);
  LtInitiator(const sc_core::sc_module_name& nm, unsigned n) : sc_module(nm), n_(n) {
    SC_THREAD(run);
  }

 private:
  void access(tlm::tlm_command cmd, uint64_t a, uint64_t& v) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(a);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    gp.set_data_length(8);
    gp.set_streaming_width(8);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    isock->b_transport(gp, d);
    sc_core::wait(d);
    if (gp.is_response_ok()) ++ok;
  }
  void run() {
    for (unsigned i = 0; i < n_; ++i) {
      uint64_t v = pattern(kBase + i * 64);
      access(tlm::TLM_WRITE_COMMAND, kBase + i * 64, v);
    }
    for (int pass = 0; pass < 2; ++pass) {
      for (unsigned i = 0; i < n_; ++i) {
        uint64_t v = 0;
        access(tlm::TLM_READ_COMMAND, kBase + i * 64, v);
        if (v != pattern(kBase + i * 64)) ++dataErrors;
      }
    }
  }
  unsigned n_;
};

}  // namespace

class CacheSockets : public ::testing::TestWithParam<std::string> {};

TEST_P(CacheSockets, LtReadsBackThroughEvictionsAndWritebacks) {
  Rig rig(GetParam());
  LtInitiator cpu("cpu", 400);  // 25.6 KiB: more than the L2 and the L1
  cpu.isock.bind(rig.toL1.tsock);
  sc_core::sc_start();
  EXPECT_EQ(cpu.ok, 1200u);
  EXPECT_EQ(cpu.dataErrors, 0u);
  EXPECT_EQ(total(rig.reg, "l1.misses"), 1200);  // every line is gone when reused
  EXPECT_GT(rig.reg.value("l1.writebacks") + rig.reg.value("l1.victimsDown"), 0);
  EXPECT_GT(rig.reg.value("l2.writebacks"), 0);
  EXPECT_GT(rig.reg.value("dram.writes"), 0);
  EXPECT_EQ(rig.violations(), std::vector<std::string>{});
}

TEST_P(CacheSockets, AtReadsBackWithSeveralInFlight) {
  Rig rig(GetParam());
  test::AtInitiator cpu("cpu", kBase, 400, 8);
  cpu.isock.bind(rig.toL1.tsock);
  sc_core::sc_start();
  EXPECT_EQ(cpu.ok, 800u);
  EXPECT_EQ(cpu.errors, 0u);
  EXPECT_EQ(cpu.dataErrors, 0u);
  EXPECT_GT(cpu.maxInFlight, 4u);
  EXPECT_GT(rig.reg.value("l1.mshrStalls"), 0);  // 8 in flight, 4 MSHRs
  EXPECT_GT(rig.reg.value("l2.writebacks"), 0);
  EXPECT_GT(rig.toL1.nbTransactions, 0u);
  EXPECT_GT(rig.l2Mem.nbTransactions, 0u);
  EXPECT_EQ(rig.violations(), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Inclusion, CacheSockets,
                         ::testing::Values("non_inclusive", "inclusive", "exclusive"));

// --- Cache::setDirectNext -------------------------------------------------------------------
// An LT cache bound straight to the cache below may call it with the request as plain values
// (no pooled payload, no CacheReqExt), and a model's own timing-only accesses may enter the top
// level as plain values (TimingOnlyTransport). Three levels, each inclusion mode of the two upper
// ones, random loads and stores over more than the lowest level: the run's every statistic and
// every access's completion time must be the ones of the socket path. SystemC elaborates once per
// process, so each variant runs in a child process.
namespace {

class RandomLt : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<RandomLt> isock{"isock"};
  std::vector<uint64_t> times;
  /// Every third access is a model's own timing-only one (a page-table entry for half of them):
  /// through `timingOnly` if set, else as a payload with TimingOnlyExt through the socket.
  vmsim::TimingOnlyTransport* timingOnly = nullptr;
  SC_HAS_PROCESS(RandomLt);
  explicit RandomLt(const sc_core::sc_module_name& nm) : sc_module(nm) { SC_THREAD(run); }

 private:
  void run() {
    uint64_t h = 12345;
    for (unsigned i = 0; i < 6000; ++i) {
      h = h * 6364136223846793005ull + 1442695040888963407ull;
      const uint64_t a = kBase + ((h >> 20) % (96 * 1024)) / 8 * 8;  // 96 KiB: past every level
      uint64_t v = h;
      tlm::tlm_generic_payload gp;
      gp.set_command((h >> 60) < 5 ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
      gp.set_address(a);
      gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
      gp.set_data_length(8);
      gp.set_streaming_width(8);
      gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_core::sc_time d = sc_core::SC_ZERO_TIME;
      const bool own = i % 3 == 0, pageTable = i % 2 == 0;
      TimingOnlyExt timingExt;
      PageTableAccessExt pageTableExt;
      bool ok = false;
      if (own && timingOnly) {
        ok = timingOnly->timingOnlyTransport(a, 8, gp.is_write(), pageTable, d);
      } else {
        if (own) gp.set_extension(&timingExt);
        if (own && pageTable) gp.set_extension(&pageTableExt);
        isock->b_transport(gp, d);
        ok = gp.is_response_ok();
        if (own) gp.clear_extension(&timingExt);
        if (own && pageTable) gp.clear_extension(&pageTableExt);
      }
      times.push_back(d.value() * 2 + (ok ? 1 : 0));
      sc_core::wait(d);
    }
  }
};

std::string runThreeLevels(const std::string& l1Inclusion, const std::string& l2Inclusion,
                           bool direct) {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  cfg.set("l1.size", "4KiB");
  cfg.set("l1.ways", "2");
  cfg.set("l1.inclusion", l1Inclusion);
  cfg.set("l2.size", "16KiB");
  cfg.set("l2.ways", "4");
  cfg.set("l2.mshrs", "2");
  cfg.set("l2.inclusion", l2Inclusion);
  cfg.set("l3.size", "64KiB");
  cfg.set("l3.ways", "8");
  cfg.set("l3.line", "128");  // a line size of its own: an upper line is part of one
  cache::Cache l1("l1", ctx, cache::Cache::Defaults{});
  cache::Cache l2("l2", ctx, cache::Cache::Defaults{"64KiB", 4, 12, 8});
  cache::Cache l3("l3", ctx, cache::Cache::Defaults{"64KiB", 8, 40, 8});
  mem::Router router{"router", ctx};
  dram::Dram dram{"dram", ctx};
  router.isock.bind(dram.tsock);
  router.map(0, 0, dram.size(), "dram");
  RandomLt cpu("cpu");
  cpu.isock.bind(l1.tsock);
  l1.next.bind(l2.tsock);
  l2.next.bind(l3.tsock);
  l3.next.bind(router.tsock);
  l1.linkNext(&l2);
  l2.linkNext(&l3);
  l3.linkNext(nullptr);
  if (direct) {
    l1.setDirectNext(&l2);
    l2.setDirectNext(&l3);
    cpu.timingOnly = &l1;
  }
  cfg.finalize();
  sc_core::sc_start();
  std::ostringstream os;
  // First what the test checks was exercised, then every statistic and time.
  os << total(reg, "l3.misses") << ' ' << reg.value("l2.writebacks") + reg.value("l2.victimsDown")
     << ' ' << reg.value("l1.writebacks") + reg.value("l1.victimsDown") << '\n';
  stats::RunInfo run;
  run.includeHost = false;
  reg.writeJson(os, run);
  for (uint64_t t : cpu.times) os << ' ' << t;
  return os.str();
}

std::string inChild(const std::string& l1Inclusion, const std::string& l2Inclusion, bool direct) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const std::string s = runThreeLevels(l1Inclusion, l2Inclusion, direct);
    const bool ok = write(fds[1], s.data(), s.size()) == static_cast<ssize_t>(s.size());
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t r; (r = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(r));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return out;
}

}  // namespace

class CacheDirectNext : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(CacheDirectNext, LtGivesTheStatsAndTimesOfTheSocketPath) {
  const auto& [l1, l2] = GetParam();
  const std::string viaSockets = inChild(l1, l2, false);
  const std::string direct = inChild(l1, l2, true);
  ASSERT_GT(viaSockets.size(), 1000u);
  EXPECT_EQ(direct, viaSockets);
  // The run reached every level, and both upper levels sent lines down.
  double l3Misses = 0, l2Down = 0, l1Down = 0;
  std::istringstream(viaSockets) >> l3Misses >> l2Down >> l1Down;
  EXPECT_GT(l3Misses, 500);
  EXPECT_GT(l2Down, 100);
  EXPECT_GT(l1Down, 100);
}

INSTANTIATE_TEST_SUITE_P(
    Inclusion, CacheDirectNext,
    ::testing::Combine(::testing::Values("non_inclusive", "inclusive", "exclusive"),
                       ::testing::Values("non_inclusive", "inclusive", "exclusive")));
