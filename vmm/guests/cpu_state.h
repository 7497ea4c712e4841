// CPU state that VM entry and VM exit do not switch (SDM 27.5, 28.3 and the
// list of "state not loaded on VM exits"), switched in software when a CPU
// changes from one guest to another (docs/isolation.md, "CPU state"). The
// host itself uses none of it in 64-bit mode: no SYSCALL, no SWAPGS (its GS
// base is HOST_GS_BASE), no RDTSCP, no debug registers, no x87/SSE code.
#pragma once
#include "guests/vcpu.h"

namespace cpu {
struct PerCpu;
}

namespace guests {

// Once per CPU before its first guest: XSAVE enabled in the host (CR4.OSXSAVE)
// when the CPU has it, and the features the switch depends on read.
void init_cpu_state_support();

// Architectural reset values for a guest that never ran (SDM Vol. 3 10.1.1,
// Table 10-1): the switched MSRs 0, IA32_PAT 0007040600070406H, DR0-DR3 0,
// DR6 FFFF0FF0H, CR8 0, XCR0 1, x87 FCW 037FH, MXCSR 1F80H, every other
// XSAVE component in its initial configuration. False when out of memory.
bool init_guest_cpu_state(Vcpu& v);

// Makes `next`'s state the CPU's, saving what the previous owner left in the
// registers. Cheap when nothing changes: called on every entry, it does work
// only when the owner differs.
void switch_cpu_state(cpu::PerCpu& c, Vcpu& next);

// XSETBV exit (SDM 25.1.2: unconditional): the value the guest asked for,
// if valid, becomes its XCR0 and the CPU's while it runs.
bool set_guest_xcr0(Vcpu& v, uint64_t value);

}  // namespace guests
