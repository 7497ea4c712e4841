// VM-entry failure diagnosis (SDM 26.1, 26.8, 30.4; book 4.6, 4.11).
#pragma once
#include <stdint.h>

#include "arch/vmx_insn.h"
#include "guests/vcpu.h"

namespace vmx {
// VMLAUNCH/VMRESUME returned VMfailInvalid or VMfailValid: writes the
// VM-instruction error and its SDM text into `out`; for error 7 it also runs
// the 26.2.1 control-field checks on the current VMCS, for error 8 the
// 26.2.2-26.2.4 host-state checks, logs each failing rule by id and SDM
// section, and appends the first to `out`.
void describe_vmfail(arch::VmxResult result, char* out, uint32_t size);
// Exit reasons 33, 34, 41: names the failing check (our own 26.3 checks on
// the VMCS values, or the MSR-load entry), and dumps the guest-state area.
void diagnose_entry_failure(guests::Vcpu& v, uint32_t reason, uint64_t qualification, char* out, uint32_t size);
// Logs every guest-state and control field of the current VMCS by SDM name.
void dump_vmcs(const guests::Vcpu& v);
}  // namespace vmx
