// vmsim::DirectMultiTargetSocket (the router's and the caches' target socket): each initiator
// binding gets its own index, in bind order, for forward calls of every kind, and operator[]
// reaches that initiator's backward interface; simple and multi initiator sockets both bind.
#include <gtest/gtest.h>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <systemc>
#include <vector>

#include "vmsim/common/direct_socket.h"

namespace {

struct Target : sc_core::sc_module {
  vmsim::DirectMultiTargetSocket<Target> tsock{"tsock"};
  std::vector<int> seen;
  explicit Target(const sc_core::sc_module_name& nm) : sc_core::sc_module(nm) {
    tsock.register_b_transport(this, &Target::b_transport);
    tsock.register_nb_transport_fw(this, &Target::nb_transport_fw);
    tsock.register_transport_dbg(this, &Target::transport_dbg);
  }
  void b_transport(int from, tlm::tlm_generic_payload&, sc_core::sc_time& t) {
    seen.push_back(from);
    t += sc_core::sc_time(1, sc_core::SC_NS);
  }
  tlm::tlm_sync_enum nb_transport_fw(int from, tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                     sc_core::sc_time& t) {
    // Answer on the backward path of the initiator that asked.
    tlm::tlm_phase resp = tlm::BEGIN_RESP;
    tsock[from]->nb_transport_bw(gp, resp, t);
    ph = tlm::END_REQ;
    return tlm::TLM_UPDATED;
  }
  unsigned int transport_dbg(int from, tlm::tlm_generic_payload&) {
    return 100 + static_cast<unsigned>(from);
  }
};

struct Simple : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Simple> isock{"isock"};
  int responses = 0;
  explicit Simple(const sc_core::sc_module_name& nm) : sc_core::sc_module(nm) {
    isock.register_nb_transport_bw(this, &Simple::bw);
  }
  tlm::tlm_sync_enum bw(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_core::sc_time&) {
    ++responses;
    return tlm::TLM_ACCEPTED;
  }
};

struct Multi : sc_core::sc_module {
  tlm_utils::multi_passthrough_initiator_socket<Multi> isock{"isock"};
  int responses = 0;
  explicit Multi(const sc_core::sc_module_name& nm) : sc_core::sc_module(nm) {
    isock.register_nb_transport_bw(this, &Multi::bw);
  }
  tlm::tlm_sync_enum bw(int, tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_core::sc_time&) {
    ++responses;
    return tlm::TLM_ACCEPTED;
  }
};

TEST(DirectSocket, EachBindingHasItsIndexBothWays) {
  Target t("t");
  Simple a("a"), b("b");
  Multi m("m");
  a.isock.bind(t.tsock);
  m.isock.bind(t.tsock);
  b.isock.bind(t.tsock);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);  // ends elaboration: the backward ports resolve
  EXPECT_EQ(t.tsock.size(), 3u);

  tlm::tlm_generic_payload gp;
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  a.isock->b_transport(gp, d);
  m.isock[0]->b_transport(gp, d);
  b.isock->b_transport(gp, d);
  EXPECT_EQ(t.seen, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(d, sc_core::sc_time(3, sc_core::SC_NS));

  EXPECT_EQ(a.isock->transport_dbg(gp), 100u);
  EXPECT_EQ(m.isock[0]->transport_dbg(gp), 101u);
  EXPECT_EQ(b.isock->transport_dbg(gp), 102u);

  tlm::tlm_phase ph = tlm::BEGIN_REQ;
  EXPECT_EQ(b.isock->nb_transport_fw(gp, ph, d), tlm::TLM_UPDATED);
  EXPECT_EQ(ph, tlm::END_REQ);
  EXPECT_EQ(b.responses, 1);
  EXPECT_EQ(a.responses, 0);
  ph = tlm::BEGIN_REQ;
  m.isock[0]->nb_transport_fw(gp, ph, d);
  EXPECT_EQ(m.responses, 1);
  ph = tlm::BEGIN_REQ;
  a.isock->nb_transport_fw(gp, ph, d);
  EXPECT_EQ(a.responses, 1);
  EXPECT_EQ(b.responses, 1);
}

}  // namespace
