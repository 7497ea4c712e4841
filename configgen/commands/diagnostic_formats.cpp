#include "commands/diagnostic_formats.h"

#include <nlohmann/json.hpp>

#include <map>

#include "arch/entry_rules.h"
#include "model/diagnostic_ids.h"

namespace configgen::commands {
namespace {
using json = nlohmann::ordered_json;

const char* severity_word(Severity s, bool werror) {
  return s == Severity::Error || (werror && s == Severity::Warning) ? "error" : s == Severity::Warning ? "warning" : "note";
}

// Where the SDM's sections are published: the help for every rule that
// cites one.
constexpr const char* kSdmUri = "https://www.intel.com/content/www/us/en/developer/articles/technical/intel-sdm.html";
constexpr const char* kSarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

// Notes follow the diagnostic they belong to (Diagnostics::note).
template <typename F>
void for_each_with_notes(const Diagnostics& diags, F f) {
  const auto& all = diags.all();
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].severity == Severity::Note && i > 0) continue;
    std::vector<const Diagnostic*> notes;
    for (size_t j = i + 1; j < all.size() && all[j].severity == Severity::Note; ++j) notes.push_back(&all[j]);
    f(all[i], notes);
  }
}

json location_json(const model::SourceLoc& loc) {
  return {{"file", loc.file}, {"line", loc.line}, {"column", loc.column}};
}

// SARIF wants a URI: an absolute path becomes file://, a relative one stays
// a relative reference (to the directory configgen ran in).
std::string file_uri(const std::string& path) {
  std::string out = path.rfind('/', 0) == 0 ? "file://" : "";
  for (char c : path) {
    if (c == ' ' || c == '%' || c == '#' || c == '?') {
      static const char* digits = "0123456789ABCDEF";
      out += '%';
      out += digits[(unsigned char)c >> 4];
      out += digits[(unsigned char)c & 15];
    } else {
      out += c;
    }
  }
  return out;
}

json physical_location(const model::SourceLoc& loc) {
  json physical = {{"artifactLocation", {{"uri", file_uri(loc.file.empty() ? "<profile>" : loc.file)}}}};
  if (loc.line > 0) {  // SARIF regions are 1-based; a diagnostic without a line has no region
    physical["region"] = {{"startLine", loc.line}};
    if (loc.column > 0) physical["region"]["startColumn"] = loc.column;
  }
  return {{"physicalLocation", physical}};
}

}  // namespace

RuleName split_rule(const std::string& rule) {
  RuleName r;
  const size_t end = rule.find_first_of(" ,[");
  r.id = rule.substr(0, end);
  if (const size_t sdm = rule.find("SDM "); sdm != std::string::npos) {
    const size_t from = sdm + 4;
    r.sdm_section = rule.substr(from, rule.find(']', from) - from);
  }
  return r;
}

std::string diagnostics_json(const Diagnostics& diags, bool werror) {
  json out = json::array();
  for_each_with_notes(diags, [&](const Diagnostic& d, const std::vector<const Diagnostic*>& notes) {
    json j = location_json(d.loc);
    j["severity"] = severity_word(d.severity, werror);
    if (werror && d.severity == Severity::Warning) j["werror"] = true;
    j["rule"] = split_rule(d.rule).id;
    j["message"] = d.message;
    j["hint"] = d.hint;
    if (const auto section = split_rule(d.rule).sdm_section; !section.empty()) j["sdm_section"] = section;
    json related = json::array();
    for (const Diagnostic* n : notes) {
      json nj = location_json(n->loc);
      nj["message"] = n->message;
      related.push_back(nj);
    }
    j["notes"] = related;
    out.push_back(j);
  });
  return out.dump(2) + "\n";
}

std::string diagnostics_sarif(const Diagnostics& diags, const std::string& tool_version, bool werror) {
  json rules = json::array();
  std::map<std::string, size_t> rule_index;
  json results = json::array();
  for_each_with_notes(diags, [&](const Diagnostic& d, const std::vector<const Diagnostic*>& notes) {
    const RuleName name = split_rule(d.rule);
    json result;
    if (!name.id.empty()) {
      auto [it, added] = rule_index.emplace(name.id, rules.size());
      if (added) {
        json rule = {{"id", name.id}};
        // The VM-entry rule table and configgen's diagnostic table describe
        // their rules; any other rule is described by its first message.
        const arch::EntryRuleInfo* known = arch::find_entry_rule(name.id.c_str());
        const model::DiagnosticIdInfo* own = nullptr;
        for (const auto& i : model::kDiagnosticIds)
          if (name.id == i.id) own = &i;
        rule["shortDescription"] = {{"text", known ? std::string(known->summary) : own ? std::string(own->meaning) : d.message}};
        const std::string section = known ? known->sdm_section : own && *own->sdm_section ? own->sdm_section : name.sdm_section;
        if (!section.empty()) {
          rule["helpUri"] = kSdmUri;
          rule["help"] = {{"text", "Intel SDM Vol. 3, section " + section}};
          rule["properties"] = {{"sdmSection", section}};
        }
        rules.push_back(rule);
      }
      result["ruleId"] = name.id;
      result["ruleIndex"] = it->second;
    }
    result["level"] = severity_word(d.severity, werror);
    if (werror && d.severity == Severity::Warning) result["properties"] = {{"werror", true}};
    result["message"] = {{"text", d.hint.empty() ? d.message : d.message + " (hint: " + d.hint + ")"}};
    result["locations"] = json::array({physical_location(d.loc)});
    if (!notes.empty()) {
      json related = json::array();
      for (const Diagnostic* n : notes) {
        json r = physical_location(n->loc);
        r["id"] = related.size();
        r["message"] = {{"text", n->message}};
        related.push_back(r);
      }
      result["relatedLocations"] = related;
    }
    results.push_back(result);
  });
  json driver = {{"name", "configgen"}, {"version", tool_version}, {"rules", rules}};
  json sarif = {{"$schema", kSarifSchema},
                {"version", "2.1.0"},
                {"runs", json::array({{{"tool", {{"driver", driver}}}, {"results", results}}})}};
  return sarif.dump(2) + "\n";
}

}  // namespace configgen::commands
