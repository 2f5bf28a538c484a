// Platform construction and wiring; the simulation stops when every core's workload is done.
#include "vmsim/platform/system.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <optional>
#include <sstream>

namespace vmsim::platform {

Core::Core(const sc_core::sc_module_name& nm, SimContext& ctx, Asid asid,
           std::unique_ptr<workloads::Workload> wl)
    : sc_core::sc_module(nm),
      requester("requester", ctx, asid, std::move(wl)),
      hw_(std::string(name()), ctx) {
  requester.isock.bind(hw_.cpuSide());
  requester.setDirectTarget(hw_.radix());  // LT calls straight into the MMU bound above
}

Core::Core(const sc_core::sc_module_name& nm, SimContext& ctx, std::vector<cpu::Process*> processes)
    : sc_core::sc_module(nm),
      requester("requester", ctx, processes),
      scheduler_(std::make_unique<CoreScheduler>("scheduler", ctx, processes)),
      hw_(std::string(name()), ctx) {
  requester.setScheduler(scheduler_.get());
  requester.isock.bind(hw_.cpuSide());
  requester.setDirectTarget(hw_.radix());  // LT calls straight into the MMU bound above
}

System::System(const sc_core::sc_module_name& nm, SimContext& ctx) : Module(nm, ctx) {
  auto& p = params();
  const uint64_t ncores =
      p.getUint("cores", 1, "Count", "cores, each running its own process", Range{1, 64});
  // Every core but cpu0 runs only what it is given: 63 copies of the default workload because
  // `cores: 64` was set with cpu0 alone configured is a mistake, not an experiment. Its hardware
  // (requester mode, MMU, TLBs, walker, caches: everything under system.cpu0 but
  // requester.workload) is cpu0's unless it sets a key itself, so that a CPU preset, which sets
  // system.cpu0.*, describes every core.
  // `system.cpu*` holds what every core has unless it sets a key itself (workload included:
  // written there, it is given, not a silent default); it is spelt out per core and removed, so
  // config.json names every core's keys.
  const std::string kAllCores = "system.cpu*";
  if (const auto all = ctx.config.lookup(kAllCores)) {
    if (all->IsMap()) {
      for (uint64_t i = 0; i < ncores; ++i) {
        ctx.config.inheritMissing(kAllCores, "system.cpu" + std::to_string(i));
      }
      ctx.config.remove(kAllCores);
    } else {
      ctx.config.addProblem("'" + kAllCores + "': expected a map of keys every core takes");
      ctx.config.remove(kAllCores);
    }
  }
  // A time-sliced core names its processes (system.process.<name>) in `processes` and has a
  // scheduler (docs/os.md, "Scheduling and context switches"); both are its own, not cpu0's.
  for (uint64_t i = 1; i < ncores; ++i) {
    const std::string core = "system.cpu" + std::to_string(i);
    ctx.config.inheritMissing("system.cpu0", core,
                              {"requester.workload", "process", "processes", "scheduler"});
    const std::string w = core + ".requester.workload";
    if (!ctx.config.hasValue(w) && !ctx.config.hasValue(core + ".processes")) {
      ctx.config.addProblem("'" + p.key("cores") + "': " + std::to_string(ncores) +
                            " cores, but '" + w +
                            "' is not configured; every core after cpu0 needs its own "
                            "workload section (or processes)");
    }
  }
  std::vector<std::vector<std::string>> procNames(ncores);
  bool anyScheduled = false;
  for (uint64_t i = 0; i < ncores; ++i) {
    const std::string core = "system.cpu" + std::to_string(i);
    procNames[i] = ctx.config.at(core).getStringList(
        "processes", {},
        "processes this core runs time-sliced by its scheduler (each configured under "
        "system.process.<name>); empty: the core runs requester.workload alone");
    if (procNames[i].empty()) {
      acceptIgnored(ctx.config, {core + ".scheduler"}, core,
                    "'" + core + ".processes' is empty, so the core has no scheduler");
      continue;
    }
    anyScheduled = true;
    if (ctx.config.lookup(core + ".requester.workload")) {
      ctx.config.addProblem("'" + core + ".requester.workload': " + core + " runs processes ('" +
                            core +
                            ".processes'); give each its workload under "
                            "system.process.<name>.workload");
      ctx.config.remove(core + ".requester.workload");
    }
  }
  constexpr uint64_t kMinDumpPs = 1000000;  // 1 us
  auto sp = ctx.config.at("system.stats");
  uint64_t periodPs = sp.getTimePs(
      "dump_period", "0s",
      "simulated time between periodic stats dumps into stats.txt (0: only the final one); "
      "dumps are cumulative; at least 1us, as every dump writes all stats");
  if (periodPs && periodPs < kMinDumpPs) {
    ctx.config.addProblem("'" + sp.key("dump_period") + "': " + formatTimePs(periodPs) +
                          " is below the minimum period of 1us (0 turns periodic dumps off): "
                          "every dump writes all stats, so shorter periods produce more "
                          "output than simulation");
    periodPs = 0;
  }
  if (periodPs) {
    dumpPeriod_ = sc_core::sc_time(static_cast<double>(periodPs), sc_core::SC_PS);
    SC_THREAD(periodicDump);
  }
  router_ = std::make_unique<mem::Router>("router", ctx);
  dram_ = std::make_unique<dram::Dram>("dram", ctx);
  router_->isock.bind(dram_->tsock);
  // The DRAM's bytes are the direct path of the walkers' and the kernel's page-table accesses
  // (docs/direct-memory.md): nothing between them and the router keeps data.
  router_->map(0, 0, dram_->size(), "dram", dram_.get());
  router_->setDirectTransport(0, dram_.get());  // LT calls straight into the DRAM bound above
  // The shared last-level cache in front of the router: every core's L2 (or L1s) misses to it,
  // and the kernel's page-table writes pass through it.
  llc_ = makeCache("llc", std::string(name()) + ".llc", ctx, cacheDefaults(CacheLevel::LLC));
  if (llc_) {
    llc_->next.bind(router_->tsock);
    llc_->data.bind(router_->tsock);
    llc_->linkNext(nullptr);
    llc_->setDirectData(router_.get());
  }
  TargetSocket& below = llc_ ? static_cast<TargetSocket&>(llc_->tsock) : router_->tsock;
  // The kernel and its swap disk serve radix-mode cores; textbook schemes have their own tables.
  bool needKernel = false;
  for (uint64_t i = 0; i < ncores; ++i) {
    const auto mode = ctx.config.lookup("system.cpu" + std::to_string(i) + ".mmu.mode");
    needKernel |= !mode || (mode->IsScalar() && mode->Scalar() == "radix");
    needKernel |= isProgram(ctx.config, i);
    needKernel |= !procNames[i].empty();
  }
  if (needKernel) {
    auto k = buildKernel(ctx, std::string(name()) + ".swap", name());
    kernel_ = std::move(k.kernel);
    swap_ = std::move(k.swap);
    checkPhysicalMemory(ctx.config);
    kernel_->mem.bind(below);
    kernel_->setDirectMemory(router_.get());
    if (llc_) kernel_->setDirectTiming(llc_.get());  // `below` is the LLC's tsock
  } else {
    acceptIgnored(ctx.config, {"system.kernel", "system.swap"}, name(),
                  "no core runs in radix mode, so there is no kernel or swap disk");
  }
  // Shared TLB levels: every name under system.shared.
  if (const auto sh = ctx.config.lookup("system.shared")) {
    std::vector<std::string> names;
    if (sh->IsMap()) {
      for (auto it = sh->begin(); it != sh->end(); ++it) names.push_back(it->first.Scalar());
    } else {
      ctx.config.addProblem("'system.shared': expected a map of shared TLB names to their keys");
    }
    if (!names.empty()) shared_ = std::make_unique<SharedTlbs>("shared", ctx, names);
  }
  std::vector<Asid> coreAsids(ncores, 0);  // the process each single-workload core runs
  // The processes of time-sliced cores, system.process.<name>, in core and list order.
  std::vector<std::vector<cpu::Process*>> procsOf(ncores);
  if (anyScheduled && kernel_) {
    processTable_ = std::make_unique<ProcessTable>("process", [&](ProcessTable& t) {
      std::map<std::string, uint64_t> coreOf;
      for (uint64_t i = 0; i < ncores; ++i) {
        for (const auto& n : procNames[i]) {
          const auto [it, fresh] = coreOf.emplace(n, i);
          if (!fresh) {
            ctx.config.addProblem("'system.cpu" + std::to_string(i) + ".processes': process '" + n +
                                  "' is already run by cpu" + std::to_string(it->second) +
                                  "; a process runs on one core");
            continue;
          }
          const size_t before = t.processes.size();
          makeProcess(ctx, t, n);
          if (t.processes.size() > before) procsOf[i].push_back(t.processes.back().get());
        }
      }
    });
  }
  for (uint64_t i = 0; i < ncores; ++i) {
    if (!procNames[i].empty()) {
      // A time-sliced core: its scheduler switches the core's MMU between the processes.
      const std::string core = "cpu" + std::to_string(i);
      cores_.push_back(std::make_unique<Core>(core.c_str(), ctx, procsOf[i]));
      Core& c = *cores_.back();
      c.wireMemory(below, llc_.get(), router_->tsock, router_.get());
      auto* m = c.radix();
      if (!m) {
        ctx.config.addProblem("'system." + core + ".mmu.mode': " + c.mmuMode() + ": a core " +
                              "running processes needs the radix mode (the kernel switches " +
                              "its address spaces)");
      } else if (kernel_) {
        wireSharedLevels(i, *m);
        std::vector<Asid> asids;
        for (auto* pr : procsOf[i]) asids.push_back(pr->asid);
        c.scheduler()->attach(kernel_.get(), attachToKernel(*m, *kernel_, asids, ctx.config, true));
        c.requester.setProcessControl(kernel_.get());  // multi-process traces of its processes
        for (auto* pr : procsOf[i]) {
          addRegions(pr->asid, c,
                     {std::string(pr->name()) + ".workload", pr->isProgram(), pr->isTrace(),
                      pr->footprint()});
        }
        for (auto* t : m->tlbs()) t->checkMappedPageSizes(kernel_->mappedPageShifts());
      }
      // Each process exits through the kernel when its workload ends (the scheduler).
      c.requester.onDone([this] {
        if (++doneCount_ == cores_.size()) sc_core::sc_stop();
      });
      continue;
    }
    const std::string core = "cpu" + std::to_string(i);
    // Threads: a core may run the process of an earlier core (docs/os.md, "Threads").
    auto cp = ctx.config.at("system." + core);
    const std::string runs = cp.getString(
        "process", "",
        "the process this core runs: empty = a process of its own; cpuN (N below this core's "
        "number) = cpuN's process, as a second thread: one address space and page table, "
        "shootdowns of its pages reach both cores (radix mode)");
    std::optional<uint64_t> owner;
    if (!runs.empty()) {
      uint64_t n = ~uint64_t{0};
      if (runs.size() > 3 && runs.compare(0, 3, "cpu") == 0 &&
          runs.find_first_not_of("0123456789", 3) == std::string::npos) {
        n = std::stoull(runs.substr(3));
      }
      if (n < i && !procNames[n].empty()) {
        ctx.config.addProblem("'" + cp.key("process") + "': " + runs +
                              " runs time-sliced processes ('system." + runs +
                              ".processes'); a thread runs the process of a single-workload core");
      } else if (n >= i) {
        ctx.config.addProblem("'" + cp.key("process") + "': " + runs +
                              " is not an earlier core (expected cpu0..cpu" +
                              std::to_string(i == 0 ? 0 : i - 1) +
                              ", or empty for a process "
                              "of its own)");
      } else if (!kernel_) {
        ctx.config.addProblem("'" + cp.key("process") +
                              "': threads share a page table, which needs the radix mode");
      } else {
        owner = n;
      }
    }
    const Asid asid = owner     ? coreAsids[*owner]
                      : kernel_ ? kernel_->createProcess("proc" + std::to_string(i))
                                : static_cast<Asid>(i + 1);
    coreAsids[i] = asid;
    if (owner) ++threads_[asid];
    std::unique_ptr<os::ProgramWorkload> program;
    if (isProgram(ctx.config, i)) {
      program = makeProgram(ctx, "system." + core + ".requester.workload", asid);
    }
    os::ProgramWorkload* programPtr = program.get();
    cores_.push_back(std::make_unique<Core>(core.c_str(), ctx, asid, std::move(program)));
    Core& c = *cores_.back();
    c.setProgram(programPtr);
    c.wireMemory(below, llc_.get(), router_->tsock, router_.get());
    if (auto* m = c.radix()) {
      wireSharedLevels(i, *m);
      attachToKernel(*m, *kernel_, {asid}, ctx.config);
    }
    if (!owner) {
      addProcessRegions(asid, c);
      if (kernel_ && c.radix()) kernel_->setExecLayout(asid);
    } else if (c.requester.isProgram()) {
      ctx.config.addProblem("'" + cp.key("process") +
                            "': a program workload cannot be a thread (its heap is its own)");
    }
    if (kernel_ && c.radix()) c.requester.setProcessControl(kernel_.get());
    // After the regions: their page sizes are among those the kernel maps.
    if (auto* m = c.radix()) {
      for (auto* t : m->tlbs()) t->checkMappedPageSizes(kernel_->mappedPageShifts());
    }
    c.requester.onDone([this, asid] {
      // A finished process's memory goes back to the others (frames, swap, page tables), when
      // its last thread is done.
      auto t = threads_.find(asid);
      if (t != threads_.end() && t->second > 0) {
        --t->second;
      } else if (kernel_) {
        kernel_->exit(asid);
      }
      if (++doneCount_ == cores_.size()) sc_core::sc_stop();
    });
  }
  // Without stored data a load cannot return what was stored: verify_data would fail at once.
  if (!dram_->storesData()) {
    for (const auto& c : cores_) {
      if (!c->requester.verifiesData()) continue;
      ctx.config.addProblem("'" + std::string(c->requester.name()) +
                            ".verify_data': true needs the bytes programs store, but '" +
                            dram_->name() +
                            ".store_data' is false (its loads return zeros); set one of them "
                            "the other way");
    }
  }
  if (shared_) {
    for (auto& t : shared_->tlbs) {
      if (t->routes() == 0) {
        ctx.config.addProblem("'" + std::string(t->name()) +
                              "': no core's TLB misses to this shared level (set a TLB's next "
                              "to shared." +
                              t->basename() + ", or remove it)");
        continue;
      }
      if (kernel_) {
        kernel_->addTranslationCache(t.get());
        t->checkMappedPageSizes(kernel_->mappedPageShifts());
      }
    }
  }
  if (kernel_ && kernel_->needsFutureReferences()) {
    // Belady's opt knows the future: each trace is read once more for its page references, and
    // the requester's count of completed accesses is the process's position in it.
    for (size_t i = 0; i < cores_.size(); ++i) {
      const auto& r = cores_[i]->requester;
      if (!r.isTrace()) {
        ctx.config.addProblem(
            "'system.kernel.replacement': opt needs each process's future page "
            "references, known only for trace workloads; cpu" +
            std::to_string(i) + " runs another workload (set system.cpu" + std::to_string(i) +
            ".requester.workload.type: trace, or choose another policy)");
        continue;
      }
      try {
        kernel_->setFutureReferences(r.asid(), r.tracePageReferences(),
                                     [&r] { return r.completedPrefix(); });
      } catch (const std::exception& e) {
        ctx.config.addProblem(e.what());  // (the requester reports its trace's problems too)
      }
    }
  }
  if (kernel_) {
    // The OOM killer ended a process: the cores running it stop issuing accesses.
    kernel_->onOomKill([this](Asid victim) {
      for (auto& c : cores_) c->requester.stopProcess(victim);
    });
  }
  checkPhysicalRegions();
  if (kernel_) checkOvercommit(ctx.config);
}

SharedTlbs::SharedTlbs(const sc_core::sc_module_name& nm, SimContext& ctx,
                       const std::vector<std::string>& names)
    : sc_core::sc_module(nm) {
  // Defaults of a shared level: those of a private STLB (docs/tlb.md), 1536 entries, 12 ways,
  // 9 cycles, one lookup per cycle; more MSHRs, as several cores miss into it (an estimate).
  tlb::TlbDefaults d;
  d.entries = 1536;
  d.ways = 12;
  d.latency = 9;
  d.lookupsPerCycle = 1;
  d.mshrs = 8;
  d.next = "walker";
  for (const auto& n : names)
    tlbs.push_back(std::make_unique<tlb::Tlb>(n.c_str(), ctx, 2, d, true));
}

tlb::Tlb* SharedTlbs::find(const std::string& name) {
  for (auto& t : tlbs) {
    if (t->basename() == name) return t.get();
  }
  return nullptr;
}

void System::wireSharedLevels(uint64_t core, mmu::Mmu& m) {
  for (const auto& [t, level] : m.sharedLinks()) {
    tlb::Tlb* s = shared_ ? shared_->find(level) : nullptr;
    if (!s) {
      context().config.addProblem("'" + std::string(t->name()) + ".next': shared." + level +
                                  " is not configured (no system.shared." + level + ")");
      continue;
    }
    const unsigned route = sharedRoute(*s, core, m, 0);
    s->bindUpstream(t->next, route, t->exclusive());
    t->setLowerLevel(s);
    s->setLevel(std::max(s->level(), t->level() + 1));
  }
}

unsigned System::sharedRoute(tlb::Tlb& level, uint64_t core, mmu::Mmu& m, unsigned depth) {
  const auto key = std::make_pair(&level, core);
  if (auto it = sharedRoutes_.find(key); it != sharedRoutes_.end()) return it->second;
  const unsigned route = level.addRoute();
  sharedRoutes_[key] = route;
  const std::string& nx = level.nextName();
  if (nx == "walker") {
    level.down.bind(m.missTarget());
    return route;
  }
  tlb::Tlb* lower = nx.rfind("shared.", 0) == 0 ? shared_->find(nx.substr(7)) : nullptr;
  if (!lower || depth > shared_->tlbs.size()) {
    context().config.addProblem(
        "'" + std::string(level.name()) + ".next': '" + nx +
        (lower ? "': the shared levels form a cycle"
               : "': a shared level misses to walker (the requesting core's) or to "
                 "shared.<name> of a configured system.shared level"));
    return route;
  }
  const unsigned lowerRoute = sharedRoute(*lower, core, m, depth + 1);
  lower->bindUpstream(level.down, lowerRoute, level.exclusive());
  level.setLowerLevel(lower);
  lower->setLevel(std::max(lower->level(), level.level() + 1));
  return route;
}

void System::checkPhysicalRegions() {
  // The textbook MMUs own [phys_base, phys_base + phys_size) of DRAM each: a region beyond the
  // DRAM fails when the tables are written, and one shared with another core or the kernel lets
  // their frames overwrite each other.
  struct Owner {
    std::string name;
    uint64_t begin, end;
  };
  std::vector<Owner> owners;
  if (kernel_) {
    owners.push_back({kernel_->name(), kernel_->memoryBase(),
                      kernel_->memoryBase() + kernel_->framesTotal() * 4096});
  }
  auto range = [](const Owner& o) {
    std::ostringstream os;
    os << "[0x" << std::hex << o.begin << ", 0x" << o.end << ")";
    return os.str();
  };
  for (auto& c : cores_) {
    auto* tb = c->textbook();
    if (!tb) continue;
    const Owner me{tb->name(), tb->physBase(), tb->physEnd()};
    const std::string key =
        "'" + me.name + ".phys_base'/'phys_size': the physical region " + range(me);
    if (me.end < me.begin || me.end > dram_->size()) {
      std::ostringstream os;
      os << key << " does not lie inside the DRAM (0x" << std::hex << dram_->size() << " bytes)";
      context().config.addProblem(os.str());
    }
    for (const auto& o : owners) {
      if (me.begin < o.end && o.begin < me.end) {
        context().config.addProblem(key + " overlaps " + o.name + "'s " + range(o) +
                                    "; give each its own physical memory");
      }
    }
    owners.push_back(me);
  }
}

namespace {
// The effective value of a declared integer or size parameter.
std::optional<uint64_t> declaredUint(const Config& cfg, const std::string& key) {
  const auto it = cfg.declared().find(key);
  if (it == cfg.declared().end()) return std::nullopt;
  try {
    return std::stoull(it->second.value);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}
}  // namespace

void System::checkPhysicalMemory(Config& cfg) {
  // The kernel manages [memory_base, memory_base + memory_size): it must lie inside the DRAM.
  const std::string k = kernel_->name();
  const auto base = declaredUint(cfg, k + ".memory_base");
  const auto size = declaredUint(cfg, k + ".memory_size");
  const uint64_t dram = dram_->size();
  if (!base || !size) return;
  const std::string dramText =
      std::to_string(dram) + " bytes (" + std::to_string(dram >> 20) + " MiB, 'system.dram.*')";
  if (*base >= dram) {
    cfg.addProblem("'" + k + ".memory_base': " + std::to_string(*base) +
                   " is not below the DRAM size of " + dramText);
  } else if (*size > dram - *base) {
    cfg.addProblem("'" + k + ".memory_size': " + std::to_string(*size) + " bytes from " + k +
                   ".memory_base " + std::to_string(*base) + " reach beyond the DRAM size of " +
                   dramText + "; memory_base + memory_size must not exceed it");
  }
}

void System::checkOvercommit(Config& cfg) {
  // A synthetic workload touches up to its whole footprint. When the footprints of all cores do
  // not fit into memory plus swap, accesses fail as out of memory: an error before simulating,
  // not a run whose accesses mostly fail (a warning when swap is off on purpose). (Page-table
  // frames come on top; the check is a bound that is certainly violated, not a guarantee.)
  constexpr uint64_t kPage = 4096;
  uint64_t pages = 0;
  for (auto& c : cores_) {
    const cpu::Requester& r = c->requester;
    if (r.isTrace() || r.isProgram() || !c->radix()) continue;
    const uint64_t fp = (r.footprint().second + kPage - 1) / kPage;
    const auto count = declaredUint(cfg, std::string(r.name()) + ".workload.count");
    // An access touches at most two pages (it may cross a page boundary).
    pages += count ? std::min(fp, 2 * *count) : fp;
  }
  if (processTable_) {
    for (auto& pr : processTable_->processes) {
      if (pr->isTrace() || pr->isProgram()) continue;
      const uint64_t fp = (pr->footprint().second + kPage - 1) / kPage;
      const auto count = declaredUint(cfg, std::string(pr->name()) + ".workload.count");
      pages += count ? std::min(fp, 2 * *count) : fp;
    }
  }
  const std::string k = kernel_->name();
  const uint64_t frames = kernel_->framesTotal();
  if (pages <= frames) return;
  const auto it = cfg.declared().find(k + ".swap.enabled");
  const bool swapOn = it != cfg.declared().end() && it->second.value == "true";
  const uint64_t slots =
      swapOn ? declaredUint(cfg, std::string(swap_->name()) + ".size").value_or(0) / kPage : 0;
  if (pages <= frames + slots) return;
  const std::string what = "the workloads touch up to " + std::to_string(pages) +
                           " pages, more than the kernel's " + std::to_string(frames) +
                           " frames ('" + k + ".memory_size')";
  if (!swapOn) {
    // Swap switched off on purpose: running out of memory is then the experiment (counted in
    // kernel.outOfMemory), but it is said at the start.
    logWarning(what + " with '" + k +
               ".swap.enabled' false: accesses beyond memory will fail as out of memory");
    return;
  }
  const uint64_t needMiB = ((pages - frames) * kPage + (1u << 20) - 1) >> 20;
  cfg.addProblem(what + " plus " + std::to_string(slots) + " swap slots ('" +
                 std::string(swap_->name()) +
                 ".size'): most accesses would fail as out of memory; give swap at least " +
                 std::to_string(needMiB) + "MiB or shrink the footprints");
}

void System::periodicDump() {
  while (true) {
    sc_core::wait(dumpPeriod_);
    stats::RunInfo run;
    run.simTicks = sc_core::sc_time_stamp().value();
    run.simFreq =
        static_cast<uint64_t>(std::llround(1.0 / sc_core::sc_get_time_resolution().to_seconds()));
    run.includeHost = false;  // host figures belong to the whole run
    if (dumpHandler_) {
      dumpHandler_(run);
      continue;
    }
    // Appended (never copied): the cost of a dump does not grow with the dumps before it.
    statsRegistry().writeText(dumpSink_ ? *dumpSink_ : periodic_, run);
  }
}

bool System::isProgram(Config& cfg, uint64_t core) {
  return isProgramAt(cfg, "system.cpu" + std::to_string(core) + ".requester.workload");
}

bool System::isProgramAt(Config& cfg, const std::string& wpath) {
  const auto t = cfg.lookup(wpath + ".type");
  return t && t->IsScalar() && t->Scalar() == "program";
}

void System::makeProcess(SimContext& ctx, ProcessTable& t, const std::string& name) {
  bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char ch : name) valid &= std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
  if (!valid || name == "kernel") {
    ctx.config.addProblem("'system.process." + name +
                          "': a process name is letters, digits and _ (not first a digit), "
                          "and not 'kernel' (the kernel's own address space)");
    return;
  }
  const Asid asid = kernel_->createProcess(name);
  kernel_->addProcessStats(asid);
  const std::string wpath = "system.process." + name + ".workload";
  std::unique_ptr<os::ProgramWorkload> program;
  if (isProgramAt(ctx.config, wpath)) program = makeProgram(ctx, wpath, asid);
  os::ProgramWorkload* prog = program.get();
  t.processes.push_back(std::make_unique<cpu::Process>(name.c_str(), ctx, std::move(program)));
  t.processes.back()->asid = asid;
  t.programs.push_back(prog);
}

std::unique_ptr<os::ProgramWorkload> System::makeProgram(SimContext& ctx, const std::string& wpath,
                                                         Asid asid) {
  // glibc-like layout: the heap from the workload's base upward, mappings below 0x7f0000000000.
  auto w = ctx.config.at(wpath);
  const uint64_t heapStart = w.getUint("base", 0x10000000, "Byte",
                                       "first virtual address of the footprint (program: the "
                                       "initial program break)");
  const bool advised = w.getBool("thp_madvise", false,
                                 "program: malloc advises its heap and mappings for transparent "
                                 "huge pages (glibc's tunable glibc.malloc.hugetlb=1), which "
                                 "system.kernel.thp: madvise requires");
  auto& mem = kernel_->processMemory(asid, heapStart & ~uint64_t{4095}, 0x7e0000000000ull,
                                     0x7f0000000000ull, advised);
  auto pp = w.child("program");
  try {
    return os::ProgramWorkload::fromParams(pp, mem);
  } catch (const std::runtime_error& e) {  // an unreadable or malformed program file
    ctx.config.addProblem(e.what());
    return nullptr;
  }
}

void System::reportPrograms(std::ostream& out) {
  std::vector<std::pair<os::ProgramWorkload*, std::string>> progs;
  for (auto& c : cores_) progs.emplace_back(c->program(), std::string(c->requester.name()));
  if (processTable_) {
    for (size_t i = 0; i < processTable_->processes.size(); ++i) {
      progs.emplace_back(processTable_->programs[i], processTable_->processes[i]->name());
    }
  }
  for (const auto& [prog, owner] : progs) {
    if (!prog) continue;
    const std::string base = owner + ".heap.";
    for (const auto& v : os::heapStatValues(prog->heap())) {
      statsRegistry().scalar(base + v.name, v.unit, v.desc).set(static_cast<double>(v.value));
    }
    const auto& reports = prog->heap().checker().reports();
    const size_t shown = std::min<size_t>(reports.size(), 20);
    for (size_t i = 0; i < shown; ++i) {
      const auto line = prog->lineOf(reports[i].opIndex);
      out << "  memory error: " << os::describe(reports[i]);
      if (line) out << " (program line " << line << ")";
      out << "\n";
    }
    if (reports.size() > shown) {
      out << "  ... " << reports.size() - shown << " more memory errors (see " << base
          << "errors.* in stats)\n";
    }
  }
}

uint64_t System::userStackTop() const {
  // Linux's x86-64 stack top (the last page below 2^47) in every format whose user space reaches
  // that high (x86-64-5 and sv57 keep it, as Linux keeps the 47-bit layout unless a program asks
  // for higher addresses); the last page of the user half below that (sv39: 2^38).
  return std::min<uint64_t>(0x7ffffffff000ull, kernel_->pageTableFormat().userTop() - 4096);
}

void System::addProcessRegions(Asid asid, Core& c) {
  const cpu::Requester& r = c.requester;
  addRegions(asid, c,
             {std::string(r.name()) + ".workload", r.isProgram(), r.isTrace(), r.footprint()});
}

void System::addRegions(Asid asid, Core& c, const WorkloadShape& r) {
  constexpr uint64_t kPage = 4096;
  if (r.isProgram) {
    if (c.textbook()) {
      throw std::invalid_argument(std::string(c.name()) + ".mmu.mode " + c.mmuMode() +
                                  ": a program workload needs the radix mode (brk/mmap are "
                                  "served by the kernel)");
    }
    // Code and stack; the heap and mappings appear as the program calls brk and mmap.
    kernel_->addRegion(asid, {"code", 0x400000, 0x100000, Perms{true, false, true, true}});
    const uint64_t stackTop = userStackTop();
    kernel_->addRegion(asid,
                       {"stack", stackTop - (8u << 20), 8u << 20, Perms{true, true, false, true}});
    return;
  }
  // The page size of the workload's region (hugetlbfs-like) and its MADV_HUGEPAGE flag.
  unsigned pageShift = 12;
  bool advised = false;
  if (!c.textbook()) {
    auto w = context().config.at(r.wpath);
    // One key for both meanings (cpu/src/requester.cpp reads it for page_chase too): the page
    // size of the footprint's mapping, which page_chase steps through one line per page.
    const std::string desc =
        "page size of the footprint: the region holding it (trace: all of user space) is mapped "
        "with it (4KiB = demand paging with THP as system.kernel.thp says; 2MiB / 1GiB = "
        "hugetlbfs-like, only pages of that size, never swapped; docs/huge-pages.md), and "
        "page_chase touches one 64-byte line per page of it, at offset (page index mod "
        "page_size/64) * 64";
    const uint64_t ps = w.getSize("page_size", "4KiB", desc, Range{64, 1ull << 30});
    if (ps != (1u << 12) && ps != (1u << 21) && ps != (1u << 30)) {
      context().config.addProblem("'" + w.key("page_size") + "': " + std::to_string(ps) +
                                  " bytes is not a page size the kernel maps (radix mode): use "
                                  "4KiB, 2MiB or 1GiB");
    }
    pageShift = ps == (1u << 30) ? 30 : ps == (1u << 21) ? 21 : 12;
    advised = w.getBool("thp_madvise", false,
                        "the region is advised for transparent huge pages (madvise "
                        "MADV_HUGEPAGE), which system.kernel.thp: madvise requires");
  }
  const uint64_t pageSize = uint64_t{1} << pageShift;
  if (r.isTrace) {
    if (c.textbook()) {
      throw std::invalid_argument(std::string(c.name()) + ".mmu.mode " + c.mmuMode() +
                                  ": a raw trace needs the radix mode (its addresses span the "
                                  "whole 47-bit user space)");
    }
    // A raw trace may touch any user address (code, libraries, heap, stack): one region (from
    // the first page of its page size: page 0 stays unmapped).
    const uint64_t top = kernel_->pageTableFormat().userTop() & ~(pageSize - 1);
    os::Region all{"trace", pageSize, top - pageSize, Perms{}};
    all.pageShift = pageShift;
    all.hugeAdvised = advised;
    kernel_->addRegion(asid, all);
    return;
  }
  const auto [base, size] = r.footprint;
  const Perms heap{true, true, false, true};
  if (!c.textbook() && base < kPage) {
    // As in Linux (vm.mmap_min_addr), page 0 is never mapped, so that a null pointer faults.
    // (The textbook schemes translate their own small address spaces, which start at 0.)
    context().config.addProblem("'" + r.wpath + ".base': " + std::to_string(base) +
                                " puts the footprint on page 0, which is never mapped (a null "
                                "pointer must fault); use a base of at least 4096");
    return;
  }
  if (auto* tb = c.textbook()) {
    // The textbook schemes map the workload's footprint when the platform is built, keeping
    // the protection their configuration gives it (segmentation: each segment's `protection`).
    // Exactly the footprint: each scheme rounds to its own page size (OSTEP's are 32 bytes).
    tb->mapWorkload(asid, base, size, heap);
    return;
  }
  // The heap covers the footprint in whole pages of its page size.
  const uint64_t start = base & ~(pageSize - 1);
  const uint64_t end = (base + size + pageSize - 1) & ~(pageSize - 1);
  const auto& fmt = kernel_->pageTableFormat();
  if (end < start || end > fmt.userTop()) {
    context().config.addProblem(
        "'" + r.wpath + ".base' / '.footprint': the footprint [" + std::to_string(base) + ", " +
        std::to_string(base + size) + ") is outside the user " + "address space of '" +
        kernel_->params().key("page_table_format") + "' " + fmt.name() +
        " (user addresses below 2^" + std::to_string(fmt.vaBits() - 1) + ")");
    return;
  }
  // The classic layout: code, heap (the workload's footprint) and a downward-growing stack.
  kernel_->addRegion(asid, {"code", 0x400000, 0x100000, Perms{true, false, true, true}});
  os::Region h{"heap", start, end - start, heap};
  h.pageShift = pageShift;
  h.hugeAdvised = advised;
  try {
    kernel_->addRegion(asid, h);
  } catch (const std::invalid_argument& e) {
    context().config.addProblem("'" + r.wpath + ".base' / 'page_size': " +
                                "the footprint rounded out to whole pages of its page size, [" +
                                std::to_string(start) + ", " + std::to_string(end) + "), " +
                                "cannot be mapped (" + e.what() +
                                "); choose a base aligned to the page size, above the code at "
                                "0x400000..0x500000");
    return;
  }
  if (pageShift > 12 && end - start > kernel_->framesTotal() * kPage) {
    // Huge-page regions are not swappable: a footprint beyond memory cannot all be mapped.
    context().config.addProblem(
        "'" + r.wpath + ".page_size': the footprint takes " + std::to_string((end - start) >> 20) +
        " MiB of " + std::to_string(pageSize >> 20) + " MiB pages, more than the kernel's " +
        std::to_string(kernel_->framesTotal() * kPage >> 20) + " MiB ('" +
        kernel_->params().key("memory_size") +
        "'); huge-page regions are never swapped, so raise memory_size or shrink the footprint");
    return;
  }
  const uint64_t stackTop = userStackTop();
  kernel_->addRegion(asid, {"stack", stackTop - (8u << 20), 8u << 20, heap});
}

}  // namespace vmsim::platform
