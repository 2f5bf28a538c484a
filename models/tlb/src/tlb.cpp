// TLB level module: lookup, forward on miss, fill on return. A store that hits an entry whose
// dirty bit is clear goes to the walker too, which sets D in the PTE (as x86 does).
#include "vmsim/tlb/tlb.h"

#include <algorithm>

namespace vmsim::tlb {
namespace {
std::vector<unsigned> shiftsOf(const std::vector<uint64_t>& sizes, Params& p) {
  std::vector<unsigned> shifts;
  if (sizes.empty()) {
    p.config().addProblem("'" + p.key("page_sizes") +
                          "': the list is empty; a TLB holds at least one page size");
  }
  for (uint64_t s : sizes) {
    if (s < 4096 || (s & (s - 1))) {
      p.config().addProblem("'" + p.key("page_sizes") + "': " + std::to_string(s) +
                            " is not a power of two >= 4096");
      continue;
    }
    unsigned sh = 0;
    while ((uint64_t{1} << sh) < s) ++sh;
    if (std::find(shifts.begin(), shifts.end(), sh) != shifts.end()) {
      p.config().addProblem("'" + p.key("page_sizes") + "': " + std::to_string(s) +
                            " is listed twice");
      continue;
    }
    shifts.push_back(sh);
  }
  if (shifts.empty()) shifts.push_back(12);
  return shifts;
}

std::string sizeText(unsigned shift) {
  if (shift >= 30) return std::to_string(uint64_t{1} << (shift - 30)) + " GiB";
  if (shift >= 20) return std::to_string(uint64_t{1} << (shift - 20)) + " MiB";
  return std::to_string(uint64_t{1} << (shift - 10)) + " KiB";
}

std::string sizesText(const std::vector<unsigned>& shifts) {
  std::string t;
  for (unsigned s : shifts) t += (t.empty() ? "" : ", ") + sizeText(s);
  return t;
}
}  // namespace

Tlb::Settings Tlb::readSettings(Params& p, size_t defaultEntries, unsigned defaultWays) {
  Settings s;
  s.entries = p.getUint("entries", defaultEntries, "Count", "number of entries", Range{1, 1 << 20});
  s.ways =
      p.getUint("ways", defaultWays, "Count", "associativity (entries = fully)", Range{1, 1 << 20});
  s.policy = p.getChoice("replacement", "lru", setReplacementNames(), "replacement within a set");
  s.pageSizes = p.getUintList("page_sizes", {4096, 2097152}, "Byte",
                              "page sizes this TLB holds (each once, powers of two >= 4096)");
  s.lookupLatency =
      p.getUint("lookup_latency", 1, "Cycle", "cycles per lookup, hit or miss", Range{0, 1e6});
  s.seed = p.getUint("seed", 1, "", "seed of the random replacement policy");
  return s;
}

std::vector<std::string> Tlb::declareDisabled(Params p, size_t defaultEntries,
                                              unsigned defaultWays) {
  // What the Module base and the constructor would read, so that the keys stay valid.
  p.getChoice("log_level", "warning", logLevelNames(), "verbosity of this module's messages");
  p.getTimePs("clock", "2GHz", "clock frequency or period of this module");
  readSettings(p, defaultEntries, defaultWays);
  Config& cfg = p.config();
  const std::string prefix = p.path() + ".";
  const std::string enabled = p.key("enabled");
  std::vector<std::string> set;
  std::vector<std::pair<std::string, ParamDecl>> marked;
  for (const auto& [k, d] : cfg.declared()) {
    if (k.rfind(prefix, 0) != 0 || k == enabled) continue;
    ParamDecl m = d;
    m.desc = "ignored (" + p.path() + " is disabled): " + d.desc;
    marked.emplace_back(k, std::move(m));
    if (cfg.hasValue(k)) set.push_back(k);
  }
  for (auto& [k, d] : marked) cfg.declare(k, std::move(d));
  return set;
}

void Tlb::checkMappedPageSizes(const std::vector<unsigned>& mapped) const {
  if (mapped.empty()) return;  // the OS does not say
  for (unsigned s : core_->pageShifts()) {
    if (std::find(mapped.begin(), mapped.end(), s) != mapped.end()) return;
  }
  logWarning("holds only " + sizesText(core_->pageShifts()) + " pages, but the kernel maps only " +
             sizesText(mapped) + " pages: every lookup will miss ('" + name() + ".page_sizes')");
}

Tlb::Tlb(const sc_core::sc_module_name& nm, SimContext& ctx, unsigned level, size_t defaultEntries,
         unsigned defaultWays)
    : Module(nm, ctx),
      tsock("tsock"),
      next("next"),
      level_(level),
      hits_(ctx.stats.scalar(statName("hits"), "Count", "lookups that hit")),
      misses_(ctx.stats.scalar(statName("misses"), "Count", "lookups that missed")),
      dirtyMisses_(ctx.stats.scalar(statName("dirtyMisses"), "Count",
                                    "stores that hit a clean entry and went on to set D")),
      evictions_(ctx.stats.scalar(statName("evictions"), "Count", "valid entries replaced")),
      invalidations_(
          ctx.stats.scalar(statName("invalidations"), "Count", "entries dropped by shootdowns")) {
  declareClock("2GHz");
  auto& p = params();
  const Settings cfg = readSettings(p, defaultEntries, defaultWays);
  const uint64_t entries = cfg.entries;
  uint64_t ways = cfg.ways;
  const std::string& policy = cfg.policy;
  const auto& sizes = cfg.pageSizes;
  const uint64_t seed = cfg.seed;
  lookupLatency_ = cycles(cfg.lookupLatency);
  if (ways > entries || entries % ways) {
    p.config().addProblem("'" + p.key("ways") + "': " + std::to_string(ways) +
                          " does not divide entries (" + std::to_string(entries) + ")");
    ways = entries;
  }
  try {
    core_ = std::make_unique<TlbCore>(entries, static_cast<unsigned>(ways), shiftsOf(sizes, p),
                                      policy, seed);
  } catch (const std::invalid_argument& e) {
    p.config().addProblem("'" + p.path() + "': " + e.what());
    core_ = std::make_unique<TlbCore>(entries, static_cast<unsigned>(entries),
                                      std::vector<unsigned>{12}, "lru", seed);
  }
  ctx.stats.formula(
      statName("hitRate"),
      [this] {
        const double n = hits_.value() + misses_.value();
        return n ? hits_.value() / n : 0.0;
      },
      "Ratio", "hits / lookups");
  tsock.register_b_transport(this, &Tlb::b_transport);
  tsock.register_transport_dbg(this, &Tlb::transport_dbg);
}

void Tlb::b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  auto* x = gp.get_extension<TranslationExt>();
  if (!x) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  delay += lookupLatency_;
  if (const TlbEntry* e = core_->lookup(x->asid, x->va.value())) {
    if (!(x->kind == AccessKind::Store && !e->dirty)) {
      ++hits_;
      x->fault = FaultKind::None;
      x->pageShift = e->shift;
      x->pa = PhysAddr((e->frame << e->shift) | pageOffset(x->va.value(), e->shift));
      x->perms = e->perms;
      x->dirty = e->dirty;
      x->resolvedLevel = static_cast<uint8_t>(level_);
      gp.set_response_status(tlm::TLM_OK_RESPONSE);
      return;
    }
    ++dirtyMisses_;
  }
  ++misses_;
  next->b_transport(gp, delay);
  if (gp.is_response_ok() && x->fault == FaultKind::None && core_->holdsShift(x->pageShift)) {
    TlbEntry e;
    e.asid = x->asid;
    e.shift = static_cast<uint8_t>(x->pageShift);
    e.vpn = x->va.value() >> x->pageShift;
    e.frame = x->pa.value() >> x->pageShift;
    e.perms = x->perms;
    e.dirty = x->dirty;
    if (core_->insert(e)) ++evictions_;
  }
}

unsigned int Tlb::transport_dbg(int, tlm::tlm_generic_payload& gp) {
  // Debug translations bypass the TLBs: the walker answers them from the page tables.
  return next->transport_dbg(gp);
}

void Tlb::invalidatePage(Asid asid, VirtAddr va) {
  invalidations_ += static_cast<double>(core_->invalidatePage(asid, va.value()));
}

void Tlb::invalidateAsid(Asid asid) {
  invalidations_ += static_cast<double>(core_->invalidateAsid(asid));
}

}  // namespace vmsim::tlb
