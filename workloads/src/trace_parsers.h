// Line parsers for the two trace formats: vmsim text ("OP VADDR SIZE") and valgrind lackey.
#pragma once

#include <string>
#include <string_view>

#include "vmsim/workloads/workload.h"

namespace vmsim::workloads::detail {

constexpr uint32_t kMaxTraceAccessSize = 4096;

// What one line holds: nothing (blank, comment), one access, or two (lackey's modify).
struct ParsedLine {
  int count = 0;
  Access access[2];
};

// Each returns false and sets `problem` when the line is malformed.
bool parseVmSimLine(std::string_view line, ParsedLine& out, std::string& problem);
bool parseLackeyLine(std::string_view line, ParsedLine& out, std::string& problem);

// True if the line carries no access in either format (blank, '#' comment, valgrind '==' banner).
bool isTraceNoise(std::string_view line);
// Guess from one access line: lackey separates address and size with a comma (or, when the size
// is missing, has a lackey op and a bare hex address as the only fields).
bool looksLikeLackey(std::string_view line);

}  // namespace vmsim::workloads::detail
