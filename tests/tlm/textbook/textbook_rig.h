// Socket-test rig for the textbook MMU modes (OSTEP ch. 15-20): a scripted LT initiator ->
// checker -> TextbookMmu -> checker -> router -> DRAM, with helpers to read table bytes back.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <string>
#include <vector>

#include "../protocol_checker.h"
#include "vmsim/dram/dram.h"
#include "vmsim/mem/router.h"
#include "vmsim/mmu/textbook_mmu.h"

namespace vmsim::test {

inline Config configFrom(const std::string& yaml) {
  Config c;
  c.loadString(yaml, "test");
  return c;
}

struct TextbookRig {
  Config cfg;
  stats::Registry reg;
  SimContext ctx{cfg, reg};
  ProtocolChecker toMmu{"check_cpu_mmu"};
  ProtocolChecker mmuMem{"check_mmu_mem"};
  mem::Router router{"router", ctx};
  dram::Dram dram{"dram", ctx};
  mmu::TextbookMmu mmu{"mmu", ctx};

  explicit TextbookRig(const std::string& yaml) : cfg(configFrom(yaml)) {
    router.isock.bind(dram.tsock);
    router.map(0, 0, dram.size(), "dram");
    toMmu.isock.bind(mmu.tsock);
    mmu.mem.bind(mmuMem.tsock);
    mmuMem.isock.bind(router.tsock);
    cfg.finalize();
  }
  std::vector<std::string> violations() const {
    std::vector<std::string> v = toMmu.violations;
    v.insert(v.end(), mmuMem.violations.begin(), mmuMem.violations.end());
    return v;
  }
  /// Physical bytes straight from DRAM (debug transport, no timing).
  std::vector<uint8_t> physBytes(uint64_t pa, unsigned n) {
    std::vector<uint8_t> b(n);
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(pa);
    gp.set_data_ptr(b.data());
    gp.set_data_length(n);
    gp.set_streaming_width(n);
    mmu.mem->transport_dbg(gp);  // through the checker and router, as the MMU's own reads
    return b;
  }
  uint64_t physLe(uint64_t pa, unsigned n) {
    const auto b = physBytes(pa, n);
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;) v = (v << 8) | b[i];
    return v;
  }
  double stat(const std::string& name) const { return reg.value(name); }
};

struct Op {
  tlm::tlm_command cmd = tlm::TLM_READ_COMMAND;
  uint64_t va = 0;
  Asid asid = 1;
  AccessKind kind = AccessKind::Load;
  uint64_t value = 0;
  int selector = -1;  // >= 0: attach a SegmentSelectorExt
  unsigned len = 8;
};
inline Op store(Asid a, uint64_t va, uint64_t v) {
  return Op{tlm::TLM_WRITE_COMMAND, va, a, AccessKind::Store, v, -1, 8};
}
inline Op load(Asid a, uint64_t va) {
  return Op{tlm::TLM_READ_COMMAND, va, a, AccessKind::Load, 0, -1, 8};
}
inline Op fetch(Asid a, uint64_t va) {
  return Op{tlm::TLM_READ_COMMAND, va, a, AccessKind::Fetch, 0, -1, 8};
}

struct OpResult {
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
  FaultKind fault = FaultKind::None;
  uint64_t faultVa = 0;
  uint64_t value = 0;
  double tableReads = 0;
  sc_core::sc_time delay;
  bool ok() const { return status == tlm::TLM_OK_RESPONSE; }
};

// Blocking initiator that runs a fixed script, one access at a time, as a user process would.
class ScriptInitiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<ScriptInitiator> isock{"isock"};
  std::vector<OpResult> results;

  SC_HAS_PROCESS(ScriptInitiator);
  ScriptInitiator(const sc_core::sc_module_name& nm, const stats::Registry& reg,
                  std::vector<Op> ops)
      : sc_module(nm), reg_(reg), ops_(std::move(ops)) {
    SC_THREAD(run);
  }

 private:
  void run() {
    for (const Op& op : ops_) results.push_back(issue(op));
  }
  OpResult issue(const Op& op) {
    OpResult r;
    uint64_t data = op.value;
    tlm::tlm_generic_payload gp;
    VmAccess who;
    who.asid = op.asid;
    who.kind = op.kind;
    who.privilege = Privilege::User;
    FaultExt fault;
    mmu::SegmentSelectorExt sel;
    sel.selector = static_cast<unsigned>(std::max(op.selector, 0));
    gp.set_extension(&who);
    gp.set_extension(&fault);
    if (op.selector >= 0) gp.set_extension(&sel);
    gp.set_command(op.cmd);
    gp.set_address(op.va);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&data));
    gp.set_data_length(op.len);
    gp.set_streaming_width(op.len);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    const double before = tableReads();
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    isock->b_transport(gp, delay);
    r.tableReads = tableReads() - before;
    r.delay = delay;
    sc_core::wait(delay);
    r.status = gp.get_response_status();
    r.fault = fault.kind;
    r.faultVa = fault.va.value();
    r.value = data;
    gp.clear_extension(&who);
    gp.clear_extension(&fault);
    if (op.selector >= 0) gp.clear_extension(&sel);
    return r;
  }
  double tableReads() const {  // 0 behind an MMU without that stat (radix mmu::Mmu)
    return reg_.find("mmu.tableReads") ? reg_.value("mmu.tableReads") : 0;
  }
  const stats::Registry& reg_;
  std::vector<Op> ops_;
};

/// Runs `ops` through the rig's MMU in LT mode and returns their outcomes.
template <class Rig>
std::vector<OpResult> runScript(Rig& rig, std::vector<Op> ops) {
  ScriptInitiator cpu("cpu", rig.reg, std::move(ops));
  cpu.isock.bind(rig.toMmu.tsock);
  sc_core::sc_start();
  return cpu.results;
}

}  // namespace vmsim::test
