// A small tree of key/value items that inspect and diff build once and print
// as indented text or as JSON.
#pragma once
#include <string>
#include <vector>

#include "model/diagnostics.h"  // hex()

namespace configgen::commands {

struct Item {
  std::string key;
  std::string value;  // leaf text; empty for groups
  std::vector<Item> children;
  bool is_list = false;  // children are unnamed list elements in JSON

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
std::string to_json(const Item& root);

}  // namespace configgen::commands
