// explain's "what it does" for controls (the last column of
// vmm/arch/vmx_controls.def): every control has a sentence, explain prints
// it, and the profile reference carries it.
#include <gtest/gtest.h>

#include "arch/vmx_table.h"
#include "commands/docs.h"
#include "model/control_text.h"

namespace {

TEST(Explain, EveryControlSaysWhatItDoesInOneSentence) {
  for (const auto& c : arch::kControlBits) {
    const std::string what = configgen::model::control_text(c.control);
    EXPECT_GT(what.size(), 20u) << c.profile_name;
    EXPECT_EQ(what.back(), '.') << c.profile_name;
    EXPECT_EQ(what.find('|'), std::string::npos) << c.profile_name;  // a Markdown table cell
  }
}

TEST(Explain, AControlsExplanationSaysWhatItDoesAfterItsName) {
  EXPECT_EQ(configgen::commands::explain("hlt-exiting"),
            "hlt-exiting: control \"HLT exiting\", bit 7 of the primary processor-based VM-execution controls (controls.proc)\n"
            "  Executions of HLT cause VM exits.\n"
            "  SDM 24.6.2; book 3.5.2.1\n"
            "  causes exit reason 12 (hlt, SDM C / 25.1.3)\n");
  // Two controls share a profile name in different words: both explained, each with its own sentence.
  const std::string pat = configgen::commands::explain("load-ia32-pat");
  EXPECT_NE(pat.find("IA32_PAT is loaded from the host-state area on VM exit."), std::string::npos) << pat;
  EXPECT_NE(pat.find("IA32_PAT is loaded from the guest-state area on VM entry."), std::string::npos) << pat;
}

TEST(Explain, TheProfileReferenceHasWhatEachControlDoes) {
  const std::string md = configgen::commands::profile_reference_markdown();
  EXPECT_NE(md.find("| proc2 | `enable-ept` | Enable EPT | 1 | Guest-physical addresses are translated through extended page tables (EPT). |"),
            std::string::npos);
}

}  // namespace

// configgen's own diagnostic ids (model/diagnostic_ids.def) and the calls
// that raise them: every literal id the sources pass to error() or
// warning() is in the table or is a VM-entry rule, and every table row is
// raised somewhere, so `explain ID` and SARIF describe what users see.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "arch/entry_rules.h"
#include "model/diagnostic_ids.h"

namespace {
std::set<std::string> ids_raised_in_sources() {
  // error(LOC, "id", ...) or error(LOC, "id, SDM x.y", ...), LOC possibly spanning a line.
  static const std::regex call(R"(\b(?:error|warning)\((?:[^;"]|"[^"]*")*?,\s*"([a-z0-9]+(?:-[a-z0-9]+)+)(?:, SDM [0-9.]+)?")");
  std::set<std::string> ids;
  for (const auto& e : std::filesystem::recursive_directory_iterator(VTX_SOURCE_DIR "/configgen")) {
    if (e.path().extension() != ".cpp") continue;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    for (auto it = std::sregex_iterator(s.begin(), s.end(), call); it != std::sregex_iterator(); ++it) ids.insert((*it)[1]);
  }
  return ids;
}

TEST(ExplainDiagnostics, EveryIdInTheSourcesIsInTheTable) {
  const auto raised = ids_raised_in_sources();
  ASSERT_GT(raised.size(), 40u);  // the scan found the validators' calls
  std::set<std::string> table;
  for (const auto& d : configgen::model::kDiagnosticIds) table.insert(d.id);
  for (const auto& id : raised)
    EXPECT_TRUE(table.count(id) || arch::find_entry_rule(id.c_str())) << id << " is raised but neither model/diagnostic_ids.def nor arch/entry_rules.def has it";
  for (const auto& id : table) EXPECT_TRUE(raised.count(id)) << id << " is in model/diagnostic_ids.def but no validator raises it";
}

TEST(ExplainDiagnostics, ExplainSaysWhatADiagnosticMeans) {
  EXPECT_EQ(configgen::commands::explain("region-overlap"),
            "region-overlap: configgen diagnostic (error): Two regions of one guest cover the same guest-physical addresses; each "
            "address must have one meaning.\n  SDM 28.3.2; book 6.1\n");
  EXPECT_EQ(configgen::commands::closest_explainable("region-overlaps"), "region-overlap");
  const std::string md = configgen::commands::profile_reference_markdown();
  EXPECT_NE(md.find("| `default-pass-refused` | error | "), std::string::npos);
}
}  // namespace
