// The six OSTEP simulators the reference cases come from, how a case is recognised, and the
// functions that run a case's `input` through our cores and build the answer in the case's layout.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "value.h"

namespace vmsim::validate {

enum class Simulator { Relocation, Segmentation, Malloc, PagingLinear, PagingMultilevel, Policy };

std::string simulatorName(Simulator s);
/// From the id prefix before the first '-' (rel, seg, mal, lin/pag, ml/mlv, pol).
std::optional<Simulator> simulatorFromId(const std::string& id);
/// From the fields `input` has.
std::optional<Simulator> simulatorFromInput(const YAML::Node& input);

Value runRelocation(const YAML::Node& input);
Value runSegmentation(const YAML::Node& input);
Value runMalloc(const YAML::Node& input);
Value runPagingLinear(const YAML::Node& input);
Value runPagingMultilevel(const YAML::Node& input);
Value runPolicy(const YAML::Node& input);

Value runCase(Simulator s, const YAML::Node& input);

}  // namespace vmsim::validate
