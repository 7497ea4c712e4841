// Capability probes (issue 11): before any guest starts, each CPU checks
// that the controls it advertises actually act, by running a one-page probe
// guest. An emulator may set an allowed-1 bit and never deliver the exit
// (Debian's Bochs 2.7 does so for the monitor trap flag), and a profile that
// relies on such a control would otherwise fail in a confusing way.
#pragma once
#include <stdint.h>

#include "arch/vmx_table.h"
#include "cpu/percpu.h"

namespace vmx {

enum class ProbeResult : uint8_t {
  NotAdvertised,  // allowed-1 bit is 0: nothing to probe
  Delivered,      // the exit arrived when and where the SDM says
  NotDelivered,   // advertised, but the probe guest ran on without the exit
  ProbeFailed,    // the probe itself could not run (entry failed, no memory)
};
const char* probe_result_text(ProbeResult r);

// The controls probed, each with the exit it must cause (SDM 25.2, 25.5).
inline constexpr arch::ControlBit kProbedControls[] = {
    arch::ctl::MONITOR_TRAP_FLAG,           // exit 37 after one instruction
    arch::ctl::ACTIVATE_VMX_PREEMPTION_TIMER,  // exit 52 when the count reaches 0
    arch::ctl::INTERRUPT_WINDOW_EXITING,    // exit 7 at entry with RFLAGS.IF=1
    arch::ctl::NMI_WINDOW_EXITING,          // exit 8 at entry without NMI blocking
};
inline constexpr uint32_t kProbeCount = sizeof(kProbedControls) / sizeof(kProbedControls[0]);

// Runs every probe on this CPU (VMX on, no VMCS current afterwards), records
// the controls found not delivered in c.undelivered and logs one line per
// control in the form `configgen caps import` reads:
//   vmm: probe: control monitor-trap-flag (IA32_VMX_TRUE_PROCBASED_CTLS bit 27): delivered
void probe_controls(cpu::PerCpu& c);

}  // namespace vmx
