// Recognising which OSTEP simulator a reference case belongs to, and dispatching it.
#include "cases.h"

#include <utility>
#include <vector>

#include "input.h"

namespace vmsim::validate {

std::string simulatorName(Simulator s) {
  switch (s) {
    case Simulator::Relocation:
      return "relocation";
    case Simulator::Segmentation:
      return "segmentation";
    case Simulator::Malloc:
      return "malloc";
    case Simulator::PagingLinear:
      return "paging-linear";
    case Simulator::PagingMultilevel:
      return "paging-multilevel";
    case Simulator::Policy:
      return "paging-policy";
  }
  return "?";
}

std::optional<Simulator> simulatorFromId(const std::string& id) {
  static const std::vector<std::pair<std::string, Simulator>> prefixes = {
      {"rel", Simulator::Relocation},       {"seg", Simulator::Segmentation},
      {"mal", Simulator::Malloc},           {"lin", Simulator::PagingLinear},
      {"pag", Simulator::PagingLinear},     {"ml", Simulator::PagingMultilevel},
      {"mlv", Simulator::PagingMultilevel}, {"pol", Simulator::Policy}};
  const std::string prefix = id.substr(0, id.find('-'));
  for (const auto& [p, s] : prefixes)
    if (p == prefix) return s;
  return std::nullopt;
}

std::optional<Simulator> simulatorFromInput(const YAML::Node& input) {
  if (has(input, "refs") && has(input, "policy")) return Simulator::Policy;
  if (has(input, "ops")) return Simulator::Malloc;
  if (has(input, "memory") && has(input, "pdbr")) return Simulator::PagingMultilevel;
  if (has(input, "ptes")) return Simulator::PagingLinear;
  if (has(input, "seg0") && has(input, "seg1")) return Simulator::Segmentation;
  if (has(input, "base") && has(input, "limit")) return Simulator::Relocation;
  return std::nullopt;
}

Value runCase(Simulator s, const YAML::Node& input) {
  switch (s) {
    case Simulator::Relocation:
      return runRelocation(input);
    case Simulator::Segmentation:
      return runSegmentation(input);
    case Simulator::Malloc:
      return runMalloc(input);
    case Simulator::PagingLinear:
      return runPagingLinear(input);
    case Simulator::PagingMultilevel:
      return runPagingMultilevel(input);
    case Simulator::Policy:
      return runPolicy(input);
  }
  throw InputError("unknown simulator");
}

}  // namespace vmsim::validate
