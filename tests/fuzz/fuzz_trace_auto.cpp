// libFuzzer harness: any trace with the format detected and the compression recognised (plain,
// gzip, xz, zstd; vmsim text, lackey, ChampSim records). Bad input must end in a TraceError;
// anything else escaping, a crash or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>

#include "fuzz_input_file.h"
#include "vmsim/workloads/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vmsim::workloads;
  try {
    auto w = openTrace(vmsim::fuzz::inputFile(data, size));
    Access a;
    while (w->next(a)) {
      if (a.size == 0 || a.size > 4096) __builtin_trap();  // the readers' own contract
    }
  } catch (const TraceError&) {
  }
  return 0;
}
