// A small tree of key/value items that inspect builds and prints as indented
// text (inspect --json is typed: inspect_json.h).
#pragma once
#include <string>
#include <vector>

#include "model/diagnostics.h"  // hex()

namespace configgen::commands {

struct Item {
  std::string key;
  std::string value;  // leaf text; empty for groups
  std::vector<Item> children;
  bool is_list = false;  // children are unnamed list elements ("- value")

  Item& add(std::string k, std::string v = {}) {
    children.push_back({std::move(k), std::move(v), {}, false});
    return children.back();
  }
  Item& list(std::string k) {
    children.push_back({std::move(k), {}, {}, true});
    return children.back();
  }
};

std::string to_text(const Item& root);

}  // namespace configgen::commands
