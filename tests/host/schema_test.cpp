// The JSON Schema (docs/profile.schema.json) against the parser and the
// tables: its patterns accept exactly the text parse/scalars.cpp accepts (every
// string up to five or six characters over the letters that matter), and its enums
// are the tables' names, so an editor flags what `configgen check` refuses.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <regex>
#include <set>
#include <string>

#include "arch/vmx_table.h"
#include "blob/vocabulary.h"
#include "commands/docs.h"
#include "model/vocabulary.h"
#include "parse/scalars.h"

namespace {

// Calls `f` with every string of length 0..max_length over `alphabet`.
void every_string(const std::string& alphabet, size_t max_length, const std::function<void(const std::string&)>& f) {
  std::function<void(std::string&)> grow = [&](std::string& s) {
    f(s);
    if (s.size() == max_length) return;
    for (char c : alphabet) {
      s.push_back(c);
      grow(s);
      s.pop_back();
    }
  };
  std::string s;
  grow(s);
}

// Counts the strings where the pattern and the parser disagree, naming a few.
template <typename Parse>
void expect_same_language(const std::string& pattern, const std::string& alphabet, size_t max_length, Parse parses) {
  const std::regex re(pattern, std::regex::ECMAScript);
  size_t disagreements = 0, accepted = 0;
  every_string(alphabet, max_length, [&](const std::string& s) {
    const bool by_pattern = std::regex_match(s, re);
    const bool by_parser = parses(s);
    accepted += by_parser;
    if (by_pattern != by_parser && ++disagreements <= 8)
      ADD_FAILURE() << "'" << s << "': pattern " << (by_pattern ? "accepts" : "refuses") << ", parser "
                    << (by_parser ? "accepts" : "refuses");
  });
  EXPECT_EQ(disagreements, 0u) << pattern;
  EXPECT_GT(accepted, 100u);  // the corpus holds real numbers, not only garbage
}

TEST(Schema, IntegerPatternAcceptsExactlyWhatTheParserAccepts) {
  expect_same_language(configgen::commands::integer_pattern(), "017aBbxXK_", 5,
                       [](const std::string& s) { return configgen::parse::parse_integer(s).has_value(); });
}

TEST(Schema, SizePatternAcceptsExactlyWhatTheParserAccepts) {
  expect_same_language(configgen::commands::size_pattern(), "01aBbxXiKm_", 6,
                       [](const std::string& s) { return configgen::parse::parse_size(s).has_value(); });
}

TEST(Schema, TimePatternAcceptsExactlyWhatTheParserAccepts) {
  expect_same_language(configgen::commands::time_pattern(), "05.smun", 5,
                       [](const std::string& s) { return configgen::parse::parse_seconds(s).has_value(); });
}

TEST(Schema, PortPatternAcceptsANumberOrARange) {
  const std::regex re(configgen::commands::port_pattern(), std::regex::ECMAScript);
  for (const char* ok : {"0x60", "0x60-0x64", "96-100", "0b1-1_0"}) EXPECT_TRUE(std::regex_match(ok, re)) << ok;
  for (const char* bad : {"0x60-", "-1", "1-2-3", "com1", "0x60 - 0x64"}) EXPECT_FALSE(std::regex_match(bad, re)) << bad;
}

std::vector<std::string> enum_of(const YAML::Node& n) {
  std::vector<std::string> out;
  for (const auto& v : n["enum"]) out.push_back(v.as<std::string>());
  return out;
}

// JSON is YAML: yaml-cpp reads the committed schema.
TEST(Schema, NamedValuesAreTheTablesNames) {
  const YAML::Node schema = YAML::Load(configgen::commands::json_schema());
  const YAML::Node defs = schema["definitions"];
  const YAML::Node guest = defs["guest"]["properties"];
  static const char* words[] = {"pin", "proc", "proc2", "exit", "entry"};
  for (uint32_t w = 0; w < arch::kControlWordCount; ++w) {
    std::vector<std::string> names;
    for (const auto& c : arch::kControlBits)
      if (uint32_t(c.control.word) == w) names.push_back(c.profile_name);
    EXPECT_EQ(enum_of(guest["controls"]["properties"][words[w]]["items"]), names) << words[w];
  }
  std::vector<std::string> mnemonics;
  for (const auto& x : arch::kExceptions) mnemonics.push_back(x.mnemonic);
  EXPECT_EQ(enum_of(guest["exceptions"]["properties"]["trap"]["items"]), mnemonics);

  std::set<std::string> selectors;
  for (const auto& e : arch::kExitReasons) selectors.insert(e.profile_name);
  for (const auto& x : arch::kExceptions) selectors.insert(x.mnemonic);
  std::set<std::string> on_exit;
  for (const auto& p : guest["on_exit"]["properties"]) on_exit.insert(p.first.as<std::string>());
  EXPECT_EQ(on_exit, selectors);
  EXPECT_FALSE(guest["on_exit"]["additionalProperties"].as<bool>());

  std::vector<std::string> exits;
  for (const auto& e : arch::kExitReasons) exits.push_back(e.profile_name);
  EXPECT_EQ(enum_of(defs["expectation"]["properties"]["exit"]), exits);

  std::vector<std::string> msrs, idents;
  for (const auto& m : arch::kMsrs) msrs.push_back(m.profile_name), idents.push_back(m.ident);
  EXPECT_EQ(enum_of(defs["msr"]["anyOf"][0]), msrs);
  EXPECT_EQ(enum_of(defs["msr"]["anyOf"][1]), idents);

  EXPECT_EQ(enum_of(defs["behaviour"]["anyOf"][0]), configgen::model::profile_words(blob::kActions));
  EXPECT_EQ(enum_of(guest["memory"]["items"]["properties"]["kind"]), configgen::model::profile_words(blob::kRegionKinds));
  EXPECT_EQ(enum_of(guest["entry"]["properties"]["mode"]), configgen::model::profile_words(blob::kGuestModes));
  EXPECT_EQ(enum_of(guest["inject"]["items"]["properties"]["type"]), configgen::model::profile_words(blob::kEventTypes));

  // Keys carry their sections for the editor's hover.
  EXPECT_EQ(guest["controls"]["properties"]["proc2"]["markdownDescription"].as<std::string>(),
            "Secondary processor-based VM-execution controls.\n\nSDM Vol. 3 24.6.2; book 3.5.2.2");
}

}  // namespace
