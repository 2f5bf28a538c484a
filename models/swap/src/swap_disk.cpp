// Swap disk shell: block reads/writes of whole slots, the device's parameters from the
// configuration, its command queue fed from LT and AT, and its stats.
#include "vmsim/swap/swap_disk.h"

#include <algorithm>
#include <stdexcept>

namespace vmsim::swap {
namespace {

constexpr uint64_t kPage = 4096;

uint64_t nsOf(const sc_core::sc_time& t) {
  return static_cast<uint64_t>(t.to_seconds() * 1e9 + 0.5);
}

uint64_t nowNs() {
  return nsOf(sc_core::sc_time_stamp());
}

sc_core::sc_time timeNs(uint64_t ns) {
  return sc_core::sc_time(static_cast<double>(ns), sc_core::SC_NS);
}

}  // namespace

SwapDisk::SwapDisk(const sc_core::sc_module_name& nm, SimContext& ctx)
    : Module(nm, ctx),
      tsock("tsock"),
      arrivals_("arrivals"),
      completions_("completions"),
      reads_(ctx.stats.scalar(statName("reads"), "Count", "read requests")),
      writes_(ctx.stats.scalar(statName("writes"), "Count", "write requests")),
      bytes_(ctx.stats.scalar(statName("bytes"), "Byte", "bytes transferred")),
      pages_(ctx.stats.scalar(statName("pages"), "Count", "pages (slots) transferred")),
      latency_(ctx.stats.histogram(statName("latency"), 16, "Microsecond",
                                   "request service time including queueing")),
      readLatency_(ctx.stats.histogram(statName("readLatency"), 16, "Microsecond",
                                       "read request time from arrival to completion")),
      writeLatency_(ctx.stats.histogram(
          statName("writeLatency"), 16, "Microsecond",
          "write request time from arrival to completion (a buffered SSD write: to its "
          "acknowledgement)")),
      queueWait_(ctx.stats.histogram(
          statName("queueWait"), 16, "Microsecond",
          "time a request waited before the device took it (for a command slot, and on an HDD "
          "for the arm)")),
      queueDepthHist_(ctx.stats.histogram(
          statName("queueDepth"), 16, "Count",
          "commands outstanding on the device when a request arrives, itself included")),
      requestPages_(
          ctx.stats.histogram(statName("requestPages"), 16, "Count", "pages per request")) {
  readParams();
  tsock.register_b_transport(this, &SwapDisk::b_transport);
  tsock.register_nb_transport_fw(this, &SwapDisk::nb_transport_fw);
  tsock.register_transport_dbg(this, &SwapDisk::transport_dbg);
  SC_METHOD(onArrival);
  sensitive << arrivals_.get_event();
  dont_initialize();
  SC_METHOD(runDispatch);
  sensitive << dispatchEvent_;
  dont_initialize();
  SC_METHOD(onDone);
  sensitive << completions_.get_event();
  dont_initialize();
  SC_METHOD(sendResponses);
  sensitive << responseEvent_;
  dont_initialize();
}

void SwapDisk::readParams() {
  auto& p = params();
  Config& cfg = p.config();
  const auto kind = p.getChoice("type", "ssd", diskTimingNames(), "disk timing model");
  const uint64_t size = p.getSize("size", "1GiB", "swap area size (from the device's first sector)",
                                  Range{4096, static_cast<double>(1ull << 50)});
  auto toNs = [](uint64_t ps) { return ps / 1000; };

  // HDD. Defaults: HddParams (hdd_timing.h), a 7200 rpm desktop drive; configs/swap/hdd_7200.yaml
  // sets the same values with their sources.
  auto h = p.child("hdd");
  HddParams hp;
  hp.capacityBytes = h.getSize("capacity", "2000398934016", "hdd: drive capacity (geometry)",
                               Range{1ull << 20, 1e18});
  hp.rpm = static_cast<uint32_t>(
      h.getUint("rpm", hp.rpm, "rev/min", "hdd: spindle speed", Range{1000, 30000}));
  hp.heads = static_cast<uint32_t>(
      h.getUint("heads", hp.heads, "Count", "hdd: data surfaces (heads)", Range{1, 64}));
  hp.sustainedBytesPerSec =
      h.getUint("media_rate", hp.sustainedBytesPerSec, "B/s",
                "hdd: sustained media transfer rate (outer zone)", Range{1e6, 1e10});
  hp.trackToTrackSeekNs = toNs(h.getTimePs(
      "track_to_track_seek", "1ms", "hdd: single-track seek (settling included)", Range{0, 1e12}));
  hp.averageSeekNs = toNs(h.getTimePs("average_seek", "8.5ms",
                                      "hdd: average seek (a third of the stroke)", Range{0, 1e12}));
  hp.fullStrokeSeekNs =
      toNs(h.getTimePs("full_stroke_seek", "20ms", "hdd: full-stroke seek", Range{0, 1e12}));
  hp.writeSettleExtraNs = toNs(h.getTimePs(
      "write_settle", "1ms", "hdd: extra settling of a seek before a write", Range{0, 1e12}));
  hp.readAheadSectors = h.getUint("read_ahead", hp.readAheadSectors, "Sector",
                                  "hdd: a request starting at most this far past the previous "
                                  "one's end streams from the track buffer (no seek, no rotation)",
                                  Range{0, 1e9});
  const auto hddSched = h.getChoice("scheduling", "clook", schedulingNames(),
                                    "hdd: order in which queued requests are served");
  const uint32_t hddDepth = static_cast<uint32_t>(
      h.getUint("queue_depth", 32, "Count",
                "hdd: commands the drive holds (NCQ: 32); more wait for END_REQ", Range{1, 65536}));

  // SSD. Defaults: SsdParams (ssd_timing.h), MQSim's default device; configs/swap/*.yaml carry
  // real drives with their sources.
  auto s = p.child("ssd");
  SsdParams sp;
  sp.capacityBytes =
      s.getSize("capacity", "256GiB", "ssd: drive capacity", Range{1ull << 20, 1e18});
  sp.channels = static_cast<uint32_t>(
      s.getUint("channels", sp.channels, "Count", "ssd: flash channels", Range{1, 1024}));
  sp.diesPerChannel = static_cast<uint32_t>(s.getUint(
      "dies_per_channel", sp.diesPerChannel, "Count", "ssd: dies on each channel", Range{1, 1024}));
  sp.pageBytes = static_cast<uint32_t>(
      s.getSize("page_size", "16KiB", "ssd: flash page (unit of a read or program on one die)",
                Range{512, 1 << 24}));
  sp.readNs = toNs(
      s.getTimePs("read_time", "115us", "ssd: page read (array to register), tR", Range{0, 1e12}));
  sp.programNs =
      toNs(s.getTimePs("program_time", "1600us", "ssd: page program, tPROG", Range{0, 1e12}));
  sp.channelBytesPerSec = s.getUint("channel_rate", sp.channelBytesPerSec, "B/s",
                                    "ssd: data rate of one flash channel", Range{1e6, 1e11});
  sp.hostBytesPerSec =
      s.getUint("host_rate", sp.hostBytesPerSec, "B/s",
                "ssd: host link data rate (PCIe / SATA after line coding)", Range{1e6, 1e11});
  sp.readOverheadNs = toNs(
      s.getTimePs("read_overhead", "0", "ssd: controller time per read command", Range{0, 1e12}));
  sp.writeOverheadNs = toNs(
      s.getTimePs("write_overhead", "0", "ssd: controller time per write command", Range{0, 1e12}));
  auto wb = s.child("write_buffer");
  const bool buffered = wb.getBool("enabled", true,
                                   "ssd: acknowledge writes once their data is in the drive's "
                                   "write buffer; the flash program runs in the background");
  // 256 MiB: MQSim's default Data_Cache_Capacity (ssdconfig.xml, Tavakkol et al., FAST 2018).
  const uint64_t bufferBytes =
      wb.getSize("size", "256MiB",
                 "ssd: write-buffer capacity; a write that finds it full waits "
                 "for the earliest program to finish",
                 Range{4096, static_cast<double>(1ull << 40)});
  sp.writeBufferBytes = buffered ? bufferBytes : 0;
  const uint32_t ssdDepth = static_cast<uint32_t>(
      s.getUint("queue_depth", 32, "Count",
                "ssd: commands outstanding on the drive (NCQ 32; NVMe up to 65536 per queue); "
                "more wait for END_REQ",
                Range{1, 65536}));

  // Combinations the ranges cannot express: a config problem naming the keys, and the defaults
  // meanwhile (the run stops at finalize()).
  const bool hdd = kind == "hdd";
  const uint64_t capacity = hdd ? hp.capacityBytes : sp.capacityBytes;
  if (size > capacity)
    cfg.addProblem("'" + p.key("size") + "': " + std::to_string(size) +
                   " bytes do not fit on the device ('" + (hdd ? h : s).key("capacity") + "' is " +
                   std::to_string(capacity) + ")");
  try {
    if (hdd) {
      timing_ = std::make_unique<HddTiming>(hp);
    } else {
      auto ssd = std::make_unique<SsdTiming>(sp);
      ssd_ = ssd.get();
      timing_ = std::move(ssd);
    }
  } catch (const std::invalid_argument& e) {
    cfg.addProblem("'" + (hdd ? h : s).path() + "': " + e.what());
    hp = HddParams{};
    sp = SsdParams{};
    if (hdd) {
      timing_ = std::make_unique<HddTiming>(hp);
    } else {
      auto ssd = std::make_unique<SsdTiming>(sp);
      ssd_ = ssd.get();
      timing_ = std::move(ssd);
    }
  }
  hddParams_ = hp;
  ssdParams_ = sp;
  queue_ = std::make_unique<DiskQueue>(*timing_, schedulingFromName(hdd ? hddSched : "fifo"),
                                       hdd ? hddDepth : ssdDepth, /*serial=*/hdd);
  if (ssd_) {
    bufferedWrites_ = &context().stats.scalar(statName("bufferedWrites"), "Count",
                                              "writes acknowledged from the write buffer");
    bufferFullWaits_ = &context().stats.scalar(statName("bufferFullWaits"), "Count",
                                               "writes that waited for write-buffer space");
    bufferReadHits_ = &context().stats.scalar(statName("bufferReadHits"), "Count",
                                              "reads served from the write buffer");
  }
  store_ = std::make_unique<PageStore>(
      static_cast<uint32_t>(kPage),
      std::min(size, hdd ? hp.capacityBytes : sp.capacityBytes) / kPage);
}

std::optional<uint64_t> SwapDisk::allocateSlots(uint64_t count) {
  return store_->tryAllocate(count);
}

void SwapDisk::freeSlots(uint64_t first, uint64_t count) {
  store_->free(first, count);
}

bool SwapDisk::check(tlm::tlm_generic_payload& gp) {
  if (!gp.is_read() && !gp.is_write()) {
    gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return false;
  }
  const uint64_t page = store_->pageBytes();
  const uint64_t addr = gp.get_address();
  const uint64_t len = gp.get_data_length();
  if (addr % page || len % page || len == 0 || gp.get_byte_enable_ptr() ||
      (gp.get_streaming_width() != 0 && gp.get_streaming_width() < len)) {
    gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  for (uint64_t off = 0; off < len; off += page) {
    const uint64_t slot = (addr + off) / page;
    if (slot >= store_->capacity() || !store_->slots().isAllocated(slot)) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return false;
    }
  }
  return true;
}

void SwapDisk::copy(tlm::tlm_generic_payload& gp) {
  const uint64_t page = store_->pageBytes();
  const uint64_t addr = gp.get_address();
  for (uint64_t off = 0; off < gp.get_data_length(); off += page) {
    const uint64_t slot = (addr + off) / page;
    if (gp.is_write()) {
      store_->write(slot, gp.get_data_ptr() + off);
    } else {
      store_->read(slot, gp.get_data_ptr() + off);
    }
  }
}

void SwapDisk::record(bool write, uint64_t bytes, uint64_t arrivalNs, uint64_t startNs,
                      uint64_t doneNs, uint32_t depth) {
  (write ? writes_ : reads_) += 1;
  bytes_ += static_cast<double>(bytes);
  pages_ += static_cast<double>(bytes / kPage);
  const double us = static_cast<double>(doneNs - arrivalNs) / 1000.0;
  latency_.sample(us);
  (write ? writeLatency_ : readLatency_).sample(us);
  queueWait_.sample(static_cast<double>(startNs - arrivalNs) / 1000.0);
  queueDepthHist_.sample(depth);
  requestPages_.sample(static_cast<double>(bytes / kPage));
  if (ssd_) {
    bufferedWrites_->set(static_cast<double>(ssd_->bufferedWrites()));
    bufferFullWaits_->set(static_cast<double>(ssd_->bufferFullWaits()));
    bufferReadHits_->set(static_cast<double>(ssd_->bufferReadHits()));
  }
}

// --- LT -----------------------------------------------------------------------------------------

void SwapDisk::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (!check(gp)) return;
  copy(gp);
  const uint64_t arrival = nsOf(sc_core::sc_time_stamp() + delay);
  const uint32_t depth = queue_->outstanding(arrival) + 1;
  const Dispatched d = queue_->serveNow(arrival, gp.get_address() / kSectorBytes,
                                        static_cast<uint32_t>(gp.get_data_length()), gp.is_write());
  delay += timeNs(d.doneNs - arrival);
  record(gp.is_write(), gp.get_data_length(), arrival, d.startNs, d.doneNs, depth);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int SwapDisk::transport_dbg(tlm::tlm_generic_payload& gp) {
  if (!check(gp)) return 0;
  copy(gp);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  return gp.get_data_length();
}

// --- AT -----------------------------------------------------------------------------------------

tlm::tlm_sync_enum SwapDisk::nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                             sc_core::sc_time& delay) {
  if (ph == tlm::BEGIN_REQ) {
    if (!check(gp)) return tlm::TLM_COMPLETED;  // malformed: ends here with its error status
    arrivals_.notify(gp, delay);
    return tlm::TLM_ACCEPTED;
  }
  if (ph == tlm::END_RESP) {
    if (&gp == responseOpen_) {
      responseOpen_ = nullptr;
      responseEvent_.notify(sc_core::SC_ZERO_TIME);
    }
    return tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR(name(), "nb_transport_fw: unexpected phase");
  return tlm::TLM_COMPLETED;
}

void SwapDisk::onArrival() {
  while (tlm::tlm_generic_payload* gp = arrivals_.get_next_transaction()) {
    const uint64_t now = nowNs();
    if (waitingEndReq_ || queue_->full(now)) {
      // Every command slot is taken: END_REQ waits for a completion (the request exclusion
      // rule then holds the initiator's next request back).
      if (waitingEndReq_) SC_REPORT_ERROR(name(), "BEGIN_REQ before END_REQ of the previous one");
      waitingEndReq_ = gp;
      waitingArrivalNs_ = now;
      continue;
    }
    accept(*gp, now);
  }
}

void SwapDisk::accept(tlm::tlm_generic_payload& gp, uint64_t now) {
  tlm::tlm_phase ph = tlm::END_REQ;
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  tsock->nb_transport_bw(gp, ph, t);
  copy(gp);
  uint64_t id;
  if (freeIds_.empty()) {
    id = pending_.size();
    pending_.emplace_back();
  } else {
    id = freeIds_.back();
    freeIds_.pop_back();
  }
  const uint64_t arrival = &gp == waitingEndReq_ ? waitingArrivalNs_ : now;
  pending_[id] = {&gp, arrival, queue_->outstanding(now) + 1};
  queue_->submit({id, now, gp.get_address() / kSectorBytes,
                  static_cast<uint32_t>(gp.get_data_length()), gp.is_write()});
  runDispatch();
}

void SwapDisk::runDispatch() {
  const uint64_t now = nowNs();
  started_.clear();
  queue_->dispatch(now, started_);
  for (const Dispatched& d : started_) {
    Pending& r = pending_[d.id];
    record(r.gp->is_write(), r.gp->get_data_length(), r.arrivalNs, d.startNs, d.doneNs, r.depth);
    completions_.notify(*r.gp, timeNs(d.doneNs - now));
    r.gp = nullptr;
    freeIds_.push_back(d.id);
  }
  const uint64_t next = queue_->nextDispatchNs();
  if (next != UINT64_MAX) dispatchEvent_.notify(timeNs(next > now ? next - now : 0));
}

void SwapDisk::onDone() {
  while (tlm::tlm_generic_payload* gp = completions_.get_next_transaction()) {
    gp->set_response_status(tlm::TLM_OK_RESPONSE);
    responses_.push_back(gp);
  }
  sendResponses();
  if (waitingEndReq_ && !queue_->full(nowNs())) {
    tlm::tlm_generic_payload* gp = waitingEndReq_;
    accept(*gp, nowNs());
    waitingEndReq_ = nullptr;
  }
}

void SwapDisk::sendResponses() {
  while (!responseOpen_ && !responses_.empty()) {
    tlm::tlm_generic_payload* gp = responses_.front();
    responses_.pop_front();
    tlm::tlm_phase ph = tlm::BEGIN_RESP;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum s = tsock->nb_transport_bw(*gp, ph, t);
    if (s == tlm::TLM_ACCEPTED || (s == tlm::TLM_UPDATED && ph == tlm::BEGIN_RESP))
      responseOpen_ = gp;  // END_RESP comes on the forward path
    // TLM_COMPLETED, or TLM_UPDATED with END_RESP: the transaction is over.
  }
}

}  // namespace vmsim::swap
