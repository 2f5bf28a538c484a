// Parsers for vmsim text traces, valgrind lackey --trace-mem=yes output (lackey/lk_main.c) and
// ChampSim binary records (ChampSim inc/trace_instruction.h).
#include "trace_parsers.h"

#include <cctype>
#include <charconv>

#include "vmsim/workloads/line_source.h"

namespace vmsim::workloads::detail {
namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t';
}

void skipSpace(std::string_view& s) {
  size_t i = 0;
  while (i < s.size() && isSpace(s[i])) ++i;
  s.remove_prefix(i);
}

// Splits off the next run of characters up to whitespace or `stop`.
std::string_view takeToken(std::string_view& s, char stop = ' ') {
  size_t i = 0;
  while (i < s.size() && !isSpace(s[i]) && s[i] != stop) ++i;
  std::string_view token = s.substr(0, i);
  s.remove_prefix(i);
  return token;
}

bool parseNumber(std::string_view token, int base, uint64_t& value) {
  if (token.empty()) return false;
  const char* end = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(token.data(), end, value, base);
  return ec == std::errc() && ptr == end;
}

bool parseAddress(std::string_view token, uint64_t& va) {
  if (token.size() > 2 && token[0] == '0' && (token[1] == 'x' || token[1] == 'X'))
    return parseNumber(token.substr(2), 16, va);
  return parseNumber(token, 10, va);
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

bool parseVmSimOp(std::string_view token, Op& op) {
  struct Name {
    std::string_view name;
    Op op;
  };
  static constexpr Name kNames[] = {{"r", Op::Load},      {"l", Op::Load},      {"load", Op::Load},
                                    {"read", Op::Load},   {"w", Op::Store},     {"s", Op::Store},
                                    {"store", Op::Store}, {"write", Op::Store}, {"f", Op::Fetch},
                                    {"fetch", Op::Fetch}, {"i", Op::Fetch}};
  for (const Name& n : kNames)
    if (equalsIgnoreCase(token, n.name)) {
      op = n.op;
      return true;
    }
  return false;
}

std::string quoted(std::string_view text) {
  return quoteForMessage(text);
}

bool fail(std::string& problem, std::string what) {
  problem = std::move(what);
  return false;
}

bool checkSize(std::string_view token, uint32_t& size, std::string& problem) {
  uint64_t value = 0;
  if (token.empty()) return fail(problem, "missing size");
  if (!parseNumber(token, 10, value)) return fail(problem, "bad size " + quoted(token));
  if (value == 0 || value > kMaxTraceAccessSize)
    return fail(problem, "size " + std::string(token) + " out of range 1.." +
                             std::to_string(kMaxTraceAccessSize));
  size = static_cast<uint32_t>(value);
  return true;
}

bool atEndOfFields(std::string_view rest) {
  skipSpace(rest);
  return rest.empty() || rest.front() == '#';
}

bool checkNoTrailing(std::string_view rest, std::string& problem, bool commentsAllowed) {
  skipSpace(rest);
  if (rest.empty() || (commentsAllowed && rest.front() == '#')) return true;
  return fail(problem, "trailing garbage " + quoted(rest));
}

}  // namespace

bool isTraceNoise(std::string_view line) {
  if (line.substr(0, 2) == "==") return true;
  skipSpace(line);
  return line.empty() || line.front() == '#';
}

bool looksLikeLackey(std::string_view line) {
  if (line.find(',') != std::string_view::npos) return true;
  // A lackey line that lost its ",SIZE": "I  0040100a" or " L 1ffefff8", a lackey op and a bare
  // hex address with nothing after it. vmsim text needs three fields, so this cannot be one.
  skipSpace(line);
  const std::string_view op = takeToken(line);
  if (op.size() != 1 || std::string_view("ILSM").find(op[0]) == std::string_view::npos)
    return false;
  skipSpace(line);
  const std::string_view address = takeToken(line);
  uint64_t va = 0;
  if (address.size() > 1 && address[0] == '0' && (address[1] == 'x' || address[1] == 'X'))
    return false;
  return parseNumber(address, 16, va) && atEndOfFields(line);
}

bool startsWithVmSimOp(std::string_view line) {
  skipSpace(line);
  Op op;
  return parseVmSimOp(takeToken(line), op);
}

bool parseVmSimLine(std::string_view line, ParsedLine& out, std::string& problem) {
  out.count = 0;
  if (isTraceNoise(line)) return true;
  skipSpace(line);
  Access& a = out.access[0];
  const std::string_view op = takeToken(line);
  if (!parseVmSimOp(op, a.op))
    return fail(problem,
                "unknown op " + quoted(op) + " (expected R, W, F, L, S, load, store or fetch)");
  if (atEndOfFields(line)) return fail(problem, "missing address");
  skipSpace(line);
  const std::string_view address = takeToken(line, '#');
  if (!parseAddress(address, a.va)) return fail(problem, "bad address " + quoted(address));
  if (atEndOfFields(line)) return fail(problem, "missing size");
  skipSpace(line);
  if (!checkSize(takeToken(line, '#'), a.size, problem)) return false;
  if (!checkNoTrailing(line, problem, true)) return false;
  out.count = 1;
  return true;
}

int traceVersionOf(std::string_view line) {
  if (line.substr(0, kVersionTag.size()) != kVersionTag) return 0;
  line.remove_prefix(kVersionTag.size());
  skipSpace(line);
  uint64_t v = 0;
  const std::string_view token = takeToken(line);
  if (!parseNumber(token, 10, v) || v == 0 || v > 1000 || !atEndOfFields(line)) return -1;
  return static_cast<int>(v);
}

namespace {

constexpr uint64_t kMaxPid = 1u << 20;

bool parsePid(std::string_view token, uint64_t& pid, std::string& problem) {
  if (!parseNumber(token, 10, pid) || pid == 0 || pid > kMaxPid)
    return fail(problem,
                "bad pid " + quoted(token) + " (a number 1.." + std::to_string(kMaxPid) + ")");
  return true;
}

bool livePid(std::string_view token, uint64_t& pid, const ProcessTable& procs,
             std::string& problem) {
  if (!parsePid(token, pid, problem)) return false;
  if (!procs.alive(pid))
    return fail(problem, "pid " + std::string(token) +
                             " is not a live process (pid 1 lives from the start; others from "
                             "their fork until their exit)");
  return true;
}

// The next whitespace-separated field, or fail with "missing WHAT".
bool field(std::string_view& rest, std::string_view& token, const char* what,
           std::string& problem) {
  if (atEndOfFields(rest)) return fail(problem, std::string("missing ") + what);
  skipSpace(rest);
  token = takeToken(rest, '#');
  return true;
}

bool parseLength(std::string_view token, uint64_t& len, std::string& problem) {
  if (!parseAddress(token, len) || len == 0)
    return fail(problem, "bad length " + quoted(token) + " (bytes, > 0)");
  return true;
}

bool pageAligned(uint64_t va, std::string_view token, std::string& problem) {
  if (va % 4096) return fail(problem, "address " + std::string(token) + " is not page aligned");
  return true;
}

}  // namespace

bool parseVmSimV2Line(std::string_view line, ParsedLine& out, std::string& problem,
                      ProcessTable& procs) {
  out.count = 0;
  if (isTraceNoise(line)) return true;
  skipSpace(line);
  Access& a = out.access[0];
  a = Access{};
  std::string_view first = takeToken(line, ':');
  uint64_t pid = 1;
  const bool prefixed = !line.empty() && line.front() == ':';
  if (prefixed) {  // "PID: access"
    line.remove_prefix(1);
    if (!livePid(first, pid, procs, problem)) return false;
    skipSpace(line);
    first = takeToken(line);
  }
  struct Call {
    std::string_view name;
    Syscall sys;
  };
  static constexpr Call kCalls[] = {{"fork", Syscall::Fork},     {"exit", Syscall::Exit},
                                    {"exec", Syscall::Exec},     {"mmap", Syscall::Mmap},
                                    {"munmap", Syscall::Munmap}, {"brk", Syscall::Brk}};
  Syscall sys = Syscall::None;
  for (const Call& c : kCalls)
    if (equalsIgnoreCase(first, c.name)) sys = c.sys;
  if (sys == Syscall::None) {
    // An access: the version-1 fields after the optional pid (none: pid 1).
    if (!prefixed && !livePid("1", pid, procs, problem)) return false;
    if (!parseVmSimOp(first, a.op))
      return fail(problem, "unknown op " + quoted(first) +
                               " (expected R, W, F, L, S, load, store, fetch, or a system "
                               "call: fork, exit, exec, mmap, munmap, brk)");
    std::string_view token;
    if (!field(line, token, "address", problem)) return false;
    if (!parseAddress(token, a.va)) return fail(problem, "bad address " + quoted(token));
    if (!field(line, token, "size", problem)) return false;
    if (!checkSize(token, a.size, problem)) return false;
    if (!checkNoTrailing(line, problem, true)) return false;
    a.pid = static_cast<uint32_t>(pid);
    out.count = 1;
    return true;
  }
  a.op = Op::System;
  a.sys = sys;
  std::string_view token;
  // System calls name their process as the first argument (a "PID:" prefix is refused).
  if (prefixed)
    return fail(problem, std::string("a system call names its pid as its first argument, "
                                     "not with a prefix: ") +
                             toString(sys) + " PID ...");
  if (!field(line, token, "pid", problem)) return false;
  if (!livePid(token, pid, procs, problem)) return false;
  a.pid = static_cast<uint32_t>(pid);
  switch (sys) {
    case Syscall::Fork: {
      uint64_t child = 0;
      if (!field(line, token, "child pid", problem)) return false;
      if (!parsePid(token, child, problem)) return false;
      if (procs.alive(child))
        return fail(problem, "child pid " + std::string(token) + " is already a live process");
      if (procs.live.size() <= child) procs.live.resize(child + 1, false);
      procs.live[child] = true;
      a.child = static_cast<uint32_t>(child);
      break;
    }
    case Syscall::Exit:
      procs.live[pid] = false;
      break;
    case Syscall::Exec:
      break;
    case Syscall::Mmap: {
      if (!field(line, token, "address", problem)) return false;
      if (!parseAddress(token, a.va)) return fail(problem, "bad address " + quoted(token));
      if (!pageAligned(a.va, token, problem)) return false;
      if (!field(line, token, "length", problem)) return false;
      if (!parseLength(token, a.len, problem)) return false;
      if (!field(line, token, "private or shared", problem)) return false;
      if (equalsIgnoreCase(token, "shared")) {
        a.shared = true;
      } else if (!equalsIgnoreCase(token, "private")) {
        return fail(problem, "expected private or shared, not " + quoted(token));
      }
      a.prot = kProtRead | kProtWrite;
      if (!atEndOfFields(line)) {
        skipSpace(line);
        token = takeToken(line, '#');
        a.prot = 0;
        for (const char c : token) {
          const uint8_t bit = c == 'r'   ? kProtRead
                              : c == 'w' ? kProtWrite
                              : c == 'x' ? kProtExec
                                         : 0;
          if (!bit || (a.prot & bit))
            return fail(problem, "bad protection " + quoted(token) + " (r, w, x: e.g. rw, r, rx)");
          a.prot |= bit;
        }
      }
      break;
    }
    case Syscall::Munmap:
      if (!field(line, token, "address", problem)) return false;
      if (!parseAddress(token, a.va)) return fail(problem, "bad address " + quoted(token));
      if (!pageAligned(a.va, token, problem)) return false;
      if (!field(line, token, "length", problem)) return false;
      if (!parseLength(token, a.len, problem)) return false;
      break;
    case Syscall::Brk:
      if (!field(line, token, "address", problem)) return false;
      if (!parseAddress(token, a.va) || a.va == 0)
        return fail(problem, "bad address " + quoted(token));
      break;
    case Syscall::None:
      break;
  }
  if (!checkNoTrailing(line, problem, true)) return false;
  out.count = 1;
  return true;
}

bool parseLackeyLine(std::string_view line, ParsedLine& out, std::string& problem) {
  out.count = 0;
  if (isTraceNoise(line)) return true;
  skipSpace(line);
  const std::string_view op = takeToken(line);
  if (op.size() != 1 || std::string_view("ILSM").find(op[0]) == std::string_view::npos)
    return fail(problem, "unknown op " + quoted(op) + " (lackey uses I, L, S or M)");
  skipSpace(line);
  Access& a = out.access[0];
  const std::string_view address = takeToken(line, ',');
  if (!parseNumber(address, 16, a.va)) return fail(problem, "bad address " + quoted(address));
  if (line.empty() || line.front() != ',') return fail(problem, "missing size");
  line.remove_prefix(1);
  if (!checkSize(takeToken(line), a.size, problem)) return false;
  if (!checkNoTrailing(line, problem, false)) return false;
  const char kind = op[0];
  a.op = kind == 'I' ? Op::Fetch : kind == 'S' ? Op::Store : Op::Load;
  out.count = 1;
  if (kind == 'M') {  // modify: read-modify-write of the same bytes
    out.access[1] = Access{Op::Store, a.va, a.size};
    out.count = 2;
  }
  return true;
}

namespace {
uint64_t littleEndian64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
}  // namespace

bool parseChampSimRecord(const unsigned char* r, ParsedLine& out, std::string& problem) {
  // Byte offsets of struct input_instr (ChampSim inc/trace_instruction.h, 64 bytes, no padding).
  constexpr size_t kIsBranch = 8, kBranchTaken = 9, kDestMemory = 16, kSrcMemory = 32;
  constexpr int kDestinations = 2, kSources = 4;
  out.count = 0;
  const uint64_t ip = littleEndian64(r);
  if (ip == 0) return fail(problem, "ip 0 (every ChampSim record holds an instruction address)");
  if (r[kIsBranch] > 1 || r[kBranchTaken] > 1)
    return fail(problem, "is_branch " + std::to_string(r[kIsBranch]) + ", branch_taken " +
                             std::to_string(r[kBranchTaken]) +
                             " (a ChampSim tracer writes 0 or 1: not a ChampSim record)");
  // ChampSim records no access size and models each operand as an access to the 64-byte line
  // holding its address; a 1-byte access touches exactly that line and that page.
  out.access[out.count++] = Access{Op::Fetch, ip, 1};
  for (int i = 0; i < kSources; ++i) {
    const uint64_t va = littleEndian64(r + kSrcMemory + 8 * i);
    if (va) out.access[out.count++] = Access{Op::Load, va, 1};
  }
  for (int i = 0; i < kDestinations; ++i) {
    const uint64_t va = littleEndian64(r + kDestMemory + 8 * i);
    if (va) out.access[out.count++] = Access{Op::Store, va, 1};
  }
  return true;
}

}  // namespace vmsim::workloads::detail
