// The handlers behind the dispatch table, one family per file.
#pragma once
#include "exits/exit.h"

namespace exits {
Flow on_unexpected(guests::Vcpu&, const ExitInfo&);        // dispatch.cpp
Flow on_exception_or_nmi(guests::Vcpu&, const ExitInfo&);  // exceptions.cpp
Flow on_triple_fault(guests::Vcpu&, const ExitInfo&);      // lifecycle.cpp
Flow on_init_signal(guests::Vcpu&, const ExitInfo&);       // lifecycle.cpp
Flow on_hlt(guests::Vcpu&, const ExitInfo&);               // lifecycle.cpp
Flow on_preemption_timer(guests::Vcpu&, const ExitInfo&);  // lifecycle.cpp
Flow on_entry_failure(guests::Vcpu&, const ExitInfo&);     // lifecycle.cpp
Flow on_cpuid(guests::Vcpu&, const ExitInfo&);             // cpuid.cpp
Flow on_io_instruction(guests::Vcpu&, const ExitInfo&);    // io.cpp
Flow on_vmcall(guests::Vcpu&, const ExitInfo&);            // vmcall.cpp
Flow on_rdmsr(guests::Vcpu&, const ExitInfo&);             // msr.cpp
Flow on_wrmsr(guests::Vcpu&, const ExitInfo&);             // msr.cpp
Flow on_rdtsc(guests::Vcpu&, const ExitInfo&);             // msr.cpp
Flow on_ept_violation(guests::Vcpu&, const ExitInfo&);     // ept.cpp
Flow on_ept_misconfiguration(guests::Vcpu&, const ExitInfo&);  // ept.cpp
Flow on_vmx_instruction(guests::Vcpu&, const ExitInfo&);   // exceptions.cpp: #UD into the guest

// Guest console: collects bytes into lines tagged with the guest's name.
void console_put(guests::Vcpu& v, char c);
void console_flush(guests::Vcpu& v);
}  // namespace exits
