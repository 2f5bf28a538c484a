// A FIFO of reused slots in one block, for the few objects a module keeps in flight in order.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace vmsim {

/// A first-in first-out ring whose slots are kept, not destroyed: pushBack() hands out the slot
/// after the last one holding whatever its last user left in it (the caller sets every field),
/// popFront() only moves the front on. The slots are contiguous, so a walk over the elements is
/// a walk over an array (a std::deque's iterator checks its block at every step). The capacity
/// doubles when full and never shrinks.
template <class T>
class Ring {
 public:
  explicit Ring(size_t capacity = 8) {
    size_t c = 1;
    while (c < capacity) c *= 2;
    slots_.resize(c);
    mask_ = c - 1;
  }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  /// The i-th element from the front (i < size()).
  T& operator[](size_t i) { return slots_[(head_ + i) & mask_]; }
  const T& operator[](size_t i) const { return slots_[(head_ + i) & mask_]; }
  T& front() { return slots_[head_]; }
  const T& front() const { return slots_[head_]; }
  /// A slot after the last element, now the last element.
  T& pushBack() {
    if (size_ == slots_.size()) grow();
    return slots_[(head_ + size_++) & mask_];
  }
  void popFront() {
    head_ = (head_ + 1) & mask_;
    --size_;
  }
  /// Removes the i-th element; the ones after it move up one place (their order is kept).
  void erase(size_t i) {
    for (; i + 1 < size_; ++i) std::swap((*this)[i], (*this)[i + 1]);
    --size_;
  }

 private:
  void grow() {
    std::vector<T> bigger(slots_.size() * 2);
    for (size_t i = 0; i < size_; ++i) bigger[i] = std::move((*this)[i]);
    slots_ = std::move(bigger);
    mask_ = slots_.size() - 1;
    head_ = 0;
  }
  std::vector<T> slots_;
  size_t mask_ = 0;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace vmsim
