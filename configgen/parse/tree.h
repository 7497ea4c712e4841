// The profile as a tree of located nodes: YAML parsed by yaml-cpp, then
// copied into this form so that includes, templates and every later pass
// keep the file, line and column of each value.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/diagnostics.h"

namespace configgen::parse {

struct Node {
  enum class Kind { Null, Scalar, Map, List };
  Kind kind = Kind::Null;
  std::string scalar;
  struct Entry {
    std::string key;
    model::SourceLoc key_loc;
    Node* value;
    // The key as a scalar node at its own location, for the checks that
    // take a node (a choice among names, with did-you-mean at the key).
    Node key_node() const {
      Node n;
      n.kind = Kind::Scalar;
      n.scalar = key;
      n.loc = key_loc;
      return n;
    }
  };
  std::vector<Entry> map;      // in file order
  std::vector<Node*> list;
  model::SourceLoc loc;

  const Node* get(const std::string& key) const;
  const Entry* entry(const std::string& key) const;
  bool is_map() const { return kind == Kind::Map; }
  bool is_list() const { return kind == Kind::List; }
  bool is_scalar() const { return kind == Kind::Scalar; }
};

// The most nodes a file of `file_bytes` bytes may expand to. Without aliases
// every node takes at least one byte of the file (a scalar, a `-`, a `:`), so
// one node per byte never refuses a profile for its size however many guests
// or regions it has; only aliases, which copy a subtree for every use, reach
// the limit, and a small file with nested aliases (a billion copies from a
// few lines) stops after kMinNodeLimit nodes instead of exhausting memory.
inline constexpr size_t kMinNodeLimit = 500'000;
size_t node_limit(uintmax_t file_bytes);

// Owns every node of one compilation.
class Tree {
 public:
  Node* make();
  // Loads a YAML file and, recursively, its `include:` files (this file's
  // keys win; maps merge, lists and scalars are replaced). Returns null and
  // reports when the file cannot be read or parsed.
  Node* load(const std::string& path, Diagnostics& diags, int depth = 0);
  // A deep copy of `src` with `over` merged on top (templates, includes).
  Node* merge(const Node* base, const Node* over);
  size_t size() const { return nodes_.size(); }

 private:
  std::vector<std::unique_ptr<Node>> nodes_;
};

}  // namespace configgen::parse
