// `configgen schema`: docs/profile.schema.json (JSON Schema draft-07) for
// editors. The key tree comes from model/keys.cpp; every named value (control,
// exception, exit reason, MSR, action, hook, word of blob/vocabulary.def) is
// enumerated from the table that names it, and numbers, sizes, ports and times
// get patterns for exactly the text parse/scalars.cpp accepts, so an editor
// flags what `configgen check` would refuse while the profile is typed.
#include <cstdio>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "arch/registers.h"
#include "arch/vmx_table.h"
#include "commands/docs.h"
#include "model/control_text.h"
#include "model/keys.h"
#include "model/vocabulary.h"

namespace configgen::commands {
namespace {

// A JSON value small enough to print by hand: objects keep their order.
struct Json {
  enum class Kind { Object, Array, String, Literal } kind = Kind::Object;
  std::string text;  // String: unquoted text; Literal: as printed
  std::vector<std::pair<std::string, Json>> fields;
  std::vector<Json> items;

  Json& set(const std::string& key, Json v) {
    fields.emplace_back(key, std::move(v));
    return *this;
  }
};
Json str(const std::string& s) { return {Json::Kind::String, s, {}, {}}; }
Json lit(const std::string& s) { return {Json::Kind::Literal, s, {}, {}}; }
Json num(uint64_t v) { return lit(std::to_string(v)); }
Json object() { return {}; }
Json array(std::vector<Json> items) { return {Json::Kind::Array, "", {}, std::move(items)}; }
Json strings(const std::vector<std::string>& words) {
  std::vector<Json> out;
  for (const auto& w : words) out.push_back(str(w));
  return array(std::move(out));
}
Json ref(const std::string& definition) { return object().set("$ref", str("#/definitions/" + definition)); }
Json any_of(std::vector<Json> alternatives) { return object().set("anyOf", array(std::move(alternatives))); }
Json typed(const char* type) { return object().set("type", str(type)); }
Json pattern(const std::string& p) { return typed("string").set("pattern", str(p)); }
Json word_enum(const std::vector<std::string>& words, const std::vector<std::string>& notes = {}) {
  Json j = typed("string").set("enum", strings(words));
  if (!notes.empty()) j.set("enumDescriptions", strings(notes));
  return j;
}
Json unsigned_integer(uint64_t max = 0) {
  Json j = typed("integer").set("minimum", num(0));
  if (max) j.set("maximum", num(max));
  return j;
}

std::string quote(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\', r += c;
    else if (c == '\n') r += "\\n";
    else r += c;
  }
  return r + "\"";
}

// Arrays of scalars print on one line (["real", "protected", ...]).
void print(const Json& j, int depth, std::ostringstream& o) {
  const std::string pad(size_t(depth) * 2, ' ');
  switch (j.kind) {
    case Json::Kind::String: o << quote(j.text); return;
    case Json::Kind::Literal: o << j.text; return;
    case Json::Kind::Array: {
      bool flat = true;
      for (const auto& i : j.items) flat = flat && (i.kind == Json::Kind::String || i.kind == Json::Kind::Literal);
      o << "[";
      for (size_t i = 0; i < j.items.size(); ++i) {
        o << (i ? "," : "") << (flat ? (i ? " " : "") : "\n" + pad + "  ");
        print(j.items[i], depth + 1, o);
      }
      o << (flat || j.items.empty() ? "" : "\n" + pad) << "]";
      return;
    }
    case Json::Kind::Object:
      if (j.fields.empty()) {
        o << "{}";
        return;
      }
      o << "{";
      for (size_t i = 0; i < j.fields.size(); ++i) {
        o << (i ? ",\n" : "\n") << pad << "  " << quote(j.fields[i].first) << ": ";
        print(j.fields[i].second, depth + 1, o);
      }
      o << "\n" << pad << "}";
      return;
  }
}

// What parse_integer() takes once every '_' is dropped: 0x hex, 0b binary or
// decimal, at least one digit. The underscores may stand anywhere, the prefix
// included.
const std::string kHexDigits = "[0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*";
const std::string kHex = "_*0_*[xX]" + kHexDigits;
const std::string kBinary = "_*0_*[bB][01_]*[01][01_]*";
const std::string kDecimal = "[0-9_]*[0-9][0-9_]*";
const std::string kInteger = "(?:" + kHex + "|" + kBinary + "|" + kDecimal + ")";

// parse_size() drops every trailing 'B', then one 'i', then (unless the text
// starts with a literal 0x) one unit K, M or G, and reads the rest as an
// integer. Without the 'i', the number must not itself end in a 'B' (the
// stripping would eat it): hex digits that end in anything else.
std::string size_regex() {
  const std::string hex_not_b = "[0-9a-fA-F_]*(?:[0-9a-fAC-F]|[0-9a-fA-F][0-9a-fA-F_]*_)";
  const std::string hex_split = "(?:_+0_*|0_+)[xX]";  // a 0x prefix that underscores interrupt: units allowed
  const std::string unit = "[kKmMgG]";
  const std::string with_unit = "(?:" + kDecimal + "|" + kBinary + "|" + hex_split + kHexDigits + ")" + unit;
  const std::string number = "(?:0[xX]" + kHexDigits + "|" + hex_split + kHexDigits + "|" + kBinary + "|" + kDecimal + "|" + with_unit + ")";
  const std::string number_not_b =
      "(?:0[xX]" + hex_not_b + "|" + hex_split + hex_not_b + "|" + kBinary + "|" + kDecimal + "|" + with_unit + ")";
  return "^(?:" + number + "iB*|" + number_not_b + "B*)$";
}

// A time for preemption_timer.time: digits and dots that std::stod reads
// from the start (a digit first, or a dot and a digit), then s, ms, us or ns.
const std::string kTime = "^(?:[0-9]+\\.?|\\.[0-9])[0-9.]*(?:s|ms|us|ns)$";

// The profile words of one vocabulary table, optionally filtered.
template <typename E, uint32_t N>
std::pair<std::vector<std::string>, std::vector<std::string>> words_of(const blob::Word<E> (&table)[N], bool (*keep)(E) = nullptr) {
  std::pair<std::vector<std::string>, std::vector<std::string>> out;
  for (const auto* w : model::profile_entries(table))
    if (!keep || keep(w->value)) out.first.push_back(w->word), out.second.push_back(w->description);
  return out;
}

std::string sections(const char* sdm, const char* book) {
  std::string s;
  if (*sdm) s += "SDM Vol. 3 " + std::string(sdm);
  if (*book) s += (s.empty() ? "" : "; ") + std::string("book ") + book;
  return s;
}

// Shared value schemas, referenced by name.
Json definitions() {
  Json d;
  d.set("integer", any_of({unsigned_integer(), pattern("^" + kInteger + "$")}));
  d.set("size", any_of({unsigned_integer(), pattern(size_regex())}));
  d.set("boolean", any_of({typed("boolean"), word_enum({"true", "false", "yes", "no", "on", "off"})}));
  // Any scalar is a string to the reader (`name: 42` is the name "42").
  d.set("string", object().set("type", strings({"string", "number", "boolean"})));

  std::vector<std::string> msr_names, msr_notes, msr_idents;
  for (const auto& m : arch::kMsrs) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", m.number);
    msr_names.push_back(m.profile_name), msr_notes.push_back(std::string(m.ident) + " (" + buf + "), SDM " + m.sdm_section);
    msr_idents.push_back(m.ident);
  }
  d.set("msr", any_of({word_enum(msr_names, msr_notes), word_enum(msr_idents), unsigned_integer(0xFFFFFFFFu),
                       pattern("^" + kInteger + "$")}));
  d.set("msr-value", typed("object")
                         .set("properties", object().set("msr", ref("msr")).set("value", ref("integer")))
                         .set("required", strings({"msr", "value"}))
                         .set("additionalProperties", lit("false")));
  d.set("port", any_of({unsigned_integer(0xFFFF), pattern(port_pattern())}));

  const auto actions = words_of(blob::kActions);
  const auto exit_hooks = words_of(blob::kHooks, model::is_exit_hook);
  Json behaviour_keys = object().set("action", word_enum(actions.first, actions.second));
  for (const char* k : {"leaf", "subleaf", "eax", "ebx", "ecx", "edx"}) behaviour_keys.set(k, ref("integer"));
  behaviour_keys.set("hook", word_enum(exit_hooks.first, exit_hooks.second));
  d.set("behaviour", any_of({word_enum(actions.first, actions.second), typed("object")
                                                                           .set("properties", behaviour_keys)
                                                                           .set("required", strings({"action"}))
                                                                           .set("additionalProperties", lit("false"))}));
  return d;
}

// guests[].on_exit: one key per exit reason (profile name) or exception
// (mnemonic), each an action word or a behaviour map.
Json on_exit_properties() {
  Json p;
  std::map<std::string, bool> seen;
  for (const auto& e : arch::kExitReasons) {
    if (!seen.emplace(e.profile_name, true).second) continue;
    const std::string s = sections(e.sdm_section, e.book_section);
    const std::string text = "Exit reason " + std::to_string(e.number) + ": " + e.sdm_name + ".";
    p.set(e.profile_name, ref("behaviour").set("description", str(text)).set("markdownDescription", str(text + (s.empty() ? "" : "\n\n" + s))));
  }
  for (const auto& x : arch::kExceptions) {
    if (!seen.emplace(x.mnemonic, true).second) continue;
    const std::string text = "Exception vector " + std::to_string(x.vector) + ": " + x.name + " (#" + x.mnemonic + ").";
    p.set(x.mnemonic, ref("behaviour").set("description", str(text)).set("markdownDescription", str(text + "\n\nSDM Vol. 3 6.15")));
  }
  return p;
}

// The named values of one key, from its table; an empty object when the key
// takes plain values of its kind.
Json named_values(const std::string& path) {
  for (uint32_t w = 0; w < arch::kControlWordCount; ++w)
    if (path == std::string("guests[].controls.") + arch::kControlWords[w].profile_key) {
      std::vector<std::string> names, notes;
      for (const auto& c : arch::kControlBits)
        if (uint32_t(c.control.word) == w)
          names.push_back(c.profile_name),
              notes.push_back(std::string(c.sdm_name) + ", bit " + std::to_string(c.control.bit) + ": " + model::control_text(c.control) +
                              " (" + sections(c.sdm_section, c.book_section) + ")");
      return typed("array").set("items", word_enum(names, notes));
    }
  if (path == "guests[].exceptions.trap") {
    std::vector<std::string> names, notes;
    for (const auto& x : arch::kExceptions)
      names.push_back(x.mnemonic), notes.push_back("Vector " + std::to_string(x.vector) + ": " + x.name);
    return typed("array").set("items", word_enum(names, notes));
  }
  if (path == "guests[].expect[].exit") {
    std::vector<std::string> names, notes;
    for (const auto& e : arch::kExitReasons)
      names.push_back(e.profile_name), notes.push_back("Exit reason " + std::to_string(e.number) + ": " + e.sdm_name);
    return word_enum(names, notes);
  }
  for (const char* l : {"pass", "read", "write", "exit_store"})
    if (path == std::string("guests[].msr.") + l) return typed("array").set("items", ref("msr"));
  for (const char* l : {"entry_load", "exit_load"})
    if (path == std::string("guests[].msr.") + l) return typed("array").set("items", ref("msr-value"));
  if (path == "guests[].io.pass" || path == "guests[].io.trap") return typed("array").set("items", ref("port"));
  if (path == "guests[].cpus" || path == "guests[].cr.cr3_targets" || path == "guests[].interrupts.forward_irqs")
    return typed("array").set("items", ref("integer"));
  // parse/tree.cpp takes one file name or a list of them.
  if (path == "include") return any_of({ref("string"), typed("array").set("items", ref("string"))});
  if (path == "appliance.expect" || path == "guests[].expect") return typed("array").set("items", ref("expectation"));
  if (path == "guests") return typed("array").set("items", ref("guest"));
  if (path == "templates.*") return ref("guest");
  if (path == "guests[].preemption_timer.time") return pattern(kTime);
  if (path.size() >= 5 && path.substr(path.size() - 5) == ".perm") return pattern("^[rwx-]*$");
  if (path == "guests[].on_exit")
    return typed("object").set("properties", on_exit_properties()).set("additionalProperties", lit("false"));
  return {};
}

struct Node {
  const model::KeyInfo* info = nullptr;
  std::map<std::string, Node> kids;
};

Json schema_of(const Node& n, const std::string& path, const Node* item);

Json key_schema(const Node& n, const std::string& path, const Node* item) {
  Json j;
  if (n.info) {
    const std::string s = sections(n.info->sdm, n.info->book);
    j.set("description", str(std::string(n.info->description) + (*n.info->sdm ? " [SDM " + std::string(n.info->sdm) + "]" : "") +
                             (*n.info->book ? " [book " + std::string(n.info->book) + "]" : "")));
    j.set("markdownDescription", str(std::string(n.info->description) + (s.empty() ? "" : "\n\n" + s)));
  }
  for (auto& f : schema_of(n, path, item).fields) j.fields.push_back(std::move(f));
  return j;
}

Json schema_of(const Node& n, const std::string& path, const Node* item) {
  if (Json named = named_values(path); !named.fields.empty()) return named;
  const model::KeyKind kind = n.info ? n.info->kind : model::KeyKind::Map;
  if (n.info && *n.info->values) {
    std::vector<std::string> words;
    std::string v = n.info->values;
    for (size_t s = 0;;) {
      const size_t bar = v.find('|', s);
      words.push_back(v.substr(s, bar - s));
      if (bar == std::string::npos) break;
      s = bar + 1;
    }
    return word_enum(words);
  }
  switch (kind) {
    case model::KeyKind::Integer: case model::KeyKind::Number: return ref("integer");
    case model::KeyKind::Size: return ref("size");
    case model::KeyKind::Boolean: return ref("boolean");
    case model::KeyKind::String: return ref("string");
    case model::KeyKind::NameList: return typed("array").set("items", typed("string"));
    case model::KeyKind::Any: return {};
    case model::KeyKind::List: {
      Json j = typed("array");
      if (item) j.set("items", key_schema(*item, path + "[]", nullptr));
      return j;
    }
    case model::KeyKind::Map:
    case model::KeyKind::Switch: break;
  }
  Json j = typed("object");
  std::map<std::string, const Node*> props, items;
  const Node* star = nullptr;
  for (const auto& [k, v] : n.kids) {
    if (k == "*") star = &v;
    else if (k.size() > 2 && k.substr(k.size() - 2) == "[]") items[k.substr(0, k.size() - 2)] = &v;
    else props[k] = &v;
  }
  const std::string prefix = path.empty() ? "" : path + ".";
  if (!props.empty()) {
    Json p;
    for (const auto& [k, v] : props) {
      auto it = items.find(k);
      p.set(k, key_schema(*v, prefix + k, it != items.end() ? it->second : nullptr));
    }
    j.set("properties", p);
  }
  if (star) j.set("additionalProperties", key_schema(*star, prefix + "*", nullptr));
  else j.set("additionalProperties", lit("false"));
  // Register maps take only the SDM's register names (the parser's choice list).
  if (path == "guests[].entry.regs")
    j.set("propertyNames", typed("string").set("enum", strings({std::begin(arch::kGeneralRegisterNames),
                                                                 std::end(arch::kGeneralRegisterNames)})));
  // A switch is on or off, or on with the options of its map.
  if (kind == model::KeyKind::Switch) return any_of({ref("boolean"), j});
  return j;
}

}  // namespace

std::string integer_pattern() { return "^" + kInteger + "$"; }
std::string size_pattern() { return size_regex(); }
std::string port_pattern() { return "^" + kInteger + "(?:-" + kInteger + ")?$"; }
std::string time_pattern() { return kTime; }

std::string json_schema() {
  Node root;
  for (const auto& k : model::profile_keys()) {
    Node* n = &root;
    const std::string path = k.path;
    for (size_t start = 0;;) {
      const size_t dot = path.find('.', start);
      n = &n->kids[path.substr(start, dot - start)];
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    n->info = &k;
  }
  // The guest and the expectation are defined once: guests, templates.* and
  // appliance.expect refer to them.
  Json defs = definitions();
  defs.set("guest", key_schema(root.kids.at("guests[]"), "guests[]", nullptr));
  defs.set("expectation", key_schema(root.kids.at("guests[]").kids.at("expect[]"), "guests[].expect[]", nullptr));
  Json top = object()
                 .set("$schema", str("http://json-schema.org/draft-07/schema#"))
                 .set("title", str("vtx-appliance profile"))
                 .set("definitions", defs)
                 .set("allOf", array({key_schema(root, "", nullptr)}));
  std::ostringstream o;
  print(top, 0, o);
  o << "\n";
  return o.str();
}

}  // namespace configgen::commands
