// Swap disk shell: block reads/writes of whole slots, service time from the disk model.
#include "vmsim/swap/swap_disk.h"

#include "vmsim/swap/ssd_timing.h"

namespace vmsim::swap {

SwapDisk::SwapDisk(const sc_core::sc_module_name& nm, SimContext& ctx)
    : Module(nm, ctx),
      tsock("tsock"),
      reads_(ctx.stats.scalar(statName("reads"), "Count", "read requests")),
      writes_(ctx.stats.scalar(statName("writes"), "Count", "write requests")),
      bytes_(ctx.stats.scalar(statName("bytes"), "Byte", "bytes transferred")),
      latency_(ctx.stats.histogram(statName("latency"), 16, "Microsecond",
                                   "request service time including queueing")) {
  auto& p = params();
  const auto kind = p.getChoice("type", "ssd", diskTimingNames(), "disk timing model");
  const uint64_t size =
      p.getSize("size", "1GiB", "swap device size", Range{4096, static_cast<double>(1ull << 50)});
  const uint64_t page = 4096;
  auto wb = p.child("write_buffer");
  const bool buffered = wb.getBool("enabled", true,
                                   "ssd: acknowledge writes once their data is in the drive's "
                                   "DRAM write buffer; the flash program runs in the background");
  // 256 MiB: MQSim's default Data_Cache_Capacity (ssdconfig.xml, Tavakkol et al., FAST 2018).
  const uint64_t bufferBytes =
      wb.getSize("size", "256MiB",
                 "ssd: write-buffer capacity; a write that finds it full waits "
                 "for the earliest program to finish",
                 Range{4096, static_cast<double>(1ull << 40)});
  if (kind == "ssd") {
    SsdParams sp;
    sp.writeBufferBytes = buffered ? bufferBytes : 0;
    auto ssd = std::make_unique<SsdTiming>(sp);
    ssd_ = ssd.get();
    timing_ = std::move(ssd);
    bufferedWrites_ = &ctx.stats.scalar(statName("bufferedWrites"), "Count",
                                        "writes acknowledged from the write buffer");
    bufferFullWaits_ = &ctx.stats.scalar(statName("bufferFullWaits"), "Count",
                                         "writes that waited for write-buffer space");
    bufferReadHits_ = &ctx.stats.scalar(statName("bufferReadHits"), "Count",
                                        "reads served from the write buffer");
  } else {
    timing_ = makeDiskTiming(kind);
  }
  store_ = std::make_unique<PageStore>(static_cast<uint32_t>(page), size / page);
  tsock.register_b_transport(this, &SwapDisk::b_transport);
  tsock.register_transport_dbg(this, &SwapDisk::transport_dbg);
}

std::optional<uint64_t> SwapDisk::allocateSlots(uint64_t count) {
  return store_->tryAllocate(count);
}

void SwapDisk::freeSlots(uint64_t first, uint64_t count) {
  store_->free(first, count);
}

bool SwapDisk::move(tlm::tlm_generic_payload& gp) {
  const uint64_t page = store_->pageBytes();
  const uint64_t addr = gp.get_address();
  const uint64_t len = gp.get_data_length();
  if (addr % page || len % page || len == 0 || gp.get_byte_enable_ptr()) {
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
  for (uint64_t off = 0; off < len; off += page) {
    const uint64_t slot = (addr + off) / page;
    if (gp.is_write()) {
      store_->write(slot, gp.get_data_ptr() + off);
    } else {
      store_->read(slot, gp.get_data_ptr() + off);
    }
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  return true;
}

void SwapDisk::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (!gp.is_read() && !gp.is_write()) {
    gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  if (!move(gp)) return;
  const uint64_t startNs =
      static_cast<uint64_t>((sc_core::sc_time_stamp() + delay).to_seconds() * 1e9);
  const uint64_t doneNs =
      timing_->serviceNs(startNs, gp.get_address() / 512, gp.get_data_length(), gp.is_write());
  const uint64_t ns = doneNs > startNs ? doneNs - startNs : 0;
  delay += sc_core::sc_time(static_cast<double>(ns), sc_core::SC_NS);
  (gp.is_write() ? writes_ : reads_) += 1;
  bytes_ += gp.get_data_length();
  latency_.sample(ns / 1000.0);
  if (ssd_) {
    bufferedWrites_->set(static_cast<double>(ssd_->bufferedWrites()));
    bufferFullWaits_->set(static_cast<double>(ssd_->bufferFullWaits()));
    bufferReadHits_->set(static_cast<double>(ssd_->bufferReadHits()));
  }
}

unsigned int SwapDisk::transport_dbg(tlm::tlm_generic_payload& gp) {
  return move(gp) ? gp.get_data_length() : 0;
}

}  // namespace vmsim::swap
