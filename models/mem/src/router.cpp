// Address decoding and forwarding for all three transport interfaces.
#include "vmsim/mem/router.h"

namespace vmsim::mem {

Router::Router(const sc_core::sc_module_name& nm, SimContext& ctx)
    : Module(nm, ctx),
      tsock("tsock"),
      isock("isock"),
      decodeErrors_(ctx.stats.scalar(statName("decodeErrors"), "Count",
                                     "accesses to addresses no target serves")) {
  declareClock("2GHz");
  latency_ = cycles(params().getUint("latency", 1, "Cycle", "cycles per hop through the router",
                                     vmsim::Range{0, 1e6}));
  tsock.register_b_transport(this, &Router::b_transport);
  tsock.register_transport_dbg(this, &Router::transport_dbg);
  tsock.register_nb_transport_fw(this, &Router::nb_transport_fw);
  tsock.register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr);
  isock.register_nb_transport_bw(this, &Router::nb_transport_bw);
}

void Router::map(unsigned index, uint64_t base, uint64_t size, const std::string& name,
                 DirectMemory* direct) {
  for (const auto& r : ranges_) {
    if (base < r.base + r.size && r.base < base + size) {
      throw std::invalid_argument(std::string(this->name()) + ": range of " + name + " overlaps " +
                                  r.name);
    }
  }
  ranges_.push_back({base, size, index, name, direct});
}

void Router::setDirectTransport(unsigned index, DirectTransport* t) {
  for (auto& r : ranges_) {
    if (r.index == index) r.lt = t;
  }
}

void Router::clearDirectTransports() {
  for (auto& r : ranges_) r.lt = nullptr;
}

void Router::end_of_elaboration() {
  for (const auto& r : ranges_) {
    if (r.index >= static_cast<unsigned>(isock.size())) {
      SC_REPORT_FATAL(name(), ("range " + r.name + " maps to an unbound target").c_str());
    }
  }
}

// Inline: once per access in b_transport and transport_dbg.
inline const Router::Range* Router::decode(uint64_t addr) const {
  if (last_ && addr - last_->base < last_->size) return last_;
  for (const auto& r : ranges_) {
    if (addr - r.base < r.size) return last_ = &r;
  }
  return nullptr;
}

void Router::b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint64_t addr = gp.get_address();
  const Range* r = decode(addr);
  if (!r || addr + gp.get_data_length() - r->base > r->size) {
    ++decodeErrors_;
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  delay += latency_;
  gp.set_address(addr - r->base);
  if (r->lt) {
    r->lt->directTransport(gp, delay);
  } else {
    isock[r->index]->b_transport(gp, delay);
  }
  gp.set_address(addr);
}

unsigned int Router::transport_dbg(int, tlm::tlm_generic_payload& gp) {
  const uint64_t addr = gp.get_address();
  const Range* r = decode(addr);
  if (!r) return 0;
  gp.set_address(addr - r->base);
  const unsigned n = isock[r->index]->transport_dbg(gp);
  gp.set_address(addr);
  return n;
}

tlm::tlm_sync_enum Router::nb_transport_fw(int from, tlm::tlm_generic_payload& gp,
                                           tlm::tlm_phase& ph, sc_core::sc_time& delay) {
  const uint64_t addr = gp.get_address();
  if (ph == tlm::BEGIN_REQ) {
    const Range* r = decode(addr);
    if (!r) {
      ++decodeErrors_;
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      ph = tlm::END_REQ;  // complete at once with the error (base protocol allows TLM_COMPLETED)
      return tlm::TLM_COMPLETED;
    }
    pending_[&gp] = {from, addr};
    delay += latency_;
    gp.set_address(addr - r->base);
    const auto s = isock[r->index]->nb_transport_fw(gp, ph, delay);
    if (s == tlm::TLM_COMPLETED) {
      gp.set_address(addr);
      pending_.erase(&gp);
    }
    return s;
  }
  // END_RESP (or later phases): same target as the request.
  auto it = pending_.find(&gp);
  if (it == pending_.end()) {
    SC_REPORT_ERROR(name(), "nb_transport_fw for a transaction the router does not know");
    return tlm::TLM_COMPLETED;
  }
  const Range* r = decode(it->second.second);
  const auto s = isock[r->index]->nb_transport_fw(gp, ph, delay);
  if (ph == tlm::END_RESP || s == tlm::TLM_COMPLETED) {
    gp.set_address(it->second.second);
    pending_.erase(it);
  }
  return s;
}

tlm::tlm_sync_enum Router::nb_transport_bw(int, tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                           sc_core::sc_time& delay) {
  auto it = pending_.find(&gp);
  if (it == pending_.end()) {
    SC_REPORT_ERROR(name(), "nb_transport_bw for a transaction the router does not know");
    return tlm::TLM_COMPLETED;
  }
  const int from = it->second.first;
  if (ph == tlm::BEGIN_RESP) gp.set_address(it->second.second);
  const auto s = tsock[from]->nb_transport_bw(gp, ph, delay);
  if (s == tlm::TLM_COMPLETED) pending_.erase(it);
  return s;
}

const Router::Range* Router::directRange(uint64_t page) const {
  const Range* r = decode(page);
  // The whole page must lie in one target, at a page-aligned offset in it.
  if (!r || !r->direct || (r->base & 4095) || page + 4096 - r->base > r->size) return nullptr;
  return r;
}

unsigned char* Router::directPage(uint64_t pa) {
  const uint64_t page = pa & ~uint64_t{4095};
  const Range* r = directRange(page);
  return r ? r->direct->directPage(page - r->base) : nullptr;
}

DirectMemory::PageView Router::peekPage(uint64_t pa) {
  const uint64_t page = pa & ~uint64_t{4095};
  const Range* r = directRange(page);
  return r ? r->direct->peekPage(page - r->base) : PageView{};
}

bool Router::get_direct_mem_ptr(int, tlm::tlm_generic_payload&, tlm::tlm_dmi&) {
  return false;
}

}  // namespace vmsim::mem
