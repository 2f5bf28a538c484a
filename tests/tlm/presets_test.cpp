// The CPU presets of configs/cpu/. Always: every preset is a well-formed configuration file
// (YAML syntax, no duplicate keys) that sets a core clock, an L1 DTLB and a walker for cpu0 and
// says where every number comes from. With -DVMSIM_PRESET_TESTS=ON (once the cache, TLB
// topology and walk-cache keys they use exist): each preset runs a short page_chase through the
// vmsim binary on two cores, cpu1 gets the preset's hierarchy, and the L1 DTLB's 4 KiB knee sits
// at the preset's capacity.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>
#include "cli_support.h"
#include "vmsim/common/config.h"

using namespace vmsim::test;

namespace {

const std::string kSrc = VMSIM_SOURCE_DIR;

class Preset : public ::testing::TestWithParam<std::string> {
 protected:
  std::string path() const { return kSrc + "/configs/cpu/" + GetParam() + ".yaml"; }
};

TEST_P(Preset, IsAWellFormedConfigurationWithSources) {
  vmsim::Config cfg;
  ASSERT_NO_THROW(cfg.loadFile(path())) << path();
  for (const char* key :
       {"system.cpu0.clock", "system.cpu0.mmu.l1d", "system.cpu0.mmu.l2",
        "system.cpu0.mmu.walker.walkers", "system.cpu0.dcache.size", "system.cpu0.l2cache.size",
        "system.llc.size", "system.kernel.page_table_format"}) {
    EXPECT_TRUE(cfg.hasValue(key)) << GetParam() << " does not set " << key;
  }
  // Every line that sets a number carries a comment (its source or "estimate"), on the line
  // itself or as the continuation of the comment of the entry it belongs to.
  std::ifstream in(path());
  std::string line;
  int n = 0;
  bool previousCommented = false;
  const std::regex number(R"(:\s*\[?\s*[0-9])");
  while (std::getline(in, line)) {
    ++n;
    const bool commented = line.find('#') != std::string::npos;
    const std::string code = line.substr(0, line.find('#'));
    if (std::regex_search(code, number)) {
      EXPECT_TRUE(commented || previousCommented)
          << GetParam() << ".yaml:" << n << " sets a number without a source: " << line;
    }
    previousCommented = commented;
  }
}

#ifdef VMSIM_PRESET_RUNS
// The entries of the preset's L1 DTLB that hold 4 KiB pages, from the effective configuration.
uint64_t l1d4kEntries(const std::string& ini) {
  std::istringstream in(ini);
  std::string line, section;
  uint64_t entries = 0;
  bool holds4k = false;
  uint64_t pending = 0;
  auto flush = [&] {
    if (holds4k) entries += pending;
    holds4k = false;
    pending = 0;
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '[') {
      flush();
      section = line.substr(1, line.size() - 2);
      continue;
    }
    const bool mine =
        section == "system.cpu0.mmu.l1d" || section.rfind("system.cpu0.mmu.l1d.arrays.", 0) == 0;
    if (!mine) continue;
    if (line.rfind("entries=", 0) == 0) pending = std::stoull(line.substr(8));
    if (line.rfind("page_sizes=", 0) == 0)
      holds4k = line.find("4096") != std::string::npos || line.find("4KiB") != std::string::npos;
  }
  flush();
  return entries;
}

std::string experiment(const std::string& dir, const std::string& preset, uint64_t pages) {
  const std::string file = dir + "/exp.yaml";
  std::ofstream(file) << "include: " << preset << "\n"
                      << "system:\n  cores: 2\n"
                      << "  kernel: {swap: {enabled: false}}\n"
                      << "  cpu0:\n    requester:\n      workload: {type: synthetic, pattern: "
                         "page_chase, write_fraction: 0, footprint: "
                      << pages * 4096 << ", count: " << pages * 20 << "}\n"
                      << "  cpu1:\n    requester:\n      workload: {type: synthetic, pattern: "
                         "page_chase, write_fraction: 0, base: 0x40000000, footprint: 1MiB, "
                         "count: 2000}\n";
  return file;
}

TEST_P(Preset, RunsAPageChaseOnEveryCoreWithItsKneeAtTheL1DtlbCapacity) {
  const auto dir = tempDir("preset_" + GetParam());
  const Result probe = runVmsim(experiment(dir, path(), 8) + " --outdir " + dir + "/probe");
  ASSERT_EQ(probe.exitCode, 0) << probe.output;
  const std::string ini = slurp(dir + "/probe/config.ini");
  const uint64_t cap = l1d4kEntries(ini);
  ASSERT_GT(cap, 0u) << ini;
  // cpu1 runs the preset's hierarchy too.
  EXPECT_NE(ini.find("[system.cpu1.mmu.l1d"), std::string::npos);
  // The sections' keys and values, without their headers (which name the core).
  auto body = [&](const std::string& header) {
    const std::string s = ini.substr(ini.find(header) + header.size());
    return s.substr(0, s.find("\n["));
  };
  EXPECT_EQ(body("[system.cpu0.mmu.l1d]"), body("[system.cpu1.mmu.l1d]"))
      << "cpu1's L1 DTLB differs from cpu0's";
  // A chase within the capacity hits after its first lap; one over twice the capacity misses.
  for (uint64_t pages : {cap, 2 * cap}) {
    const std::string out = dir + "/n" + std::to_string(pages);
    const Result r = runVmsim(experiment(dir, path(), pages) + " --outdir " + out);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    const std::string stats = slurp(out + "/stats.txt");
    const double misses = statValue(stats, "system.cpu0.mmu.l1d.misses");
    const double accesses = statValue(stats, "system.cpu0.requester.accesses");
    EXPECT_EQ(accesses, pages * 20.0);
    if (pages == cap) {
      EXPECT_LE(misses, 2.0 * pages) << "only the first lap (and fault retries) may miss";
    } else {
      EXPECT_GE(misses, accesses) << "every access misses beyond the capacity";
    }
  }
}
#endif

// The leaves (scalars and lists) of a YAML tree with their dotted paths.
void leaves(const YAML::Node& n, const std::string& prefix,
            std::vector<std::pair<std::string, YAML::Node>>& out) {
  if (!n.IsMap()) {
    out.emplace_back(prefix, n);
    return;
  }
  for (const auto& kv : n) {
    const std::string k = kv.first.Scalar();
    if (prefix.empty() && k == "include") continue;
    leaves(kv.second, prefix.empty() ? k : prefix + "." + k, out);
  }
}

// The default experiment runs on a CPU preset with caches and on the Linux OS preset (issue 9:
// "the Linux one is the default experiment's OS"): it includes one of configs/cpu/ and
// configs/os/linux.yaml, keeps every value they set, and its run goes through the preset's caches
// and walk caches.
TEST(DefaultExperiment, UsesACpuPresetWithCachesUnchanged) {
  const std::string deflt = kSrc + "/configs/default.yaml";
  const YAML::Node top = YAML::LoadFile(deflt);
  ASSERT_TRUE(top["include"]) << "default.yaml includes no preset";
  std::vector<std::string> incs;
  if (top["include"].IsScalar()) {
    incs.push_back(top["include"].Scalar());
  } else {
    for (const auto& n : top["include"]) incs.push_back(n.Scalar());
  }
  bool cpu = false, linux = false;
  for (const auto& inc : incs) {
    cpu |= inc.rfind("cpu/", 0) == 0;
    linux |= inc == "os/linux.yaml";
  }
  EXPECT_TRUE(cpu) << "default.yaml includes no CPU preset";
  EXPECT_TRUE(linux) << "default.yaml does not include os/linux.yaml";
  vmsim::Config cfg;
  cfg.loadFile(deflt);
  size_t checked = 0;
  for (const auto& inc : incs) {
    std::vector<std::pair<std::string, YAML::Node>> presetLeaves;
    leaves(YAML::LoadFile(kSrc + "/configs/" + inc), "", presetLeaves);
    ASSERT_GT(presetLeaves.size(), inc.rfind("cpu/", 0) == 0 ? 40u : 3u) << inc;
    for (const auto& [key, value] : presetLeaves) {
      const auto got = cfg.lookup(key);
      ASSERT_TRUE(got.has_value()) << key;
      EXPECT_EQ(YAML::Dump(*got), YAML::Dump(value)) << "default.yaml overrides " << key;
      EXPECT_TRUE(cfg.hasValue(key)) << key;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
  for (const char* key : {"system.cpu0.dcache.enabled", "system.cpu0.icache.enabled",
                          "system.cpu0.l2cache.enabled", "system.llc.enabled"}) {
    ASSERT_TRUE(cfg.lookup(key).has_value()) << key;
    EXPECT_TRUE(cfg.lookup(key)->as<bool>()) << key;
  }

  const auto dir = tempDir("default_experiment");
  const Result r =
      runVmsim(deflt + " --param system.cpu0.requester.workload.count=20000" + " --outdir " + dir);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string stats = slurp(dir + "/stats.txt");
  for (const char* hits : {"system.cpu0.dcache.hits::total", "system.cpu0.l2cache.hits::total",
                           "system.llc.hits::total", "system.cpu0.mmu.walker.walkCacheHits::pde",
                           "system.cpu0.dcache.hits::pteRead"}) {
    EXPECT_GT(statValue(stats, hits), 0.0) << hits;
  }
  EXPECT_EQ(statValue(stats, "system.cpu0.requester.accesses"), 20000.0);
}

INSTANTIATE_TEST_SUITE_P(Cpu, Preset,
                         ::testing::Values("skylake", "golden_cove", "zen2", "zen4", "neoverse_n1"),
                         [](const auto& info) { return info.param; });

}  // namespace
