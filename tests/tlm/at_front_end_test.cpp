// vmsim::AtTargetFrontEnd's bound on the transactions in service (docs/timed-path.md, "State
// machines and the ordering rule"): `workers` counts the worker threads and the state-machine
// path together, so a request beyond the bound waits, END_REQ withheld, until one of them is
// answered, even while the state-machine path's transactions leave the worker threads idle.
// Also the direct hop between two modules (tryStart, Reply with an initiator, directAtResponse)
// and AtInitiatorPort's request channel after a request handed over directly (handOver).
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <systemc>

#include <map>

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
  std::map<tlm::tlm_generic_payload*, vmsim::AtTargetFrontEnd::Reply> replies;

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
    front.setStart([this](tlm::tlm_generic_payload& gp, const vmsim::AtTargetFrontEnd::Reply& r,
                          const sc_time& delay) {
      if (gp.get_address() >= kThreadPath) return false;
      replies[&gp] = r;
      vmsim::AtScheduler::get().post(delay + sc_time(10, SC_NS), this, &gp, 0);
      return true;
    });
  }
  tlm::tlm_sync_enum fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time& t) {
    return front.forward(gp, ph, t);
  }
  void atStep(void* arg, uintptr_t) override {
    auto* gp = static_cast<tlm::tlm_generic_payload*>(arg);
    front.finish(*gp, replies.at(gp));
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

// Sends its requests at time 0 as Initiator does, each first offered to the target's front end
// directly (tryStart); what tryStart declines goes through the socket.
struct DirectInitiator : sc_core::sc_module, vmsim::DirectAtInitiator {
  tlm_utils::simple_initiator_socket<DirectInitiator> isock{"isock"};
  Target& target;
  std::vector<tlm::tlm_generic_payload> gps;
  std::vector<int> args;
  std::vector<bool> direct;  // tryStart took it
  std::vector<sc_time> resp;
  std::vector<const void*> respArg;  // directAtResponse's arg (nullptr: through the socket)
  sc_core::sc_event endReqEv;
  SC_HAS_PROCESS(DirectInitiator);

  DirectInitiator(const sc_core::sc_module_name& nm, Target& t, std::vector<uint64_t> addrs)
      : sc_module(nm),
        target(t),
        gps(addrs.size()),
        args(addrs.size()),
        direct(addrs.size()),
        resp(addrs.size()),
        respArg(addrs.size(), nullptr) {
    isock.register_nb_transport_bw(this, &DirectInitiator::bw);
    for (size_t i = 0; i < addrs.size(); ++i) {
      gps[i].set_command(tlm::TLM_READ_COMMAND);
      gps[i].set_address(addrs[i]);
      gps[i].set_data_length(0);
      args[i] = static_cast<int>(i);
    }
    SC_THREAD(run);
  }
  size_t index(const tlm::tlm_generic_payload& gp) const { return &gp - gps.data(); }
  void run() {
    for (size_t i = 0; i < gps.size(); ++i) {
      direct[i] = target.front.tryStart(gps[i], sc_core::SC_ZERO_TIME, *this, &args[i]);
      if (direct[i]) continue;
      tlm::tlm_phase ph = tlm::BEGIN_REQ;
      sc_time t = sc_core::SC_ZERO_TIME;
      if (isock->nb_transport_fw(gps[i], ph, t) != tlm::TLM_UPDATED || ph != tlm::END_REQ) {
        sc_core::wait(endReqEv);
      }
    }
  }
  tlm::tlm_sync_enum directNbTransportBw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                         sc_time& t) override {
    return bw(gp, ph, t);
  }
  void directAtResponse(tlm::tlm_generic_payload& gp, void* arg) override {
    resp[index(gp)] = sc_core::sc_time_stamp();
    respArg[index(gp)] = arg;
  }
  tlm::tlm_sync_enum bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time& t) {
    if (ph == tlm::END_REQ) {
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

TEST(AtTargetFrontEnd, TryStartAnswersTheDirectInitiatorAndCountsInTheBound) {
  // Two workers: two state-machine requests taken directly, answered at 10 ns with their own
  // args; the third is for the threads, declined (nothing changed) and sent through the socket,
  // where it waits for a slot as if the first two had come that way.
  Target target("target", 2);
  DirectInitiator init("init", target, {0, 64, kThreadPath});
  init.isock.bind(target.tsock);
  sc_core::sc_start();
  EXPECT_TRUE(init.direct[0]);
  EXPECT_TRUE(init.direct[1]);
  EXPECT_FALSE(init.direct[2]) << "Start declined it";
  EXPECT_EQ(init.resp[0], sc_time(10, SC_NS));
  EXPECT_EQ(init.resp[1], sc_time(10, SC_NS));
  EXPECT_EQ(init.respArg[0], &init.args[0]);
  EXPECT_EQ(init.respArg[1], &init.args[1]);
  EXPECT_EQ(init.respArg[2], nullptr) << "a worker's answer goes through the socket";
  EXPECT_EQ(target.threadJobs, 1u);
  EXPECT_EQ(target.threadStart, sc_time(10, SC_NS));
  EXPECT_EQ(init.resp[2], sc_time(20, SC_NS));
}

TEST(AtTargetFrontEnd, TryStartDeclinesWhileTheBoundIsFull) {
  // One worker, taken by the first request: the second, although the state-machine path would
  // serve it, is declined and goes through the socket to the worker once the first is answered.
  Target target("target", 1);
  DirectInitiator init("init", target, {0, 64});
  init.isock.bind(target.tsock);
  sc_core::sc_start();
  EXPECT_TRUE(init.direct[0]);
  EXPECT_FALSE(init.direct[1]);
  EXPECT_EQ(init.resp[0], sc_time(10, SC_NS));
  EXPECT_EQ(target.threadStart, sc_time(10, SC_NS));
  EXPECT_EQ(init.resp[1], sc_time(20, SC_NS));
}

// An initiator port whose target answers END_REQ at once; it records when each BEGIN_REQ came.
// The same module is the direct target handOver() offers requests to (it takes every one) and
// the initiator their responses would go to.
struct PortUser : sc_core::sc_module,
                  vmsim::AtClient,
                  vmsim::DirectAtTarget,
                  vmsim::DirectAtInitiator {
  vmsim::AtInitiatorPort port;
  tlm::tlm_generic_payload gp, direct1, direct2;
  std::vector<sc_time> begins;
  std::vector<const tlm::tlm_generic_payload*> handedOver;
  bool freeBefore = false, freeAfter = true, freeLater = false;
  bool first = false, second = true;
  SC_HAS_PROCESS(PortUser);

  explicit PortUser(const sc_core::sc_module_name& nm)
      : sc_module(nm), port([this](tlm::tlm_generic_payload&, tlm::tlm_phase& ph, sc_time& t) {
          begins.push_back(sc_core::sc_time_stamp() + t);
          ph = tlm::END_REQ;
          return tlm::TLM_UPDATED;
        }) {
    gp.set_command(tlm::TLM_READ_COMMAND);
    SC_THREAD(run);
  }
  void run() {
    freeBefore = port.requestFree();
    // A request handed over with 5 ns annotated, then one while its END_REQ is ahead.
    first = port.handOver(*this, direct1, sc_time(5, SC_NS), *this, nullptr, nullptr);
    freeAfter = port.requestFree();
    second = port.handOver(*this, direct2, sc_core::SC_ZERO_TIME, *this, nullptr, nullptr);
    port.send(gp, sc_core::SC_ZERO_TIME, this, nullptr, 0);  // waits for that END_REQ
    sc_core::wait(6, SC_NS);
    freeLater = port.requestFree();
  }
  void atStep(void*, uintptr_t) override {}
  tlm::tlm_sync_enum directNbTransportFw(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_time&,
                                         vmsim::DirectAtInitiator&,
                                         const vmsim::VmAccess*) override {
    return tlm::TLM_ACCEPTED;  // not used: requests come through the port or handOver
  }
  bool directAtStart(tlm::tlm_generic_payload& p, const sc_time&, vmsim::DirectAtInitiator&, void*,
                     const vmsim::VmAccess*) override {
    handedOver.push_back(&p);
    return true;
  }
  tlm::tlm_sync_enum directNbTransportBw(tlm::tlm_generic_payload&, tlm::tlm_phase&,
                                         sc_time&) override {
    return tlm::TLM_COMPLETED;
  }
  void directAtResponse(tlm::tlm_generic_payload&, void*) override {}
};

TEST(AtInitiatorPort, ARequestHandedOverDirectlyHoldsTheRequestChannelUntilItsEndReq) {
  PortUser u("u");
  sc_core::sc_start();
  EXPECT_TRUE(u.freeBefore);
  EXPECT_TRUE(u.first);
  EXPECT_FALSE(u.freeAfter);
  EXPECT_FALSE(u.second) << "the channel is taken until 5 ns: not handed over";
  ASSERT_EQ(u.handedOver.size(), 1u);
  EXPECT_EQ(u.handedOver[0], &u.direct1);
  ASSERT_EQ(u.begins.size(), 1u);
  EXPECT_EQ(u.begins[0], sc_time(5, SC_NS)) << "send() issued at the direct request's END_REQ";
  EXPECT_TRUE(u.freeLater);
}

}  // namespace
