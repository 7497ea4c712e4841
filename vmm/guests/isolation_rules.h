// The plain decisions behind keeping guests that share a CPU apart
// (docs/isolation.md): which XCR0 values a guest may set, how the time the
// hypervisor spends on a guest's exits is charged to its slice, when a
// slice counts as an exit storm, and who an NMI belongs to. Host-testable:
// compiled into the hypervisor and, unchanged, into the host tests.
#pragma once
#include <stdint.h>

namespace guests {

// XCR0 as XSETBV accepts it (SDM Vol. 1 13.3, XSETBV in Vol. 2): bit 0 (x87)
// set; only components the CPU supports; AVX (bit 2) needs SSE (bit 1);
// the AVX-512 triple (bits 5-7) all or none, and only with AVX; MPX (bits
// 3, 4) both or none; AMX (bits 17, 18) both or none.
bool xcr0_valid(uint64_t value, uint64_t supported);

// A guest's slice after the hypervisor handled one of its exits. The CPU
// saved the timer's remainder at the exit (SDM 25.5.1, "save VMX-preemption
// timer value"); the host time of the exit, in TSC ticks, is converted to
// timer ticks (one per 2^rate TSC ticks, IA32_VMX_MISC[4:0], SDM A.6) and
// taken off it. A slice whose remainder is used up has ended.
struct SliceCharge {
  uint32_t remaining;     // timer value for the next VM entry (0 when ended)
  uint32_t charged;       // timer ticks charged for this exit
  bool ended;
};
// Inline: it runs on every exit.
inline SliceCharge charge_exit(uint32_t remaining, uint64_t host_tsc_ticks, uint32_t rate) {
  const uint64_t ticks = rate >= 64 ? 0 : host_tsc_ticks >> rate;
  if (ticks >= remaining) return {0, remaining, true};
  return {uint32_t(remaining - ticks), uint32_t(ticks), false};
}

// An exit storm: a slice more than half of which went to handling the
// guest's own exits. Storm slices in a row, at least two, adding up to
// kStormTicks timer ticks stop the guest (a guest printing a few lines has short storms; one
// that only exits has nothing else).
inline constexpr uint64_t kStormTicks = 40000000;
bool slice_was_storm(uint64_t charged_ticks, uint64_t slice_ticks);

// A slice's timer cut to a virtual device's deadline (docs/isolation.md,
// "Time"): `remaining` timer ticks are left of the slice; the device fires
// `deadline_tsc_ticks` TSC ticks from now (0: none is coming). The timer
// counts down as TSC bit `rate` changes, so its first tick may come at once:
// two more than the whole ticks keep the exit from coming before the
// deadline. value + held_back is always `remaining`.
struct TimerCut {
  uint32_t value;      // for VMX_PREEMPTION_TIMER_VALUE
  uint32_t held_back;  // the rest of the slice, given back at that exit
};
inline TimerCut cut_timer(uint32_t remaining, uint64_t deadline_tsc_ticks, bool deadline, uint32_t rate) {
  if (!deadline || rate >= 64) return {remaining, 0};
  const uint64_t ticks = (deadline_tsc_ticks >> rate) + 2;
  if (ticks >= remaining) return {remaining, 0};
  return {uint32_t(ticks), uint32_t(remaining - ticks)};
}

// The default watchdog (docs/isolation.md, "Time"): a guest whose profile
// asks for no VMX-preemption timer still runs with one, kDefaultWatchdogTicks
// timer ticks per period; a period without an exit of its own stops it.
inline constexpr uint32_t kDefaultWatchdogTicks = 50000000;

// Who an NMI belongs to (SDM 27.2 / 25.3, book 7.3.2). The hypervisor
// always has "NMI exiting" on, so every NMI reaches it: in non-root operation
// as a VM exit (reason 0, interruption type NMI), in root operation through
// its own IDT. One that arrived while a guest that takes NMIs was running,
// or was current and being served, is made pending for that guest; every
// other one is the host's (counted and reported).
enum class NmiParty : uint8_t { Guest, Host };
inline NmiParty nmi_party(bool guest_current, bool guest_takes_nmis) {
  return guest_current && guest_takes_nmis ? NmiParty::Guest : NmiParty::Host;
}

}  // namespace guests
