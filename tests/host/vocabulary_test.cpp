// The project's word table (vmm/blob/vocabulary.def): blob values pinned,
// words converted once by the parser with a clear diagnostic, and the YAML
// structure checks of issue 13 item 5.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "blob/vocabulary.h"
#include "configgen_test_support.h"
#include "model/keys.h"
#include "model/vocabulary.h"

using namespace test_support;

// Existing blobs and captured logs hold these numbers: a reordered or
// renumbered line in vocabulary.def must fail to compile.
static_assert(uint32_t(blob::GuestMode::Real) == 0 && uint32_t(blob::GuestMode::Protected) == 1 &&
              uint32_t(blob::GuestMode::ProtectedPaging) == 2 && uint32_t(blob::GuestMode::Pae) == 3 &&
              uint32_t(blob::GuestMode::Long) == 4);
static_assert(uint32_t(blob::RegionKind::Ram) == 0 && uint32_t(blob::RegionKind::Image) == 1 &&
              uint32_t(blob::RegionKind::MmioTrap) == 2 && uint32_t(blob::RegionKind::Passthrough) == 3);
static_assert(uint32_t(blob::ImageFormat::Flat) == 0 && uint32_t(blob::ImageFormat::Elf) == 1);
static_assert(uint32_t(blob::TimerAction::None) == 0 && uint32_t(blob::TimerAction::TimeSlice) == 1 &&
              uint32_t(blob::TimerAction::Watchdog) == 2);
static_assert(uint32_t(blob::Action::Default) == 0 && uint32_t(blob::Action::Reflect) == 1 &&
              uint32_t(blob::Action::Reinject) == 2 && uint32_t(blob::Action::Emulate) == 3 &&
              uint32_t(blob::Action::Skip) == 4 && uint32_t(blob::Action::Override) == 5 &&
              uint32_t(blob::Action::Hook) == 6 && uint32_t(blob::Action::Trace) == 7 &&
              uint32_t(blob::Action::Log) == 8 && uint32_t(blob::Action::Stop) == 9);
static_assert(uint32_t(blob::HookId::None) == 0 && uint32_t(blob::HookId::LocalApic) == 1 &&
              uint32_t(blob::HookId::SysenterTrap) == 2 && uint32_t(blob::HookId::IntDelivery) == 3);
// SDM Table 24-14 interruption types.
static_assert(uint32_t(blob::EventType::ExternalInterrupt) == 0 && uint32_t(blob::EventType::Reserved) == 1 && uint32_t(blob::EventType::Nmi) == 2 &&
              uint32_t(blob::EventType::HardwareException) == 3 && uint32_t(blob::EventType::SoftwareInterrupt) == 4 &&
              uint32_t(blob::EventType::PrivilegedSoftwareException) == 5 &&
              uint32_t(blob::EventType::SoftwareException) == 6);
static_assert(uint8_t(blob::Outcome::None) == 0 && uint8_t(blob::Outcome::Refused) == 8);

template <typename E, uint32_t N>
void expect_unique(const blob::Word<E> (&table)[N]) {
  std::set<uint32_t> values;
  std::set<std::string> words;
  for (const auto& w : table) {
    EXPECT_TRUE(values.insert(uint32_t(w.value)).second) << w.word;
    if (*w.word) EXPECT_TRUE(words.insert(w.word).second) << w.word;
    EXPECT_NE(std::string(w.description), "") << w.word;
  }
}

TEST(Vocabulary, WordsAndValuesAreUnique) {
  expect_unique(blob::kGuestModes);
  expect_unique(blob::kRegionKinds);
  expect_unique(blob::kImageFormats);
  expect_unique(blob::kTimerActions);
  expect_unique(blob::kActions);
  expect_unique(blob::kHooks);
  expect_unique(blob::kEventTypes);
  expect_unique(blob::kOutcomes);
}

TEST(Vocabulary, ReportAndInspectSpellTheTableWords) {
  EXPECT_STREQ(blob::word_of(blob::kOutcomes, uint32_t(blob::Outcome::EptViolation)), "ept-violation");
  EXPECT_STREQ(blob::word_of(blob::kActions, 9), "stop");
  EXPECT_EQ(blob::word_of(blob::kActions, 10), nullptr);
  EXPECT_FALSE(blob::is_known(blob::kEventTypes, 7));  // no such interruption type
}

TEST(Vocabulary, KeyTableChoicesComeFromTheTable) {
  const auto* k = configgen::model::find_key("guests[].entry.mode");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(std::string(k->values), "real|protected|protected-paging|pae|long|multiboot");
  k = configgen::model::find_key("guests[].expect[].ends");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(std::string(k->values).find("running"), std::string::npos);  // not an end
}

// Before the table, an unknown event type silently became type 3.
TEST(Vocabulary, UnknownEventTypeIsAnErrorNamingTheWords) {
  auto bad = compile_text("vocab-event-bad.yaml", base_profile("    inject: [{vector: 14, type: hardware-exeption}]\n"));
  EXPECT_TRUE(has_rule(bad, "unknown-event-type")) << rendered(bad);
  EXPECT_NE(rendered(bad).find("did you mean 'hardware-exception'?"), std::string::npos) << rendered(bad);
  EXPECT_NE(rendered(bad).find("allowed: external-interrupt, reserved, nmi,"), std::string::npos) << rendered(bad);
  auto good = compile_text("vocab-event-good.yaml", base_profile("    inject: [{vector: 14, type: hardware-exception, error_code: 0}]\n"));
  EXPECT_FALSE(has_rule(good, "unknown-event-type")) << rendered(good);
  EXPECT_FALSE(good.diags.has_errors(false)) << rendered(good);
}

TEST(Vocabulary, ReservedEventTypeRefusedByItsSdmRule) {
  auto bad = compile_text("vocab-event-reserved.yaml", base_profile("    inject: [{vector: 14, type: reserved}]\n"));
  EXPECT_TRUE(has_rule(bad, "event-type-reserved")) << rendered(bad);
}

TEST(YamlStructure, DuplicateKeyRefusedWithBothLocations) {
  auto bad = compile_text("vocab-dup.yaml", base_profile("    vpid: 3\n    vpid: 4\n"));
  EXPECT_TRUE(has_rule(bad, "duplicate-key")) << rendered(bad);
  const std::string text = rendered(bad);
  EXPECT_NE(text.find("key 'vpid' appears twice"), std::string::npos) << text;
  // The second vpid is one line below the first: both line:col are named.
  EXPECT_NE(text.find("vocab-dup.yaml:12:5: "), std::string::npos) << text;
  EXPECT_NE(text.find("(first at "), std::string::npos) << text;
  EXPECT_NE(text.find("vocab-dup.yaml:11:5)"), std::string::npos) << text;
  auto good = compile_text("vocab-nodup.yaml", base_profile("    vpid: 3\n"));
  EXPECT_FALSE(has_rule(good, "duplicate-key")) << rendered(good);
}

TEST(YamlStructure, DuplicateKeyInAFlowMap) {
  auto bad = compile_text("vocab-dup-flow.yaml", base_profile("", "{mode: protected, rip: 0x100000, rip: 0x100004}"));
  EXPECT_TRUE(has_rule(bad, "duplicate-key")) << rendered(bad);
}

// Both wrong fields of one on_exit entry are reported, not only the first.
TEST(YamlStructure, OnExitReportsEveryWrongField) {
  auto bad = compile_text("vocab-onexit-bad.yaml",
                          base_profile("    on_exit:\n      wrmsr: {action: hok, hook: sysenter-trp}\n"));
  EXPECT_TRUE(has_rule(bad, "unknown-action")) << rendered(bad);
  EXPECT_TRUE(has_rule(bad, "unknown-hook")) << rendered(bad);
  EXPECT_NE(rendered(bad).find("did you mean 'hook'?"), std::string::npos) << rendered(bad);
  EXPECT_NE(rendered(bad).find("did you mean 'sysenter-trap'?"), std::string::npos) << rendered(bad);
  auto good = compile_text("vocab-onexit-good.yaml",
                           base_profile("    on_exit:\n      wrmsr: {action: hook, hook: sysenter-trap}\n"));
  EXPECT_FALSE(has_rule(good, "unknown-action")) << rendered(good);
  EXPECT_FALSE(has_rule(good, "unknown-hook")) << rendered(good);
}

TEST(KeyTable, AlternateRegionsShareTheMemoryKeys) {
  const auto& mem = configgen::model::children_of("guests[].memory[]");
  const auto& alt = configgen::model::children_of("guests[].ept.alternate[]");
  ASSERT_EQ(mem.size(), alt.size());
  ASSERT_FALSE(mem.empty());
  for (size_t i = 0; i < mem.size(); ++i) {
    const std::string m = mem[i]->path, a = alt[i]->path;
    EXPECT_EQ(m.substr(m.rfind('.')), a.substr(a.rfind('.')));
    EXPECT_STREQ(mem[i]->description, alt[i]->description);
    EXPECT_STREQ(mem[i]->values, alt[i]->values);
  }
}
