#include "commands/field_diff.h"

#include <algorithm>
#include <map>
#include <set>

#include "arch/vmx_table.h"
#include "model/diagnostics.h"  // hex()

namespace configgen::commands {
namespace {
using json = nlohmann::ordered_json;

struct Differ {
  std::vector<FieldDifference>& out;
  std::string scope;

  void differ(const std::string& field, json a, json b) { out.push_back({scope, field, std::move(a), std::move(b)}); }

  // One value against another: objects key by key (A's order, then keys
  // only B has), lists by their pairing, scalars by equality.
  void compare(const std::string& field, const json& a, const json& b) {
    if (a == b) return;
    if (a.is_object() && b.is_object()) {
      for (const auto& [k, v] : a.items()) compare(join(field, k), v, b.contains(k) ? b[k] : json());
      for (const auto& [k, v] : b.items())
        if (!a.contains(k)) compare(join(field, k), json(), v);
      return;
    }
    if (a.is_array() && b.is_array() && !is_scalar_list(a) && !is_scalar_list(b)) return compare_list(field, a, b);
    differ(field, a, b);
  }

  static bool is_scalar_list(const json& l) {
    return !l.empty() && std::all_of(l.begin(), l.end(), [](const json& e) { return !e.is_structured(); });
  }
  static std::string join(const std::string& field, const std::string& key) { return field.empty() ? key : field + "." + key; }

  // Regions are paired by gpa when every gpa is distinct on both sides (a
  // region inserted in front is one addition, not a shift of every later
  // one), other lists of objects by index.
  void compare_list(const std::string& field, const json& a, const json& b) {
    const bool gpa_keys = field == "memory" && by_gpa(a) && by_gpa(b);
    auto key_of = [&](const json& l, size_t i) -> std::string {
      if (gpa_keys) return hex(l[i]["gpa"].get<uint64_t>());
      return std::to_string(i);
    };
    std::vector<std::string> keys;
    std::map<std::string, const json*> left, right;
    for (size_t i = 0; i < a.size(); ++i) keys.push_back(key_of(a, i)), left[keys.back()] = &a[i];
    for (size_t i = 0; i < b.size(); ++i) {
      const std::string k = key_of(b, i);
      if (!left.count(k)) keys.push_back(k);
      right[k] = &b[i];
    }
    for (const auto& k : keys) {
      const std::string f = field + "[" + k + "]";
      if (!left.count(k)) differ(f, json(), *right[k]);
      else if (!right.count(k)) differ(f, *left[k], json());
      else compare(f, *left[k], *right[k]);
    }
  }
  static bool by_gpa(const json& l) {
    std::set<uint64_t> seen;
    for (const auto& r : l)
      if (!r.contains("gpa") || !seen.insert(r["gpa"].get<uint64_t>()).second) return false;
    return true;
  }

  // Each bit of a control word by its table name ("bit N" if it has none):
  // requested bits, then bits the target's reconciliation changed alone.
  void compare_controls(const json& a, const json& b) {
    for (const auto& w : arch::kControlWords) {
      const json& wa = a[w.profile_key];
      const json& wb = b[w.profile_key];
      const uint32_t ra = wa["requested"], rb = wb["requested"];
      const uint32_t ta = wa.value("on_target", ra), tb = wb.value("on_target", rb);
      for (uint8_t bit = 0; bit < 32; ++bit) {
        const uint32_t m = 1u << bit;
        const arch::ControlBitInfo* info = arch::find_control({w.word, bit});
        const std::string name = info ? info->profile_name : "bit " + std::to_string(bit);
        const std::string field = std::string("controls.") + w.profile_key + "." + name;
        if ((ra & m) != (rb & m)) differ(field, (ra & m) != 0, (rb & m) != 0);
        else if ((ta & m) != (tb & m)) differ(field + " (on target)", (ta & m) != 0, (tb & m) != 0);
      }
    }
  }
  void compare_exceptions(const json& a, const json& b) {
    for (const auto& x : arch::kExceptions) {
      const bool in_a = std::find(a.begin(), a.end(), x.mnemonic) != a.end();
      const bool in_b = std::find(b.begin(), b.end(), x.mnemonic) != b.end();
      if (in_a != in_b) differ(std::string("exception_bitmap.") + x.mnemonic, in_a, in_b);
    }
  }
  void compare_guest(const json& a, const json& b) {
    json ra = a, rb = b;
    compare_controls(a["controls"], b["controls"]);
    compare_exceptions(a["exception_bitmap"]["exceptions"], b["exception_bitmap"]["exceptions"]);
    for (json* g : {&ra, &rb}) g->erase("controls"), g->erase("exception_bitmap"), g->erase("name");
    compare("", ra, rb);
  }
};

// Pairs the elements of two lists by their "name".
template <typename F>
void by_name(const json& a, const json& b, const char* what, std::vector<FieldDifference>& out, F compare) {
  auto find = [](const json& l, const json& name) -> const json* {
    for (const auto& e : l)
      if (e["name"] == name) return &e;
    return nullptr;
  };
  for (const auto& e : a) {
    const std::string scope = std::string(what) + " " + e["name"].get<std::string>();
    if (const json* other = find(b, e["name"])) compare(scope, e, *other);
    else out.push_back({scope, "", e, json()});
  }
  for (const auto& e : b)
    if (!find(a, e["name"])) out.push_back({std::string(what) + " " + e["name"].get<std::string>(), "", json(), e});
}

// Fields read in decimal; the rest (addresses, sizes, masks) in hex.
bool is_decimal(const std::string& field) {
  static const char* kDecimal[] = {"min_cpus", "format_version", "sections", "cr3_target_count", "watchdog_slices", "pages",
                                   "instruction_length", "activity_state", "number", "vector", "cpus", "vcpus", "forwarded_irqs"};
  const std::string last = field.substr(field.rfind('.') == std::string::npos ? 0 : field.rfind('.') + 1);
  return std::any_of(std::begin(kDecimal), std::end(kDecimal), [&](const char* k) { return last == k; }) ||
         field.rfind("preemption_timer.value") != std::string::npos;
}
std::string show(const json& v, const std::string& field) {
  if (v.is_null()) return "none";
  if (v.is_boolean()) return v.get<bool>() ? "on" : "off";
  if (v.is_number_unsigned() && !is_decimal(field)) return hex(v.get<uint64_t>());
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && Differ::is_scalar_list(v)) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ", ") + show(e, field);
    return "[" + s + "]";
  }
  return v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}
}  // namespace

std::vector<FieldDifference> diff_documents(const json& a, const json& b) {
  std::vector<FieldDifference> out;
  // The header's size, CRC and section count follow from the rest; a change
  // anywhere changes them, so they would only repeat the count.
  Differ{out, "blob"}.compare("format_version", a["blob"]["format_version"], b["blob"]["format_version"]);
  Differ{out, "appliance"}.compare("", a["appliance"], b["appliance"]);
  by_name(a["images"], b["images"], "image", out,
          [&](const std::string& scope, const json& x, const json& y) { Differ{out, scope}.compare("", x, y); });
  by_name(a["guests"], b["guests"], "guest", out,
          [&](const std::string& scope, const json& x, const json& y) { Differ{out, scope}.compare_guest(x, y); });
  return out;
}

std::string differences_text(const std::vector<FieldDifference>& d) {
  std::string s;
  for (const auto& x : d) {
    s += x.scope + ": ";
    if (x.field.empty()) s += x.a.is_null() ? "added" : "removed";
    else if (x.a.is_structured() || x.b.is_structured()) s += x.field + ": " + (x.a.is_null() ? "added " + x.b.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) : "removed " + x.a.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    else s += x.field + ": " + show(x.a, x.field) + " -> " + show(x.b, x.field);
    s += "\n";
  }
  return s + std::to_string(d.size()) + (d.size() == 1 ? " field differs\n" : " fields differ\n");
}

std::string differences_json(const std::vector<FieldDifference>& d) {
  json out;
  out["count"] = d.size();
  out["differences"] = json::array();
  for (const auto& x : d) out["differences"].push_back({{"scope", x.scope}, {"field", x.field}, {"a", x.a}, {"b", x.b}});
  return out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace configgen::commands
