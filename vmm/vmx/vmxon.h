// Entering VMX operation on one CPU (SDM 23.6-23.8, book 2.3): detection,
// IA32_FEATURE_CONTROL, CR0/CR4 fixed bits, the VMXON region.
#pragma once
#include "cpu/percpu.h"

namespace vmx {
// Reads the capability MSRs into c.caps and executes VMXON. On failure
// returns false with `why` set to a sentence naming the missing feature.
bool enable_vmx(cpu::PerCpu& c, const char** why);
// Prints every capability MSR in the form `configgen caps import` reads.
void print_capabilities(const cpu::PerCpu& c);
}  // namespace vmx
