// The AT requester's side of the base protocol, against targets that answer in the two ways the
// protocol allows: a response on the backward path ends at its arrival (the requester returns
// TLM_COMPLETED, END_RESP implied), one returned on the forward path (TLM_UPDATED with BEGIN_RESP)
// gets its END_RESP. A protocol checker sits between them and must see no violation.
#include <gtest/gtest.h>

#include <tlm_utils/simple_target_socket.h>

#include <deque>

#include "protocol_checker.h"
#include "vmsim/common/config.h"
#include "vmsim/common/stats.h"
#include "vmsim/cpu/requester.h"
#include "vmsim/workloads/synthetic.h"

using namespace vmsim;

namespace {

constexpr unsigned kAccesses = 40;

// Answers every request after `latency`: on the forward path's return (onReturn), or later with
// BEGIN_RESP on the backward path, one response at a time (response exclusion).
class Target : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Target> tsock{"tsock"};
  unsigned requests = 0, endResps = 0, completedOnArrival = 0;

  SC_HAS_PROCESS(Target);
  Target(const sc_core::sc_module_name& nm, bool onReturn) : sc_module(nm), onReturn_(onReturn) {
    tsock.register_nb_transport_fw(this, &Target::nb_transport_fw);
    SC_THREAD(respond);
  }

 private:
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay) {
    if (ph == tlm::END_RESP) {
      ++endResps;
      respOpen_ = false;
      respFree_.notify();
      return tlm::TLM_COMPLETED;
    }
    ++requests;
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    if (onReturn_ && !respOpen_) {
      respOpen_ = true;
      ph = tlm::BEGIN_RESP;
      delay += latency_;
      return tlm::TLM_UPDATED;
    }
    gp.acquire();
    queue_.push_back({&gp, sc_core::sc_time_stamp() + delay + latency_});
    queued_.notify();
    ph = tlm::END_REQ;
    return tlm::TLM_UPDATED;
  }

  void respond() {
    for (;;) {
      while (queue_.empty()) sc_core::wait(queued_);
      const Pending p = queue_.front();
      queue_.pop_front();
      if (p.at > sc_core::sc_time_stamp()) sc_core::wait(p.at - sc_core::sc_time_stamp());
      while (respOpen_) sc_core::wait(respFree_);
      tlm::tlm_phase ph = tlm::BEGIN_RESP;
      sc_core::sc_time t = sc_core::SC_ZERO_TIME;
      respOpen_ = true;
      const auto s = tsock->nb_transport_bw(*p.gp, ph, t);
      if (s == tlm::TLM_COMPLETED) {
        ++completedOnArrival;
        respOpen_ = false;
      }
      p.gp->release();
    }
  }

  struct Pending {
    tlm::tlm_generic_payload* gp;
    sc_core::sc_time at;
  };
  bool onReturn_;
  bool respOpen_ = false;
  const sc_core::sc_time latency_{5, sc_core::SC_NS};
  std::deque<Pending> queue_;
  sc_core::sc_event queued_, respFree_;
};

struct Rig {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  test::ProtocolChecker check{"check"};
  Target target;
  cpu::Requester req;

  explicit Rig(bool onReturn)
      : target("target", onReturn), req("req", (configure(cfg), ctx), 1, workload()) {
    req.isock.bind(check.tsock);
    check.isock.bind(target.tsock);
    cfg.finalize();
  }
  static void configure(Config& c) {
    c.set("req.mode", "at");
    c.set("req.max_outstanding", "4");
  }
  static std::unique_ptr<workloads::Workload> workload() {
    workloads::SyntheticSpec s;
    s.pattern = "sequential";
    s.base = 0x1000;
    s.footprint = 4096;
    s.count = kAccesses;
    s.write_fraction = 0.5;
    return workloads::makeSynthetic(s);
  }
};

}  // namespace

TEST(RequesterAtProtocol, ResponsesOnTheBackwardPathEndOnArrival) {
  Rig r(false);
  sc_core::sc_start();
  EXPECT_TRUE(r.req.done());
  EXPECT_EQ(r.target.requests, kAccesses);
  // Every backward BEGIN_RESP was completed by the requester's return: no END_RESP follows.
  EXPECT_EQ(r.target.completedOnArrival, kAccesses);
  EXPECT_EQ(r.target.endResps, 0u);
  EXPECT_EQ(r.check.violations, std::vector<std::string>{});
  EXPECT_EQ(r.reg.value("req.accesses"), kAccesses);
}

TEST(RequesterAtProtocol, ResponsesOnTheForwardReturnGetTheirEndResp) {
  Rig r(true);
  sc_core::sc_start();
  EXPECT_TRUE(r.req.done());
  EXPECT_EQ(r.target.requests, kAccesses);
  // Some requests were answered on the return path (while no response was open), the others on
  // the backward path; each of the first kind got exactly one END_RESP.
  EXPECT_GT(r.target.endResps, 0u);
  EXPECT_EQ(r.target.endResps + r.target.completedOnArrival, kAccesses);
  EXPECT_EQ(r.check.violations, std::vector<std::string>{});
  EXPECT_EQ(r.reg.value("req.accesses"), kAccesses);
}
