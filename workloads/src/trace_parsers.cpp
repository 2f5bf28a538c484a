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
