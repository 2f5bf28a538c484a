// The router's LT hop: address decoding, the hop latency, and the direct call a platform connects
// with setDirectTransport (the DRAM takes the router's LT calls without the socket layers). A
// direct call must reach the target with the same payload, local address and delay the socket
// would have carried; every other interface (debug transport) and every target without one stay
// on the sockets; clearDirectTransports (vmsim run --socket-path) sends everything back.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <systemc>
#include <vector>

#include "vmsim/common/direct_socket.h"
#include "vmsim/mem/router.h"

using namespace vmsim;

namespace {

constexpr uint64_t kBaseA = 0x0;
constexpr uint64_t kSizeA = 0x10000;
constexpr uint64_t kBaseB = 0x40000;
constexpr uint64_t kSizeB = 0x10000;

// One call a target saw: which path, the local address, the delay on arrival, the first byte.
struct Seen {
  bool direct;
  uint64_t addr;
  sc_core::sc_time delay;
  unsigned char byte;
};

// A target that answers on its socket and, when connected, through DirectTransport. Both paths
// do the same: record the call, add 3 ns, store or load the first byte of a small memory.
struct Target : sc_core::sc_module, DirectTransport {
  tlm_utils::simple_target_socket<Target> tsock{"tsock"};
  std::vector<Seen> seen;
  unsigned dbgCalls = 0;
  std::array<unsigned char, 0x10000> mem{};
  explicit Target(const sc_core::sc_module_name& nm) : sc_core::sc_module(nm) {
    tsock.register_b_transport(this, &Target::b_transport);
    tsock.register_transport_dbg(this, &Target::transport_dbg);
  }
  void serve(bool direct, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const uint64_t a = gp.get_address();
    seen.push_back({direct, a, delay, gp.get_data_ptr()[0]});
    if (gp.is_write()) {
      mem[a] = gp.get_data_ptr()[0];
    } else {
      gp.get_data_ptr()[0] = mem[a];
    }
    delay += sc_core::sc_time(3, sc_core::SC_NS);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    serve(false, gp, delay);
  }
  void directTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override {
    serve(true, gp, delay);
  }
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp) {
    ++dbgCalls;
    gp.get_data_ptr()[0] = mem[gp.get_address()];
    return 1;
  }
};

// What the initiator got back from one access.
struct Result {
  tlm::tlm_response_status status;
  uint64_t addrAfter;
  sc_core::sc_time delay;
  unsigned char byte;
};

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> isock{"isock"};
  explicit Initiator(const sc_core::sc_module_name& nm) : sc_core::sc_module(nm) {}
  Result access(bool write, uint64_t addr, unsigned char byte, unsigned len = 1) {
    unsigned char data[8] = {byte};
    tlm::tlm_generic_payload gp;
    gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(addr);
    gp.set_data_ptr(data);
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay(10, sc_core::SC_NS);
    isock->b_transport(gp, delay);
    return {gp.get_response_status(), gp.get_address(), delay, data[0]};
  }
  unsigned debugRead(uint64_t addr, unsigned char& byte) {
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(addr);
    gp.set_data_ptr(&byte);
    gp.set_data_length(1);
    return isock->transport_dbg(gp);
  }
};

struct Rig {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  mem::Router router{"router", ctx};
  Target a{"a"};
  Target b{"b"};
  Initiator cpu{"cpu"};
  Rig() {
    router.isock.bind(a.tsock);  // target 0
    router.isock.bind(b.tsock);  // target 1
    router.map(0, kBaseA, kSizeA, "a");
    router.map(1, kBaseB, kSizeB, "b");
    cpu.isock.bind(router.tsock);
    cfg.finalize();
  }
};

// The router's default hop: 1 cycle at 2 GHz.
const sc_core::sc_time kHop(500, sc_core::SC_PS);
const sc_core::sc_time kStart(10, sc_core::SC_NS);
const sc_core::sc_time kTarget(3, sc_core::SC_NS);

TEST(Router, DirectTransportGetsTheLocalAddressAndTheHopLatency) {
  Rig rig;
  rig.router.setDirectTransport(1, &rig.b);
  Result w{}, r{};
  struct Driver : sc_core::sc_module {
    SC_HAS_PROCESS(Driver);
    Driver(const sc_core::sc_module_name& nm, Rig& rig, Result& w, Result& r)
        : sc_core::sc_module(nm), rig_(rig), w_(w), r_(r) {
      SC_THREAD(run);
    }
    void run() {
      w_ = rig_.cpu.access(true, kBaseB + 0x123, 0x5a);
      r_ = rig_.cpu.access(false, kBaseB + 0x123, 0);
    }
    Rig& rig_;
    Result& w_;
    Result& r_;
  } driver("driver", rig, w, r);
  sc_core::sc_start();

  ASSERT_EQ(rig.b.seen.size(), 2u);
  for (const Seen& s : rig.b.seen) {
    EXPECT_TRUE(s.direct);              // the socket path was not taken
    EXPECT_EQ(s.addr, 0x123u);          // the target's local address
    EXPECT_EQ(s.delay, kStart + kHop);  // the hop is charged before the target
  }
  EXPECT_TRUE(rig.a.seen.empty());
  EXPECT_EQ(w.status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(w.addrAfter, kBaseB + 0x123);  // the initiator's address comes back
  EXPECT_EQ(w.delay, kStart + kHop + kTarget);
  EXPECT_EQ(r.status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(r.byte, 0x5a);
  EXPECT_EQ(r.delay, kStart + kHop + kTarget);
  EXPECT_EQ(rig.reg.value("router.decodeErrors"), 0.0);
}

// A target without a direct transport, debug transport to a target with one, and every target
// after clearDirectTransports go through the sockets, with the same addresses and delays.
TEST(Router, EverythingElseStaysOnTheSockets) {
  Rig rig;
  rig.router.setDirectTransport(1, &rig.b);
  std::vector<Result> res;
  unsigned dbgN = 0;
  unsigned char dbgByte = 0;
  struct Driver : sc_core::sc_module {
    SC_HAS_PROCESS(Driver);
    Driver(const sc_core::sc_module_name& nm, Rig& rig, std::vector<Result>& res, unsigned& n,
           unsigned char& byte)
        : sc_core::sc_module(nm), rig_(rig), res_(res), n_(n), byte_(byte) {
      SC_THREAD(run);
    }
    void run() {
      res_.push_back(rig_.cpu.access(true, kBaseA + 0x40, 0x11));  // a: no direct transport
      res_.push_back(rig_.cpu.access(true, kBaseB + 0x80, 0x22));  // b: direct
      n_ = rig_.cpu.debugRead(kBaseB + 0x80, byte_);               // debug: socket
      rig_.router.clearDirectTransports();
      res_.push_back(rig_.cpu.access(false, kBaseB + 0x80, 0));  // b: now the socket
    }
    Rig& rig_;
    std::vector<Result>& res_;
    unsigned& n_;
    unsigned char& byte_;
  } driver("driver", rig, res, dbgN, dbgByte);
  sc_core::sc_start();

  ASSERT_EQ(rig.a.seen.size(), 1u);
  EXPECT_FALSE(rig.a.seen[0].direct);
  EXPECT_EQ(rig.a.seen[0].addr, 0x40u);
  EXPECT_EQ(rig.a.seen[0].delay, kStart + kHop);
  ASSERT_EQ(rig.b.seen.size(), 2u);
  EXPECT_TRUE(rig.b.seen[0].direct);
  EXPECT_FALSE(rig.b.seen[1].direct);
  EXPECT_EQ(rig.b.seen[1].addr, rig.b.seen[0].addr);
  EXPECT_EQ(rig.b.seen[1].delay, rig.b.seen[0].delay);
  EXPECT_EQ(rig.b.dbgCalls, 1u);
  EXPECT_EQ(dbgN, 1u);
  EXPECT_EQ(dbgByte, 0x22);
  ASSERT_EQ(res.size(), 3u);
  for (const Result& x : res) {
    EXPECT_EQ(x.status, tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(x.delay, kStart + kHop + kTarget);
  }
  EXPECT_EQ(res[2].byte, 0x22);  // written through the direct call, read through the socket
  EXPECT_EQ(res[2].addrAfter, kBaseB + 0x80);
}

// An address no target serves, or an access running past the end of its target's range, is an
// address error counted in decodeErrors, whether or not the target has a direct transport; no
// target sees it.
TEST(Router, DecodeErrorsReachNoTarget) {
  Rig rig;
  rig.router.setDirectTransport(0, &rig.a);
  rig.router.setDirectTransport(1, &rig.b);
  std::vector<Result> res;
  struct Driver : sc_core::sc_module {
    SC_HAS_PROCESS(Driver);
    Driver(const sc_core::sc_module_name& nm, Rig& rig, std::vector<Result>& res)
        : sc_core::sc_module(nm), rig_(rig), res_(res) {
      SC_THREAD(run);
    }
    void run() {
      res_.push_back(rig_.cpu.access(false, kBaseA + kSizeA + 0x10, 0));  // between the ranges
      res_.push_back(rig_.cpu.access(false, kBaseB + kSizeB - 4, 0, 8));  // runs past b's end
      res_.push_back(rig_.cpu.access(false, kBaseB + kSizeB - 8, 0, 8));  // b's last 8 bytes
    }
    Rig& rig_;
    std::vector<Result>& res_;
  } driver("driver", rig, res);
  sc_core::sc_start();

  ASSERT_EQ(res.size(), 3u);
  EXPECT_EQ(res[0].status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(res[0].delay, kStart);  // no hop charged for a decode error
  EXPECT_EQ(res[1].status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(res[2].status, tlm::TLM_OK_RESPONSE);
  EXPECT_TRUE(rig.a.seen.empty());
  ASSERT_EQ(rig.b.seen.size(), 1u);
  EXPECT_EQ(rig.b.seen[0].addr, kSizeB - 8);
  EXPECT_EQ(rig.reg.value("router.decodeErrors"), 2.0);
}

}  // namespace
