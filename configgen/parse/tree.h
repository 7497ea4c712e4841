// The profile as a tree of located nodes: YAML parsed by yaml-cpp, then
// copied into this form so that includes, templates and every later pass
// keep the file, line and column of each value.
#pragma once
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

 private:
  std::vector<std::unique_ptr<Node>> nodes_;
};

}  // namespace configgen::parse
