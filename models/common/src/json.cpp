// Ordered JSON tree writer (insertion order kept, so output is deterministic and readable).
#include "vmsim/common/json.h"

#include <cmath>
#include <cstdio>

namespace vmsim {

JsonTree::Node& JsonTree::Node::child(const std::string& k) {
  auto it = children.find(k);
  if (it != children.end()) return *it->second;
  order.push_back(k);
  return *children.emplace(k, std::make_unique<Node>()).first->second;
}

void JsonTree::set(const std::string& dottedPath, const Value& v) {
  if (flat_) {
    flatLeaves_.emplace_back(dottedPath, v);
    return;
  }
  Node* n = &root_;
  size_t start = 0;
  while (true) {
    const size_t dot = dottedPath.find('.', start);
    const std::string part = dottedPath.substr(start, dot == std::string::npos ? dot : dot - start);
    n = &n->child(part);
    if (dot == std::string::npos) break;
    if (n->isLeaf) {  // a leaf that also has children keeps its value as "value"
      n->isLeaf = false;
      Node& val = n->child("value");
      val.isLeaf = true;
      val.leaf = n->leaf;
    }
    start = dot + 1;
  }
  if (!n->children.empty()) n = &n->child("value");
  n->isLeaf = true;
  n->leaf = v;
}

void JsonTree::write(std::ostream& os) const {
  if (flat_) {
    os << '{';
    for (size_t i = 0; i < flatLeaves_.size(); ++i) {
      const auto& [k, v] = flatLeaves_[i];
      os << (i ? ",\"" : "\"") << jsonEscape(k) << "\":";
      if (v.quoted) {
        os << '"' << jsonEscape(v.text) << '"';
      } else {
        os << v.text;
      }
    }
    os << "}\n";
    return;
  }
  writeNode(os, root_, 0);
  os << "\n";
}

void JsonTree::writeNode(std::ostream& os, const Node& n, int indent) {
  if (n.isLeaf) {
    if (n.leaf.quoted) {
      os << '"' << jsonEscape(n.leaf.text) << '"';
    } else {
      os << n.leaf.text;
    }
    return;
  }
  if (n.order.empty()) {
    os << "{}";
    return;
  }
  const std::string pad(indent + 2, ' ');
  os << "{\n";
  for (size_t i = 0; i < n.order.size(); ++i) {
    os << pad << '"' << jsonEscape(n.order[i]) << "\": ";
    writeNode(os, *n.children.at(n.order[i]), indent + 2);
    os << (i + 1 < n.order.size() ? ",\n" : "\n");
  }
  os << std::string(indent, ' ') << "}";
}

std::string jsonEscape(const std::string& s) {
  // Stat and key names need no escaping: one scan, one copy (dumps write thousands of them).
  bool plain = true;
  for (char c : s) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string jsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  if (v == std::rint(v) && std::fabs(v) < 1e18) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.17g", v);
  }
  return buf;
}

}  // namespace vmsim
