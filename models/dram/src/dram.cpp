// DRAM target shell: LT through busy-until timing, AT through the scheduling controllers, data in
// a sparse backing store in both modes.
#include "vmsim/dram/dram.h"

#include "vmsim/dram/dram_params.h"

#include "vmsim/common/extensions.h"

#include <cmath>
#include <numeric>

namespace vmsim::dram {

Dram::Dram(const sc_core::sc_module_name& nm, SimContext& ctx)
    : Module(nm, ctx),
      tsock("tsock"),
      ltAccesses_(ctx.stats.scalar(statName("ltAccesses"), "Count",
                                   "accesses through b_transport (busy-until timing)")),
      atAccesses_(ctx.stats.scalar(statName("atAccesses"), "Count",
                                   "accesses through nb_transport (scheduled)")) {
  auto& p = params();
  cfg_ = dramConfigFromParams(p);
  const uint64_t frontEnd =
      p.getUint("frontend_latency", 0, "Cycle", "DRAM cycles added per access by the front end",
                Range{0, 1e6});
  tckPs_ = static_cast<uint64_t>(std::llround(cfg_.timing.tCKns * 1000.0));
  // Cycles in kernel time units (1 ps by default), so no sc_time arithmetic per access: tCK /
  // resolution as a fraction in lowest terms (femtoseconds both), a whole number of units in the
  // common case (unitsDiv_ 1).
  const uint64_t resFs =
      static_cast<uint64_t>(std::llround(sc_core::sc_get_time_resolution().to_seconds() * 1e15));
  const uint64_t tckFs = tckPs_ * 1000;
  const uint64_t g = std::gcd(std::max<uint64_t>(resFs, 1), tckFs);
  cycleUnits_ = tckFs / g;
  unitsDiv_ = std::max<uint64_t>(resFs, 1) / g;
  unitsPerCycle_ = unitsDiv_ == 1 ? cycleUnits_ : 1;
  if (unitsDiv_ != 1) {
    logWarning(cfg_.name + " clock tCK = " + std::to_string(tckPs_) +
               " ps is not a whole number of time-resolution steps (" + timeResolutionText() +
               "): DRAM timing stays cycle-exact, and each response leaves at the first step at " +
               "or after its cycle (at most one step late); a step that divides tCK (1 ps " +
               "always does) avoids the rounding");
  }
  warnAtOnlyKeys(p);
  lt_ = std::make_unique<LtTimingModel>(cfg_);
  if (p.getBool("lt_write_buffer", true,
                "LT: post writes into the controller's write buffer (merging, read forwarding, "
                "drains) as the AT controller does, instead of booking each write at once")) {
    ltWrites_ = std::make_unique<LtWriteBuffer>(cfg_, *lt_);
  }
  at_ = std::make_unique<MemorySystem>(cfg_);
  storeData_ = p.getBool(
      "store_data", true,
      "keep the bytes that programs store (true: loads return them, through any swapping); "
      "false: the bytes of program accesses (those an MMU issues for a workload) are not kept "
      "and their loads return zeros, so host memory holds page tables (and other bytes the "
      "models write themselves) only; timing and every statistic are the same either way; "
      "cannot be combined with a requester's verify_data (docs/direct-memory.md)");
  const uint64_t capacity = cfg_.org.channelBytes() * cfg_.org.channels;
  size_ = p.getSize("size", std::to_string(capacity), "bytes this target serves (<= capacity)",
                    Range{4096, static_cast<double>(capacity)});
  latency_ = timeOf(frontEnd);
  for (uint64_t n = 0; n < 256; ++n) ltDelays_.push_back(timeOf(n) + latency_);
  // Offsets into a DRAM cycle (unitsDiv_ 1), for the arrival's offset that b_transport takes off.
  if (unitsDiv_ == 1 && unitsPerCycle_ <= 4096) {
    for (uint64_t u = 0; u < unitsPerCycle_; ++u)
      ltOffsets_.push_back(sc_core::sc_time::from_value(u));
  }
  sim_ = sc_core::sc_get_curr_simcontext();
  const unsigned burst = cfg_.org.burstBytes();
  burstPow2_ = burst != 0 && (burst & (burst - 1)) == 0;
  while (burstPow2_ && (1u << burstShift_) < burst) ++burstShift_;
  cyclesPerUnit_ = 1.0 / static_cast<double>(unitsPerCycle_);
  at_->setCompletionCallback([this](const Completion& c) { onComplete(c); });

  auto stat = [&](const char* n, const char* unit, const char* desc, auto fn) {
    ctx.stats.formula(
        statName(n), [this, fn] { return fn(combinedStats()); }, unit, desc);
  };
  stat("reads", "Count", "read requests", [](const DramStats& s) { return double(s.reads); });
  stat("writes", "Count", "write requests", [](const DramStats& s) { return double(s.writes); });
  stat("actCmds", "Count", "ACT commands", [](const DramStats& s) { return double(s.actCmds); });
  stat("preCmds", "Count", "PRE commands", [](const DramStats& s) { return double(s.preCmds); });
  stat("refCmds", "Count", "REF commands (all-bank and per-bank)",
       [](const DramStats& s) { return double(s.refCmds + s.refbCmds); });
  stat("rowHits", "Count", "requests whose row was open",
       [](const DramStats& s) { return double(s.rowHits); });
  stat("rowMisses", "Count", "requests to a closed bank",
       [](const DramStats& s) { return double(s.rowMisses); });
  stat("rowConflicts", "Count", "requests that had to close another row",
       [](const DramStats& s) { return double(s.rowConflicts); });
  stat("rowHitRate", "Ratio", "row hits / requests", [](const DramStats& s) {
    const double n = double(s.rowHits + s.rowMisses + s.rowConflicts);
    return n ? s.rowHits / n : 0.0;
  });
  stat("avgReadLatency", "Cycle", "DRAM cycles from arrival to last data beat, reads",
       [](const DramStats& s) { return s.readLatency.average(); });
  // The same in nanoseconds (x tCK), so the time an access spends in DRAM can be compared with
  // core cycles without knowing the preset's clock (scripts/plot breakdown).
  stat("avgReadLatencyNs", "Nanosecond", "avgReadLatency in nanoseconds (DRAM cycles x tCK)",
       [tck = cfg_.timing.tCKns](const DramStats& s) { return s.readLatency.average() * tck; });

  tsock.register_b_transport(this, &Dram::b_transport);
  tsock.register_transport_dbg(this, &Dram::transport_dbg);
  tsock.register_nb_transport_fw(this, &Dram::nb_transport_fw);
  SC_THREAD(controllerProcess);
}

// LT accesses (b_transport) are booked one at a time in call order: there is no queue, so the
// scheduler has nothing to reorder and the adaptive page policies, whose rule looks at the other
// queued requests, see none (models/dram/README.md, "LT"). Said once, at elaboration.
void Dram::warnAtOnlyKeys(Params& p) const {
  for (const char* k : {"scheduler", "row_hit_cap"}) {
    if (!p.has(k)) continue;
    logWarning("'" + p.key(k) + "' acts only on AT accesses (nb_transport): LT accesses " +
               "(b_transport) have no queue to reorder and are served in call order");
  }
  const std::string& pp = cfg_.ctrl.pagePolicy;
  if (pp == "open_adaptive" || pp == "closed_adaptive") {
    logWarning("'" + p.key("page_policy") + "' = " + pp +
               ": LT accesses (b_transport) have no other queued request to adapt to, so there " +
               "it acts as '" + (pp == "open_adaptive" ? "open" : "closed") +
               "'; the adaptive rule acts only on AT accesses (nb_transport)");
  }
}

DramStats Dram::combinedStats() const {
  DramStats s = lt_->stats();
  if (ltWrites_) ltWrites_->addTo(s);
  s.merge(at_->stats());
  return s;
}

// cycleOf, checkAccess and moveData are inline: used in this file only, and per LT access.
inline uint64_t Dram::cycleOf(const sc_core::sc_time& t) const {
  const uint64_t v = t.value();
  if (unitsDiv_ != 1) {
    return static_cast<uint64_t>(static_cast<unsigned __int128>(v) * unitsDiv_ / cycleUnits_);
  }
  // t / unitsPerCycle_ from a floating-point estimate (off by at most a few units), made exact.
  uint64_t q = static_cast<uint64_t>(static_cast<double>(v) * cyclesPerUnit_);
  while (q > 0 && q * unitsPerCycle_ > v) --q;
  while (v - q * unitsPerCycle_ >= unitsPerCycle_) ++q;
  return q;
}

sc_core::sc_time Dram::timeOf(uint64_t cycle) const {
  if (unitsDiv_ != 1) {
    const unsigned __int128 x = static_cast<unsigned __int128>(cycle) * cycleUnits_;
    return sc_core::sc_time::from_value(static_cast<uint64_t>((x + unitsDiv_ - 1) / unitsDiv_));
  }
  return sc_core::sc_time::from_value(cycle * unitsPerCycle_);
}

inline bool Dram::checkAccess(tlm::tlm_generic_payload& gp) const {
  if (gp.get_byte_enable_ptr()) {
    gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  if (gp.get_streaming_width() < gp.get_data_length()) {
    gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  if (gp.get_address() + gp.get_data_length() > size_) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (gp.get_command() == tlm::TLM_IGNORE_COMMAND) {
    gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return false;
  }
  return true;
}

inline void Dram::moveData(tlm::tlm_generic_payload& gp) {
  // A write whose data its initiator already applied atomically, or a cache's line fill or
  // write-back (the caches keep no data), carries only timing.
  if (gp.get_extension<TimingOnlyExt>()) {
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (gp.is_write()) {
    storeWrite(gp, gp.get_data_length());
  } else {
    store_.read(gp.get_address(), gp.get_data_ptr(), gp.get_data_length());
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void Dram::storeWrite(const tlm::tlm_generic_payload& gp, unsigned len) {
  // store_data: false keeps no bytes of a program's access (it carries VmAccess, the MMU's
  // accesses for a workload): the bytes it covers read as zero afterwards, and what was zero
  // costs no host memory. Everything else (page tables, the kernel's copies, debug writes) is
  // kept, so the models that read memory back still see what they wrote.
  if (!storeData_ && gp.get_extension<VmAccess>()) {
    store_.write(gp.get_address(), nullptr, len);
  } else {
    store_.write(gp.get_address(), gp.get_data_ptr(), len);
  }
}

unsigned char* Dram::directPage(uint64_t pa) {
  // Only whole 4 KiB pages this target serves (the store's pages are 4 KiB).
  if ((pa | 4095) >= size_) return nullptr;
  return store_.page(pa);
}

DirectMemory::PageView Dram::peekPage(uint64_t pa) {
  if (!storeData_ || (pa | 4095) >= size_ || store_.pageBytes() != 4096) return {};
  return {store_.fullPage(pa), &store_.layoutEpoch()};
}

inline void Dram::ltTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (!checkAccess(gp)) return;
  ++ltAccesses_;
  const unsigned burst = cfg_.org.burstBytes();
  const sc_core::sc_time at = sim_->time_stamp() + delay;
  const uint64_t arrival = cycleOf(at);
  uint64_t done = arrival;
  const uint64_t first = burstOf(gp.get_address());
  const uint64_t last = burstOf(gp.get_address() + std::max(1u, gp.get_data_length()) - 1);
  for (uint64_t b = first; b <= last; ++b) {
    const uint64_t t = ltWrites_ ? ltWrites_->access(b * burst, gp.is_write(), arrival)
                                 : lt_->access(b * burst, gp.is_write(), arrival);
    done = std::max(done, t);
  }
  // The answer leaves on the controller's clock edge, as in AT: the arrival's offset into its
  // DRAM cycle is not added on top.
  const uint64_t cycles = done - arrival;
  if (unitsDiv_ != 1) {
    // The first time step at or after the cycle the answer leaves in (unsigned arithmetic: the
    // sum is never below the delay's start).
    delay = sc_core::sc_time::from_value(delay.value() + timeOf(done).value() + latency_.value() -
                                         at.value());
  } else {
    // at - timeOf(arrival) is at's offset into its cycle: from the table (no sc_time built).
    const uint64_t off = at.value() - arrival * unitsPerCycle_;
    delay += (cycles < ltDelays_.size() ? ltDelays_[cycles] : timeOf(cycles) + latency_) -
             (off < ltOffsets_.size() ? ltOffsets_[off] : at - timeOf(arrival));
  }
  moveData(gp);
}

void Dram::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  ltTransport(gp, delay);
}

void Dram::directTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  ltTransport(gp, delay);
}

unsigned int Dram::transport_dbg(tlm::tlm_generic_payload& gp) {
  if (gp.get_address() >= size_) return 0;
  const unsigned n =
      static_cast<unsigned>(std::min<uint64_t>(gp.get_data_length(), size_ - gp.get_address()));
  if (gp.is_write()) {
    storeWrite(gp, n);
  } else if (gp.is_read()) {
    store_.read(gp.get_address(), gp.get_data_ptr(), n);
  }
  return n;
}

tlm::tlm_sync_enum Dram::nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                         sc_core::sc_time& delay) {
  if (ph == tlm::BEGIN_REQ) {
    if (!checkAccess(gp)) {
      ph = tlm::BEGIN_RESP;
      return tlm::TLM_COMPLETED;
    }
    ++atAccesses_;
    gp.acquire();
    waiting_.push_back({&gp, 0});
    unacked_ = &gp;
    wake_.notify(delay);
    return tlm::TLM_ACCEPTED;
  }
  if (ph == tlm::END_RESP) {
    if (&gp == respInFlight_) respInFlight_ = nullptr;
    gp.release();
    wake_.notify(sc_core::SC_ZERO_TIME);
    return tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR(name(), "unexpected phase on nb_transport_fw");
  return tlm::TLM_COMPLETED;
}

void Dram::admitWaiting() {
  const unsigned burst = cfg_.org.burstBytes();
  while (!waiting_.empty()) {
    auto& [gp, next] = waiting_.front();
    const uint64_t first = gp->get_address() / burst;
    const uint64_t last = (gp->get_address() + std::max(1u, gp->get_data_length()) - 1) / burst;
    const unsigned total = static_cast<unsigned>(last - first + 1);
    if (next == 0) inflight_[nextId_] = {gp, total};
    const uint64_t id = nextId_;
    while (next < total) {
      const uint64_t addr = (first + next) * burst;
      if (!at_->canAccept(addr, gp->is_write())) return;  // back-pressure: END_REQ waits
      at_->add(addr, gp->is_write(), id);
      ++next;
    }
    ++nextId_;
    if (gp == unacked_) {
      unacked_ = nullptr;
      tlm::tlm_phase ph = tlm::END_REQ;
      sc_core::sc_time t = sc_core::SC_ZERO_TIME;
      tsock->nb_transport_bw(*gp, ph, t);
    }
    waiting_.pop_front();
  }
}

void Dram::onComplete(const Completion& c) {
  auto it = inflight_.find(c.id);
  if (it == inflight_.end()) return;
  if (--it->second.bursts > 0) return;
  tlm::tlm_generic_payload* gp = it->second.gp;
  inflight_.erase(it);
  moveData(*gp);
  responses_.emplace(timeOf(c.done).value() + latency_.value(), gp);
}

void Dram::controllerProcess() {
  // All times in kernel units (sc_time::value()), whatever the resolution.
  while (true) {
    const sc_core::sc_time nowT = sc_core::sc_time_stamp();
    const uint64_t now = nowT.value();
    const uint64_t cycleNow = cycleOf(nowT);
    at_->advanceTo(cycleNow);
    admitWaiting();
    // Send due responses one at a time (response exclusion rule: END_RESP before the next).
    while (!respInFlight_ && !responses_.empty() && responses_.begin()->first <= now) {
      tlm::tlm_generic_payload* gp = responses_.begin()->second;
      responses_.erase(responses_.begin());
      tlm::tlm_phase ph = tlm::BEGIN_RESP;
      sc_core::sc_time t = sc_core::SC_ZERO_TIME;
      respInFlight_ = gp;
      const auto s = tsock->nb_transport_bw(*gp, ph, t);
      if (s == tlm::TLM_COMPLETED || (s == tlm::TLM_UPDATED && ph == tlm::END_RESP)) {
        respInFlight_ = nullptr;
        gp->release();
      }
    }
    // Sleep until the controller, a response or a new request needs us. With no AT request in
    // the controllers, only refreshes are due: skip them now, advanceTo() catches up later.
    uint64_t next = UINT64_MAX;
    const uint64_t nextCycle = inflight_.empty() ? UINT64_MAX : at_->nextEventCycle();
    // advanceTo(c) simulates the cycles before c, so cycle n is done by waking at n + 1.
    if (nextCycle != UINT64_MAX) next = timeOf(std::max(nextCycle, cycleNow) + 1).value();
    if (!respInFlight_ && !responses_.empty()) {
      next = std::min(next, std::max(responses_.begin()->first, now + 1));
    }
    if (next == UINT64_MAX) {
      sc_core::wait(wake_);
    } else {
      sc_core::wait(sc_core::sc_time::from_value(next - now), wake_);
    }
  }
}

}  // namespace vmsim::dram
