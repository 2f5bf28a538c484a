// gem5-compatible statistics output (format rules from gem5 src/base/stats/text.cc) and JSON.
#include "vmsim/common/stats.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "vmsim/common/json.h"

namespace vmsim::stats {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

std::string pct(double v) {
  if (std::isnan(v)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", v * 100.0);
  return buf;
}

// Running pdf/cdf columns of a bucketed stat, as gem5's ScalarPrint::update.
struct PdfCdf {
  double total;
  double cdf = 0;
  std::pair<std::string, std::string> next(double v) {
    if (total == 0) return {"", ""};
    const double pdf = v / total;
    cdf += pdf;
    return {pct(pdf), pct(cdf)};
  }
};

// `os << low` of a default-formatted stream is %g; snprintf avoids an ostringstream (and its
// locale look-ups) per bucket, which dominated the cost of periodic dumps.
std::string bucketName(double low, double high) {
  char buf[64];
  if (low < high) {
    std::snprintf(buf, sizeof buf, "%g-%g", low, high);
  } else {
    std::snprintf(buf, sizeof buf, "%g", low);
  }
  return buf;
}

void momentsText(std::ostream& os, const std::string& base, const Moments& m, bool gmean,
                 const Stat& s) {
  writeLine(os, base + "samples", m.samples, "", "", s.desc(), s.unit());
  writeLine(os, base + "mean", m.samples ? m.sum / m.samples : kNan, "", "", s.desc(), s.unit());
  if (gmean) {
    writeLine(os, base + "gmean", m.samples ? std::exp(m.logs / m.samples) : kNan, "", "", s.desc(),
              s.unit());
  }
  writeLine(os, base + "stdev", m.stdev(), "", "", s.desc(), s.unit());
}

void momentsJson(JsonTree& t, const std::string& n, const Moments& m) {
  t.set(n + ".samples", {jsonNumber(m.samples)});
  t.set(n + ".mean", {jsonNumber(m.mean())});
  t.set(n + ".stdev", {jsonNumber(m.stdev())});
  t.set(n + ".min_value", {jsonNumber(m.samples ? m.minVal : kNan)});
  t.set(n + ".max_value", {jsonNumber(m.samples ? m.maxVal : kNan)});
}

}  // namespace

std::string valueToString(double v, int precision) {
  if (std::isnan(v)) return "nan";
  // As a fixed-format ostream (precision 6 unless given, 0 for integers) would print it, without
  // constructing one per value. Infinities print as "inf"/"-inf" both ways.
  if (precision == -1) precision = v == std::rint(v) ? 0 : 6;
  char buf[400];  // %.*f of 1e308 has 309 digits before the point
  std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  return buf;
}

void writeLine(std::ostream& os, const std::string& name, double value, const std::string& pdf,
               const std::string& cdf, const std::string& desc, const std::string& unit) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%-40s %12s %10s %10s", name.c_str(), valueToString(value).c_str(),
                pdf.c_str(), cdf.c_str());
  os << buf;
  if (!desc.empty()) os << " # " << desc;
  if (!unit.empty()) os << " (" << unit << ")";
  os << "\n";
}

// --- Scalar / Vector / Formula ----------------------------------------------------------------

void Scalar::writeText(std::ostream& os) const {
  writeLine(os, name(), value_, "", "", desc(), unit());
}
void Scalar::addJson(JsonTree& t) const {
  t.set(name(), {jsonNumber(value_)});
}

Vector::Vector(std::string name, std::vector<std::string> subnames, std::string unit,
               std::string desc, bool printTotal)
    : Stat(std::move(name), std::move(unit), std::move(desc)),
      subnames_(std::move(subnames)),
      values_(subnames_.size(), 0.0),
      printTotal_(printTotal) {}

double Vector::total() const {
  double t = 0;
  for (double v : values_) t += v;
  return t;
}

void Vector::writeText(std::ostream& os) const {
  if (values_.size() == 1) {
    writeLine(os, name(), values_[0], "", "", desc(), unit());
    return;
  }
  for (size_t i = 0; i < values_.size(); ++i) {
    writeLine(os, name() + "::" + subnames_[i], values_[i], "", "", desc(), unit());
  }
  if (printTotal_) writeLine(os, name() + "::total", total(), "", "", desc(), unit());
}

void Vector::addJson(JsonTree& t) const {
  for (size_t i = 0; i < values_.size(); ++i) {
    t.set(name() + "." + subnames_[i], {jsonNumber(values_[i])});
  }
  if (printTotal_) t.set(name() + ".total", {jsonNumber(total())});
}

void Vector::setSubnames(std::vector<std::string> subnames) {
  subnames_ = std::move(subnames);
  values_.assign(subnames_.size(), 0.0);
}

void Vector::reset() {
  for (double& v : values_) v = 0;
}

void Formula::writeText(std::ostream& os) const {
  writeLine(os, name(), value(), "", "", desc(), unit());
}
void Formula::addJson(JsonTree& t) const {
  t.set(name(), {jsonNumber(value())});
}

// --- Moments / Distribution / Histogram ---------------------------------------------------------

double Moments::mean() const {
  return samples ? sum / samples : kNan;
}

double Moments::stdev() const {
  if (!samples) return kNan;
  return std::sqrt((samples * squares - sum * sum) / (samples * (samples - 1.0)));
}

Distribution::Distribution(std::string name, double min, double max, double bucketSize,
                           std::string unit, std::string desc)
    : Stat(std::move(name), std::move(unit), std::move(desc)),
      min_(min),
      max_(max),
      bucket_(bucketSize) {
  if (!(bucketSize > 0) || max < min) {
    throw std::invalid_argument("distribution " + this->name() + ": bad bucket geometry");
  }
  buckets_.assign(static_cast<size_t>(std::ceil((max - min + 1.0) / bucketSize)), 0.0);
}

void Distribution::sample(double v, double n) {
  if (v < min_) {
    underflow_ += n;
  } else if (v > max_) {
    overflow_ += n;
  } else {
    buckets_[static_cast<size_t>((v - min_) / bucket_)] += n;
  }
  m_.add(v, n);
}

void Distribution::writeText(std::ostream& os) const {
  const std::string base = name() + "::";
  momentsText(os, base, m_, false, *this);
  double total = underflow_ + overflow_;
  for (double b : buckets_) total += b;
  PdfCdf pc{total};
  auto [up, uc] = pc.next(underflow_);
  writeLine(os, base + "underflows", underflow_, up, uc, desc(), unit());
  for (size_t i = 0; i < buckets_.size(); ++i) {
    const double low = i * bucket_ + min_;
    const double high = std::min(low + bucket_ - 1.0, max_);
    auto [p, c] = pc.next(buckets_[i]);
    writeLine(os, base + bucketName(low, high), buckets_[i], p, c, desc(), unit());
  }
  auto [op, oc] = pc.next(overflow_);
  writeLine(os, base + "overflows", overflow_, op, oc, desc(), unit());
  writeLine(os, base + "min_value", m_.samples ? m_.minVal : kNan, "", "", desc(), unit());
  writeLine(os, base + "max_value", m_.samples ? m_.maxVal : kNan, "", "", desc(), unit());
  writeLine(os, base + "total", total, "", "", desc(), unit());
}

void Distribution::addJson(JsonTree& t) const {
  momentsJson(t, name(), m_);
  t.set(name() + ".underflows", {jsonNumber(underflow_)});
  t.set(name() + ".overflows", {jsonNumber(overflow_)});
  for (size_t i = 0; i < buckets_.size(); ++i) {
    const double low = i * bucket_ + min_;
    t.set(name() + ".buckets." + bucketName(low, std::min(low + bucket_ - 1.0, max_)),
          {jsonNumber(buckets_[i])});
  }
}

void Distribution::reset() {
  for (double& b : buckets_) b = 0;
  underflow_ = overflow_ = 0;
  m_ = Moments{};
}

Histogram::Histogram(std::string name, size_t buckets, std::string unit, std::string desc)
    : Stat(std::move(name), std::move(unit), std::move(desc)), buckets_(buckets, 0.0) {
  if (buckets < 2 || buckets % 2) {
    throw std::invalid_argument("histogram " + this->name() + ": bucket count must be even");
  }
  forgetMemo();  // the keyed memo's empty slots
}

void Histogram::sampleNew(double v, double n) {
  if (v < 0) v = 0;  // latencies and sizes: negative samples cannot occur; clamp defensively
  while (v >= bucket_ * buckets_.size()) {
    // Double the width: bucket i takes old buckets 2i and 2i+1.
    const size_t half = buckets_.size() / 2;
    for (size_t i = 0; i < half; ++i) buckets_[i] = buckets_[2 * i] + buckets_[2 * i + 1];
    for (size_t i = half; i < buckets_.size(); ++i) buckets_[i] = 0;
    bucket_ *= 2;
    forgetMemo();
  }
  Memo& m = memo_[memoSlot(v)];
  m.v = v;
  m.idx = static_cast<size_t>(v / bucket_);
  m.logV = std::log(v);
  buckets_[m.idx] += n;
  m_.addWithLog(v, n, m.logV);
}

void Histogram::forgetMemo() {
  for (Memo& m : memo_) m = Memo{};
  for (size_t i = 0; i < keyed_.size(); ++i) keyed_[i] = KeyedMemo{emptyKey(i), 0, 0, 0};
}

void Histogram::flushLog() const {
  // What addWithLog(v, 1, logV) and the bucket's += 1 do per sample, sample after sample: the
  // same operations in the same order give the same bits. min and max cannot change (a keyed
  // memo value was added when it entered the memo), and counts of whole samples are exact as
  // integers (below 2^53), so only the three sums need a step per sample.
  double sum = m_.sum, squares = m_.squares, logs = m_.logs;
  uint64_t total = 0;
  for (unsigned e = 0; e < logLen_; ++e) {
    const uint64_t w = log_[e];
    const KeyedMemo& k = keyed_[w & (kMemoSlots - 1)];
    uint64_t n = w >> kMemoBits;  // at least 1
    total += n;
    buckets_[k.idx] += static_cast<double>(n);
    const double v = k.v, vv = v * v, lg = k.logV;
    do {
      sum += v;
      squares += vv;
      logs += lg;
    } while (--n);
  }
  m_.sum = sum;
  m_.squares = squares;
  m_.logs = logs;
  m_.samples += static_cast<double>(total);
  logLen_ = 0;
  lastSlot_ = kNoSlot;
}

void Histogram::writeText(std::ostream& os) const {
  if (logLen_) flushLog();
  const std::string base = name() + "::";
  momentsText(os, base, m_, true, *this);
  double total = 0;
  for (double b : buckets_) total += b;
  PdfCdf pc{total};
  const double max = bucket_ * buckets_.size() - 1;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    const double low = i * bucket_;
    auto [p, c] = pc.next(buckets_[i]);
    writeLine(os, base + bucketName(low, std::min(low + bucket_ - 1.0, max)), buckets_[i], p, c,
              desc(), unit());
  }
  writeLine(os, base + "total", total, "", "", desc(), unit());
}

void Histogram::addJson(JsonTree& t) const {
  if (logLen_) flushLog();
  momentsJson(t, name(), m_);
  t.set(name() + ".bucket_size", {jsonNumber(bucket_)});
  for (size_t i = 0; i < buckets_.size(); ++i) {
    const double low = i * bucket_;
    t.set(name() + ".buckets." + bucketName(low, low + bucket_ - 1.0), {jsonNumber(buckets_[i])});
  }
}

void Histogram::reset() {
  for (double& b : buckets_) b = 0;
  bucket_ = 1;
  m_ = Moments{};
  logLen_ = 0;
  lastSlot_ = kNoSlot;
  forgetMemo();
}

// --- Registry ------------------------------------------------------------------------------------

template <class T, class... A>
T& Registry::add(A&&... args) {
  auto s = std::make_unique<T>(std::forward<A>(args)...);
  if (find(s->name())) throw std::invalid_argument("stat registered twice: " + s->name());
  T& ref = *s;
  stats_.push_back(std::move(s));
  return ref;
}

Scalar& Registry::scalar(const std::string& name, const std::string& unit,
                         const std::string& desc) {
  return add<Scalar>(name, unit, desc);
}
Vector& Registry::vector(const std::string& name, const std::vector<std::string>& subnames,
                         const std::string& unit, const std::string& desc, bool printTotal) {
  return add<Vector>(name, subnames, unit, desc, printTotal);
}
Formula& Registry::formula(const std::string& name, std::function<double()> f,
                           const std::string& unit, const std::string& desc) {
  return add<Formula>(name, std::move(f), unit, desc);
}
Distribution& Registry::distribution(const std::string& name, double min, double max,
                                     double bucketSize, const std::string& unit,
                                     const std::string& desc) {
  return add<Distribution>(name, min, max, bucketSize, unit, desc);
}
Histogram& Registry::histogram(const std::string& name, size_t buckets, const std::string& unit,
                               const std::string& desc) {
  return add<Histogram>(name, buckets, unit, desc);
}

const Stat* Registry::find(const std::string& name) const {
  for (const auto& s : stats_) {
    if (s->name() == name) return s.get();
  }
  return nullptr;
}

double Registry::value(const std::string& name) const {
  const Stat* s = find(name);
  if (auto sc = dynamic_cast<const Scalar*>(s)) return sc->value();
  if (auto f = dynamic_cast<const Formula*>(s)) return f->value();
  throw std::out_of_range("no scalar or formula stat named " + name);
}

void Registry::writeText(std::ostream& os, const RunInfo& run) const {
  os << "\n---------- Begin Simulation Statistics ----------\n";
  const double simSeconds = static_cast<double>(run.simTicks) / run.simFreq;
  writeLine(os, "simSeconds", simSeconds, "", "", "Number of seconds simulated", "Second");
  writeLine(os, "simTicks", run.simTicks, "", "", "Number of ticks simulated", "Tick");
  writeLine(os, "finalTick", run.simTicks, "", "",
            "Number of ticks from beginning of simulation (restored from checkpoints and never "
            "reset)",
            "Tick");
  writeLine(os, "simFreq", run.simFreq, "", "", "The number of ticks per simulated second",
            "(Tick/Second)");
  if (run.includeHost) {
    writeLine(os, "hostSeconds", std::round(run.hostSeconds * 100) / 100, "", "",
              "Real time elapsed on the host", "Second");
    writeLine(os, "hostTickRate",
              run.hostSeconds > 0 ? std::round(run.simTicks / run.hostSeconds) : 0, "", "",
              "The number of ticks simulated per host second (ticks/s)", "(Tick/Second)");
    writeLine(os, "hostMemory", run.hostMemoryBytes, "", "", "Number of bytes of host memory used",
              "Byte");
  }
  if (!run.interruptedBy.empty()) {
    writeLine(os, "partial", 1, "", "",
              "the run was interrupted (" + run.interruptedBy +
                  ") before its end; these stats cover the simulated time until then",
              "Count");
  }
  for (const auto& s : stats_) s->writeText(os);
  os << "\n---------- End Simulation Statistics   ----------\n";
}

void Registry::writeJson(std::ostream& os, const RunInfo& run) const {
  JsonTree t;
  t.set("simSeconds", {jsonNumber(static_cast<double>(run.simTicks) / run.simFreq)});
  t.set("simTicks", {jsonNumber(run.simTicks)});
  t.set("simFreq", {jsonNumber(run.simFreq)});
  if (run.includeHost) {
    t.set("hostSeconds", {jsonNumber(run.hostSeconds)});
    t.set("hostMemory", {jsonNumber(run.hostMemoryBytes)});
  }
  if (!run.interruptedBy.empty()) {
    t.set("partial", {"true", false});
    t.set("interruptedBy", {run.interruptedBy, true});
  }
  for (const auto& s : stats_) s->addJson(t);
  t.write(os);
}

void Registry::resetAll() {
  for (auto& s : stats_) s->reset();
}

}  // namespace vmsim::stats
