// The access stream a requester replays: one load, store or instruction fetch at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace vmsim::workloads {

// System: a system call of a multi-process trace (Access::sys says which).
enum class Op : uint8_t { Load, Store, Fetch, System };

// The system calls of multi-process traces (docs/workloads.md, "Multi-process traces").
enum class Syscall : uint8_t { None, Fork, Exit, Exec, Mmap, Munmap, Brk };
const char* toString(Syscall s);

// Protection bits of an Op::System mmap (Access::prot).
constexpr uint8_t kProtRead = 1, kProtWrite = 2, kProtExec = 4;

// One memory access as a program issues it: virtual address, kind and size in bytes.
struct Access {
  Op op = Op::Load;
  uint64_t va = 0;
  uint32_t size = 0;
  /// The address came from the data of the previous access (a pointer chase): a core cannot
  /// issue this access before the previous one has completed.
  bool dependent = false;
  /// Multi-process traces: the trace's number of the process issuing the access or system
  /// call (1 = the process the core started with); 0 = that process too (single-process
  /// workloads).
  uint32_t pid = 0;
  // Op::System: the call and its arguments. va: the address (mmap, munmap, brk).
  Syscall sys = Syscall::None;
  uint32_t child = 0;   // fork: the pid the trace gives the child
  uint64_t len = 0;     // mmap, munmap: bytes
  uint8_t prot = 0;     // mmap: kProtRead | kProtWrite | kProtExec
  bool shared = false;  // mmap: MAP_SHARED (else MAP_PRIVATE)
  /// Source line of the record (multi-process traces; 0 when unknown), for error messages.
  uint64_t line = 0;
};

const char* toString(Op op);

// A source of accesses (synthetic generator or trace reader). next() is on the simulator's hot
// path, so implementations do no allocation per access.
class Workload {
 public:
  virtual ~Workload() = default;
  // Fills `a` with the next access; returns false (leaving `a` untouched) at the end.
  virtual bool next(Access& a) = 0;
  // Whether the whole sequence is fixed in advance: it does not depend on the run (no input that
  // can fail, no system calls, no memory given back), so a consumer may read accesses before it
  // issues them (nextBatch). The synthetic generators.
  virtual bool batchable() const { return false; }
  // Up to `n` next accesses into out[0..n), in order; how many (0 at the end). Each is what
  // next() would have filled into the same Access object (a consumer keeps one buffer per
  // workload). For batchable() workloads: one call per batch instead of a virtual call per
  // access on the requester's hot path.
  virtual size_t nextBatch(Access* out, size_t n) {
    size_t i = 0;
    while (i < n && next(out[i])) ++i;
    return i;
  }
  // One line saying what this workload is, for logs and the stats header.
  virtual std::string describe() const = 0;
  // A range [start, start + size) whose contents the operating system discarded since the last
  // call (a program's munmap or brk shrink: the pages read as zeros if mapped again); false when
  // there is none. A data checker forgets the bytes it expects there. Called after next(), and
  // only after trackDiscarded() (before the first next()): without a checker nothing is kept.
  virtual void trackDiscarded() {}
  // The next call to next() makes a system call that takes memory away (a program's munmap or
  // brk shrink). A system call serializes the core, so a requester first completes every access
  // it has in flight: they may still touch that memory.
  virtual bool systemCallNext() const { return false; }
  virtual bool takeDiscarded(uint64_t& start, uint64_t& size) {
    (void)start;
    (void)size;
    return false;
  }
};

}  // namespace vmsim::workloads
