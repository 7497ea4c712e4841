// SDM 26.2.2-26.2.4 host-state checks (vmm/vmx/host_state_checks.cpp): the
// host state the hypervisor writes passes, and each rule fails on a bad value.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "arch/entry_rules.h"
#include "arch/vmx_table.h"
#include "vmx/host_state_checks.h"

namespace {
namespace ctl = arch::ctl;
using arch::EntryRule;

// What vmx::write_host_state (vmm/vmx/vmcs.cpp) writes on a Bochs 3.0
// skylake-x target (configgen/targets/bochs-3.0-skylake-x.yaml): CR0 after
// VMXON (PG, NE, ET, MP, PE), CR4 with PAE, OSFXSR, OSXMMEXCPT and VMXE,
// the boot GDT's selectors 08H/10H/18H with null FS and GS, bases and the
// exit stub in the identity-mapped image above 1 MiB, SYSENTER MSRs 0, and
// the IA32_EFER, IA32_PAT and IA32_PERF_GLOBAL_CTRL values it loads, with
// the controls the hypervisor and configgen always set.
vmx::HostStateInput hypervisor_host_state() {
  vmx::HostStateInput in{};
  in.cr0 = 0x80000033;
  in.cr3 = 0x10B000;
  in.cr4 = 0x2620;
  in.cs_selector = 0x08;
  in.ss_selector = in.ds_selector = in.es_selector = 0x10;
  in.fs_selector = in.gs_selector = 0;
  in.tr_selector = 0x18;
  in.fs_base = 0;
  in.gs_base = 0x11C000;
  in.tr_base = 0x11C080;
  in.gdtr_base = 0x104000;
  in.idtr_base = 0x105000;
  in.sysenter_esp = in.sysenter_eip = 0;
  in.efer = 0xD01;  // SCE, LME, LMA, NXE
  in.pat = 0x0007040600070406ull;
  in.perf_global_ctrl = 0;
  in.rip = 0x101234;
  in.exit = ctl::HOST_ADDRESS_SPACE_SIZE.mask() | ctl::LOAD_IA32_EFER.mask() | ctl::SAVE_IA32_EFER.mask() |
            ctl::LOAD_IA32_PAT.mask() | ctl::SAVE_IA32_PAT.mask() | ctl::LOAD_IA32_PERF_GLOBAL_CTRL.mask();
  in.entry = ctl::IA32E_MODE_GUEST.mask() | ctl::LOAD_IA32_EFER_ON_ENTRY.mask();
  in.in_ia32e_mode = true;
  in.cr0_fixed0 = 0x80000021;
  in.cr0_fixed1 = 0xFFFFFFFF;
  in.cr4_fixed0 = 0x2000;
  in.cr4_fixed1 = 0x3727FF;
  in.efer_allowed = 0xD01;
  in.perf_global_ctrl_allowed = vmx::perf_global_ctrl_allowed(0x07300402, 0x603);  // 4 general, 3 fixed counters
  in.physical_address_bits = 40;
  in.linear_address_bits = 48;
  return in;
}

std::vector<EntryRule> failing(const vmx::HostStateInput& in) {
  EntryRule f[64];
  const uint32_t n = vmx::check_host_state(in, f, 64);
  return std::vector<EntryRule>(f, f + (n < 64 ? n : 64));
}

std::string ids(const std::vector<EntryRule>& rules) {
  std::string s;
  for (EntryRule r : rules) s += std::string(s.empty() ? "" : ", ") + arch::entry_rule(r).id;
  return s;
}

TEST(HostStateChecks, TheHypervisorsHostStatePasses) {
  EXPECT_EQ(ids(failing(hypervisor_host_state())), "");
}

TEST(HostStateChecks, A32BitHostWithoutIa32eGuestPasses) {
  // The other consistent setting of 26.2.4: a 32-bit host entering a
  // 32-bit guest from outside IA-32e mode.
  auto in = hypervisor_host_state();
  in.exit &= ~ctl::HOST_ADDRESS_SPACE_SIZE.mask();
  in.entry &= ~ctl::IA32E_MODE_GUEST.mask();
  in.in_ia32e_mode = false;
  in.efer = 1;  // SCE only
  EXPECT_EQ(ids(failing(in)), "");
}

struct Case {
  EntryRule rule;
  void (*breaks)(vmx::HostStateInput&);
};

const Case kCases[] = {
    {EntryRule::HOST_CR0_FIXED_BITS, [](vmx::HostStateInput& in) { in.cr0 &= ~1ull; }},  // PE is fixed to 1
    {EntryRule::HOST_CR4_FIXED_BITS, [](vmx::HostStateInput& in) { in.cr4 &= ~(1ull << 13); }},  // VMXE is fixed to 1
    {EntryRule::HOST_CR3_WIDTH, [](vmx::HostStateInput& in) { in.cr3 = 1ull << 40; }},
    {EntryRule::HOST_CR4_CET_NEEDS_WP, [](vmx::HostStateInput& in) { in.cr4 |= 1ull << 23; }},
    {EntryRule::HOST_SYSENTER_CANONICAL, [](vmx::HostStateInput& in) { in.sysenter_eip = 0x0000800000000000ull; }},
    {EntryRule::HOST_PERF_GLOBAL_CTRL_RESERVED, [](vmx::HostStateInput& in) { in.perf_global_ctrl = 1ull << 4; }},
    {EntryRule::HOST_PAT_MEMORY_TYPES, [](vmx::HostStateInput& in) { in.pat = 0x0007040600070402ull; }},
    {EntryRule::HOST_EFER_RESERVED, [](vmx::HostStateInput& in) { in.efer |= 1ull << 2; }},
    {EntryRule::HOST_EFER_MATCHES_ADDRESS_SPACE_SIZE, [](vmx::HostStateInput& in) { in.efer &= ~(1ull << 8); }},
    {EntryRule::HOST_SELECTOR_RPL_TI, [](vmx::HostStateInput& in) { in.ds_selector = 0x13; }},
    {EntryRule::HOST_SELECTOR_RPL_TI, [](vmx::HostStateInput& in) { in.tr_selector = 0x1C; }},
    {EntryRule::HOST_CS_SELECTOR_NOT_NULL, [](vmx::HostStateInput& in) { in.cs_selector = 0; }},
    {EntryRule::HOST_TR_SELECTOR_NOT_NULL, [](vmx::HostStateInput& in) { in.tr_selector = 0; }},
    {EntryRule::HOST_SS_SELECTOR_NOT_NULL,
     [](vmx::HostStateInput& in) {
       in.exit &= ~ctl::HOST_ADDRESS_SPACE_SIZE.mask();
       in.ss_selector = 0;
     }},
    {EntryRule::HOST_BASE_CANONICAL, [](vmx::HostStateInput& in) { in.gs_base = 0x1234000000000000ull; }},
    {EntryRule::HOST_BASE_CANONICAL, [](vmx::HostStateInput& in) { in.tr_base = 0xFFFF7FFF00000000ull; }},
    {EntryRule::ADDRESS_SPACE_SIZE_OUTSIDE_IA32E, [](vmx::HostStateInput& in) { in.in_ia32e_mode = false; }},
    {EntryRule::ADDRESS_SPACE_SIZE_IN_IA32E, [](vmx::HostStateInput& in) { in.exit &= ~ctl::HOST_ADDRESS_SPACE_SIZE.mask(); }},
    {EntryRule::IA32E_GUEST_NEEDS_64_BIT_HOST, [](vmx::HostStateInput& in) { in.exit &= ~ctl::HOST_ADDRESS_SPACE_SIZE.mask(); }},
    {EntryRule::HOST_PCIDE_NEEDS_64_BIT_HOST,
     [](vmx::HostStateInput& in) {
       in.exit &= ~ctl::HOST_ADDRESS_SPACE_SIZE.mask();
       in.cr4 |= 1ull << 17;
     }},
    {EntryRule::HOST_RIP_HIGH_BITS,
     [](vmx::HostStateInput& in) {
       in.exit &= ~ctl::HOST_ADDRESS_SPACE_SIZE.mask();
       in.rip = 0xFFFFFFFF80001234ull;
     }},
    {EntryRule::HOST_PAE_FOR_64_BIT_HOST, [](vmx::HostStateInput& in) { in.cr4 &= ~(1ull << 5); }},
    {EntryRule::HOST_RIP_CANONICAL, [](vmx::HostStateInput& in) { in.rip = 0x0000800000001234ull; }},
};

TEST(HostStateChecks, EachRuleFailsOnABadValue) {
  for (const Case& c : kCases) {
    auto in = hypervisor_host_state();
    c.breaks(in);
    const auto f = failing(in);
    bool found = false;
    for (EntryRule r : f) found |= r == c.rule;
    EXPECT_TRUE(found) << arch::entry_rule(c.rule).id << " not named; named: " << ids(f);
  }
}

// The rules whose loaded-MSR control is 0 are not checked (SDM 26.2.2 makes
// each conditional on its VM-exit control).
TEST(HostStateChecks, MsrFieldsAreCheckedOnlyWhenLoaded) {
  auto in = hypervisor_host_state();
  in.exit &= ~(ctl::LOAD_IA32_EFER.mask() | ctl::LOAD_IA32_PAT.mask() | ctl::LOAD_IA32_PERF_GLOBAL_CTRL.mask());
  in.efer = ~0ull;
  in.pat = ~0ull;
  in.perf_global_ctrl = ~0ull;
  EXPECT_EQ(ids(failing(in)), "");
}

TEST(HostStateChecks, CanonicalFollowsTheLinearAddressWidth) {
  auto in = hypervisor_host_state();
  in.gdtr_base = 0x00FF000000000000ull;  // canonical only with 57-bit linear addresses (5-level paging)
  EXPECT_EQ(ids(failing(in)), "host-base-canonical");
  in.linear_address_bits = 57;
  EXPECT_EQ(ids(failing(in)), "");
}

TEST(HostStateChecks, PerfGlobalCtrlAllowedBitsComeFromCpuidLeaf0A) {
  EXPECT_EQ(vmx::perf_global_ctrl_allowed(0x07300402, 0x603), 0x70000000Full);  // version 2: 4 general, 3 fixed
  EXPECT_EQ(vmx::perf_global_ctrl_allowed(0x07300801, 0), 0u);                  // version 1 has no such MSR
}

TEST(HostStateChecks, CapacityBoundsTheOutputButNotTheCount) {
  vmx::HostStateInput in{};  // everything 0: CS and TR null, CR0 and CR4 miss their fixed bits
  in.cr0_fixed0 = 0x80000021;
  in.cr4_fixed0 = 0x2000;
  in.in_ia32e_mode = true;
  EntryRule one[1];
  EXPECT_GT(vmx::check_host_state(in, one, 1), 1u);
  EXPECT_EQ(one[0], EntryRule::HOST_CR0_FIXED_BITS);  // SDM order: 26.2.2 first
}

// Every host-state row that says the hypervisor names it has a case above
// that makes check_host_state name it, and the rows the checks can name say so.
TEST(HostStateChecks, TheTableSaysWhichRulesAreNamed) {
  std::set<EntryRule> covered;
  for (const Case& c : kCases) covered.insert(c.rule);
  for (const auto& r : arch::kEntryRules) {
    const std::string section = r.sdm_section;
    const bool host_state = section == "26.2.2" || section == "26.2.3" || section == "26.2.4";
    if (!host_state) continue;
    EXPECT_FALSE(r.profile_can_influence) << r.id << ": the hypervisor writes every host-state field";
    EXPECT_FALSE(r.checked_by_configgen) << r.id;
    EXPECT_EQ(r.named_by_hypervisor, covered.count(r.rule) == 1) << r.id;
  }
  for (EntryRule r : covered) EXPECT_TRUE(arch::entry_rule(r).named_by_hypervisor) << arch::entry_rule(r).id;
}

}  // namespace
