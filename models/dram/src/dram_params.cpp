// DRAM configuration keys: a named preset, then organisation and controller overrides.
#include "vmsim/dram/dram_params.h"

#include "vmsim/dram/policies.h"

namespace vmsim::dram {

DramConfig dramConfigFromParams(Params& p) {
  const auto presetName = p.getChoice("preset", "DDR4-2400", presetNames(), "DRAM standard");
  DramConfig cfg = preset(presetName);
  cfg.org.channels = static_cast<unsigned>(
      p.getUint("channels", cfg.org.channels, "Count", "channels", Range{1, 64}));
  cfg.org.ranks = static_cast<unsigned>(
      p.getUint("ranks", cfg.org.ranks, "Count", "ranks per channel", Range{1, 16}));
  cfg.ctrl.pagePolicy =
      p.getChoice("page_policy", cfg.ctrl.pagePolicy, pagePolicyNames(), "row-buffer policy");
  cfg.ctrl.scheduler =
      p.getChoice("scheduler", cfg.ctrl.scheduler, schedulerNames(), "command scheduler");
  cfg.ctrl.refresh =
      p.getChoice("refresh", cfg.ctrl.refresh, refreshPolicyNames(), "refresh policy");
  cfg.ctrl.mapping = p.getString("mapping", cfg.ctrl.mapping,
                                 "address mapping: a DRAMsim3 string (e.g. rochrababgco) or a "
                                 "named scheme");
  cfg.ctrl.rowHitCap = static_cast<unsigned>(p.getUint(
      "row_hit_cap", cfg.ctrl.rowHitCap, "Count",
      "column commands after which a conflicting request may close the row", Range{1, 1024}));
  try {
    cfg.validate();
  } catch (const std::exception& e) {
    p.config().addProblem("'" + p.path() + "': " + e.what());
    return preset(presetName);
  }
  return cfg;
}

}  // namespace vmsim::dram
