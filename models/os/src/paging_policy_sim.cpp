// Reference-string simulation with paging-policy.py's rules (see tests/data/ostep/README.md).
#include "vmsim/os/paging_policy_sim.h"

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <utility>

#include "vmsim/os/draw_source.h"
#include "vmsim/os/replacement.h"

namespace vmsim::os {
namespace {

const std::vector<std::pair<std::string, std::string>>& ostepTable() {
  static const std::vector<std::pair<std::string, std::string>> t = {
      {"FIFO", "fifo"},   {"LRU", "lru"},           {"OPT", "opt"}, {"UNOPT", "unopt"},
      {"RAND", "random"}, {"CLOCK", "ostep-clock"}, {"MRU", "mru"}};
  return t;
}

std::string formatHitrate(uint64_t hits, uint64_t misses) {
  const double rate = 100.0 * static_cast<double>(hits) / static_cast<double>(hits + misses);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", rate);
  return buf;
}

}  // namespace

std::vector<std::string> ostepPolicyNames() {
  std::vector<std::string> names;
  for (const auto& [ostep, ours] : ostepTable()) names.push_back(ostep);
  return names;
}

std::string ostepPolicyToName(const std::string& ostepName) {
  for (const auto& [ostep, ours] : ostepTable())
    if (ostep == ostepName) return ours;
  std::string valid;
  for (const auto& n : ostepPolicyNames()) valid += (valid.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown paging-policy.py policy '" + ostepName +
                              "'; valid: " + valid);
}

PagingPolicyReport simulatePagingPolicy(const PagingPolicyCase& c) {
  if (c.cacheSize == 0) throw std::invalid_argument("cache size must be at least 1");
  if (c.refs.empty()) throw std::invalid_argument("the reference string is empty");
  const std::string name = ostepPolicyToName(c.policy);
  auto draws = std::make_shared<SequenceDraws>(c.rngIndices);
  PolicyOptions options;
  options.draws = draws;
  options.clockBits = c.clockBits;
  options.futureReferences = c.refs;
  auto policy = makeReplacementPolicy(name, options);

  PagingPolicyReport report;
  report.usesDraws = name == "random" || name == "ostep-clock";
  for (const uint64_t page : c.refs) {
    PagingStep step;
    step.page = page;
    const size_t drawsBefore = draws->consumed();
    step.hit = policy->contains(page);
    if (step.hit) {
      policy->touch(page);
      ++report.hits;
    } else {
      if (policy->size() >= c.cacheSize) {
        step.evicted = policy->chooseVictim();
        policy->remove(*step.evicted);
      }
      policy->insert(page);
      ++report.misses;
    }
    step.draws.assign(draws->indices().begin() + drawsBefore,
                      draws->indices().begin() + draws->consumed());
    step.memory = policy->residents();
    step.hits = report.hits;
    step.misses = report.misses;
    report.steps.push_back(std::move(step));
  }
  report.hitratePct = formatHitrate(report.hits, report.misses);
  return report;
}

}  // namespace vmsim::os
