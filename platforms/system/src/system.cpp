// Platform construction and wiring; the simulation stops when every core's workload is done.
#include "vmsim/platform/system.h"

namespace vmsim::platform {

Core::Core(const sc_core::sc_module_name& nm, SimContext& ctx, Asid asid,
           std::unique_ptr<workloads::Workload> wl)
    : sc_core::sc_module(nm), requester("requester", ctx, asid, std::move(wl)) {
  auto mp = ctx.config.at(std::string(name()) + ".mmu");
  mode_ = mp.getChoice("mode", "radix",
                       {"radix", "base_bounds", "segmentation", "linear", "two_level", "inverted"},
                       "translation scheme: radix (x86-64 page tables, TLBs, walker, kernel) or "
                       "a textbook scheme");
  if (mode_ == "radix") {
    radix_ = std::make_unique<mmu::Mmu>("mmu", ctx);
    requester.isock.bind(radix_->tsock);
  } else {
    textbook_ = std::make_unique<mmu::TextbookMmu>("mmu", ctx);
    requester.isock.bind(textbook_->tsock);
  }
}

System::System(const sc_core::sc_module_name& nm, SimContext& ctx) : Module(nm, ctx) {
  auto& p = params();
  const uint64_t ncores =
      p.getUint("cores", 1, "Count", "cores, each running its own process", Range{1, 64});
  router_ = std::make_unique<mem::Router>("router", ctx);
  dram_ = std::make_unique<dram::Dram>("dram", ctx);
  router_->isock.bind(dram_->tsock);
  router_->map(0, 0, dram_->size(), "dram");
  // The kernel and its swap disk serve radix-mode cores; textbook schemes have their own tables.
  bool needKernel = false;
  for (uint64_t i = 0; i < ncores; ++i) {
    const auto mode = ctx.config.lookup("system.cpu" + std::to_string(i) + ".mmu.mode");
    needKernel |= !mode || (mode->IsScalar() && mode->Scalar() == "radix");
  }
  if (needKernel) {
    swap_ = std::make_unique<swap::SwapDisk>("swap", ctx);
    kernel_ = std::make_unique<os::Kernel>("kernel", ctx);
    kernel_->mem.bind(router_->tsock);
    kernel_->swap.bind(swap_->tsock);
    kernel_->setSwapSpace(swap_.get());
  }
  for (uint64_t i = 0; i < ncores; ++i) {
    const Asid asid =
        kernel_ ? kernel_->createProcess("proc" + std::to_string(i)) : static_cast<Asid>(i + 1);
    cores_.push_back(std::make_unique<Core>(("cpu" + std::to_string(i)).c_str(), ctx, asid));
    Core& c = *cores_.back();
    if (auto* m = c.radix()) {
      m->mem.bind(router_->tsock);
      m->fault.bind(kernel_->fault_tsock);
      m->walker()->mem.bind(router_->tsock);
      m->walker()->setPageTableBase(kernel_.get());
      for (auto* tc : m->translationCaches()) kernel_->addTranslationCache(tc);
    } else {
      c.textbook()->mem.bind(router_->tsock);
    }
    addProcessRegions(asid, c);
    c.requester.onDone([this] {
      if (++doneCount_ == cores_.size()) sc_core::sc_stop();
    });
  }
}

void System::addProcessRegions(Asid asid, Core& c) {
  constexpr uint64_t kPage = 4096;
  const cpu::Requester& r = c.requester;
  if (r.isTrace()) {
    if (c.textbook()) {
      throw std::invalid_argument(std::string(c.name()) + ".mmu.mode " + c.mmuMode() +
                                  ": a raw trace needs the radix mode (its addresses span the "
                                  "whole 47-bit user space)");
    }
    // A raw trace may touch any user address (code, libraries, heap, stack): one region.
    kernel_->addRegion(asid, {"trace", kPage, (uint64_t{1} << 47) - kPage, Perms{}});
    return;
  }
  const auto [base, size] = r.footprint();
  const uint64_t start = base & ~(kPage - 1);
  const uint64_t end = (base + size + kPage - 1) & ~(kPage - 1);
  const Perms heap{true, true, false, true};
  if (auto* tb = c.textbook()) {
    // The textbook schemes map the workload's footprint when the platform is built.
    tb->mapRegion(asid, start, end - start, heap);
    return;
  }
  // The classic layout: code, heap (the workload's footprint) and a downward-growing stack.
  kernel_->addRegion(asid, {"code", 0x400000, 0x100000, Perms{true, false, true, true}});
  kernel_->addRegion(asid, {"heap", start, end - start, heap});
  const uint64_t stackTop = 0x7ffffffff000ull;
  kernel_->addRegion(asid, {"stack", stackTop - (8u << 20), 8u << 20, heap});
}

}  // namespace vmsim::platform
