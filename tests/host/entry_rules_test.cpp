// The SDM rule table (vmm/arch/entry_rules.def) cannot fall behind
// configgen: every rule id a validate/ diagnostic cites with an SDM section
// must have a row, and the row must cite that section.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "arch/control_requirements.h"
#include "arch/entry_rules.h"
#include "arch/vmx_table.h"
#include "commands/docs.h"
#include "vmx/guest_state_checks.h"

namespace {

struct Cited {
  std::string id, section, file;
};

// Rule ids as validate/ spells them: `"id, SDM 26.x"` in a diagnostic, and
// `"id", "26.x"` in a table of rules, and the rows of arch/control_requirements.h; `"id, SDM "`
// followed by a computed section counts too. Rules that cite only an
// appendix (capability MSRs, A.x) or the book are not entry rules.
std::vector<Cited> cited_in_validate() {
  static const std::regex diag(R"re("([a-z0-9]+(?:-[a-z0-9]+)+), SDM (?:([0-9][0-9.]*)|"))re");
  static const std::regex row(R"re("([a-z0-9]+(?:-[a-z0-9]+)+)", "([0-9]+\.[0-9.]+)")re");
  std::vector<Cited> out;
  for (const auto& f : std::filesystem::directory_iterator(VTX_SOURCE_DIR "/configgen/validate")) {
    if (f.path().extension() != ".cpp") continue;
    std::ifstream in(f.path());
    std::stringstream s;
    s << in.rdbuf();
    const std::string text = s.str();
    for (const std::regex* re : {&diag, &row})
      for (std::sregex_iterator it(text.begin(), text.end(), *re), end; it != end; ++it)
        out.push_back({(*it)[1].str(), (*it)[2].str(), f.path().filename().string()});
  }
  // The "X requires Y" rows validate/controls.cpp checks through the shared table.
  for (const auto& r : arch::kControlRequirements)
    out.push_back({arch::entry_rule(r.rule).id, "", "controls.cpp (arch/control_requirements.h)"});
  return out;
}

TEST(EntryRules, EveryRuleConfiggenCitesHasARow) {
  const auto cited = cited_in_validate();
  // The scan itself must work: validate/ cites dozens of SDM rules.
  ASSERT_GT(cited.size(), 30u) << "the scan of configgen/validate found too few rule ids; has the diagnostic format changed?";
  for (const auto& c : cited) {
    const arch::EntryRuleInfo* r = arch::find_entry_rule(c.id.c_str());
    ASSERT_NE(r, nullptr) << c.file << " cites rule '" << c.id << "' (SDM " << c.section
                          << ") that vmm/arch/entry_rules.def lacks: add a row";
    EXPECT_TRUE(r->checked_by_configgen) << c.id << " is checked in " << c.file << " but its row says configgen does not check it";
    if (!c.section.empty())
      EXPECT_NE(std::string(r->sdm_section).find(c.section), std::string::npos)
          << c.file << " cites " << c.id << " as SDM " << c.section << " but its row says " << r->sdm_section;
  }
}

// The hypervisor's names (vmx::check_guest_state, shared with configgen):
// states that break many rules at once must only name rules the table has,
// with the hypervisor column set and the same section.
TEST(EntryRules, EveryRuleTheHypervisorNamesHasARow) {
  std::set<std::string> named;
  for (const uint64_t fill : {0x00ull, 0xFFull, 0x55ull, 0xAAull}) {
    for (const uint32_t ia32e : {0u, arch::ctl::IA32E_MODE_GUEST.mask()}) {
      vmx::GuestStateInput in;
      std::memset(&in, int(fill), sizeof in);
      in.entry = ia32e | arch::ctl::LOAD_IA32_EFER_ON_ENTRY.mask() | arch::ctl::LOAD_DEBUG_CONTROLS.mask();
      in.cr0_fixed0 = in.cr4_fixed0 = 0;
      in.cr0_fixed1 = in.cr4_fixed1 = fill ? 0 : ~0ull;
      vmx::CheckFailure f[64];
      const uint32_t n = vmx::check_guest_state(in, f, 64);
      for (uint32_t i = 0; i < n && i < 64; ++i) {
        named.insert(f[i].rule);
        const arch::EntryRuleInfo* r = arch::find_entry_rule(f[i].rule);
        ASSERT_NE(r, nullptr) << "the hypervisor names rule '" << f[i].rule << "' that vmm/arch/entry_rules.def lacks";
        EXPECT_TRUE(r->named_by_hypervisor) << f[i].rule;
        EXPECT_NE(std::string(r->sdm_section).find(f[i].sdm_section), std::string::npos) << f[i].rule;
      }
    }
  }
  EXPECT_GT(named.size(), 15u) << "the probing states break too few rules to test anything";
}

TEST(EntryRules, RowsAreWellFormed) {
  std::set<std::string> ids;
  for (uint32_t i = 0; i < arch::kEntryRuleCount; ++i) {
    const auto& r = arch::kEntryRules[i];
    EXPECT_EQ(uint32_t(r.rule), i);
    EXPECT_TRUE(ids.insert(r.id).second) << "duplicate rule id " << r.id;
    EXPECT_TRUE(std::regex_match(r.sdm_section, std::regex(R"([0-9]+(\.[0-9]+)+(; [0-9]+(\.[0-9]+)+)*)"))) << r.id << ": " << r.sdm_section;
    EXPECT_GT(std::string(r.summary).size(), 20u) << r.id << " needs a real summary";
    EXPECT_NE(std::string(r.summary), "control dependency") << r.id;
  }
  EXPECT_EQ(&arch::entry_rule(arch::EntryRule::CR0_PG_REQUIRES_PE), arch::find_entry_rule("cr0-pg-requires-pe"));
}

TEST(Docs, SdmCoverageIsFresh) {
  std::ifstream in(VTX_SOURCE_DIR "/docs/sdm-coverage.md");
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(s.str(), configgen::commands::sdm_coverage_markdown())
      << "docs/sdm-coverage.md is stale: `build/bin/configgen docs --sdm-coverage > docs/sdm-coverage.md`";
}

}  // namespace
