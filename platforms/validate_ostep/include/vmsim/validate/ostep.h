// Validation of the OS cores against the OSTEP homework simulators' reference cases
// (tests/data/ostep/*.jsonl; rules in tests/data/ostep/README.md).
#pragma once

#include <ostream>
#include <string>

namespace vmsim::validate {

/// Runs every case of a JSON Lines file through the matching core (relocation, segmentation,
/// malloc, paging-linear, paging-multilevel or paging-policy, told apart by the id prefix or by
/// the shape of `input`) and compares every expected field. Writes a diff per failing case, then
/// the final line "N passed, M failed". Returns 0 if all pass, 1 if any fail, 2 if the file
/// cannot be read or a line is malformed (the message names file and line).
int runOstep(const std::string& file, std::ostream& out);

}  // namespace vmsim::validate
