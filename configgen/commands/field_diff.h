// `configgen diff A B`: two inspect documents (inspect_json.h) compared field
// by field. Guests and images are paired by name, memory regions by gpa,
// other lists by index, control bits and exceptions by name; a field present
// on one side only is one difference ("added" or "removed").
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace configgen::commands {

struct FieldDifference {
  std::string scope;  // "appliance", "guest g1", "image demo"
  std::string field;  // "controls.proc2.enable-ept", "memory[0x100000].size"; empty: the whole scope
  nlohmann::ordered_json a, b;  // null on the side that lacks it; false/true for a control bit or exception
};

std::vector<FieldDifference> diff_documents(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b);

// "guest g1: controls.proc2.enable-ept: off -> on" lines, then "N field(s) differ".
std::string differences_text(const std::vector<FieldDifference>& d);
// {"count": N, "differences": [{"scope", "field", "a", "b"}]}
std::string differences_json(const std::vector<FieldDifference>& d);

}  // namespace configgen::commands
