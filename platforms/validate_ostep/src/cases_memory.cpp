// Reference cases of malloc.py and paging-policy.py, answered by the os allocator and the
// replacement-policy simulator.
#include <cstdint>

#include "cases.h"
#include "input.h"
#include "vmsim/os/free_list.h"
#include "vmsim/os/paging_policy_sim.h"

namespace vmsim::validate {
namespace {

Value integer(uint64_t v) {
  return Value::integer(static_cast<int64_t>(v));
}

Value freeList(const os::FreeListAllocator& heap) {
  Value list = Value::array();
  for (const os::FreeChunk& c : heap.freeList()) {
    Value pair = Value::array();
    pair.push(integer(c.addr));
    pair.push(integer(c.size));
    list.push(std::move(pair));
  }
  return list;
}

os::FreeListConfig mallocConfig(const YAML::Node& input) {
  os::FreeListConfig c;
  c.base = uintField(input, "base_addr");
  c.size = uintField(input, "heap_size");
  c.headerSize = uintField(input, "header_size");
  const int64_t align = intField(input, "alignment");
  if (align == 0 || align < -1) throw InputError("'alignment' must be -1 or positive");
  c.alignment = align == -1 ? 0 : static_cast<uint64_t>(align);
  c.fit = os::fitPolicyFromName(asString(field(input, "policy"), "policy"));
  c.order = os::listOrderFromName(asString(field(input, "list_order"), "list_order"));
  c.coalesce = asBool(field(input, "coalesce"), "coalesce");
  return c;
}

Value allocStep(os::MallocSession& session, uint64_t size) {
  const size_t index = session.allocCount();
  const os::AllocResult r = session.alloc(size);
  Value step = Value::object();
  step.set("op", Value::string("alloc"));
  step.set("index", integer(index));
  step.set("addr", r.addr ? integer(*r.addr) : Value::integer(-1));
  step.set("user_ptr", r.addr ? integer(r.userPtr) : Value::integer(-1));
  step.set("searched", integer(r.searched));
  step.set("free_list", freeList(session.heap()));
  return step;
}

Value freeStep(os::MallocSession& session, uint64_t index) {
  if (index >= session.allocCount())
    throw InputError("free of ptr[" + std::to_string(index) + "] before alloc " +
                     std::to_string(index));
  Value step = Value::object();
  step.set("op", Value::string("free"));
  step.set("index", integer(index));
  step.set("rc", Value::integer(session.free(index)));
  step.set("free_list", freeList(session.heap()));
  return step;
}

}  // namespace

Value runMalloc(const YAML::Node& input) {
  os::MallocSession session(mallocConfig(input));
  const YAML::Node ops = field(input, "ops");
  if (!ops.IsSequence()) throw InputError("'ops' must be a list");
  Value steps = Value::array();
  for (size_t i = 0; i < ops.size(); ++i) {
    const std::string op = asString(field(ops[i], "op"), "ops[" + std::to_string(i) + "].op");
    if (op == "alloc") {
      steps.push(allocStep(session, uintField(ops[i], "size")));
    } else if (op == "free") {
      steps.push(freeStep(session, uintField(ops[i], "index")));
    } else {
      throw InputError("ops[" + std::to_string(i) + "].op must be alloc or free, got '" + op + "'");
    }
  }
  Value answer = Value::object();
  answer.set("steps", std::move(steps));
  return answer;
}

Value runPolicy(const YAML::Node& input) {
  os::PagingPolicyCase c;
  c.policy = asString(field(input, "policy"), "policy");
  c.cacheSize = uintField(input, "cache_size");
  c.refs = asUintList(field(input, "refs"), "refs");
  if (has(input, "clock_bits")) c.clockBits = static_cast<unsigned>(uintField(input, "clock_bits"));
  if (has(input, "rng_indices")) c.rngIndices = asUintList(input["rng_indices"], "rng_indices");
  const os::PagingPolicyReport report = os::simulatePagingPolicy(c);

  Value steps = Value::array();
  for (const os::PagingStep& s : report.steps) {
    Value step = Value::object();
    step.set("page", integer(s.page));
    step.set("hit", Value::boolean(s.hit));
    step.set("evicted", s.evicted ? integer(*s.evicted) : Value());
    Value memory = Value::array();
    for (const uint64_t p : s.memory) memory.push(integer(p));
    step.set("memory", std::move(memory));
    step.set("hits", integer(s.hits));
    step.set("misses", integer(s.misses));
    if (report.usesDraws) {
      Value draws = Value::array();
      for (const uint64_t d : s.draws) draws.push(integer(d));
      step.set("draws", std::move(draws));
    }
    steps.push(std::move(step));
  }
  Value answer = Value::object();
  answer.set("steps", std::move(steps));
  answer.set("hits", integer(report.hits));
  answer.set("misses", integer(report.misses));
  answer.set("hitrate_pct", Value::string(report.hitratePct));
  return answer;
}

}  // namespace vmsim::validate
