// Executes heap programs against ProcessHeap and replays the resulting accesses one at a time.
#include "vmsim/os/program_workload.h"

#include <tuple>
#include <utility>

namespace vmsim::os {
namespace {
// An op's accesses are replayed after it ran, so memory it gives back is released one op later.
ProcessHeapConfig deferring(ProcessHeapConfig c) {
  c.deferReleases = true;
  return c;
}
}  // namespace

bool ProgramWorkload::DiscardRecorder::setBreak(uint64_t newBreak) {
  if (!mem_.setBreak(newBreak)) return false;
  constexpr uint64_t kPage = 4096;
  const uint64_t keep = (newBreak + kPage - 1) & ~(kPage - 1);
  const uint64_t had = (break_ + kPage - 1) & ~(kPage - 1);
  if (track && keep < had) discarded.emplace_back(keep, had - keep);
  break_ = newBreak;
  return true;
}

bool ProgramWorkload::DiscardRecorder::munmap(uint64_t addr, uint64_t length) {
  if (!mem_.munmap(addr, length)) return false;
  if (track) discarded.emplace_back(addr, length);
  return true;
}

bool ProgramWorkload::takeDiscarded(uint64_t& start, uint64_t& size) {
  if (discardPos_ == memory_.discarded.size()) {
    memory_.discarded.clear();
    discardPos_ = 0;
    return false;
  }
  std::tie(start, size) = memory_.discarded[discardPos_++];
  return true;
}

ProgramWorkload::ProgramWorkload(ProcessMemory& mem, const ProcessHeapConfig& heap,
                                 std::vector<HeapOp> ops, std::string name)
    : memory_(mem), heap_(memory_, deferring(heap)), ops_(std::move(ops)), name_(std::move(name)) {
  heap_.setTraceSink(&buf_);
}

ProgramWorkload::ProgramWorkload(ProcessMemory& mem, const ProcessHeapConfig& heap,
                                 const RandomProgramConfig& random)
    : memory_(mem),
      heap_(memory_, deferring(heap)),
      random_(std::make_unique<RandomHeapProgram>(random)),
      name_("random heap program (" + std::to_string(random.ops) + " ops, seed " +
            std::to_string(random.seed) + ")") {
  heap_.setTraceSink(&buf_);
}

std::string ProgramWorkload::describe() const {
  return "heap program: " + name_;
}

bool ProgramWorkload::next(workloads::Access& a) {
  while (pos_ >= buf_.size())
    if (!step()) return false;
  a = buf_[pos_++];
  return true;
}

bool ProgramWorkload::systemCallNext() const {
  if (pos_ < buf_.size()) return false;
  if (heap_.releasesPending()) return true;
  const HeapOp* op = peek();
  return op && (op->kind == HeapOpKind::Free || op->kind == HeapOpKind::Realloc);
}

const HeapOp* ProgramWorkload::peek() const {
  if (random_) {
    // The random program draws from its own state only (never from the heap's answers), so
    // drawing an op early changes nothing.
    if (!peeked_) peeked_ = random_->next();
    return peeked_ ? &*peeked_ : nullptr;
  }
  return opIndex_ < ops_.size() ? &ops_[opIndex_] : nullptr;
}

std::optional<HeapOp> ProgramWorkload::fetch() {
  if (random_) {
    if (peeked_) return std::exchange(peeked_, std::nullopt);
    return random_->next();
  }
  if (opIndex_ < ops_.size()) return ops_[opIndex_];
  return std::nullopt;
}

bool ProgramWorkload::step() {
  buf_.clear();
  pos_ = 0;
  heap_.settle();  // the previous op's accesses have all been handed out
  const auto op = fetch();
  if (!op) {
    if (!finished_) heap_.finish();
    finished_ = true;
    return false;
  }
  heap_.setOpIndex(opIndex_);
  execute(*op);
  ++opIndex_;
  return true;
}

void ProgramWorkload::execute(const HeapOp& op) {
  uint64_t& ptr = ptrs_[op.id];
  switch (op.kind) {
    case HeapOpKind::Malloc:
      ptr = heap_.malloc(op.size);
      return;
    case HeapOpKind::Calloc:
      ptr = heap_.calloc(1, op.size);
      return;
    case HeapOpKind::Realloc:
      ptr = heap_.realloc(ptr, op.size);  // `p = realloc(p, n)`: a failure leaks the old block
      return;
    case HeapOpKind::Free:
      if (ptr != 0 || op.offset != 0) heap_.free(ptr + op.offset);
      return;
    case HeapOpKind::Write:
    case HeapOpKind::Read:
      if (ptr == 0) {
        ++nullSkipped_;
        return;
      }
      heap_.access(ptr + op.offset, op.size, op.kind == HeapOpKind::Write, ptr);
      return;
  }
}

uint32_t ProgramWorkload::lineOf(uint64_t index) const {
  return index < ops_.size() ? ops_[index].line : 0;
}

std::optional<uint64_t> ProgramWorkload::pointerOf(uint64_t id) const {
  const auto it = ptrs_.find(id);
  if (it == ptrs_.end()) return std::nullopt;
  return it->second;
}

}  // namespace vmsim::os
