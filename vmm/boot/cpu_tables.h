// The host's descriptor tables on each CPU: GDT and TSS in its per-CPU block
// (cpu/percpu.h), one IDT shared by all (boot/isr.S).
#pragma once
#include "cpu/percpu.h"

namespace boot {
// Loads this CPU's GDT, TSS and the shared IDT, and points GS at its block.
void install_cpu_tables(cpu::PerCpu& c);
void install_idt();
}  // namespace boot
