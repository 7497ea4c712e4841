// configgen check --format json|sarif: parsed back, the diagnostics of a
// known-bad profile are there with the locations the text output gives, and
// SARIF has the fields 2.1.0 requires.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <sstream>

#include "arch/entry_rules.h"
#include "commands/diagnostic_formats.h"
#include "configgen_test_support.h"

namespace {
using nlohmann::json;
using namespace configgen;

const std::string kInvalid = VTX_SOURCE_DIR "/tests/host/profiles/invalid.yaml";

// A region that is writable but not readable (an entry-rule error with an SDM
// section) and a port passed to two guests (an error with a note).
Pipeline two_problems() {
  return test_support::compile_text("formats.yaml",
                                    "appliance: {name: t, target: bochs-tigerlake}\n"
                                    "guests:\n"
                                    "  - name: a\n"
                                    "    cpus: [0]\n"
                                    "    memory:\n"
                                    "      - {gpa: 0, size: 1M}\n"
                                    "      - {gpa: 0x100000, size: 64K, perm: w}\n"
                                    "    entry: {mode: protected, rip: 0x1000, rsp: 0x9000}\n"
                                    "    io: {pass: [0x2f8]}\n"
                                    "  - name: b\n"
                                    "    cpus: [1]\n"
                                    "    memory:\n"
                                    "      - {gpa: 0, size: 1M}\n"
                                    "    entry: {mode: protected, rip: 0x1000, rsp: 0x9000}\n"
                                    "    io: {pass: [0x2f8]}\n");
}

// file:line:col: severity of every diagnostic the text output prints.
std::vector<std::string> text_locations(const Diagnostics& d) {
  std::vector<std::string> out;
  std::istringstream in(d.render());
  const std::regex head(R"(^(.*):([0-9]+):([0-9]+): (error|warning): .*)");
  std::smatch m;
  for (std::string l; std::getline(in, l);)
    if (std::regex_match(l, m, head)) out.push_back(m[1].str() + ":" + m[2].str() + ":" + m[3].str() + ": " + m[4].str());
  return out;
}

const json* find_by_rule(const json& array, const char* key, const std::string& rule) {
  for (const auto& d : array)
    if (d.at(key) == rule) return &d;
  return nullptr;
}

TEST(DiagnosticFormats, RuleNamesSplitIntoIdAndSection) {
  EXPECT_EQ(commands::split_rule("unknown-key").id, "unknown-key");
  EXPECT_EQ(commands::split_rule("unknown-key").sdm_section, "");
  EXPECT_EQ(commands::split_rule("ept-execute-only, SDM 28.3.3.1").id, "ept-execute-only");
  EXPECT_EQ(commands::split_rule("ept-execute-only, SDM 28.3.3.1").sdm_section, "28.3.3.1");
  EXPECT_EQ(commands::split_rule("unrestricted-guest-needs-ept [SDM 26.2.1.1]").id, "unrestricted-guest-needs-ept");
  EXPECT_EQ(commands::split_rule("unrestricted-guest-needs-ept [SDM 26.2.1.1]").sdm_section, "26.2.1.1");
}

TEST(DiagnosticFormats, JsonHasTheKnownBadProfilesDiagnosticAtItsLocation) {
  const Pipeline p = run_pipeline(kInvalid, {});
  const json j = json::parse(commands::diagnostics_json(p.diags));
  ASSERT_TRUE(j.is_array());
  const json* d = find_by_rule(j, "rule", "unknown-key");
  ASSERT_NE(d, nullptr) << j.dump(2);
  EXPECT_EQ(d->at("file"), kInvalid);
  EXPECT_EQ(d->at("line"), 9);
  EXPECT_EQ(d->at("column"), 5);
  EXPECT_EQ(d->at("severity"), "error");
  EXPECT_EQ(d->at("message"), "unknown key 'entyr' in guests[]");
  EXPECT_EQ(d->at("hint"), "did you mean 'entry'?");
}

TEST(DiagnosticFormats, JsonAndTextNameTheSameLocations) {
  const Pipeline p = two_problems();
  const auto text = text_locations(p.diags);
  ASSERT_GE(text.size(), 2u);
  const json j = json::parse(commands::diagnostics_json(p.diags));
  std::vector<std::string> from_json;
  for (const auto& d : j)
    from_json.push_back(d.at("file").get<std::string>() + ":" + std::to_string(d.at("line").get<int>()) + ":" +
                        std::to_string(d.at("column").get<int>()) + ": " + d.at("severity").get<std::string>());
  EXPECT_EQ(from_json, text);
  const json* twice = find_by_rule(j, "rule", "port-granted-twice");
  ASSERT_NE(twice, nullptr) << j.dump(2);
  ASSERT_EQ(twice->at("notes").size(), 1u);  // the note goes with its diagnostic, not after it
  EXPECT_EQ(twice->at("notes")[0].at("line"), 9);
  const json* ept = find_by_rule(j, "rule", "ept-write-without-read");
  ASSERT_NE(ept, nullptr) << j.dump(2);
  EXPECT_EQ(ept->at("sdm_section"), "28.3.3.1");
}

// The fields SARIF 2.1.0 requires of a log, a run, a tool and a result (and
// what configgen promises: a location with a 1-based region).
void expect_valid_sarif(const json& s) {
  EXPECT_EQ(s.at("version"), "2.1.0");
  ASSERT_TRUE(s.at("$schema").is_string());
  EXPECT_NE(s.at("$schema").get<std::string>().find("sarif-schema-2.1.0.json"), std::string::npos);
  ASSERT_TRUE(s.at("runs").is_array());
  ASSERT_EQ(s.at("runs").size(), 1u);
  const json& run = s.at("runs")[0];
  const json& driver = run.at("tool").at("driver");
  EXPECT_EQ(driver.at("name"), "configgen");
  const json& rules = driver.at("rules");
  for (const auto& r : run.at("results")) {
    ASSERT_TRUE(r.at("ruleId").is_string());
    const size_t index = r.at("ruleIndex");
    ASSERT_LT(index, rules.size());
    EXPECT_EQ(rules[index].at("id"), r.at("ruleId"));
    EXPECT_TRUE(rules[index].at("shortDescription").at("text").is_string());
    EXPECT_TRUE(r.at("message").at("text").is_string());
    const std::string level = r.at("level");
    EXPECT_TRUE(level == "error" || level == "warning" || level == "note") << level;
    ASSERT_FALSE(r.at("locations").empty());
    const json& physical = r.at("locations")[0].at("physicalLocation");
    EXPECT_TRUE(physical.at("artifactLocation").at("uri").is_string());
    EXPECT_GE(physical.at("region").at("startLine").get<int>(), 1);
    EXPECT_GE(physical.at("region").at("startColumn").get<int>(), 1);
  }
}

TEST(DiagnosticFormats, SarifOfTheKnownBadProfile) {
  const Pipeline p = run_pipeline(kInvalid, {});
  const json s = json::parse(commands::diagnostics_sarif(p.diags, "test"));
  expect_valid_sarif(s);
  const json& results = s.at("runs")[0].at("results");
  const json* r = find_by_rule(results, "ruleId", "unknown-key");
  ASSERT_NE(r, nullptr) << s.dump(2);
  const json& physical = r->at("locations")[0].at("physicalLocation");
  EXPECT_EQ(physical.at("artifactLocation").at("uri"), "file://" + kInvalid);  // an absolute path: a file URI
  EXPECT_EQ(physical.at("region").at("startLine"), 9);
  EXPECT_EQ(physical.at("region").at("startColumn"), 5);
  EXPECT_NE(r->at("message").at("text").get<std::string>().find("unknown key 'entyr'"), std::string::npos);
}

TEST(DiagnosticFormats, SarifRulesComeFromTheDiagnosticsWithTheSdmWhereKnown) {
  const Pipeline p = two_problems();
  const json s = json::parse(commands::diagnostics_sarif(p.diags, "test"));
  expect_valid_sarif(s);
  const json& rules = s.at("runs")[0].at("tool").at("driver").at("rules");
  const json* ept = find_by_rule(rules, "id", "ept-write-without-read");
  ASSERT_NE(ept, nullptr) << s.dump(2);
  // The entry-rule table's summary and section, not the message.
  EXPECT_EQ(ept->at("shortDescription").at("text"), arch::find_entry_rule("ept-write-without-read")->summary);
  EXPECT_EQ(ept->at("properties").at("sdmSection"), "28.3.3.1");
  EXPECT_EQ(ept->at("helpUri").get<std::string>().rfind("https://", 0), 0u);
  const json* twice = find_by_rule(rules, "id", "port-granted-twice");
  ASSERT_NE(twice, nullptr);
  // configgen's own table (model/diagnostic_ids.def) describes its ids.
  EXPECT_EQ(twice->at("shortDescription").at("text"), "Two guests are given the same I/O port; a device belongs to one guest.");
  EXPECT_EQ(twice->at("properties").at("sdmSection"), "25.6.4");
  const json* result = find_by_rule(s.at("runs")[0].at("results"), "ruleId", "port-granted-twice");
  ASSERT_NE(result, nullptr);
  ASSERT_EQ(result->at("relatedLocations").size(), 1u);
  EXPECT_EQ(result->at("relatedLocations")[0].at("physicalLocation").at("region").at("startLine"), 9);
  // One rule per id, however many results cite it.
  std::set<std::string> ids;
  for (const auto& r : rules) EXPECT_TRUE(ids.insert(r.at("id").get<std::string>()).second);
}

// Under --werror the documents agree with the exit status: the warning is an
// error there, marked as made one by --werror.
TEST(DiagnosticFormats, WerrorMakesWarningsErrorsInTheDocuments) {
  const Pipeline p = run_pipeline(VTX_SOURCE_DIR "/tests/host/profiles/warning.yaml", {});
  ASSERT_EQ(p.diags.warning_count(), 1u);
  const json plain = json::parse(commands::diagnostics_json(p.diags));
  EXPECT_EQ(plain[0].at("severity"), "warning");
  EXPECT_FALSE(plain[0].contains("werror"));
  const json strict = json::parse(commands::diagnostics_json(p.diags, true));
  EXPECT_EQ(strict[0].at("severity"), "error");
  EXPECT_EQ(strict[0].at("werror"), true);
  const json sarif = json::parse(commands::diagnostics_sarif(p.diags, "test", true));
  expect_valid_sarif(sarif);
  const json& result = sarif.at("runs")[0].at("results")[0];
  EXPECT_EQ(result.at("level"), "error");
  EXPECT_EQ(result.at("properties").at("werror"), true);
  EXPECT_EQ(json::parse(commands::diagnostics_sarif(p.diags, "test")).at("runs")[0].at("results")[0].at("level"), "warning");
}

}  // namespace
