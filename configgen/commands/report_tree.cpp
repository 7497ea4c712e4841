#include "commands/report_tree.h"

#include <sstream>

namespace configgen::commands {
namespace {
void text(const Item& it, int depth, std::ostringstream& o) {
  for (const Item& c : it.children) {
    o << std::string(size_t(depth) * 2, ' ');
    if (c.key.empty()) o << "- " << c.value;  // a list element
    else if (!c.value.empty()) o << c.key << ": " << c.value;
    else if (!c.children.empty()) o << c.key << ':';
    else o << c.key << ": none";
    o << '\n';
    text(c, depth + 1, o);
  }
}
}  // namespace

std::string to_text(const Item& root) {
  std::ostringstream o;
  text(root, 0, o);
  return o.str();
}

}  // namespace configgen::commands
