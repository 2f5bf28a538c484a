// Sources of random victim-probe draws for randomised replacement policies: a seeded generator
// for simulation, or a recorded sequence (OSTEP paging-policy.py's logged draws) for validation.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace vmsim::os {

/// Yields indices in [0, n); a policy asks for one per victim probe.
class DrawSource {
 public:
  virtual ~DrawSource() = default;
  virtual uint64_t draw(uint64_t n) = 0;
};

/// floor(u * n) with u uniform in [0,1) from a seeded mt19937_64, the way Python's
/// `int(random.random() * n)` draws, and identical on every standard library.
class SeededDraws : public DrawSource {
 public:
  explicit SeededDraws(uint64_t seed) : rng_(seed) {}
  uint64_t draw(uint64_t n) override;

 private:
  std::mt19937_64 rng_;
};

/// Replays a fixed sequence of indices; running out or an index >= n is a std::out_of_range.
class SequenceDraws : public DrawSource {
 public:
  explicit SequenceDraws(std::vector<uint64_t> indices) : indices_(std::move(indices)) {}
  uint64_t draw(uint64_t n) override;
  /// How many draws were consumed so far.
  size_t consumed() const { return next_; }
  const std::vector<uint64_t>& indices() const { return indices_; }

 private:
  std::vector<uint64_t> indices_;
  size_t next_ = 0;
};

}  // namespace vmsim::os
