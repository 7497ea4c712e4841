#include "commands/report_tree.h"

#include <cstdint>
#include <cstdio>
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
std::string quote(const std::string& s) {
  std::string r = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') r += '\\', r += ch;
    else if (ch == '\n') r += "\\n";
    else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      r += buf;
    } else r += ch;
  }
  return r + "\"";
}
void json(const Item& it, int depth, std::ostringstream& o) {
  const std::string pad(size_t(depth + 1) * 2, ' ');
  o << (it.is_list ? "[" : "{") << '\n';
  for (size_t i = 0; i < it.children.size(); ++i) {
    const Item& c = it.children[i];
    o << pad;
    if (!it.is_list) o << quote(c.key) << ": ";
    if (c.children.empty() && !c.is_list) o << quote(c.value);
    else json(c, depth + 1, o);
    o << (i + 1 < it.children.size() ? "," : "") << '\n';
  }
  o << std::string(size_t(depth) * 2, ' ') << (it.is_list ? "]" : "}");
}
}  // namespace

std::string to_text(const Item& root) {
  std::ostringstream o;
  text(root, 0, o);
  return o.str();
}
std::string to_json(const Item& root) {
  std::ostringstream o;
  json(root, 0, o);
  o << '\n';
  return o.str();
}

}  // namespace configgen::commands
