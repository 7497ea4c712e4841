#include "parse/tree.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

namespace configgen::parse {

const Node* Node::get(const std::string& key) const {
  const Entry* e = entry(key);
  return e ? e->value : nullptr;
}
const Node::Entry* Node::entry(const std::string& key) const {
  for (const auto& e : map)
    if (e.key == key) return &e;
  return nullptr;
}

Node* Tree::make() {
  nodes_.push_back(std::make_unique<Node>());
  return nodes_.back().get();
}

size_t node_limit(uintmax_t file_bytes) {
  return file_bytes > kMinNodeLimit ? size_t(file_bytes) : kMinNodeLimit;
}

namespace {
std::string thousands(uintmax_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

model::SourceLoc loc_of(const YAML::Node& n, const std::string& file) {
  const YAML::Mark m = n.Mark();
  return {file, m.line + 1, m.column + 1};
}

// Aliases can make a YAML document recursive (`a: &x [*x]`) or exponentially
// large; both stop here with a diagnostic instead of exhausting the stack.
struct ConvertBudget {
  static constexpr int kMaxDepth = 64;
  size_t nodes_left = kMinNodeLimit;
  bool exceeded = false;
  Diagnostics* diags = nullptr;  // duplicate keys are reported here
};

Node* convert(Tree& t, const YAML::Node& y, const std::string& file, ConvertBudget& budget, int depth = 0) {
  Node* n = t.make();
  n->loc = loc_of(y, file);
  if (budget.exceeded || depth > ConvertBudget::kMaxDepth || budget.nodes_left == 0) {
    budget.exceeded = true;
    return n;  // Null
  }
  --budget.nodes_left;
  switch (y.Type()) {
    case YAML::NodeType::Scalar: n->kind = Node::Kind::Scalar; n->scalar = y.Scalar(); break;
    case YAML::NodeType::Sequence:
      n->kind = Node::Kind::List;
      for (const auto& item : y) {
        n->list.push_back(convert(t, item, file, budget, depth + 1));
        if (budget.exceeded) break;
      }
      break;
    case YAML::NodeType::Map:
      n->kind = Node::Kind::Map;
      for (const auto& kv : y) {
        // YAML 1.2 requires unique keys; yaml-cpp keeps both, and a later
        // lookup would silently pick one of the two values.
        const model::SourceLoc key_loc = loc_of(kv.first, file);
        for (const auto& seen : n->map)
          if (seen.key == kv.first.Scalar())
            budget.diags->error(key_loc, "duplicate-key",
                                "key '" + seen.key + "' appears twice in this map (first at " + seen.key_loc.file + ":" +
                                    std::to_string(seen.key_loc.line) + ":" + std::to_string(seen.key_loc.column) + ")",
                                "remove one of the two");
        n->map.push_back({kv.first.Scalar(), loc_of(kv.first, file), convert(t, kv.second, file, budget, depth + 1)});
        if (budget.exceeded) break;
      }
      break;
    default: n->kind = Node::Kind::Null; break;
  }
  return n;
}
}  // namespace

namespace {
const Node* name_of(const Node* n) { return n->is_map() ? n->get("name") : nullptr; }
bool all_named(const Node* list) {
  for (const Node* item : list->list)
    if (!name_of(item) || !name_of(item)->is_scalar()) return false;
  return !list->list.empty();
}
}  // namespace

Node* Tree::merge(const Node* base, const Node* over) {
  if (!base) return const_cast<Node*>(over);
  if (!over) return const_cast<Node*>(base);
  // Lists of named maps (guests) merge item by item on `name`, so a profile
  // that includes another can change one guest without restating the rest.
  if (base->is_list() && over->is_list() && all_named(base) && all_named(over)) {
    Node* out = make();
    *out = *base;
    for (const Node* item : over->list) {
      bool merged = false;
      for (auto& mine : out->list)
        if (name_of(mine)->scalar == name_of(item)->scalar) mine = merge(mine, item), merged = true;
      if (!merged) out->list.push_back(const_cast<Node*>(item));
    }
    return out;
  }
  if (!base->is_map() || !over->is_map()) return const_cast<Node*>(over);
  Node* out = make();
  *out = *base;
  for (const auto& e : over->map) {
    bool replaced = false;
    for (auto& mine : out->map)
      if (mine.key == e.key) {
        mine.value = merge(mine.value, e.value);
        mine.key_loc = e.key_loc;
        replaced = true;
      }
    if (!replaced) out->map.push_back(e);
  }
  out->loc = over->loc;
  return out;
}

Node* Tree::load(const std::string& path, Diagnostics& diags, int depth) {
  if (depth > 8) {
    diags.error({path, 1, 1}, "include-depth", "includes nested more than 8 deep (a cycle?)");
    return nullptr;
  }
  YAML::Node y;
  try {
    y = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    diags.error({path, 0, 0}, "io", "cannot read profile " + path);
    return nullptr;
  } catch (const YAML::ParserException& e) {
    diags.error({path, e.mark.line + 1, e.mark.column + 1}, "yaml-syntax", e.msg);
    return nullptr;
  } catch (const std::exception& e) {  // a directory, an unreadable device, ...
    diags.error({path, 0, 0}, "io", "cannot read profile " + path + ": " + e.what());
    return nullptr;
  }
  std::error_code size_error;
  uintmax_t bytes = std::filesystem::file_size(path, size_error);
  if (size_error) bytes = 0;  // LoadFile read it; a pipe or device has no size
  ConvertBudget budget;
  budget.diags = &diags;
  budget.nodes_left = node_limit(bytes);
  const size_t limit = budget.nodes_left;
  Node* root = convert(*this, y, path, budget);
  if (budget.exceeded) {
    diags.error({path, 1, 1}, "yaml-size",
                budget.nodes_left == 0
                    ? "the document expands to more than " + thousands(limit) + " nodes, the limit for a file of " +
                          thousands(bytes) + " bytes (" + thousands(kMinNodeLimit) +
                          " or one node per byte of the file, whichever is more); only aliases expand a file past it"
                    : "the document nests deeper than " + std::to_string(ConvertBudget::kMaxDepth) +
                          " levels, the limit (an alias inside itself nests without end)");
    return nullptr;
  }
  if (root->kind == Node::Kind::Null) {
    root->kind = Node::Kind::Map;
    root->loc = {path, 1, 1};
  }
  if (!root->is_map()) {
    diags.error(root->loc, "type", "a profile is a map of top-level keys");
    return nullptr;
  }
  const Node::Entry* inc = root->entry("include");
  if (!inc) return root;
  std::vector<const Node*> files;
  if (inc->value->is_scalar())
    files.push_back(inc->value);
  else if (inc->value->is_list())
    for (const Node* f : inc->value->list) files.push_back(f);
  else
    diags.error(inc->value->loc, "type", "include takes a file name or a list of them");
  Node* merged = nullptr;
  const auto dir = std::filesystem::path(path).parent_path();
  for (const Node* f : files) {
    if (!f->is_scalar()) {
      diags.error(f->loc, "type", "include items are file names");
      continue;
    }
    Node* sub = load((dir / f->scalar).lexically_normal().string(), diags, depth + 1);
    if (!sub && diags.error_count()) {
      diags.error(f->loc, "include", "included from here");
      continue;
    }
    merged = merge(merged, sub);
  }
  Node* own = make();
  *own = *root;
  std::erase_if(own->map, [](const Node::Entry& e) { return e.key == "include"; });
  return merge(merged, own);
}

}  // namespace configgen::parse
