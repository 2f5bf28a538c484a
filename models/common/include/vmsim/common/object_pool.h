// Reusable per-transaction objects without an allocation per transaction.
#pragma once

#include <memory>
#include <vector>

namespace vmsim {

/// A free list of objects the pool owns: acquire() hands out a free one (a new one only when
/// none is free), release() takes it back. Objects keep their address for the pool's life, and
/// an acquired object holds whatever its last user left in it.
template <class T>
class ObjectPool {
 public:
  T* acquire() {
    if (free_.empty()) return all_.emplace_back(std::make_unique<T>()).get();
    T* t = free_.back();
    free_.pop_back();
    return t;
  }
  void release(T* t) { free_.push_back(t); }
  size_t size() const { return all_.size(); }

 private:
  std::vector<std::unique_ptr<T>> all_;
  std::vector<T*> free_;
};

}  // namespace vmsim
