// The factory table of page-replacement policies (name -> constructor).
#include "vmsim/os/replacement.h"

#include <functional>
#include <stdexcept>
#include <utility>

#include "vmsim/os/replacement_policies.h"

namespace vmsim::os {
namespace {

using Maker = std::function<std::unique_ptr<ReplacementPolicy>(const PolicyOptions&)>;

std::shared_ptr<DrawSource> drawsOf(const PolicyOptions& o) {
  return o.draws ? o.draws : std::make_shared<SeededDraws>(o.seed);
}

const std::vector<uint64_t>& futureOf(const PolicyOptions& o, const std::string& policy) {
  if (o.futureReferences.empty())
    throw std::invalid_argument(policy +
                                " needs the future reference string "
                                "(PolicyOptions::futureReferences); it cannot run online");
  return o.futureReferences;
}

const std::vector<std::pair<std::string, Maker>>& table() {
  static const std::vector<std::pair<std::string, Maker>> t = {
      {"fifo", [](const PolicyOptions&) { return std::make_unique<FifoPolicy>(); }},
      {"random", [](const PolicyOptions& o) { return std::make_unique<RandomPolicy>(drawsOf(o)); }},
      {"lru", [](const PolicyOptions&) { return std::make_unique<LruPolicy>(); }},
      {"mru", [](const PolicyOptions&) { return std::make_unique<MruPolicy>(); }},
      {"clock", [](const PolicyOptions&) { return std::make_unique<ClockPolicy>(); }},
      {"ostep-clock",
       [](const PolicyOptions& o) {
         return std::make_unique<OstepClockPolicy>(drawsOf(o), o.clockBits);
       }},
      {"opt",
       [](const PolicyOptions& o) { return std::make_unique<OptPolicy>(futureOf(o, "opt")); }},
      {"unopt",
       [](const PolicyOptions& o) { return std::make_unique<UnoptPolicy>(futureOf(o, "unopt")); }},
  };
  return t;
}

}  // namespace

std::vector<std::string> replacementPolicyNames() {
  std::vector<std::string> names;
  for (const auto& [name, maker] : table()) names.push_back(name);
  return names;
}

std::unique_ptr<ReplacementPolicy> makeReplacementPolicy(const std::string& name,
                                                         const PolicyOptions& options) {
  for (const auto& [n, maker] : table())
    if (n == name) return maker(options);
  std::string valid;
  for (const auto& n : replacementPolicyNames()) valid += (valid.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown replacement policy '" + name + "'; valid: " + valid);
}

std::unique_ptr<ReplacementPolicy> makeReplacementPolicy(const std::string& name, uint64_t seed) {
  PolicyOptions o;
  o.seed = seed;
  return makeReplacementPolicy(name, o);
}

}  // namespace vmsim::os
