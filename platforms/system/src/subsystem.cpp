// The ready subsystem: the builder's pieces (parts.h) wired around an internal router whose one
// target is the `mem` socket.
#include "vmsim/platform/subsystem.h"

#include <limits>
#include <sstream>

#include "vmsim/common/extensions.h"

namespace vmsim::platform {

Subsystem::Subsystem(const sc_core::sc_module_name& nm, Config& cfg, stats::Registry& stats,
                     bool finalize)
    : sc_core::sc_module(nm), cpu("cpu"), mem("mem"), cfg_(&cfg), stats_(&stats), toMem_("to_mem") {
  build(finalize);
}

Subsystem::Subsystem(const sc_core::sc_module_name& nm,
                     const std::vector<std::pair<std::string, std::string>>& params)
    : sc_core::sc_module(nm),
      cpu("cpu"),
      mem("mem"),
      ownCfg_(std::make_unique<Config>()),
      ownStats_(std::make_unique<stats::Registry>()),
      cfg_(ownCfg_.get()),
      stats_(ownStats_.get()),
      toMem_("to_mem") {
  for (const auto& [key, value] : params) cfg_->set(std::string(name()) + "." + key, value);
  build(true);
}

Subsystem::~Subsystem() = default;

void Subsystem::build(bool finalize) {
  ctx_ = std::make_unique<SimContext>(SimContext{*cfg_, *stats_});
  SimContext& ctx = *ctx_;
  const std::string me = name();
  auto p = cfg_->at(me);
  const uint64_t ncores =
      p.getUint("cores", 1, "Count", "cores: one MMU (TLBs, walker) and target socket cpu[i] each",
                Range{1, 64});
  // As system.clock in vmsim's platform: read by every module without a clock of its own.
  p.getTimePs("clock", "2GHz",
              "default clock of every module of the subsystem that sets none (cpuN.clock, "
              "router.clock, kernel.clock, ... win)",
              Range{10, 1e6});

  // Physical side: every internal initiator reaches `mem` through the router (one hop of
  // `router.latency` cycles, default 1; set it to 0 when the platform's bus charges its own).
  toMem_.register_b_transport(this, &Subsystem::b_transport);
  toMem_.register_transport_dbg(this, &Subsystem::transport_dbg);
  toMem_.register_nb_transport_fw(this, &Subsystem::nb_transport_fw);
  toMem_.register_get_direct_mem_ptr(this, &Subsystem::get_direct_mem_ptr);
  mem.register_nb_transport_bw(this, &Subsystem::nb_transport_bw);
  router_ = std::make_unique<mem::Router>("router", ctx);
  router_->isock.bind(toMem_);
  router_->map(0, 0, std::numeric_limits<uint64_t>::max(), "mem");
  llc_ = makeCache("llc", me + ".llc", ctx, cacheDefaults(CacheLevel::LLC));
  if (llc_) {
    llc_->next.bind(router_->tsock);
    llc_->data.bind(router_->tsock);
    llc_->linkNext(nullptr);
  }
  TargetSocket& below = llc_ ? static_cast<TargetSocket&>(llc_->tsock) : router_->tsock;

  kernel_ = buildKernel(ctx, me + ".swap", me);
  os::Kernel& k = *kernel_.kernel;
  k.mem.bind(below);

  // The address spaces: 0 for payloads without VmAccess, and `processes` more.
  const uint64_t nproc =
      p.getUint("processes", 0, "Count",
                "address spaces 1..N besides 0 (payloads whose VmAccess extension names an ASID); "
                "each gets the region space.base/space.size",
                Range{0, 4096});
  const uint64_t top = k.pageTableFormat().userTop();
  auto sp = p.child("space");
  const uint64_t base =
      sp.getSize("base", "4KiB",
                 "first virtual address of the demand-paged region of every address space (page "
                 "0 stays unmapped, so that a null pointer faults); 4 KiB aligned");
  uint64_t size = sp.getSize("size", "0",
                             "bytes of that region (0: up to the top of the lower, user half of "
                             "the kernel's page_table_format); accesses outside it fault");
  if (size == 0 && base < top) size = top - base;
  asids_.push_back(0);
  for (uint64_t i = 1; i <= nproc; ++i)
    asids_.push_back(k.createProcess("proc" + std::to_string(i)));
  if (base % 4096 || size % 4096 || base < 4096 || base >= top || size > top - base) {
    std::ostringstream os;
    os << "'" << sp.key("base") << "'/'" << sp.key("size") << "': the region [0x" << std::hex
       << base << ", 0x" << base + size << ") must be 4 KiB aligned and lie in [0x1000, 0x" << top
       << "), the user half of " << k.pageTableFormat().name()
       << " (page 0 stays unmapped so that a null pointer faults)";
    cfg_->addProblem(os.str());
  } else {
    for (const Asid a : asids_) k.addRegion(a, {"space", base, size, Perms{}});
  }

  cpu.init(ncores);
  for (uint64_t i = 0; i < ncores; ++i) {
    cores_.push_back(std::make_unique<CoreSlot>(("cpu" + std::to_string(i)).c_str(), ctx));
    CoreHardware& hw = cores_.back()->hw;
    hw.wireMemory(below, llc_.get(), router_->tsock, nullptr);
    cpu[i].bind(hw.cpuSide());
    mmu::Mmu* m = hw.radix();
    if (!m) {
      cfg_->addProblem("'" + me + ".cpu" + std::to_string(i) + ".mmu.mode': " + hw.mmuMode() +
                       ": the subsystem serves radix paging only (its kernel builds the page "
                       "tables); the textbook schemes run in vmsim's own platform");
      continue;
    }
    if (!m->sharedLinks().empty()) {
      cfg_->addProblem("'" + std::string(m->sharedLinks().front().first->name()) +
                       ".next': shared TLB levels are not built in the subsystem; use a private "
                       "TLB, walker, or vmsim's own platform");
      continue;
    }
    // Every address space may run on every core (the initiator's VmAccess says which).
    attachToKernel(*m, k, asids_, *cfg_);
    for (auto* t : m->tlbs()) t->checkMappedPageSizes(k.mappedPageShifts());
  }
  SC_METHOD(sendQueued);
  sensitive << sendNext_;
  dont_initialize();
  if (finalize) cfg_->finalize();
}

void Subsystem::start_of_simulation() {
  // The kernel builds page tables and copies pages, and the caches move data, through debug
  // transport: check once, at both ends of the kernel's memory, that the target serves it.
  os::Kernel& k = *kernel_.kernel;
  const uint64_t first = k.memoryBase();
  const uint64_t last = first + k.framesTotal() * 4096 - 8;
  for (const uint64_t pa : {first, last}) {
    uint64_t word = 0;
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(pa);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&word));
    gp.set_data_length(8);
    gp.set_streaming_width(8);
    const unsigned n = mem->transport_dbg(gp);
    if (n == 8) continue;
    std::ostringstream os;
    os << "the memory target bound to '" << mem.name() << "' answered a debug read "
       << "(transport_dbg) of 8 bytes at physical address 0x" << std::hex << pa << " with "
       << std::dec << n << " bytes. The subsystem's kernel writes page tables and copies pages "
       << "with TLM-2.0 debug transport, and its caches move data with it, so the target must "
       << "implement transport_dbg (register_transport_dbg on a simple_target_socket) for the "
       << "whole range [0x" << std::hex << first << ", 0x" << last + 8 << ") that '"
       << k.params().key("memory_base") << "' and 'memory_size' give";
    SC_REPORT_ERROR(name(), os.str().c_str());
    return;
  }
}

namespace {
// A write that exists for its timing only (a cache's write-back or line fill, an AT A/D-bit
// write applied atomically before): its bytes are not the memory's. vmsim's DRAM knows the
// extension; a foreign target would store the bytes, so it is sent as a read of the same line
// (the same traffic at the same time, nothing overwritten) and turned back before its initiator
// sees it again.
bool timingOnlyWrite(const tlm::tlm_generic_payload& gp) {
  return gp.is_write() && gp.get_extension<TimingOnlyExt>();
}
}  // namespace

void Subsystem::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (!timingOnlyWrite(gp)) return mem->b_transport(gp, delay);
  gp.set_command(tlm::TLM_READ_COMMAND);
  mem->b_transport(gp, delay);
  gp.set_command(tlm::TLM_WRITE_COMMAND);
}

tlm::tlm_sync_enum Subsystem::beginRequest(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                           sc_core::sc_time& delay) {
  const bool asRead = timingOnlyWrite(gp);
  if (asRead) gp.set_command(tlm::TLM_READ_COMMAND);
  const auto s = mem->nb_transport_fw(gp, ph, delay);
  if (s == tlm::TLM_ACCEPTED) reqOpen_ = &gp;
  const bool answered = s == tlm::TLM_COMPLETED || (s == tlm::TLM_UPDATED && ph == tlm::BEGIN_RESP);
  if (asRead && answered) gp.set_command(tlm::TLM_WRITE_COMMAND);
  if (asRead && !answered) asRead_.insert(&gp);
  return s;
}

unsigned int Subsystem::transport_dbg(tlm::tlm_generic_payload& gp) {
  return mem->transport_dbg(gp);
}

tlm::tlm_sync_enum Subsystem::nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                              sc_core::sc_time& delay) {
  if (ph == tlm::BEGIN_REQ && (reqOpen_ || !held_.empty())) {
    // The base protocol's request exclusion rule holds per socket: the router merges several
    // initiators, so their requests wait here for END_REQ (or BEGIN_RESP) of the open one.
    held_.push_back(&gp);
    return tlm::TLM_ACCEPTED;
  }
  if (ph == tlm::END_RESP && doneAtTarget_.erase(&gp)) return tlm::TLM_COMPLETED;
  if (ph == tlm::BEGIN_REQ) return beginRequest(gp, ph, delay);
  return mem->nb_transport_fw(gp, ph, delay);
}

void Subsystem::sendRequest(tlm::tlm_generic_payload& gp, sc_core::sc_time delay) {
  tlm::tlm_phase ph = tlm::BEGIN_REQ;
  const auto s = beginRequest(gp, ph, delay);
  if (s == tlm::TLM_ACCEPTED) return;
  // Answered at once: the upstream initiator, told TLM_ACCEPTED, hears it on the backward path.
  if (s == tlm::TLM_COMPLETED) {
    doneAtTarget_.insert(&gp);  // an END_RESP from upstream is answered here
    ph = tlm::BEGIN_RESP;
  }
  const auto r = toMem_->nb_transport_bw(gp, ph, delay);
  if (ph == tlm::BEGIN_RESP && s != tlm::TLM_COMPLETED &&
      (r == tlm::TLM_COMPLETED || (r == tlm::TLM_UPDATED && ph == tlm::END_RESP))) {
    tlm::tlm_phase end = tlm::END_RESP;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    mem->nb_transport_fw(gp, end, t);
  }
  if (s == tlm::TLM_COMPLETED &&
      (r == tlm::TLM_COMPLETED || (r == tlm::TLM_UPDATED && ph == tlm::END_RESP))) {
    doneAtTarget_.erase(&gp);
  }
  sendNext_.notify(sc_core::SC_ZERO_TIME);
}

void Subsystem::sendQueued() {
  if (reqOpen_ || held_.empty()) return;
  tlm::tlm_generic_payload* gp = held_.front();
  held_.pop_front();
  sendRequest(*gp, sc_core::SC_ZERO_TIME);
}

tlm::tlm_sync_enum Subsystem::nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                              sc_core::sc_time& delay) {
  if (&gp == reqOpen_ && (ph == tlm::END_REQ || ph == tlm::BEGIN_RESP)) {
    reqOpen_ = nullptr;
    if (!held_.empty()) sendNext_.notify(delay);
  }
  if (ph == tlm::BEGIN_RESP && asRead_.erase(&gp)) gp.set_command(tlm::TLM_WRITE_COMMAND);
  return toMem_->nb_transport_bw(gp, ph, delay);
}

bool Subsystem::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi&) {
  return false;  // DMI would bypass translation, timing and statistics
}

}  // namespace vmsim::platform
