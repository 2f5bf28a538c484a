// The OSTEP validation runner: reads reference cases (JSON Lines), runs each through the os cores
// and reports field-by-field differences (tests/data/ostep/README.md).
#include "vmsim/validate/ostep.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <vector>

#include "cases.h"
#include "input.h"
#include "value.h"

namespace vmsim::validate {
namespace {

constexpr size_t kMaxDiffLines = 20;

struct Tally {
  size_t passed = 0;
  size_t failed = 0;
  size_t malformed = 0;
};

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r\n") == std::string::npos;
}

/// The input's shape is decisive when it matches a simulator (its fields are distinctive), so a
/// familiar prefix on a different kind of case cannot mislead; the id prefix decides otherwise.
Simulator detect(const std::string& id, const YAML::Node& input) {
  if (const auto s = simulatorFromInput(input)) return *s;
  if (const auto s = simulatorFromId(id)) return *s;
  throw InputError("cannot tell which OSTEP simulator case '" + id +
                   "' is for: the id prefix is none of rel, seg, mal, lin, pag, ml, mlv, pol and "
                   "the input has none of the known shapes");
}

void reportFailure(const std::string& where, const std::string& id, Simulator sim,
                   const std::vector<std::string>& diffs, std::ostream& out) {
  out << "FAIL " << id << " (" << simulatorName(sim) << ", " << where << "): " << diffs.size()
      << (diffs.size() == 1 ? " difference\n" : " differences\n");
  for (size_t i = 0; i < diffs.size() && i < kMaxDiffLines; ++i) out << "  " << diffs[i] << "\n";
  if (diffs.size() > kMaxDiffLines)
    out << "  ... and " << diffs.size() - kMaxDiffLines << " more\n";
}

void runLine(const std::string& line, const std::string& where, Tally& tally, std::ostream& out) {
  std::string id;
  try {
    const YAML::Node record = YAML::Load(line);
    if (!record.IsMap()) throw InputError("a case must be a JSON object");
    id = asString(field(record, "id"), "id");
    const YAML::Node input = field(record, "input");
    const YAML::Node expected = field(record, "expected");
    const Simulator sim = detect(id, input);
    const Value got = runCase(sim, input);
    std::vector<std::string> diffs;
    Value::diff(Value::fromYaml(expected), got, "expected", diffs);
    if (diffs.empty()) {
      ++tally.passed;
    } else {
      ++tally.failed;
      reportFailure(where, id, sim, diffs, out);
    }
  } catch (const YAML::Exception& e) {
    ++tally.malformed;
    out << where << ": error: not valid JSON: " << e.what() << "\n";
  } catch (const std::exception& e) {
    ++tally.malformed;
    out << where << ": error: " << (id.empty() ? "" : "case " + id + ": ") << e.what() << "\n";
  }
}

}  // namespace

int runOstep(const std::string& file, std::ostream& out) {
  std::ifstream in(file);
  if (!in) {
    out << file << ": error: cannot open the file for reading\n";
    return 2;
  }
  Tally tally;
  std::string line;
  size_t lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (blank(line)) continue;
    runLine(line, file + ":" + std::to_string(lineNo), tally, out);
  }
  if (in.bad()) {
    out << file << ":" << lineNo << ": error: read failed\n";
    return 2;
  }
  if (tally.passed + tally.failed + tally.malformed == 0) {
    out << file << ": error: no cases in the file\n";
    return 2;
  }
  out << tally.passed << " passed, " << tally.failed << " failed\n";
  if (tally.malformed) return 2;
  return tally.failed ? 1 : 0;
}

}  // namespace vmsim::validate
