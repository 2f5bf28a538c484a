// Statistics registered by each module under its hierarchical name, and their output as gem5's
// stats.txt (byte-compatible with src/base/stats/text.cc: "%-40s %12s %10s %10s # desc (unit)"
// lines, "::" separators for vectors and distributions) and as stats.json.
// Updating a stat on the hot path is a plain member operation: no lookup, no allocation.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace vmsim {
class JsonTree;
}

namespace vmsim::stats {

class Stat {
 public:
  Stat(std::string name, std::string unit, std::string desc)
      : name_(std::move(name)), unit_(std::move(unit)), desc_(std::move(desc)) {}
  virtual ~Stat() = default;
  const std::string& name() const { return name_; }
  const std::string& unit() const { return unit_; }
  const std::string& desc() const { return desc_; }
  virtual void writeText(std::ostream& os) const = 0;
  virtual void addJson(JsonTree& tree) const = 0;
  virtual void reset() = 0;

 private:
  std::string name_, unit_, desc_;
};

class Scalar : public Stat {
 public:
  using Stat::Stat;
  Scalar& operator++() {
    value_ += 1;
    return *this;
  }
  Scalar& operator+=(double v) {
    value_ += v;
    return *this;
  }
  void set(double v) { value_ = v; }
  double value() const { return value_; }
  void writeText(std::ostream& os) const override;
  void addJson(JsonTree& tree) const override;
  void reset() override { value_ = 0; }

 private:
  double value_ = 0;
};

class Vector : public Stat {
 public:
  Vector(std::string name, std::vector<std::string> subnames, std::string unit, std::string desc,
         bool printTotal = true);
  double& operator[](size_t i) { return values_[i]; }
  double at(size_t i) const { return values_.at(i); }
  size_t size() const { return values_.size(); }
  double total() const;
  /// Replaces the subnames and zeroes the values: for a vector registered (in its place in the
  /// output) before its shape is known, e.g. the walker's hits per page-table level.
  void setSubnames(std::vector<std::string> subnames);
  void writeText(std::ostream& os) const override;
  void addJson(JsonTree& tree) const override;
  void reset() override;

 private:
  std::vector<std::string> subnames_;
  std::vector<double> values_;
  bool printTotal_;
};

/// A value computed from other stats when the stats are written (hit rates, averages).
class Formula : public Stat {
 public:
  Formula(std::string name, std::function<double()> f, std::string unit, std::string desc)
      : Stat(std::move(name), std::move(unit), std::move(desc)), f_(std::move(f)) {}
  double value() const { return f_(); }
  void writeText(std::ostream& os) const override;
  void addJson(JsonTree& tree) const override;
  void reset() override {}

 private:
  std::function<double()> f_;
};

/// Shared sample moments of Distribution and Histogram.
struct Moments {
  double samples = 0, sum = 0, squares = 0, logs = 0;
  double minVal = 0, maxVal = 0;
  void add(double v, double n) { addWithLog(v, n, std::log(v)); }
  /// add() with log(v) supplied by a caller that caches it (the same arithmetic otherwise).
  void addWithLog(double v, double n, double logV) {
    if (samples == 0 || v < minVal) minVal = v;
    if (samples == 0 || v > maxVal) maxVal = v;
    samples += n;
    sum += v * n;
    squares += v * v * n;
    logs += n * logV;
  }
  double mean() const;
  double stdev() const;
};

/// Fixed buckets over [min, max] with under/overflow counts, as gem5's Distribution.
class Distribution : public Stat {
 public:
  Distribution(std::string name, double min, double max, double bucketSize, std::string unit,
               std::string desc);
  void sample(double v, double n = 1);
  const Moments& moments() const { return m_; }
  void writeText(std::ostream& os) const override;
  void addJson(JsonTree& tree) const override;
  void reset() override;

 private:
  double min_, max_, bucket_;
  std::vector<double> buckets_;
  double underflow_ = 0, overflow_ = 0;
  Moments m_;
};

/// Buckets from 0 whose width doubles whenever a sample falls beyond the last one, as gem5's
/// Histogram: a fixed bucket count covers any range of non-negative samples.
class Histogram : public Stat {
 public:
  Histogram(std::string name, size_t buckets, std::string unit, std::string desc);
  /// Latencies repeat a limited set of values, so bucket index and log of recent values are
  /// cached: a repeat costs a compare and a few adds, with results identical to the full path.
  void sample(double v, double n = 1) {
    if (logLen_) flushLog();
    const Memo& m = memo_[memoSlot(v)];
    if (v == m.v) {
      buckets_[m.idx] += n;
      m_.addWithLog(v, n, m.logV);
      return;
    }
    sampleNew(v, n);
  }
  /// sample(valueOf()) for a value that is a function of an integer key alone (a latency in
  /// ticks, converted to cycles by a division): repeated keys skip computing the value too.
  /// Returns the value sampled.
  ///
  /// A key found in the keyed memo (most keys of a run with repeating latencies) is only
  /// logged, inline: its memo slot, or one more count on the last log entry when the slot is the
  /// last one's (a run of one latency). The logged samples are added when the log is full,
  /// another kind of sample comes or the histogram is read (moments(), buckets(), output), one
  /// after the other in the order they came, with the arithmetic of a memo hit, so the sums are
  /// the same bits. Only a memo miss is a call.
  template <class F>
  [[gnu::always_inline]] double sampleKeyed(uint64_t key, F&& valueOf) {
    // A repeat of the last logged key (a run of hits) skips the hash: its slot still holds it.
    if (key == lastKey_ && lastSlot_ != kNoSlot) {
      log_[logLen_ - 1] += kLogOne;
      return lastV_;
    }
    const size_t s = slotOf(key);
    const KeyedMemo& k = keyed_[s];
    if (k.key == key) {  // an empty slot's key maps to another slot: never equal
      if (s == lastSlot_) {
        log_[logLen_ - 1] += kLogOne;
      } else {
        if (logLen_ == kLogEntries) flushLog();
        log_[logLen_++] = s | kLogOne;
        lastSlot_ = s;
        lastKey_ = key;
        lastV_ = k.v;
      }
      return k.v;
    }
    return sampleKeyedNew(key, valueOf);
  }
  const Moments& moments() const {
    if (logLen_) flushLog();
    return m_;
  }
  double bucketSize() const { return bucket_; }
  const std::vector<double>& buckets() const {
    if (logLen_) flushLog();
    return buckets_;
  }
  void writeText(std::ostream& os) const override;
  void addJson(JsonTree& tree) const override;
  void reset() override;

 private:
  /// sampleKeyed() of a key that is not in the keyed memo (out of the callers' hot path).
  template <class F>
  [[gnu::noinline]] double sampleKeyedNew(uint64_t key, F& valueOf) {
    if (logLen_) flushLog();  // the logged samples refer to memo slots this one may replace
    const double v = valueOf();
    sample(v);
    const Memo& m = memo_[memoSlot(v)];
    if (v == m.v) keyed_[slotOf(key)] = {key, v, m.logV, m.idx};  // v < 0 is clamped: not kept
    return v;
  }
  struct Memo {
    double v = std::numeric_limits<double>::quiet_NaN();  // NaN: empty (equals nothing)
    double logV = 0;
    size_t idx = 0;
  };
  struct KeyedMemo {
    uint64_t key = 0;  // an empty slot holds emptyKey(its index)
    double v = 0, logV = 0;
    size_t idx = 0;
  };
  /// A key that slot `i` never holds: slotOf(0) is 0 and slotOf(1) is not.
  static uint64_t emptyKey(size_t i) { return i == 0 ? 1 : 0; }
  static constexpr unsigned kMemoBits = 6;
  static constexpr size_t kMemoSlots = size_t{1} << kMemoBits;
  /// Fibonacci hashing: the slot is the top bits of the product, so keys that differ only in
  /// high bits (small integers as doubles: 4.0 and 12.0 differ in exponent and top mantissa
  /// bits alone) or only in low bits (latencies in ticks) spread over the slots.
  static size_t slotOf(uint64_t b) {
    return static_cast<size_t>((b * 0x9e3779b97f4a7c15ull) >> (64 - kMemoBits));
  }
  static size_t memoSlot(double v) {
    uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    return slotOf(b);
  }
  void sampleNew(double v, double n);
  void forgetMemo();
  /// Adds the logged samples in their order and empties the log (const: reading the histogram
  /// completes it).
  void flushLog() const;

  // Keyed samples not added yet: per entry the keyed-memo slot (low kMemoBits bits) and how many
  // samples in a row it had (the bits above, kLogOne each). While an entry refers to a slot, the
  // slot keeps its value: sampleKeyedNew, sample() and reset() empty the log before any change.
  static constexpr uint64_t kLogOne = uint64_t{1} << kMemoBits;
  static constexpr unsigned kLogEntries = 64;
  static constexpr size_t kNoSlot = kMemoSlots;  // lastSlot_ of an empty log
  mutable std::array<uint64_t, kLogEntries> log_{};
  mutable unsigned logLen_ = 0;
  mutable size_t lastSlot_ = kNoSlot;  // the last entry's slot
  uint64_t lastKey_ = 0;               // its key and value (valid while lastSlot_ is a slot)
  double lastV_ = 0;
  double bucket_ = 1;
  mutable std::vector<double> buckets_;
  mutable Moments m_;
  // Emptied whenever the bucket width changes, so a cached bucket index is always current.
  std::array<Memo, kMemoSlots> memo_{};
  std::array<KeyedMemo, kMemoSlots> keyed_{};
};

/// Root figures of a run (gem5's simSeconds, simTicks, ... and the host ones).
struct RunInfo {
  uint64_t simTicks = 0;             // in SystemC time-resolution units (ps by default)
  uint64_t simFreq = 1000000000000;  // ticks per simulated second
  double hostSeconds = 0;
  uint64_t hostMemoryBytes = 0;
  bool includeHost = true;  // host figures vary run to run; off for byte-identical output
  /// Non-empty (the signal's name, "SIGINT") when the run was interrupted before its end: the
  /// outputs then say that they are partial (stats.txt: `partial 1`, stats.json: "partial": true).
  std::string interruptedBy;
};

class Registry {
 public:
  Scalar& scalar(const std::string& name, const std::string& unit, const std::string& desc);
  Vector& vector(const std::string& name, const std::vector<std::string>& subnames,
                 const std::string& unit, const std::string& desc, bool printTotal = true);
  Formula& formula(const std::string& name, std::function<double()> f, const std::string& unit,
                   const std::string& desc);
  Distribution& distribution(const std::string& name, double min, double max, double bucketSize,
                             const std::string& unit, const std::string& desc);
  Histogram& histogram(const std::string& name, size_t buckets, const std::string& unit,
                       const std::string& desc);

  /// The stat registered under `name`, or nullptr. For tests and summaries, not the hot path.
  const Stat* find(const std::string& name) const;
  /// Value of a Scalar or Formula; throws std::out_of_range if there is none by that name.
  double value(const std::string& name) const;
  const std::vector<std::unique_ptr<Stat>>& all() const { return stats_; }

  void writeText(std::ostream& os, const RunInfo& run) const;
  void writeJson(std::ostream& os, const RunInfo& run) const;
  void resetAll();

 private:
  template <class T, class... A>
  T& add(A&&... args);
  std::vector<std::unique_ptr<Stat>> stats_;
};

/// gem5's ValueToString: integers without decimals, others fixed with 6 decimals, "nan".
std::string valueToString(double v, int precision = -1);
/// One gem5 stats.txt line.
void writeLine(std::ostream& os, const std::string& name, double value, const std::string& pdf,
               const std::string& cdf, const std::string& desc, const std::string& unit);

}  // namespace vmsim::stats
