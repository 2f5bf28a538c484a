// vmsim::AtTargetFrontEnd's bound on the transactions in service (docs/timed-path.md, "State
// machines and the ordering rule"): `workers` counts the worker threads and the state-machine
// path together, so a request beyond the bound waits, END_REQ withheld, until one of them is
// answered, even while the state-machine path's transactions leave the worker threads idle.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <systemc>

#include "vmsim/common/at_helpers.h"

namespace {

using sc_core::SC_NS;
using sc_core::sc_time;

constexpr uint64_t kThreadPath = 0x1000;  // addresses from here go to the worker threads

// A target whose state-machine path answers 10 ns after BEGIN_REQ and whose worker threads take
// 10 ns per transaction.
struct Target : sc_core::sc_module, vmsim::AtClient {
  tlm_utils::simple_target_socket<Target> tsock{"tsock"};
  vmsim::AtTargetFrontEnd front;
  sc_time threadStart = sc_core::SC_ZERO_TIME;
  unsigned threadJobs = 0;

  Target(const sc_core::sc_module_name& nm, unsigned workers)
      : sc_module(nm),
        front(
            workers,
            [this](tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time& t) {
              return tsock->nb_transport_bw(gp, ph, t);
            },
            [this](tlm::tlm_generic_payload&) {
              threadStart = sc_core::sc_time_stamp();
              ++threadJobs;
              sc_core::wait(10, SC_NS);
            }) {
    tsock.register_nb_transport_fw(this, &Target::fw);
    front.setStart([this](tlm::tlm_generic_payload& gp, int, const sc_time& delay) {
      if (gp.get_address() >= kThreadPath) return false;
      vmsim::AtScheduler::get().post(delay + sc_time(10, SC_NS), this, &gp, 0);
      return true;
    });
  }
  tlm::tlm_sync_enum fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time& t) {
    return front.forward(gp, ph, t);
  }
  void atStep(void* arg, uintptr_t) override {
    front.finish(*static_cast<tlm::tlm_generic_payload*>(arg), 0);
  }
};

// Sends `sm` state-machine requests, then one for the threads, each as soon as the request
// channel is free; records when each END_REQ and BEGIN_RESP arrive.
struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> isock{"isock"};
  std::vector<tlm::tlm_generic_payload> gps;
  std::vector<sc_time> endReq, resp;
  sc_core::sc_event endReqEv;
  SC_HAS_PROCESS(Initiator);

  Initiator(const sc_core::sc_module_name& nm, unsigned sm)
      : sc_module(nm), gps(sm + 1), endReq(sm + 1), resp(sm + 1) {
    isock.register_nb_transport_bw(this, &Initiator::bw);
    for (unsigned i = 0; i <= sm; ++i) {
      gps[i].set_command(tlm::TLM_READ_COMMAND);
      gps[i].set_address(i < sm ? 64 * i : kThreadPath);
      gps[i].set_data_length(0);
    }
    SC_THREAD(run);
  }
  size_t index(const tlm::tlm_generic_payload& gp) const { return &gp - gps.data(); }
  void run() {
    for (auto& gp : gps) {
      tlm::tlm_phase ph = tlm::BEGIN_REQ;
      sc_time t = sc_core::SC_ZERO_TIME;
      if (isock->nb_transport_fw(gp, ph, t) == tlm::TLM_UPDATED && ph == tlm::END_REQ) {
        endReq[index(gp)] = sc_core::sc_time_stamp() + t;
      } else {
        sc_core::wait(endReqEv);  // the request channel stays taken until END_REQ
      }
    }
  }
  tlm::tlm_sync_enum bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time& t) {
    if (ph == tlm::END_REQ) {
      endReq[index(gp)] = sc_core::sc_time_stamp() + t;
      endReqEv.notify(t);
      return tlm::TLM_ACCEPTED;
    }
    resp[index(gp)] = sc_core::sc_time_stamp() + t;
    return tlm::TLM_COMPLETED;
  }
};

TEST(AtTargetFrontEnd, ARequestBeyondTheBoundWaitsForTheStateMachinePathsTransactions) {
  // Two workers, both slots taken by state-machine transactions (answered at 10 ns): the third
  // request is accepted without END_REQ and reaches a worker thread only when a slot frees.
  Target target("target", 2);
  Initiator init("init", 2);
  init.isock.bind(target.tsock);
  sc_core::sc_start();
  EXPECT_EQ(init.endReq[0], sc_core::SC_ZERO_TIME);
  EXPECT_EQ(init.endReq[1], sc_core::SC_ZERO_TIME);
  EXPECT_EQ(init.resp[0], sc_time(10, SC_NS));
  EXPECT_EQ(init.resp[1], sc_time(10, SC_NS));
  EXPECT_EQ(target.threadJobs, 1u);
  EXPECT_EQ(target.threadStart, sc_time(10, SC_NS)) << "served while two were in service";
  EXPECT_EQ(init.endReq[2], sc_time(10, SC_NS));
  EXPECT_EQ(init.resp[2], sc_time(20, SC_NS));
}

TEST(AtTargetFrontEnd, ARequestWithinTheBoundGoesToAnIdleWorkerAtOnce) {
  // Three workers, two taken by the state-machine path: the third request is in the bound.
  Target target("target", 3);
  Initiator init("init", 2);
  init.isock.bind(target.tsock);
  sc_core::sc_start();
  EXPECT_EQ(init.endReq[2], sc_core::SC_ZERO_TIME);
  EXPECT_EQ(target.threadStart, sc_core::SC_ZERO_TIME);
  EXPECT_EQ(init.resp[2], sc_time(10, SC_NS));
}

}  // namespace
