// libFuzzer harness: vmsim text traces as the requester opens them (format detected from the
// first access line, so lackey input reaches its parser too), plain or gzip, with skip and count
// taken from the first input byte. Bad input must end in a TraceError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input_file.h"
#include "vmsim/workloads/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vmsim::workloads;
  TraceOptions opt;
  if (size > 0) {  // 2 bits skip (0..3), 2 bits count (0 = all, else 1..3); the rest is the file
    opt.skip = data[0] & 3;
    opt.count = (data[0] >> 2) & 3;
    ++data;
    --size;
  }
  uint64_t notes = 0;
  opt.onStoppedEarly = [&](const std::string&) { ++notes; };
  try {
    auto w = openTrace(vmsim::fuzz::inputFile(data, size), opt);
    Access a;
    uint64_t n = 0;
    while (w->next(a)) {
      if (a.size == 0 || a.size > 4096) __builtin_trap();
      ++n;
    }
    if (opt.count && n > opt.count) __builtin_trap();  // count is an upper bound
    if (notes > 1) __builtin_trap();                   // told at most once
  } catch (const TraceError&) {
  }
  return 0;
}
