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
  /// The ranges the program's munmap and brk shrinks gave back to the kernel.
  void trackDiscarded() override { memory_.track = true; }
  bool takeDiscarded(uint64_t& start, uint64_t& size) override;
  /// The last op's accesses are all handed out, and the next step() gives memory back or runs a
  /// free/realloc (which may unmap memory before its first access: an mmapped block, or a
  /// quarantined block it evicts, is unmapped without a header access in between).
  bool systemCallNext() const override;

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
  const HeapOp* peek() const;
  void execute(const HeapOp& op);

  /// The kernel's ProcessMemory, noting what each munmap and brk shrink discards: the pages from
  /// the new break (rounded up to a page) to the old one, or the unmapped range.
  class DiscardRecorder : public ProcessMemory {
   public:
    explicit DiscardRecorder(ProcessMemory& mem) : mem_(mem), break_(mem.heapStart()) {}
    uint64_t heapStart() const override { return mem_.heapStart(); }
    bool setBreak(uint64_t newBreak) override;
    std::optional<uint64_t> mmap(uint64_t length) override { return mem_.mmap(length); }
    bool munmap(uint64_t addr, uint64_t length) override;
    bool track = false;                                    // someone drains `discarded`
    std::vector<std::pair<uint64_t, uint64_t>> discarded;  // (start, size), oldest first

   private:
    ProcessMemory& mem_;
    uint64_t break_;
  };

  DiscardRecorder memory_;  // before heap_, which allocates through it
  size_t discardPos_ = 0;
  ProcessHeap heap_;
  std::vector<HeapOp> ops_;
  std::unique_ptr<RandomHeapProgram> random_;
  mutable std::optional<HeapOp> peeked_;  // the random program's next op, drawn by peek()
  std::string name_;
  std::vector<workloads::Access> buf_;
  size_t pos_ = 0;
  uint64_t opIndex_ = 0;
  bool finished_ = false;
  std::unordered_map<uint64_t, uint64_t> ptrs_;
  uint64_t nullSkipped_ = 0;
};

}  // namespace vmsim::os
