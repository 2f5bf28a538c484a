// Platform construction and wiring; the simulation stops when every core's workload is done.
#include "vmsim/platform/system.h"

namespace vmsim::platform {

Core::Core(const sc_core::sc_module_name& nm, SimContext& ctx, Asid asid)
    : sc_core::sc_module(nm), requester("requester", ctx, asid), mmu("mmu", ctx) {
  requester.isock.bind(mmu.tsock);
}

System::System(const sc_core::sc_module_name& nm, SimContext& ctx) : Module(nm, ctx) {
  auto& p = params();
  const uint64_t ncores =
      p.getUint("cores", 1, "Count", "cores, each running its own process", Range{1, 64});
  router_ = std::make_unique<mem::Router>("router", ctx);
  dram_ = std::make_unique<dram::Dram>("dram", ctx);
  swap_ = std::make_unique<swap::SwapDisk>("swap", ctx);
  kernel_ = std::make_unique<os::Kernel>("kernel", ctx);
  router_->isock.bind(dram_->tsock);
  router_->map(0, 0, dram_->size(), "dram");
  kernel_->mem.bind(router_->tsock);
  kernel_->swap.bind(swap_->tsock);
  kernel_->setSwapSpace(swap_.get());
  for (uint64_t i = 0; i < ncores; ++i) {
    const Asid asid = kernel_->createProcess("proc" + std::to_string(i));
    cores_.push_back(std::make_unique<Core>(("cpu" + std::to_string(i)).c_str(), ctx, asid));
    Core& c = *cores_.back();
    c.mmu.mem.bind(router_->tsock);
    c.mmu.fault.bind(kernel_->fault_tsock);
    c.mmu.walker()->mem.bind(router_->tsock);
    c.mmu.walker()->setPageTableBase(kernel_.get());
    for (auto* tc : c.mmu.translationCaches()) kernel_->addTranslationCache(tc);
    addProcessRegions(asid, c.requester);
    c.requester.onDone([this] {
      if (++doneCount_ == cores_.size()) sc_core::sc_stop();
    });
  }
}

void System::addProcessRegions(Asid asid, const cpu::Requester& r) {
  constexpr uint64_t kPage = 4096;
  if (r.isTrace()) {
    // A raw trace may touch any user address (code, libraries, heap, stack): one region.
    kernel_->addRegion(asid, {"trace", kPage, (uint64_t{1} << 47) - kPage, Perms{}});
    return;
  }
  // The classic layout: code, heap (the workload's footprint) and a downward-growing stack.
  const auto [base, size] = r.footprint();
  const uint64_t start = base & ~(kPage - 1);
  const uint64_t end = (base + size + kPage - 1) & ~(kPage - 1);
  kernel_->addRegion(asid, {"code", 0x400000, 0x100000, Perms{true, false, true, true}});
  kernel_->addRegion(asid, {"heap", start, end - start, Perms{true, true, false, true}});
  const uint64_t stackTop = 0x7ffffffff000ull;
  kernel_->addRegion(asid,
                     {"stack", stackTop - (8u << 20), 8u << 20, Perms{true, true, false, true}});
}

}  // namespace vmsim::platform
