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
