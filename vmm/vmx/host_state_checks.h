// The SDM 26.2.2-26.2.4 checks on the host-state area and the controls that
// decide the host's address-space size, as plain logic over field values.
// The hypervisor runs them after VMLAUNCH/VMRESUME fails with VM-instruction
// error 8 (invalid host-state field) to name the rule the CPU refused; the
// host tests run them on the host state the hypervisor writes.
#pragma once
#include <stdint.h>

#include "arch/entry_rules.h"

namespace vmx {

struct HostStateInput {
  // Host-state area (SDM 24.5), as VMREAD returns it.
  uint64_t cr0, cr3, cr4;
  uint16_t es_selector, cs_selector, ss_selector, ds_selector, fs_selector, gs_selector, tr_selector;
  uint64_t fs_base, gs_base, tr_base, gdtr_base, idtr_base;
  uint64_t sysenter_esp, sysenter_eip;
  uint64_t efer, pat, perf_global_ctrl;
  uint64_t rip;
  uint32_t exit;   // VM-exit controls in force
  uint32_t entry;  // VM-entry controls in force
  // The logical processor at the VM entry, and what it supports.
  bool in_ia32e_mode;  // IA32_EFER.LMA when VMLAUNCH/VMRESUME executes
  uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
  uint64_t efer_allowed;              // IA32_EFER bits that are not reserved
  uint64_t perf_global_ctrl_allowed;  // IA32_PERF_GLOBAL_CTRL bits that are not reserved
  uint32_t physical_address_bits;     // CPUID 80000008H EAX[7:0]
  uint32_t linear_address_bits;       // CPUID 80000008H EAX[15:8]
};

// Runs every check in SDM order; writes each failing rule once (at most
// `capacity`) and returns how many failed. Zero means the host state passes.
uint32_t check_host_state(const HostStateInput& in, arch::EntryRule* failures, uint32_t capacity);

// The IA32_PERF_GLOBAL_CTRL bits that are not reserved, from CPUID leaf 0AH:
// one enable per general-purpose counter from bit 0, one per fixed-function
// counter from bit 32 (the layout of architectural performance monitoring
// version 2 that 26.2.2 cites); none before version 2, which has no such MSR.
uint64_t perf_global_ctrl_allowed(uint32_t cpuid_0a_eax, uint32_t cpuid_0a_edx);

}  // namespace vmx
