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
// `capacity`) and returns how many. Zero means the value itself was refused:
// WRMSR at CPL 0 would fault on it, or the processor does not load that MSR
// on VM entry for model-specific reasons; only the CPU knows which
// (msr-load-wrmsr-fault, msr-load-model-specific).
uint32_t check_msr_load_entry(const blob::MsrEntry& entry, bool in_smm, arch::EntryRule* failures, uint32_t capacity);

}  // namespace vmx
