// vmsim::DirectMultiTargetSocket (the router's and the caches' target socket): each initiator
// binding gets its own index, in bind order, for forward calls of every kind, and operator[]
// reaches that initiator's backward interface; simple and multi initiator sockets both bind.
// Every forward call reaches the registered module whatever its caller left in the registers
// (GCC 12.2's -fsanitize=vptr build got this wrong for the form the socket used before).
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

// A module as the router is one: its callbacks are members of a class with a second,
// polymorphic base, so a member pointer to them is non-virtual with a `this` adjustment of 0.
struct OtherBase {
  virtual ~OtherBase() = default;
  virtual int other() { return 0; }
};
struct Recorder : sc_core::sc_module, OtherBase {
  vmsim::DirectMultiTargetSocket<Recorder> tsock{"tsock"};
  std::vector<const void*> self;  // `this` as each callback saw it
  std::vector<int> from;
  explicit Recorder(const sc_core::sc_module_name& nm) : sc_core::sc_module(nm) {
    tsock.register_b_transport(this, &Recorder::b_transport);
    tsock.register_nb_transport_fw(this, &Recorder::nb_transport_fw);
    tsock.register_transport_dbg(this, &Recorder::transport_dbg);
    tsock.register_get_direct_mem_ptr(this, &Recorder::get_direct_mem_ptr);
  }
  void note(int f) {
    self.push_back(this);
    from.push_back(f);
  }
  void b_transport(int f, tlm::tlm_generic_payload&, sc_core::sc_time& t) {
    note(f);
    t += sc_core::sc_time(1, sc_core::SC_NS);
  }
  tlm::tlm_sync_enum nb_transport_fw(int f, tlm::tlm_generic_payload&, tlm::tlm_phase& ph,
                                     sc_core::sc_time&) {
    note(f);
    ph = tlm::END_REQ;
    return tlm::TLM_UPDATED;
  }
  unsigned int transport_dbg(int f, tlm::tlm_generic_payload&) {
    note(f);
    return 8;
  }
  bool get_direct_mem_ptr(int f, tlm::tlm_generic_payload&, tlm::tlm_dmi&) {
    note(f);
    return true;
  }
};

using Fw = tlm::tlm_fw_transport_if<>;
// One forward call each, kept out of line so that the call into the socket sees the registers
// exactly as clobbered() left them.
__attribute__((noinline)) int callB(Fw* fw, tlm::tlm_generic_payload* gp, sc_core::sc_time* t) {
  fw->b_transport(*gp, *t);
  return 0;
}
__attribute__((noinline)) int callNb(Fw* fw, tlm::tlm_generic_payload* gp, sc_core::sc_time* t) {
  tlm::tlm_phase ph = tlm::BEGIN_REQ;
  return fw->nb_transport_fw(*gp, ph, *t) == tlm::TLM_UPDATED && ph == tlm::END_REQ ? 1 : -1;
}
__attribute__((noinline)) int callDbg(Fw* fw, tlm::tlm_generic_payload* gp, sc_core::sc_time*) {
  return static_cast<int>(fw->transport_dbg(*gp));
}
__attribute__((noinline)) int callDmi(Fw* fw, tlm::tlm_generic_payload* gp, sc_core::sc_time*) {
  tlm::tlm_dmi dmi;
  return fw->get_direct_mem_ptr(*gp, dmi) ? 1 : 0;
}
using Call = int (*)(Fw*, tlm::tlm_generic_payload*, sc_core::sc_time*);

// Calls `fn` with every callee-saved register the compiler may allocate (x86-64 SysV: rbx,
// r12-r15; rbp is the frame pointer) holding an unmapped address, as a caller with live values
// in them would. A callee that reads one of them before setting it dereferences that address.
__attribute__((noinline)) int clobbered(Call fn, Fw* fw, tlm::tlm_generic_payload* gp,
                                        sc_core::sc_time* t) {
#if defined(__x86_64__) && defined(__GNUC__)
  register long rbx asm("rbx") = 0x1000;
  register long r12 asm("r12") = 0x1000;
  register long r13 asm("r13") = 0x1000;
  register long r14 asm("r14") = 0x1000;
  register long r15 asm("r15") = 0x1000;
  asm volatile("" : "+r"(rbx), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15));
  const int r = fn(fw, gp, t);
  asm volatile("" : "+r"(rbx), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15));
  return r;
#else
  return fn(fw, gp, t);
#endif
}

TEST(DirectSocket, CallbacksReachTheirModuleWithCalleeSavedRegistersClobbered) {
  // GCC 12.2 with -fsanitize=vptr compiled `(sock->mod_->*sock->b_)(...)` so that a non-virtual
  // member pointer's call read `sock` from a callee-saved register it never set: the
  // ASan/UBSan suite of 2026-12-01 then read the router's socket from wherever the caller's
  // register pointed (backing-store pages once the kernel's direct path ran). With that form
  // this test dies in the sanitizer build (an access to 0x1000); without -fsanitize=vptr the
  // compiler never had the bug, and the test checks that every call reached the right module
  // with the right index and answer.
  Recorder r("r");
  Simple a("a"), b("b");
  a.isock.bind(r.tsock);
  b.isock.bind(r.tsock);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  Fw* fa = a.isock.operator->();  // the binding's forward interface (index 0)
  Fw* fb = b.isock.operator->();  // index 1
  tlm::tlm_generic_payload gp;
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  EXPECT_EQ(clobbered(callB, fb, &gp, &t), 0);
  EXPECT_EQ(clobbered(callNb, fa, &gp, &t), 1);
  EXPECT_EQ(clobbered(callDbg, fb, &gp, &t), 8);
  EXPECT_EQ(clobbered(callDmi, fa, &gp, &t), 1);
  EXPECT_EQ(t, sc_core::sc_time(1, sc_core::SC_NS));
  EXPECT_EQ(r.from, (std::vector<int>{1, 0, 1, 0}));
  const void* self = &r;
  EXPECT_EQ(r.self, (std::vector<const void*>(4, self)));
}

}  // namespace

// DirectWho: the VmAccess of the direct call in progress belongs to its own payload only.
TEST(DirectWho, AnswersOnlyForItsPayloadUntilCleared) {
  tlm::tlm_generic_payload a, b;
  vmsim::VmAccess who;
  vmsim::DirectWho w;
  EXPECT_EQ(w.of(a), nullptr);
  w.set(a, &who);
  EXPECT_EQ(w.of(a), &who);
  EXPECT_EQ(w.of(b), nullptr);  // another transaction sent meanwhile carries none
  w.clear();
  EXPECT_EQ(w.of(a), nullptr);
  w.set(a, nullptr);  // a call without a VmAccess
  EXPECT_EQ(w.of(a), nullptr);
}
