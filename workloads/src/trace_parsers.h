// Parsers for the trace formats: vmsim text ("OP VADDR SIZE"), valgrind lackey, ChampSim binary.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vmsim/workloads/workload.h"

namespace vmsim::workloads::detail {

constexpr uint32_t kMaxTraceAccessSize = 4096;

// What one line or record holds: nothing (blank, comment), one access, two (lackey's modify), or
// up to seven (a ChampSim record: the fetch, four loads, two stores).
struct ParsedLine {
  int count = 0;
  Access access[7];
};

// Each returns false and sets `problem` when the line is malformed.
bool parseVmSimLine(std::string_view line, ParsedLine& out, std::string& problem);

// The first line of a multi-process vmsim text trace: "#!vmsim-trace VERSION".
constexpr std::string_view kVersionTag = "#!vmsim-trace";
// The version a "#!vmsim-trace N" line names (0 when the line is not one; -1 when N is not a
// number).
int traceVersionOf(std::string_view line);

// What a version-2 trace's parser knows of its processes: the live pids (1 lives at the start).
struct ProcessTable {
  std::vector<bool> live{false, true};
  bool alive(uint64_t pid) const { return pid < live.size() && live[pid]; }
};
// A line of a version-2 vmsim text trace: "[PID:] OP VADDR SIZE" or a system call (fork, exit,
// exec, mmap, munmap, brk; docs/workloads.md). Checks the pids against `procs` and updates it.
bool parseVmSimV2Line(std::string_view line, ParsedLine& out, std::string& problem,
                      ProcessTable& procs);
bool parseLackeyLine(std::string_view line, ParsedLine& out, std::string& problem);

// Decodes one 64-byte ChampSim record (ChampSim inc/trace_instruction.h, struct input_instr:
// ip at byte 0, is_branch 8, branch_taken 9, destination_registers[2] 10, source_registers[4]
// 12, destination_memory[2] 16, source_memory[4] 32; little-endian, 0 = no operand) into the
// instruction fetch, then the loads, then the stores. False with `problem` for a record no
// ChampSim tracer writes (ip 0, is_branch or branch_taken other than 0 or 1).
bool parseChampSimRecord(const unsigned char* record, ParsedLine& out, std::string& problem);

// True if the line carries no access in either format (blank, '#' comment, valgrind '==' banner).
bool isTraceNoise(std::string_view line);
// Guess from one access line: lackey separates address and size with a comma (or, when the size
// is missing, has a lackey op and a bare hex address as the only fields).
bool looksLikeLackey(std::string_view line);
// True if the line's first field is a vmsim text op (R, W, F, L, S, load, store, fetch, ...).
bool startsWithVmSimOp(std::string_view line);

}  // namespace vmsim::workloads::detail
