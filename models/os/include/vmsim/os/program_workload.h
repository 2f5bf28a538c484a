// A simulated C program as a workload: each heap operation (malloc/free/realloc/calloc, reads and
// writes into blocks) expands into the loads/stores it causes, malloc's own header and free-list
// work included, so the MMU sees the heap grow page by page; memory errors are found on the way.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "vmsim/os/heap_program.h"
#include "vmsim/os/process_heap.h"
#include "vmsim/workloads/workload.h"

namespace vmsim {
class Params;
}

namespace vmsim::os {

class ProgramWorkload : public workloads::Workload {
 public:
  /// Runs a fixed op list (e.g. from readHeapProgramFile); `name` appears in describe().
  ProgramWorkload(ProcessMemory& mem, const ProcessHeapConfig& heap, std::vector<HeapOp> ops,
                  std::string name);
  /// Runs a seeded random program.
  ProgramWorkload(ProcessMemory& mem, const ProcessHeapConfig& heap,
                  const RandomProgramConfig& random);
  ProgramWorkload(const ProgramWorkload&) = delete;
  ProgramWorkload& operator=(const ProgramWorkload&) = delete;

  /// Reads `program.*`-style keys from `p` (listed in models/os/PROCESS_HEAP.md); `file` set = text
  /// program, else random. Bad values are Config problems; a bad program file throws
  /// std::runtime_error.
  static std::unique_ptr<ProgramWorkload> fromParams(Params& p, ProcessMemory& mem);

  bool next(workloads::Access& a) override;
  std::string describe() const override;

  /// Executes the next op (its accesses replace accessesOfLastOp()); false at the end, where the
  /// first call also runs the leak check.
  bool step();
  const std::vector<workloads::Access>& accessesOfLastOp() const { return buf_; }
  /// Ops executed so far; the op index in error reports counts from 0.
  uint64_t opsExecuted() const { return opIndex_; }
  /// Source line of op `index` for file programs (0 otherwise).
  uint32_t lineOf(uint64_t index) const;
  /// The pointer the program holds for block `id` (stale after free, 0 after a failure).
  std::optional<uint64_t> pointerOf(uint64_t id) const;
  /// Reads/writes skipped because their block's allocation had failed (NULL).
  uint64_t nullAccessesSkipped() const { return nullSkipped_; }
  ProcessHeap& heap() { return heap_; }
  const ProcessHeap& heap() const { return heap_; }

 private:
  std::optional<HeapOp> fetch();
  void execute(const HeapOp& op);

  ProcessHeap heap_;
  std::vector<HeapOp> ops_;
  std::unique_ptr<RandomHeapProgram> random_;
  std::string name_;
  std::vector<workloads::Access> buf_;
  size_t pos_ = 0;
  uint64_t opIndex_ = 0;
  bool finished_ = false;
  std::unordered_map<uint64_t, uint64_t> ptrs_;
  uint64_t nullSkipped_ = 0;
};

}  // namespace vmsim::os
