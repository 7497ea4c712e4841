// Running the guests bound to one CPU (book 6.4.5): round robin between
// runnable guests, one VMCS current at a time, time slices ended by the
// VMX-preemption timer.
#pragma once
#include "cpu/percpu.h"

namespace run {
void run_cpu_guests(cpu::PerCpu& c);
// One line per guest, then the summary; returns true when every guest finished without being stopped.
bool report_outcomes();
// The run trace (docs/trace.md), when the command line asked for it: the
// header, one line per guest naming it, then every CPU's records.
void report_trace();
}  // namespace run
