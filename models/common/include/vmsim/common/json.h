// A small ordered JSON tree built from dotted paths ("system.mmu.hits"), for stats.json and
// config.json. Values are pre-formatted text; strings are escaped and quoted on output.
#pragma once

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace vmsim {

class JsonTree {
 public:
  struct Value {
    std::string text;
    bool quoted = false;
  };

  /// A flat tree keeps its leaves as a list of (dotted path, value) in the order set, and
  /// writes them as one compact object with the dotted paths as keys, on one line (the periodic
  /// dumps of stats.json: cheap to build, one line per dump).
  explicit JsonTree(bool flat = false) : flat_(flat) {}

  /// Sets a leaf. A path that is already an object gets the leaf as member "value".
  void set(const std::string& dottedPath, const Value& v);
  void write(std::ostream& os) const;
  /// The leaves of a flat tree.
  const std::vector<std::pair<std::string, Value>>& flatLeaves() const { return flatLeaves_; }

 private:
  struct Node {
    bool isLeaf = false;
    Value leaf;
    std::vector<std::string> order;
    std::map<std::string, std::unique_ptr<Node>> children;
    Node& child(const std::string& k);
  };
  static void writeNode(std::ostream& os, const Node& n, int indent);
  Node root_;
  bool flat_ = false;
  std::vector<std::pair<std::string, Value>> flatLeaves_;
};

std::string jsonEscape(const std::string& s);
/// Formats a double for JSON: integers without a fraction, NaN/inf as null.
std::string jsonNumber(double v);

}  // namespace vmsim
