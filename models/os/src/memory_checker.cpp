// Memcheck-style heap error detection: live-block map with written-byte shadows, a FIFO quarantine
// of freed blocks (Valgrind's freed-blocks queue), and address classification for each access.
#include "vmsim/os/memory_checker.h"

#include <algorithm>
#include <cstdio>

namespace vmsim::os {

const char* toString(MemoryErrorKind k) {
  switch (k) {
    case MemoryErrorKind::DoubleFree:
      return "double-free";
    case MemoryErrorKind::InvalidFree:
      return "invalid-free";
    case MemoryErrorKind::UseAfterFree:
      return "use-after-free";
    case MemoryErrorKind::HeapOverflow:
      return "heap-overflow";
    case MemoryErrorKind::UninitializedRead:
      return "uninitialized-read";
    case MemoryErrorKind::InvalidAccess:
      return "invalid-access";
    case MemoryErrorKind::Leak:
      return "leak";
  }
  return "?";
}

std::string describe(const MemoryError& e) {
  char buf[200];
  const bool access = e.kind == MemoryErrorKind::UseAfterFree ||
                      e.kind == MemoryErrorKind::HeapOverflow ||
                      e.kind == MemoryErrorKind::InvalidAccess;
  std::snprintf(buf, sizeof buf, "op %llu: %s%s of %llu bytes at 0x%llx (block 0x%llx)",
                static_cast<unsigned long long>(e.opIndex), toString(e.kind),
                access ? (e.isWrite ? " write" : " read") : "",
                static_cast<unsigned long long>(e.size), static_cast<unsigned long long>(e.addr),
                static_cast<unsigned long long>(e.block));
  return buf;
}

MemoryChecker::MemoryChecker(const CheckerConfig& config) : config_(config) {}

uint64_t MemoryChecker::totalErrors() const {
  uint64_t sum = 0;
  for (const uint64_t c : counts_) sum += c;
  return sum;
}

void MemoryChecker::report(MemoryError e) {
  ++counts_[static_cast<size_t>(e.kind)];
  if (reports_.size() < config_.maxReports) reports_.push_back(e);
  if (listener_) listener_(e);
}

void MemoryChecker::onAlloc(uint64_t opIndex, const CheckedBlock& b, bool initialized) {
  forgetFreedOverlapping(b.chunkStart, b.chunkEnd);
  Live& l = live_[b.ptr];
  l.b = b;
  l.allocOp = opIndex;
  l.written.assign(b.size, initialized);
  chunks_[b.chunkStart] = b.ptr;
}

void MemoryChecker::onFree(uint64_t opIndex, uint64_t ptr, std::vector<CheckedBlock>* evicted) {
  const auto it = live_.find(ptr);
  if (it == live_.end()) return reportBadFree(opIndex, ptr);
  const CheckedBlock b = it->second.b;
  chunks_.erase(b.chunkStart);
  live_.erase(it);
  freed_[ptr] = Freed{b, opIndex, ++freeSeq_};
  freedOrder_.emplace_back(ptr, freeSeq_);
  quarantinedBytes_ += b.size;
  trimQuarantine(evicted);
}

void MemoryChecker::trimQuarantine(std::vector<CheckedBlock>* evicted) {
  while (!freedOrder_.empty() && (quarantinedBytes_ > config_.quarantineBytes ||
                                  freed_.size() > config_.quarantineBlocks)) {
    const auto [ptr, seq] = freedOrder_.front();
    freedOrder_.pop_front();
    const auto it = freed_.find(ptr);
    if (it == freed_.end() || it->second.seq != seq) continue;  // forgotten earlier
    quarantinedBytes_ -= it->second.b.size;
    if (evicted) evicted->push_back(it->second.b);
    freed_.erase(it);
  }
}

void MemoryChecker::forgetFreedOverlapping(uint64_t start, uint64_t end) {
  auto it = freed_.upper_bound(start);
  if (it != freed_.begin()) {
    const auto prev = std::prev(it);
    if (prev->first + std::max<uint64_t>(prev->second.b.size, 1) > start) it = prev;
  }
  while (it != freed_.end() && it->first < end) {
    quarantinedBytes_ -= it->second.b.size;
    it = freed_.erase(it);
  }
}

void MemoryChecker::reportBadFree(uint64_t opIndex, uint64_t ptr) {
  const auto f = freed_.find(ptr);
  if (f != freed_.end()) {
    report({MemoryErrorKind::DoubleFree, opIndex, ptr, f->second.b.size, ptr, false});
    return;
  }
  const Live* l = liveChunkAt(ptr);
  report({MemoryErrorKind::InvalidFree, opIndex, ptr, 0, l ? l->b.ptr : 0, false});
}

void MemoryChecker::onResize(uint64_t ptr, uint64_t newSize) {
  const auto it = live_.find(ptr);
  if (it == live_.end()) return;
  it->second.b.size = newSize;
  it->second.written.resize(newSize, false);
}

void MemoryChecker::copyShadow(uint64_t from, uint64_t to, uint64_t len) {
  const auto src = live_.find(from);
  const auto dst = live_.find(to);
  if (src == live_.end() || dst == live_.end()) return;
  len = std::min({len, src->second.b.size, dst->second.b.size});
  std::copy_n(src->second.written.begin(), len, dst->second.written.begin());
}

MemoryChecker::Live* MemoryChecker::liveChunkAt(uint64_t addr) {
  auto it = chunks_.upper_bound(addr);
  if (it == chunks_.begin()) return nullptr;
  --it;
  Live& l = live_.at(it->second);
  return addr < l.b.chunkEnd ? &l : nullptr;
}

const MemoryChecker::Freed* MemoryChecker::freedAt(uint64_t addr) const {
  auto it = freed_.upper_bound(addr);
  if (it == freed_.begin()) return nullptr;
  --it;
  return addr - it->first < it->second.b.size ? &it->second : nullptr;
}

bool MemoryChecker::checkAccess(uint64_t opIndex, uint64_t addr, uint64_t size, bool isWrite,
                                std::optional<uint64_t> base) {
  if (size == 0) return true;
  if (base) {
    const auto it = live_.find(*base);
    if (it != live_.end()) return checkInBlock(opIndex, it->second, addr, size, isWrite);
    const auto f = freed_.find(*base);
    if (f != freed_.end()) {
      report({MemoryErrorKind::UseAfterFree, opIndex, addr, size, *base, isWrite});
      return false;
    }
  }
  return checkByAddress(opIndex, addr, size, isWrite);
}

bool MemoryChecker::checkByAddress(uint64_t op, uint64_t addr, uint64_t size, bool isWrite) {
  if (Live* l = liveChunkAt(addr)) {
    if (addr >= l->b.ptr) return checkInBlock(op, *l, addr, size, isWrite);
    report({MemoryErrorKind::HeapOverflow, op, addr, size, l->b.ptr, isWrite});  // a header
    return false;
  }
  if (const Freed* f = freedAt(addr)) {
    report({MemoryErrorKind::UseAfterFree, op, addr, size, f->b.ptr, isWrite});
    return false;
  }
  report({MemoryErrorKind::InvalidAccess, op, addr, size, 0, isWrite});
  return false;
}

bool MemoryChecker::checkInBlock(uint64_t op, Live& l, uint64_t addr, uint64_t size, bool isWrite) {
  const uint64_t lo = std::max(addr, l.b.ptr);
  const uint64_t hi = std::min(addr + size, l.b.ptr + l.b.size);
  bool clean = true;
  if (lo > addr || hi < addr + size || lo >= hi) {
    const uint64_t bad = addr < l.b.ptr ? addr : std::max(addr, l.b.ptr + l.b.size);
    report({MemoryErrorKind::HeapOverflow, op, bad, size, l.b.ptr, isWrite});
    clean = false;
  }
  for (uint64_t a = lo; a < hi; ++a) {
    const size_t i = a - l.b.ptr;
    if (isWrite) {
      l.written[i] = true;
    } else if (!l.written[i]) {
      report({MemoryErrorKind::UninitializedRead, op, a, size, l.b.ptr, false});
      return false;
    }
  }
  return clean;
}

void MemoryChecker::finish() {
  if (finished_) return;
  finished_ = true;
  for (const auto& [ptr, l] : live_)
    report({MemoryErrorKind::Leak, l.allocOp, ptr, l.b.size, ptr, false});
}

}  // namespace vmsim::os
