// Draw sources for randomised replacement: seeded uniform draws and recorded sequences.
#include "vmsim/os/draw_source.h"

#include <stdexcept>
#include <string>

namespace vmsim::os {

uint64_t SeededDraws::draw(uint64_t n) {
  if (n == 0) throw std::invalid_argument("SeededDraws: cannot draw from an empty range");
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  const auto i = static_cast<uint64_t>(u * static_cast<double>(n));
  return i < n ? i : n - 1;
}

uint64_t SequenceDraws::draw(uint64_t n) {
  if (next_ >= indices_.size())
    throw std::out_of_range("recorded draws exhausted after " + std::to_string(next_) + " draws");
  const uint64_t i = indices_[next_];
  if (i >= n)
    throw std::out_of_range("recorded draw #" + std::to_string(next_) + " = " + std::to_string(i) +
                            " is outside [0, " + std::to_string(n) + ")");
  ++next_;
  return i;
}

}  // namespace vmsim::os
