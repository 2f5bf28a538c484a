// libFuzzer harness: DRAMsim3-format traces through the DRAM trace reader (plain or gzip), and
// single lines through parseTraceLine. Bad input must end in std::runtime_error (the reader) or
// std::invalid_argument (one line); the reader's bounds must hold for every record it returns.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "fuzz_input_file.h"
#include "vmsim/dram/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vmsim::dram;
  try {
    TraceReader r(vmsim::fuzz::inputFile(data, size));
    TraceRecord rec;
    uint64_t last = 0;
    while (r.next(rec)) {
      if (rec.cycle < last || rec.cycle - last > kMaxTraceGapCycles) __builtin_trap();
      last = rec.cycle;
    }
  } catch (const std::runtime_error&) {
  }
  if (size <= 4096) {
    try {
      parseTraceLine(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const std::invalid_argument&) {
    }
  }
  return 0;
}
