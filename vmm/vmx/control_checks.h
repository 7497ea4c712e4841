// The SDM 26.2.1 checks on the VM-execution, VM-exit and VM-entry control
// fields that the rule table names, as plain logic over field values. The
// hypervisor runs them after VMLAUNCH/VMRESUME fails with VM-instruction
// error 7 (invalid control field) to name the rule the CPU refused; configgen
// decides the same rules on the profile before boot (validate/controls.cpp).
#pragma once
#include <stdint.h>

#include "arch/entry_rules.h"
#include "arch/vmx_formats.h"
#include "arch/vmx_table.h"

namespace vmx {

struct ControlsInput {
  uint32_t controls[arch::kControlWordCount];  // PROC2 as in the VMCS, used only when activated
  // Control fields the rules read (SDM 24.6-24.8).
  uint32_t cr3_target_count;
  uint32_t exit_msr_store_count, exit_msr_load_count, entry_msr_load_count;
  uint32_t tpr_threshold;
  uint8_t vtpr;  // byte 80H of the virtual-APIC page (VTPR)
  uint64_t eptp;
  uint64_t vm_function_controls;
  uint32_t interruption_info, exception_error_code, instruction_length;
  uint64_t guest_cr0;  // its PE bit decides whether an error code is delivered
  // The capability MSRs of the logical processor (SDM Appendix A): the
  // control MSRs (TRUE_ variants when IA32_VMX_BASIC[55]) in ControlWord order.
  uint64_t control_capability[arch::kControlWordCount];
  arch::VmxBasic basic;
  arch::VmxMisc misc;
  arch::EptVpidCap ept_vpid_cap;
  uint64_t vmfunc;
  uint32_t physical_address_bits;
};

// Runs every check; writes each failing rule once (at most `capacity`) and
// returns how many failed. Zero means the controls pass these checks.
uint32_t check_controls(const ControlsInput& in, arch::EntryRule* failures, uint32_t capacity);

}  // namespace vmx
