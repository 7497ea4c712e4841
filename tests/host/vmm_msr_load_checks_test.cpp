// SDM 26.4 VM-entry MSR-load entry checks (vmm/vmx/msr_load_checks.cpp):
// entries configgen accepts pass, and each refused kind is named.
#include <gtest/gtest.h>

#include <set>

#include "arch/entry_rules.h"
#include "arch/vmx_table.h"
#include "vmx/msr_load_checks.h"

namespace {
using arch::EntryRule;
using arch::Msr;

uint32_t first(const blob::MsrEntry& e, bool in_smm, EntryRule& rule) {
  EntryRule f[4];
  const uint32_t n = vmx::check_msr_load_entry(e, in_smm, f, 4);
  if (n) rule = f[0];
  return n;
}

TEST(MsrLoadChecks, EntriesTheBookLoadsPass) {
  EntryRule r;
  for (Msr m : {Msr::IA32_TIME_STAMP_COUNTER, Msr::IA32_EFER, Msr::IA32_KERNEL_GS_BASE, Msr::IA32_SYSENTER_CS})
    EXPECT_EQ(first({uint32_t(m), 0, m == Msr::IA32_EFER ? 0xD01u : 0x1234u}, false, r), 0u) << arch::msr_ident(uint32_t(m));
  EXPECT_EQ(first({uint32_t(Msr::IA32_KERNEL_GS_BASE), 0, 0xFFFF800000000000}, false, r), 0u);  // canonical, high half
  EXPECT_EQ(first({uint32_t(Msr::IA32_PAT), 0, 0x0007040600070406}, false, r), 0u);              // the reset value
  EXPECT_EQ(first({uint32_t(Msr::IA32_EFER), 0, 0xD01}, false, r), 0u);                          // SCE LME LMA NXE
  EXPECT_EQ(first({0x7FF, 0, 0}, false, r), 0u);  // just below the x2APIC range
  EXPECT_EQ(first({0x900, 0, 0}, false, r), 0u);  // just above it
}

TEST(MsrLoadChecks, EachRefusedEntryIsNamed) {
  const struct {
    blob::MsrEntry entry;
    bool in_smm;
    EntryRule rule;
  } cases[] = {
      {{uint32_t(Msr::IA32_FS_BASE), 0, 0}, false, EntryRule::MSR_LOAD_ENTRY},
      {{uint32_t(Msr::IA32_GS_BASE), 0, 0}, false, EntryRule::MSR_LOAD_ENTRY},
      {{0x800, 0, 0}, false, EntryRule::MSR_LOAD_ENTRY},
      {{uint32_t(Msr::IA32_X2APIC_ICR), 0, 0}, false, EntryRule::MSR_LOAD_ENTRY},
      {{0x8FF, 0, 0}, false, EntryRule::MSR_LOAD_ENTRY},
      {{uint32_t(Msr::IA32_SMM_MONITOR_CTL), 0, 0}, false, EntryRule::MSR_LOAD_SMM_ONLY},
      {{uint32_t(Msr::IA32_TIME_STAMP_COUNTER), 1, 0}, false, EntryRule::MSR_LOAD_RESERVED_BITS},
      {{uint32_t(Msr::IA32_KERNEL_GS_BASE), 0, 0x0000800000000000}, false, EntryRule::MSR_LOAD_WRMSR_FAULT},
      {{uint32_t(Msr::IA32_LSTAR), 0, 0x00F0000000000000}, false, EntryRule::MSR_LOAD_WRMSR_FAULT},
      {{uint32_t(Msr::IA32_SYSENTER_EIP), 0, 0x8000000000000000}, false, EntryRule::MSR_LOAD_WRMSR_FAULT},
      {{uint32_t(Msr::IA32_EFER), 0, 1ull << 9}, false, EntryRule::MSR_LOAD_WRMSR_FAULT},
      {{uint32_t(Msr::IA32_PAT), 0, 0x0007040600070402}, false, EntryRule::MSR_LOAD_WRMSR_FAULT},  // type 2 in entry 0
      {{uint32_t(Msr::IA32_PAT), 0, 0x0007040600070416}, false, EntryRule::MSR_LOAD_WRMSR_FAULT},  // bits 7:3 set
      {{uint32_t(Msr::IA32_TSC_AUX), 0, 1ull << 32}, false, EntryRule::MSR_LOAD_WRMSR_FAULT},
  };
  for (const auto& c : cases) {
    EntryRule r{};
    EXPECT_EQ(first(c.entry, c.in_smm, r), 1u) << std::hex << c.entry.index;
    EXPECT_EQ(r, c.rule) << arch::entry_rule(r).id << " for MSR " << std::hex << c.entry.index;
  }
}

TEST(MsrLoadChecks, SmmOnlyMsrsMayBeLoadedInSmm) {
  EntryRule r;
  EXPECT_EQ(first({uint32_t(Msr::IA32_SMM_MONITOR_CTL), 0, 0}, true, r), 0u);
}

// The 26.4 rows the hypervisor names: each is either a case above or one of
// the two only the CPU can judge, which the diagnosis names together.
TEST(MsrLoadChecks, TheTableSaysWhichRulesAreNamed) {
  const std::set<EntryRule> named = {EntryRule::MSR_LOAD_ENTRY, EntryRule::MSR_LOAD_SMM_ONLY, EntryRule::MSR_LOAD_RESERVED_BITS,
                                     EntryRule::MSR_LOAD_WRMSR_FAULT, EntryRule::MSR_LOAD_MODEL_SPECIFIC};
  for (const auto& r : arch::kEntryRules)
    if (std::string(r.sdm_section) == "26.4") EXPECT_EQ(r.named_by_hypervisor, named.count(r.rule) == 1) << r.id;
}

}  // namespace
