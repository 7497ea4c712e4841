// diff paired field by field (commands/field_diff.h): two small profiles
// (tests/host/profiles/diff-a.yaml, diff-b.yaml) and variants of one guest.
#include <gtest/gtest.h>

#include "commands/field_diff.h"
#include "commands/inspect_json.h"
#include "configgen_test_support.h"

namespace {
using configgen::commands::diff_documents;
using configgen::commands::differences_json;
using configgen::commands::differences_text;
using json = nlohmann::ordered_json;

json document(const configgen::Pipeline& p) {
  EXPECT_TRUE(p.ok(false)) << test_support::rendered(p);
  std::string error;
  auto doc = configgen::commands::inspect_document(p.blob, error);
  EXPECT_TRUE(doc) << error;
  return doc ? *doc : json();
}
json document_of_file(const std::string& path) {
  configgen::CompileOptions o;
  return document(configgen::run_pipeline(path, o));
}
json document_of_text(const std::string& name, const std::string& yaml) { return document(test_support::compile_text(name, yaml)); }

TEST(FieldDiff, TwoProfilesDifferInTheirFiveFieldsAndOnlyThose) {
  const json a = document_of_file(VTX_SOURCE_DIR "/tests/host/profiles/diff-a.yaml");
  const json b = document_of_file(VTX_SOURCE_DIR "/tests/host/profiles/diff-b.yaml");
  const auto d = diff_documents(a, b);
  EXPECT_EQ(differences_text(d),
            "appliance: min_cpus: 1 -> 2\n"
            "guest g1: controls.proc.rdtsc-exiting: off -> on\n"
            "guest g1: memory[0x100000].permissions.write: off -> on\n"
            "guest g2: removed\n"
            "guest g3: added\n"
            "5 fields differ\n");
  const json j = json::parse(differences_json(d));
  EXPECT_EQ(j["count"], 5);
  EXPECT_EQ(j["differences"][1], json({{"scope", "guest g1"}, {"field", "controls.proc.rdtsc-exiting"}, {"a", false}, {"b", true}}));
  EXPECT_EQ(j["differences"][3]["b"], nullptr);
  EXPECT_EQ(j["differences"][3]["a"]["name"], "g2");
}

TEST(FieldDiff, AProfileAgainstItselfHasNoDifferences) {
  const json a = document_of_file(VTX_SOURCE_DIR "/tests/host/profiles/diff-a.yaml");
  const auto d = diff_documents(a, a);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(differences_text(d), "0 fields differ\n");
  EXPECT_EQ(json::parse(differences_json(d))["count"], 0);
}

TEST(FieldDiff, RegionsPairByGpaSoAnInsertedRegionIsOneAddition) {
  const json a = document_of_text("diff-mem-a.yaml", test_support::profile_with_memory("      - {gpa: 0, size: 1M}\n" + rule_cases::kDemoAt1M));
  const json b = document_of_text(
      "diff-mem-b.yaml", test_support::profile_with_memory("      - {gpa: 0, size: 1M}\n" + rule_cases::kDemoAt1M +
                                                           "      - {gpa: 0x200000, size: 4K, memory_type: uc}\n"));
  const auto d = diff_documents(a, b);
  ASSERT_EQ(d.size(), 1u) << differences_text(d);
  EXPECT_EQ(d[0].field, "memory[0x200000]");
  EXPECT_TRUE(d[0].a.is_null());
  EXPECT_EQ(d[0].b["memory_type"], "uc");
  EXPECT_EQ(differences_text(d).rfind("guest g: memory[0x200000]: added {", 0), 0u) << differences_text(d);
}

TEST(FieldDiff, ScalarsShowInHexOrDecimalAndExceptionsByName) {
  const json a = document_of_text("diff-x-a.yaml", test_support::base_profile());
  const json b = document_of_text("diff-x-b.yaml", test_support::base_profile("    exceptions: {trap: [ud]}\n",
                                                                              "{mode: protected, rip: 0x100010, rsp: 0x90000}"));
  const std::string text = differences_text(diff_documents(a, b));
  EXPECT_NE(text.find("guest g: exception_bitmap.ud: off -> on\n"), std::string::npos) << text;
  EXPECT_NE(text.find("guest g: entry.rip: 0x100000 -> 0x100010\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("exception_bitmap.value"), std::string::npos) << text;  // the bit is the field, not the word
  EXPECT_EQ(text.find("crc32c"), std::string::npos) << text;                  // follows from the rest
}

TEST(FieldDiff, DevicesAreFieldsToo) {
  const json a = document_of_text("diff-dev-a.yaml", test_support::base_profile());
  const json b = document_of_text("diff-dev-b.yaml", test_support::base_profile("    devices: {exit_port: 0xf4}\n"));
  EXPECT_EQ(differences_text(diff_documents(a, b)), "guest g: devices.exit_port: none -> 0xf4\n1 field differs\n");
}

TEST(FieldDiff, AnImageWithOtherBytesOfTheSameSizeDiffersInItsCrc) {
  json a = document_of_file(VTX_SOURCE_DIR "/tests/host/profiles/diff-a.yaml");
  json b = a;
  b["images"][0]["crc32c"] = a["images"][0]["crc32c"].get<uint32_t>() ^ 1;
  const std::string text = differences_text(diff_documents(a, b));
  EXPECT_EQ(text.rfind("image demo: crc32c: 0x", 0), 0u) << text;
  EXPECT_NE(text.find("1 field differs\n"), std::string::npos) << text;
}

}  // namespace
