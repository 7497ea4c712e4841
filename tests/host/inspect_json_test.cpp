// inspect --json (commands/inspect_json.h): typed fields, a committed schema
// kept fresh (docs/inspect.schema.json), and every shipped profile's
// document valid against it, by a validator of the schema subset it uses.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "commands/inspect_json.h"
#include "pipeline/driver.h"

namespace {
using json = nlohmann::ordered_json;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool has_type(const json& v, const std::string& t) {
  if (t == "integer") return v.is_number_integer();
  if (t == "number") return v.is_number();
  if (t == "string") return v.is_string();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  if (t == "array") return v.is_array();
  if (t == "object") return v.is_object();
  return false;
}

// The keywords inspect_schema() uses: type (one or a list), enum, minimum,
// properties, required, additionalProperties: false, items. Anything else in
// the schema is a failure, so the schema cannot outgrow its checker.
void validate(const json& schema, const json& v, const std::string& at, std::vector<std::string>& errors) {
  static const std::set<std::string> kKnown = {"$schema", "title", "description", "type", "enum", "minimum", "properties",
                                               "required", "additionalProperties", "items"};
  for (const auto& [k, _] : schema.items())
    if (!kKnown.count(k)) errors.push_back(at + ": schema keyword '" + k + "' is not checked");
  if (schema.contains("type")) {
    const json types = schema["type"].is_array() ? schema["type"] : json::array({schema["type"]});
    bool ok = false;
    for (const auto& t : types) ok |= has_type(v, t.get<std::string>());
    if (!ok) return errors.push_back(at + ": " + v.dump() + " is not of type " + schema["type"].dump());
  }
  if (schema.contains("enum") && std::find(schema["enum"].begin(), schema["enum"].end(), v) == schema["enum"].end())
    errors.push_back(at + ": " + v.dump() + " is not one of the enum");
  if (schema.contains("minimum") && v.is_number() && v.get<double>() < schema["minimum"].get<double>())
    errors.push_back(at + ": " + v.dump() + " is below the minimum");
  if (v.is_object()) {
    for (const auto& r : schema.value("required", json::array()))
      if (!v.contains(r.get<std::string>())) errors.push_back(at + ": missing required '" + r.get<std::string>() + "'");
    const json props = schema.value("properties", json::object());
    for (const auto& [k, x] : v.items()) {
      if (props.contains(k)) validate(props[k], x, at + "." + k, errors);
      else if (schema.contains("additionalProperties") && !schema["additionalProperties"].get<bool>())
        errors.push_back(at + ": property '" + k + "' is not in the schema");
    }
  }
  if (v.is_array() && schema.contains("items"))
    for (size_t i = 0; i < v.size(); ++i) validate(schema["items"], v[i], at + "[" + std::to_string(i) + "]", errors);
}

std::vector<std::string> errors_of(const json& schema, const json& doc) {
  std::vector<std::string> e;
  validate(schema, doc, "$", e);
  return e;
}

std::optional<json> document_of(const std::string& profile) {
  configgen::CompileOptions o;
  const auto p = configgen::run_pipeline(profile, o);
  if (!p.ok(false)) return std::nullopt;
  std::string error;
  return configgen::commands::inspect_document(p.blob, error);
}

TEST(InspectJson, SchemaIsGeneratedAndFresh) {
  EXPECT_EQ(slurp(VTX_SOURCE_DIR "/docs/inspect.schema.json"), configgen::commands::inspect_schema().dump(2) + "\n")
      << "docs/inspect.schema.json is stale: run `build/bin/configgen schema --inspect > docs/inspect.schema.json`";
}

TEST(InspectJson, FieldsAreTyped) {
  const auto doc = document_of(VTX_SOURCE_DIR "/profiles/demo.yaml");
  ASSERT_TRUE(doc);
  const json& g = (*doc)["guests"][0];
  EXPECT_EQ(g["name"], "demo");
  EXPECT_EQ(g["cpus"], json::array({0}));
  const json& image = g["memory"][1];
  EXPECT_EQ(image["gpa"], 0x100000u);
  EXPECT_EQ(image["size"], 0x10000u);
  EXPECT_EQ(image["kind"], "image");
  EXPECT_EQ(image["image"], "demo");
  EXPECT_EQ(image["memory_type"], "wb");
  EXPECT_EQ(image["permissions"], json({{"read", true}, {"write", false}, {"execute", true}}));
  const json& named = g["controls"]["proc2"]["named"];
  EXPECT_NE(std::find(named.begin(), named.end(), "unrestricted-guest"), named.end()) << named.dump();
  EXPECT_TRUE(g["controls"]["proc2"]["requested"].is_number_unsigned());
  EXPECT_TRUE((*doc)["appliance"]["print_capabilities"].is_boolean());
  EXPECT_EQ(g["entry"]["rip"], 0x100000u);
  EXPECT_TRUE(g["entry"]["cs"]["unusable"].is_boolean());
}

TEST(InspectJson, TheValidatorRefusesWhatTheSchemaForbids) {
  const json schema = configgen::commands::inspect_schema();
  auto doc = document_of(VTX_SOURCE_DIR "/profiles/demo.yaml");
  ASSERT_TRUE(doc);
  ASSERT_TRUE(errors_of(schema, *doc).empty());
  auto broken = *doc;
  broken["guests"][0]["memory"][0]["gpa"] = "0x0";
  EXPECT_EQ(errors_of(schema, broken).size(), 1u);
  broken = *doc;
  broken["guests"][0]["memory"][0]["memory_type"] = "type 6";
  EXPECT_EQ(errors_of(schema, broken).size(), 1u);
  broken = *doc;
  broken["guests"][0]["controls"]["proc2"]["named"].push_back("hlt-exiting");  // a proc control, not proc2
  EXPECT_EQ(errors_of(schema, broken).size(), 1u);
  broken = *doc;
  broken["guests"][0].erase("entry");
  broken["appliance"]["colour"] = "blue";
  EXPECT_EQ(errors_of(schema, broken).size(), 2u);
}

TEST(InspectJson, EveryShippedProfileIsValidAgainstTheCommittedSchema) {
  const json schema = json::parse(slurp(VTX_SOURCE_DIR "/docs/inspect.schema.json"));
  size_t checked = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(VTX_SOURCE_DIR "/profiles")) {
    if (e.path().extension() != ".yaml") continue;
    if (e.path().filename() == "defaults.yaml") continue;  // the book's include, not a profile
    const auto doc = document_of(e.path().string());
    ASSERT_TRUE(doc) << e.path() << " does not compile";
    for (const auto& err : errors_of(schema, *doc)) ADD_FAILURE() << e.path() << ": " << err;
    ++checked;
  }
  EXPECT_GE(checked, 20u);
}

TEST(Golden, InspectJsonOfTheDemo) {
  const auto doc = document_of(VTX_SOURCE_DIR "/profiles/demo.yaml");
  ASSERT_TRUE(doc);
  const std::string text = doc->dump(2) + "\n";
  if (std::getenv("UPDATE_GOLDEN")) {
    std::ofstream(VTX_SOURCE_DIR "/tests/host/golden/demo.inspect.json") << text;
    GTEST_SKIP() << "golden file rewritten";
  }
  EXPECT_EQ(text, slurp(VTX_SOURCE_DIR "/tests/host/golden/demo.inspect.json"))
      << "run the test with UPDATE_GOLDEN=1 after an intended change";
}

}  // namespace
