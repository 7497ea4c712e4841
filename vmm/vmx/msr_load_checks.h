// The SDM 26.4 conditions under which VM entry refuses an entry of the
// VM-entry MSR-load list (exit reason 34, the qualification its 1-based
// index), as plain logic over the entry. configgen refuses the profile-made
// ones before boot; the hypervisor runs this after exit reason 34 to name
// the rule the CPU applied.
#pragma once
#include <stdint.h>

#include "arch/entry_rules.h"
#include "blob/format.h"

namespace vmx {

// Writes the rules the entry breaks that the entry alone shows (at most
// `capacity`) and returns how many: the MSRs no entry may name, reserved
// bits, and the values WRMSR refuses on every processor (non-canonical
// addresses, reserved EFER bits, reserved PAT types, TSC_AUX bits 63:32).
// Zero after a failed entry means a refusal only the CPU can judge: a
// model-specific WRMSR #GP or an MSR it does not load on VM entry
// (msr-load-wrmsr-fault, msr-load-model-specific).
uint32_t check_msr_load_entry(const blob::MsrEntry& entry, bool in_smm, arch::EntryRule* failures, uint32_t capacity);

}  // namespace vmx
