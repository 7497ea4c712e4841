// SDM 26.2.1 control-field checks (vmm/vmx/control_checks.cpp): the controls
// the hypervisor writes for a long-mode guest on bochs-3.0-skylake-x pass,
// and each rule fails on a bad value.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "arch/entry_rules.h"
#include "arch/vmx_table.h"
#include "model/target.h"
#include "arch/vmx_capabilities.h"
#include "parse/target_file.h"
#include "vmx/control_checks.h"

namespace {
namespace ctl = arch::ctl;
using arch::EntryRule;
using In = vmx::ControlsInput;

void set(In& in, arch::ControlBit b) { in.controls[uint32_t(b.word)] |= b.mask(); }
void clear(In& in, arch::ControlBit b) { in.controls[uint32_t(b.word)] &= ~b.mask(); }

// What configgen lowers (lower/lower.cpp) and the hypervisor forces
// (run/setup.cpp force_isolation_controls) for a long-mode guest with a
// timer, reconciled with the target's capability MSRs as the hypervisor does.
In skylake_long_mode_guest() {
  std::string error;
  const auto t = configgen::parse::load_target("bochs-3.0-skylake-x", error);
  EXPECT_TRUE(t) << error;
  In in{};
  uint32_t wanted[arch::kControlWordCount] = {};
  for (arch::ControlBit b : {ctl::NMI_EXITING, ctl::ACTIVATE_VMX_PREEMPTION_TIMER, ctl::HLT_EXITING, ctl::USE_IO_BITMAPS,
                             ctl::USE_MSR_BITMAPS, ctl::ACTIVATE_SECONDARY_CONTROLS, ctl::ENABLE_EPT, ctl::ENABLE_VPID,
                             ctl::HOST_ADDRESS_SPACE_SIZE, ctl::SAVE_IA32_EFER, ctl::LOAD_IA32_EFER, ctl::SAVE_IA32_PAT,
                             ctl::LOAD_IA32_PAT, ctl::SAVE_DEBUG_CONTROLS, ctl::SAVE_VMX_PREEMPTION_TIMER_VALUE,
                             ctl::IA32E_MODE_GUEST, ctl::LOAD_IA32_EFER_ON_ENTRY, ctl::LOAD_IA32_PAT_ON_ENTRY,
                             ctl::LOAD_DEBUG_CONTROLS})
    wanted[uint32_t(b.word)] |= b.mask();
  const arch::ReconcileResult r = arch::reconcile_controls(wanted, t->caps);
  EXPECT_TRUE(r.ok);
  for (uint32_t i = 0; i < arch::kControlWordCount; ++i) {
    in.controls[i] = r.values[i];
    in.control_capability[i] = t->caps.control_msr(arch::ControlWord(i));
  }
  in.eptp = 0x10F000 | (3 << 3) | 6;  // WB, 4-level walk
  in.guest_cr0 = 0x80000031;
  in.basic = t->caps.basic;
  in.misc = t->caps.misc;
  in.ept_vpid_cap = t->caps.ept_vpid_cap;
  in.vmfunc = t->caps.vmfunc;
  in.physical_address_bits = t->physical_address_bits;
  return in;
}

std::vector<EntryRule> failing(const In& in) {
  EntryRule f[64];
  const uint32_t n = vmx::check_controls(in, f, 64);
  return std::vector<EntryRule>(f, f + (n < 64 ? n : 64));
}

std::string ids(const std::vector<EntryRule>& rules) {
  std::string s;
  for (EntryRule r : rules) s += std::string(s.empty() ? "" : ", ") + arch::entry_rule(r).id;
  return s;
}

TEST(ControlChecks, TheHypervisorsControlsPass) { EXPECT_EQ(ids(failing(skylake_long_mode_guest())), ""); }

TEST(ControlChecks, InjectedEventsTheBookUsesPass) {
  auto in = skylake_long_mode_guest();
  in.interruption_info = (1u << 31) | (1u << 11) | (3u << 8) | 13;  // #GP with error code
  EXPECT_EQ(ids(failing(in)), "");
  in.interruption_info = (1u << 31) | (6u << 8) | 3;  // INT3, software exception
  in.instruction_length = 1;
  EXPECT_EQ(ids(failing(in)), "");
  in.interruption_info = (1u << 31) | (2u << 8) | 2;  // NMI
  EXPECT_EQ(ids(failing(in)), "");
}

struct Case {
  EntryRule rule;
  void (*breaks)(In&);
};

constexpr uint32_t kInject = 1u << 31, kErrorCode = 1u << 11;

const Case kCases[] = {
    {EntryRule::CONTROL_NOT_ALLOWED, [](In& in) { clear(in, ctl::HOST_ADDRESS_SPACE_SIZE); in.control_capability[uint32_t(arch::ControlWord::EXIT)] |= ctl::HOST_ADDRESS_SPACE_SIZE.mask(); }},
    {EntryRule::CONTROL_NOT_ALLOWED, [](In& in) { in.controls[uint32_t(arch::ControlWord::PIN)] |= 1u << 30; }},  // reserved, allowed-1 0
    {EntryRule::UNRESTRICTED_GUEST_NEEDS_EPT, [](In& in) { set(in, ctl::UNRESTRICTED_GUEST); clear(in, ctl::ENABLE_EPT); }},
    {EntryRule::VIRTUAL_NMIS_NEED_NMI_EXITING, [](In& in) { set(in, ctl::VIRTUAL_NMIS); clear(in, ctl::NMI_EXITING); }},
    {EntryRule::NMI_WINDOW_EXITING_NEEDS_VIRTUAL_NMIS, [](In& in) { set(in, ctl::NMI_WINDOW_EXITING); }},
    {EntryRule::VIRTUAL_INTERRUPT_DELIVERY_NEEDS_EXTERNAL_INTERRUPT_EXITING, [](In& in) { set(in, ctl::VIRTUAL_INTERRUPT_DELIVERY); set(in, ctl::USE_TPR_SHADOW); }},
    {EntryRule::POSTED_INTERRUPTS_NEED_VIRTUAL_INTERRUPT_DELIVERY, [](In& in) { set(in, ctl::PROCESS_POSTED_INTERRUPTS); }},
    {EntryRule::POSTED_INTERRUPTS_NEED_ACKNOWLEDGE_INTERRUPT_ON_EXIT, [](In& in) { set(in, ctl::PROCESS_POSTED_INTERRUPTS); }},
    {EntryRule::X2APIC_VIRTUALIZATION_NEEDS_TPR_SHADOW, [](In& in) { set(in, ctl::VIRTUALIZE_X2APIC_MODE); }},
    {EntryRule::APIC_REGISTER_VIRTUALIZATION_NEEDS_TPR_SHADOW, [](In& in) { set(in, ctl::APIC_REGISTER_VIRTUALIZATION); }},
    {EntryRule::VIRTUAL_INTERRUPT_DELIVERY_NEEDS_TPR_SHADOW, [](In& in) { set(in, ctl::VIRTUAL_INTERRUPT_DELIVERY); set(in, ctl::EXTERNAL_INTERRUPT_EXITING); }},
    {EntryRule::PML_NEEDS_EPT, [](In& in) { set(in, ctl::ENABLE_PML); clear(in, ctl::ENABLE_EPT); }},
    {EntryRule::MODE_BASED_EXECUTE_NEEDS_EPT, [](In& in) { set(in, ctl::MODE_BASED_EXECUTE_CONTROL_FOR_EPT); clear(in, ctl::ENABLE_EPT); }},
    {EntryRule::SUB_PAGE_PERMISSIONS_NEED_EPT, [](In& in) { set(in, ctl::SUB_PAGE_WRITE_PERMISSIONS_FOR_EPT); clear(in, ctl::ENABLE_EPT); }},
    {EntryRule::SAVE_TIMER_NEEDS_ACTIVE_TIMER, [](In& in) { clear(in, ctl::ACTIVATE_VMX_PREEMPTION_TIMER); }},
    {EntryRule::TPR_THRESHOLD_ABOVE_VTPR, [](In& in) { set(in, ctl::USE_TPR_SHADOW); in.tpr_threshold = 5; in.vtpr = 0x40; }},
    {EntryRule::X2APIC_AND_APIC_ACCESS_EXCLUSIVE, [](In& in) { set(in, ctl::USE_TPR_SHADOW); set(in, ctl::VIRTUALIZE_X2APIC_MODE); set(in, ctl::VIRTUALIZE_APIC_ACCESSES); }},
    {EntryRule::CR3_TARGET_COUNT, [](In& in) { in.cr3_target_count = 5; }},
    {EntryRule::EPTP_VALID, [](In& in) { in.eptp = (in.eptp & ~7ull) | 1; }},        // memory type WC
    {EntryRule::EPTP_VALID, [](In& in) { in.eptp = (in.eptp & ~0x38ull) | (1 << 3); }},  // 2-level walk
    {EntryRule::EPTP_VALID, [](In& in) { in.eptp |= 1ull << 44; }},                  // above 40 physical-address bits
    {EntryRule::EPTP_ACCESSED_DIRTY, [](In& in) { in.eptp |= 1 << 6; in.ept_vpid_cap.raw &= ~(1ull << 21); }},
    {EntryRule::EPTP_SWITCHING, [](In& in) { set(in, ctl::ENABLE_VM_FUNCTIONS); in.vm_function_controls = 1; in.vmfunc = 0; }},
    {EntryRule::MSR_LIST_COUNT, [](In& in) { in.entry_msr_load_count = 513; }},
    {EntryRule::ENTRY_TO_SMM, [](In& in) { set(in, ctl::ENTRY_TO_SMM); }},
    {EntryRule::EVENT_TYPE_RESERVED, [](In& in) { in.interruption_info = kInject | (1u << 8) | 32; }},
    {EntryRule::EVENT_NMI_VECTOR, [](In& in) { in.interruption_info = kInject | (2u << 8) | 3; }},
    {EntryRule::EVENT_EXCEPTION_VECTOR, [](In& in) { in.interruption_info = kInject | (3u << 8) | 40; }},
    {EntryRule::EVENT_ERROR_CODE, [](In& in) { in.interruption_info = kInject | kErrorCode | (3u << 8) | 6; }},  // #UD has none
    {EntryRule::EVENT_ERROR_CODE, [](In& in) { in.interruption_info = kInject | (3u << 8) | 13; }},              // #GP needs one
    {EntryRule::EVENT_ERROR_CODE, [](In& in) { in.interruption_info = kInject | kErrorCode | (0u << 8) | 0x30; }},
    {EntryRule::EVENT_ERROR_CODE_RESERVED, [](In& in) { in.interruption_info = kInject | kErrorCode | (3u << 8) | 13; in.exception_error_code = 0x10000; }},
    {EntryRule::EVENT_INSTRUCTION_LENGTH, [](In& in) { in.interruption_info = kInject | (4u << 8) | 0x80; in.instruction_length = 16; }},
    {EntryRule::EVENT_INSTRUCTION_LENGTH, [](In& in) { in.interruption_info = kInject | (6u << 8) | 3; in.misc.raw &= ~(1ull << 30); }},
};

TEST(ControlChecks, EachRuleFailsOnABadValue) {
  for (const Case& c : kCases) {
    auto in = skylake_long_mode_guest();
    c.breaks(in);
    const auto f = failing(in);
    bool found = false;
    for (EntryRule r : f) found |= r == c.rule;
    EXPECT_TRUE(found) << arch::entry_rule(c.rule).id << " not named; named: " << ids(f);
  }
}

// IA32_VMX_BASIC[56] lets any hardware exception carry an error code (SDM A.1).
TEST(ControlChecks, Basic56RelaxesTheErrorCodeRule) {
  auto in = skylake_long_mode_guest();
  in.interruption_info = kInject | kErrorCode | (3u << 8) | 6;
  in.basic.raw |= 1ull << 56;
  EXPECT_EQ(ids(failing(in)), "");
  in.basic.raw &= ~(1ull << 56);
  EXPECT_EQ(ids(failing(in)), "event-error-code");
}

// Without "activate secondary controls" the secondary word is ignored.
TEST(ControlChecks, SecondaryControlsCountOnlyWhenActivated) {
  auto in = skylake_long_mode_guest();
  clear(in, ctl::ACTIVATE_SECONDARY_CONTROLS);
  set(in, ctl::UNRESTRICTED_GUEST);
  clear(in, ctl::ENABLE_EPT);
  in.controls[uint32_t(arch::ControlWord::PROC2)] |= 1u << 31;  // not allowed-1 either
  EXPECT_EQ(ids(failing(in)), "");
}

// Every row the hypervisor names after error 7 has a case above, and the
// rows the cases name say so.
TEST(ControlChecks, TheTableSaysWhichRulesAreNamed) {
  std::set<EntryRule> covered;
  for (const Case& c : kCases) covered.insert(c.rule);
  for (const auto& r : arch::kEntryRules) {
    const std::string section = r.sdm_section;
    if (section.rfind("26.2.1", 0) != 0 && r.rule != EntryRule::EPTP_SWITCHING) continue;
    EXPECT_EQ(r.named_by_hypervisor, covered.count(r.rule) == 1) << r.id;
  }
  for (EntryRule r : covered) EXPECT_TRUE(arch::entry_rule(r).named_by_hypervisor) << arch::entry_rule(r).id;
}

}  // namespace
