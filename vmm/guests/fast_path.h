// The exit fast path (vmx/entry.S, docs/exit-fast-path.md): an assembly
// first stage that finishes the commonest exits without the C++ dispatcher
// and resumes the guest directly. It takes only exits whose full handling
// is known to be a few register and VMCS updates with no side effect beyond
// the guest:
//   CPUID of a leaf the hypervisor does not adjust (guests/cpuid_view) and
//     no profile override names;
//   IN and OUT (not string) on COM1's registers as exits/io.cpp emulates
//     them (0, the line status register idle, writes dropped), except an
//     OUT to the data port, which is console output;
//   VMCALL service 4 (no-op).
// Each only when the guest has no on_exit behaviour for that reason, and
// never while something must happen at every entry or exit: a trace record
// per exit, a monitor-trap-flag step record, the virtual APIC's or the
// forwarded IRQs' delivery, a pending NMI or queued event, host NMIs to
// route. The static part is computed once (fast_path_gate); the pending
// part is kept current where it changes (guests::refresh_fast_path).
// Plain logic (vmm/host_logic.cmake): host-tested.
#pragma once
#include <stdint.h>

#include "blob/format.h"
#include "guests/vcpu_offsets.h"

namespace guests {

struct FastPathInputs {
  bool disabled;           // fast_path=off on the command line, or the guest's bench.fast_path: false
  bool tracing;            // run trace: every exit gets its record from the full path
  bool floor_stub;         // the benchmark floor's stub is the guest's HOST_RIP
  bool monitor_trap_flag;  // every entry records where the step starts
  bool virtual_apic;       // every entry checks the virtual APIC's timer and delivers its interrupts
  bool legacy_pic;         // every entry runs the virtual 8254 and delivers the virtual 8259's interrupts
  bool forwarded_irqs;     // every entry delivers the forwarded IRQs
  bool cpuid_behaviour, io_behaviour, vmcall_behaviour;  // on_exit names the reason
  const blob::Behaviour* behaviours;                      // for CPUID overrides (found by leaf, not by reason)
  uint32_t behaviour_count;
};

struct FastPathGate {
  uint64_t reasons;       // bit n: basic exit reason n
  uint32_t cpuid_leaves;  // bit n: CPUID leaf n
};

FastPathGate fast_path_gate(const FastPathInputs& in);

// The host time charged to a guest's slice for each fast-path exit
// (docs/isolation.md, "Time"), in TSC ticks. The stage does not read the
// TSC (two RDTSC would be a quarter of its cost); its 36 to 50 instructions are
// as many ticks in Bochs, whose TSC counts instructions, and its five VMREADs
// and one VMWRITE cost more than that on hardware: 64 is a floor there.
inline constexpr uint64_t kFastPathExitTsc = FAST_PATH_EXIT_TSC;  // vmx/entry.S adds it

// Fast-path exits that `timer_ticks` of VMX-preemption timer (a tick every
// 2^rate TSC ticks, SDM 25.5.1) pay for; the most there is without a timer.
inline constexpr int64_t kUnlimitedFastPathExits = 0x7FFFFFFFFFFFFFFF;
inline constexpr int64_t fast_path_budget(uint32_t timer_ticks, uint32_t rate) {
  return rate >= 32 ? kUnlimitedFastPathExits : int64_t((uint64_t(timer_ticks) << rate) / kFastPathExitTsc);
}

}  // namespace guests
