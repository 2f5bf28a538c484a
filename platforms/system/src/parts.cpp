// Pieces of a platform shared by the builder (system.cpp) and the subsystem (subsystem.cpp).
#include "vmsim/platform/parts.h"

namespace vmsim::platform {
namespace {

void collectUserLeaves(const YAML::Node& n, const std::string& path, std::vector<std::string>& out,
                       std::vector<std::string>& values) {
  if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (it->first.IsScalar()) {
        collectUserLeaves(it->second, path + "." + it->first.Scalar(), out, values);
      }
    }
    return;
  }
  out.push_back(path);
  if (n.IsScalar()) {
    values.push_back(n.Scalar());
  } else {
    YAML::Emitter e;
    e.SetMapFormat(YAML::Flow);
    e.SetSeqFormat(YAML::Flow);
    e << n;
    values.push_back(e.c_str());
  }
}

}  // namespace

void acceptIgnored(Config& cfg, const std::vector<std::string>& paths, const std::string& who,
                   const std::string& why) {
  std::string names;
  for (const auto& path : paths) {
    const auto node = cfg.lookup(path);
    if (!node) continue;
    std::vector<std::string> leaves, values;
    collectUserLeaves(*node, path, leaves, values);
    for (size_t i = 0; i < leaves.size(); ++i) {
      if (cfg.declared().count(leaves[i])) continue;
      cfg.declare(leaves[i], {values[i], "", "", "ignored: " + why, "ignored"});
      names += (names.empty() ? "" : ", ") + leaves[i];
    }
  }
  if (!names.empty()) {
    SC_REPORT_WARNING(who.c_str(), (why + "; ignoring " + names).c_str());
  }
}

std::unique_ptr<cache::Cache> makeCache(const char* name, const std::string& path, SimContext& ctx,
                                        const cache::Cache::Defaults& d) {
  auto p = ctx.config.at(path);
  if (p.getBool("enabled", false,
                "build this cache level (off: accesses go on to the next level; its keys are "
                "accepted as ignored)")) {
    return std::make_unique<cache::Cache>(name, ctx, d);
  }
  acceptIgnored(ctx.config, {path}, path, "'" + p.key("enabled") + "' is false");
  return nullptr;
}

namespace {
// Defaults of each level: Intel Skylake client (Core i7-6700), the figures of the Intel 64 and
// IA-32 Architectures Optimization Reference Manual (Skylake: L1D and L1I 32 KiB 8-way, L2
// 256 KiB 4-way, shared L3 up to 2 MiB per core, 64-byte lines) with the load-to-use latencies
// measured at 7-cpu.com/cpu/Skylake.html (L1 4, L2 12, L3 42 cycles; 8 MiB 16-way L3).
// MSHRs: 12 L1D line fill buffers and a 16-entry L2 super queue as reported for Skylake
// (estimates from the Optimization Manual's descriptions of the fill buffers and super queue);
// 8 for the L1I and 64 for the L3 are estimates. The L3 of Skylake client parts is inclusive
// of the L2s, which are non-inclusive of the L1s (Optimization Manual, Skylake cache hierarchy).
}  // namespace

cache::Cache::Defaults cacheDefaults(CacheLevel level) {
  switch (level) {
    case CacheLevel::L1D:
      return {"32KiB", 8, 4, 12, "non_inclusive"};
    case CacheLevel::L1I:
      return {"32KiB", 8, 4, 8, "non_inclusive"};
    case CacheLevel::L2:
      return {"256KiB", 4, 12, 16, "inclusive"};
    case CacheLevel::LLC:
      break;
  }
  return {"8MiB", 16, 42, 64, "non_inclusive"};
}

CoreHardware::CoreHardware(const std::string& me, SimContext& ctx) : ctx_(ctx) {
  // The core clock is the default clock of every module of the core (Module::declareClock);
  // its own default is an enclosing module's clock when one is set (the subsystem's `clock`),
  // so that the effective configuration shows the period the core's modules really use.
  std::string deflt = "2GHz";
  for (std::string at = me; at.rfind('.') != std::string::npos;) {
    at = at.substr(0, at.rfind('.'));
    const auto n = ctx.config.lookup(at + ".clock");
    if (n && n->IsScalar()) {
      deflt = n->Scalar();
      break;
    }
  }
  ctx.config.at(me).getTimePs("clock", deflt,
                              "core clock: the clock of every module of this core that does "
                              "not set its own (requester, MMU, TLBs, walker, caches)",
                              Range{10, 1e6});
  dcache_ = makeCache("dcache", me + ".dcache", ctx, cacheDefaults(CacheLevel::L1D));
  icache_ = makeCache("icache", me + ".icache", ctx, cacheDefaults(CacheLevel::L1I));
  l2cache_ = makeCache("l2cache", me + ".l2cache", ctx, cacheDefaults(CacheLevel::L2));

  auto mp = ctx.config.at(me + ".mmu");
  mode_ = mp.getChoice("mode", "radix",
                       {"radix", "base_bounds", "segmentation", "linear", "two_level", "inverted"},
                       "translation scheme: radix (x86-64 page tables, TLBs, walker, kernel) or "
                       "a textbook scheme");
  // Keys of the translation hardware the chosen mode does not build are accepted as ignored.
  const std::string path = mp.path();
  std::vector<std::string> unused;
  if (mode_ == "radix") {
    radix_ = std::make_unique<mmu::Mmu>("mmu", ctx);
    unused = {"phys_base", "phys_size"};
    for (const auto& m : mmu::textbookModeNames()) unused.push_back(m);
  } else {
    textbook_ = std::make_unique<mmu::TextbookMmu>("mmu", ctx);
    unused = {"l1i",  "l1d",       "l2",       "walker",          "fault_retries",
              "tlbs", "fetch_tlb", "data_tlb", "software_refill", "refill_trap_cycles"};
    if (const auto t = ctx.config.lookup(mp.key("tlbs")); t && t->IsSequence()) {
      for (const auto& n : *t) {
        if (n.IsScalar()) unused.push_back(n.Scalar());
      }
    }
    for (const auto& m : mmu::textbookModeNames()) {
      if (m != mode_) unused.push_back(m);
    }
  }
  // The radix MMU sends fetches on its own socket; a textbook MMU's one socket is split.
  if (textbook_ && (dcache_ || icache_)) split_ = std::make_unique<cache::KindSplit>("mem_split");
  for (auto& u : unused) u = path + "." + u;
  acceptIgnored(ctx.config, unused, path,
                "'" + path + ".mode' is " + mode_ + ", which has no use for these keys");
}

TargetSocket& CoreHardware::cpuSide() {
  if (radix_) return radix_->tsock;
  return textbook_->tsock;
}

std::vector<cache::Cache*> CoreHardware::caches() {
  std::vector<cache::Cache*> v;
  for (auto* c : {dcache_.get(), icache_.get(), l2cache_.get()}) {
    if (c) v.push_back(c);
  }
  return v;
}

void CoreHardware::wireMemory(TargetSocket& below, cache::Cache* belowCache, TargetSocket& router,
                              DirectMemory* direct) {
  // A cache bound straight to the cache below calls it directly in LT (Cache::setDirectNext):
  // `below` is `belowCache`'s tsock when there is one.
  if (l2cache_) {
    l2cache_->next.bind(below);
    l2cache_->linkNext(belowCache);
    if (belowCache) l2cache_->setDirectNext(belowCache);
  }
  TargetSocket& afterL1 = l2cache_ ? l2cache_->tsock : below;
  cache::Cache* afterL1Cache = l2cache_ ? l2cache_.get() : belowCache;
  for (cache::Cache* l1 : {dcache_.get(), icache_.get()}) {
    if (!l1) continue;
    l1->next.bind(afterL1);
    l1->linkNext(afterL1Cache);
    if (afterL1Cache) l1->setDirectNext(afterL1Cache);
  }
  // The bytes live behind the router: each level moves an access's data there in one hop, or
  // straight to the DRAM's page where it keeps the page in one block (nothing between a cache's
  // data socket and the router holds data).
  for (cache::Cache* c : caches()) {
    c->data.bind(router);
    c->setDirectData(direct);
  }
  TargetSocket& dataEntry = dcache_ ? dcache_->tsock : afterL1;
  TargetSocket& fetchEntry = icache_ ? icache_->tsock : afterL1;
  if (!radix_) {
    if (split_) {
      textbook_->mem.bind(split_->tsock);
      split_->data.bind(dataEntry);
      split_->fetch.bind(fetchEntry);
    } else {
      textbook_->mem.bind(afterL1);
    }
    return;
  }
  radix_->mem.bind(dataEntry);
  // The walker's PTE bytes through the direct path; its transactions still carry the timing.
  if (direct) radix_->walker()->setDirectMemory(direct);
  if (dcache_) radix_->setDirectMem(dcache_.get());  // LT calls straight into the L1D
  if (&fetchEntry != &dataEntry) radix_->imem.bind(fetchEntry);
  // Where the walker's PTE reads and A/D writes enter: on x86 they are cacheable and Intel's
  // walker looks up the L1D first (the PAGE_WALKER_LOADS.DTLB_L1/L2/L3/MEMORY events, Intel SDM
  // Vol. 3B, Haswell and later); other designs start at the L2. A disabled level is skipped.
  auto wp = ctx_.config.at(std::string(radix_->walker()->name()));
  const std::string entry = wp.getChoice(
      "cache_entry", "dcache", {"dcache", "l2cache", "llc", "memory"},
      "where page-walk memory accesses enter the cache hierarchy (a disabled level is skipped "
      "to the next one below; memory: no cache)");
  TargetSocket* target = &below;
  cache::Cache* targetCache = belowCache;  // the cache whose tsock `target` is, if any
  if (entry == "memory") {
    target = &router;
    targetCache = nullptr;
  } else if (entry == "dcache" && dcache_) {
    target = &dcache_->tsock;
    targetCache = dcache_.get();
  } else if ((entry == "dcache" || entry == "l2cache") && l2cache_) {
    target = &l2cache_->tsock;
    targetCache = l2cache_.get();
  }
  radix_->walker()->mem.bind(*target);
  // With the direct path, the walker's LT timed PTE accesses call that cache without a payload.
  if (direct && targetCache) radix_->walker()->setDirectTiming(targetCache);
}

KernelParts buildKernel(SimContext& ctx, const std::string& swapPath, const std::string& who) {
  KernelParts k;
  k.kernel = std::make_unique<os::Kernel>("kernel", ctx);
  if (k.kernel->swapEnabled()) {
    k.swap = std::make_unique<swap::SwapDisk>("swap", ctx);
    k.kernel->swap.bind(k.swap->tsock);
    k.kernel->setSwapSpace(k.swap.get());
  } else {
    acceptIgnored(ctx.config, {swapPath}, who,
                  k.kernel->params().key("swap.enabled") + " is false");
  }
  return k;
}

unsigned attachToKernel(mmu::Mmu& m, os::Kernel& k, const std::vector<Asid>& asids, Config& cfg,
                        bool scheduled) {
  m.fault.bind(k.fault_tsock);
  // Its number is this binding's index.
  const unsigned core = k.addCore(scheduled ? std::vector<Asid>{} : asids, &m);
  if (auto* refill = m.refillSocket()) refill->bind(k.refill_tsock);
  m.walker()->setPageTableBase(&k);
  m.setFramePins(&k);
  for (auto* tc : m.translationCaches()) {
    k.addTranslationCache(tc);
    k.addCoreTranslationCache(core, tc);
  }
  // Whether this core's walker writes A/D bits (its declared, effective value): without
  // them the kernel tracks dirtiness itself.
  const auto& decl = cfg.declared();
  const auto ad = decl.find(std::string(m.walker()->name()) + ".set_accessed_dirty");
  if (ad == decl.end()) return core;
  for (const Asid a : asids) k.setHardwareAccessedDirty(a, ad->second.value != "false");
  return core;
}

}  // namespace vmsim::platform
