// Trace replay with DRAMsim3's front-end rule (README "How a trace is replayed"), plus stats text.
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <limits>
#include <ostream>
#include <stdexcept>

#include "vmsim/dram/memory_system.h"
#include "vmsim/dram/trace.h"

namespace vmsim::dram {

double ReplayResult::offeredGBps() const {
  const uint64_t span = lastIssueCycle - firstIssueCycle;
  if (span == 0) return std::numeric_limits<double>::infinity();
  return double(requests) * burstBytes / (double(span) * tCKns);
}

namespace {

// Replay loop. The memory is at cycle c before simulating cycle c; DRAMsim3's front end offers a
// request after the memory's tick of front-end cycle c-1, so trace cycle T enters at c >= T + 1.
class Replayer {
 public:
  Replayer(TraceReader& reader, const DramConfig& cfg) : reader_(reader), mem_(cfg) {
    mem_.setCompletionCallback([this](const Completion& c) { onComplete(c); });
  }

  ReplayResult run() {
    ReplayResult r;
    TraceRecord rec;
    bool have = reader_.next(rec);
    if (!have)
      throw std::runtime_error(reader_.path() +
                               ": no requests (the trace is empty or holds only comments and "
                               "blank lines)");
    r.firstIssueCycle = rec.cycle;
    for (;;) {
      const uint64_t c = mem_.cycle();
      if (have && c >= rec.cycle + 1 && mem_.canAccept(rec.addr, rec.isWrite)) {
        accept(rec, c, r);
        have = reader_.next(rec);
      }
      if (!have && !mem_.readsPending()) break;
      mem_.tick();
      uint64_t next = mem_.nextEventCycle();
      // The next request can enter once its trace cycle has come: advanceTo() simulates every
      // event before it (and counts idle refreshes in closed form), and room in a queue only
      // grows meanwhile. Otherwise step event by event until its queue has room.
      if (have && mem_.canAccept(rec.addr, rec.isWrite))
        next = std::max(mem_.cycle(), rec.cycle + 1);
      if (next == kNever) throw std::logic_error("DRAM replay stalled with requests pending");
      mem_.advanceTo(next);
    }
    // DRAMsim3's run stops after the cycle the last read returns (or the last request enters).
    const uint64_t end = std::max(lastReadDone_ + 1, lastAdded_);
    mem_.advanceTo(std::max(end, mem_.cycle()));  // commands (refreshes) up to then count
    r.simCycles = std::max(end, uint64_t(1));
    r.stats = mem_.stats();
    r.endToEndReadLatency = e2e_;
    r.tCKns = mem_.config().timing.tCKns;
    r.burstBytes = mem_.config().org.burstBytes();
    return r;
  }

 private:
  void accept(const TraceRecord& rec, uint64_t c, ReplayResult& r) {
    traceCycle_.push_back(rec.cycle);
    mem_.add(rec.addr, rec.isWrite, traceCycle_.size() - 1);
    // Offered at the later of its trace cycle and the cycle after the previous acceptance; the
    // cycles from then on were spent in front of a full queue (DRAMsim3's front-end stalls).
    const uint64_t offered = std::max(rec.cycle + 1, lastAdded_ + 1);
    r.frontendStallCycles += c - offered;
    lastAdded_ = c;
    ++r.requests;
    ++(rec.isWrite ? r.writes : r.reads);
    r.lastIssueCycle = rec.cycle;
  }
  void onComplete(const Completion& c) {
    if (c.isWrite) return;
    e2e_.add(c.done - (traceCycle_[c.id] + 1));
    lastReadDone_ = std::max(lastReadDone_, c.done);
  }

  TraceReader& reader_;
  MemorySystem mem_;
  std::vector<uint64_t> traceCycle_;
  LatencyHistogram e2e_;
  uint64_t lastReadDone_ = 0, lastAdded_ = 0;
};

}  // namespace

ReplayResult replayTrace(TraceReader& reader, const DramConfig& cfg) {
  const auto t0 = std::chrono::steady_clock::now();
  ReplayResult r = Replayer(reader, cfg).run();
  r.hostSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

ReplayResult replayTrace(const std::string& path, const DramConfig& cfg) {
  const auto t0 = std::chrono::steady_clock::now();
  TraceReader reader(path);
  ReplayResult r = Replayer(reader, cfg).run();
  r.hostSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

void writeStats(std::ostream& out, const ReplayResult& r, unsigned binCycles) {
  const DramStats& s = r.stats;
  const LatencyHistogram& h = s.readLatency;
  const double ns = r.tCKns;
  out << std::fixed << std::setprecision(3);
  out << "requests " << r.requests << " (reads " << r.reads << ", writes " << r.writes << ")\n";
  out << "sim_cycles " << r.simCycles << "\n";
  out << "read_latency_cycles avg " << h.average() << " min " << h.min() << " max " << h.max()
      << " p50 " << h.percentile(50) << " p95 " << h.percentile(95) << " p99 " << h.percentile(99)
      << "\n";
  out << "read_latency_ns avg " << h.average() * ns << " min " << h.min() * ns << " max "
      << h.max() * ns << "\n";
  out << "e2e_read_latency_cycles avg " << r.endToEndReadLatency.average() << "\n";
  out << "bandwidth_GBps " << r.bandwidthGBps() << "\n";
  out << "row_hit_rate " << s.rowHitRate() << " (requests: hits " << s.rowHits << ", misses "
      << s.rowMisses << ", conflicts " << s.rowConflicts << ")\n";
  out << "cmds RD " << s.readCmds << " WR " << s.writeCmds << " ACT " << s.actCmds << " PRE "
      << s.preCmds << " REF " << s.refCmds << " REFB " << s.refbCmds << "\n";
  out << "read_latency_histogram (bin start cycles / ns : count)\n";
  const auto& bins = h.bins();
  const unsigned w = std::max(1u, binCycles);
  for (size_t b = 0; b < bins.size(); b += w) {
    uint64_t n = 0;
    for (size_t i = b; i < std::min(bins.size(), b + w); ++i) n += bins[i];
    if (n) out << "  " << b << " / " << b * ns << " : " << n << "\n";
  }
  out.unsetf(std::ios::fixed);
}

}  // namespace vmsim::dram
