// Exits that end, pause or time-slice a guest.
#include "arch/cpu.h"
#include "console/log.h"
#include "cpu/percpu.h"
#include "guests/fast_path.h"
#include "guests/isolation_rules.h"
#include "exits/handlers.h"
#include "vmx/diagnose.h"
#include "vmx/vmcs.h"

namespace exits {
using F = arch::VmcsField;

Flow on_hlt(guests::Vcpu& v, const ExitInfo& e) {
  const uint64_t rflags = vmx::read(F::GUEST_RFLAGS);
  console_flush(v);
  if (!(rflags & arch::rflags::IF)) return finish(v, guests::Outcome::Halted, "HLT with interrupts off at rip 0x%lx", e.guest_rip);
  if (has_virtual_apic(v) || has_legacy_pic(v)) return wait_for_virtual_interrupt(v, e);
  // With interrupts on, the guest waits for an event; nothing in this
  // appliance delivers one unless the profile routes interrupts, so a
  // waiting guest with no pending event is finished too.
  if (v.next_event < v.config->event_count || v.config->forwarded_irqs) {
    // Wait in the HLT activity state (SDM 24.4.2): an external interrupt
    // brings the guest back through an exit, and injection wakes it.
    skip_instruction(e);
    vmx::write(F::GUEST_ACTIVITY_STATE, uint32_t(arch::ActivityState::Hlt));
    return Flow::Resume;
  }
  return finish(v, guests::Outcome::Halted, "HLT with interrupts on and no event to wait for, rip 0x%lx", e.guest_rip);
}

Flow on_triple_fault(guests::Vcpu& v, const ExitInfo& e) {
  console_flush(v);
  return finish(v, guests::Outcome::TripleFault, "triple fault at rip 0x%lx", e.guest_rip);
}

Flow on_init_signal(guests::Vcpu& v, const ExitInfo& e) {
  return finish(v, guests::Outcome::Stopped, "INIT signal at rip 0x%lx", e.guest_rip);
}

// A new slice (book 6.4.5): the full timer value, nothing charged yet.
void start_slice(guests::Vcpu& v) {
  if (v.yielded_slice_left) {  // a PAUSE gave the CPU up: the same slice goes on, what others ran not charged
    vmx::write(F::VMX_PREEMPTION_TIMER_VALUE, v.yielded_slice_left);
    v.yielded_slice_left = 0;
    v.time.exit_tsc = 0;
    return;
  }
  vmx::write(F::VMX_PREEMPTION_TIMER_VALUE, v.timer_value);
  v.timer_clamp_extra = 0;
  v.time.slice_ticks = v.timer_value;
  v.exits.fast_path_budget = guests::fast_path_budget(v.timer_value, cpu::this_cpu().caps.preemption_timer_rate());
  v.time.charged_ticks = 0;
  v.time.exit_tsc = 0;
}

// The end of a slice, by the timer's expiry or by the host time charged for
// its exits (docs/isolation.md, "Time"). The watchdog rules, in order: the
// profile's watchdog action; a period of the default watchdog, or
// watchdog_slices slices, without an exit of its own; an exit storm.
Flow end_of_slice(guests::Vcpu& v, uint64_t rip) {
  guests::TimeAccount& t = v.time;
  // The fast path's exits of this slice count for the storm rule below.
  const uint32_t rate = cpu::this_cpu().caps.preemption_timer_rate();
  const uint64_t fast_ticks = rate >= 64 ? 0 : v.exits.fast_tsc_pending >> rate;
  t.charged_ticks += fast_ticks;
  t.total_charged += fast_ticks;
  v.exits.fast_tsc_pending = 0;
  // From the counts (the fast path keeps them too): for the watchdog an
  // interrupt that arrived from outside is not an exit of the guest's own;
  // any exit but the timer's ends a run of slices without one.
  // PAUSE is spinning, not progress: its exits (on for guests of several
  // vCPUs) count as the timer's do.
  const uint64_t timer = v.exits.counts[uint32_t(arch::ExitReason::VMX_PREEMPTION_TIMER_EXPIRED)] +
                         v.exits.counts[uint32_t(arch::ExitReason::PAUSE)];
  const uint64_t non_timer = v.exits.total - timer;
  const uint64_t own = non_timer - v.exits.counts[uint32_t(arch::ExitReason::EXTERNAL_INTERRUPT)];
  const bool exited = own != t.own_exits_at_slice_end;
  if (non_timer != t.non_timer_exits_at_slice_end) v.slices_without_exit = 0;
  t.own_exits_at_slice_end = own;
  t.non_timer_exits_at_slice_end = non_timer;
  if (v.config->timer_action == uint32_t(blob::TimerAction::Watchdog))
    return finish(v, guests::Outcome::Watchdog, "ran a whole watchdog period without exiting, rip 0x%lx", rip);
  if (t.default_watchdog && !exited) {
    console_flush(v);
    return finish(v, guests::Outcome::Watchdog,
                  "ran %u timer ticks (the default watchdog period) without an exit of its own, rip 0x%lx", v.timer_value, rip);
  }
  // A guest that only ever gets preempted never exits on its own: after
  // watchdog_slices such slices in a row, it is stopped; without that key,
  // after slices in a row worth the default watchdog period.
  if (!t.default_watchdog && v.config->watchdog_slices && ++v.slices_without_exit >= v.config->watchdog_slices)
    return finish(v, guests::Outcome::Watchdog, "%u time slices without an exit of its own, rip 0x%lx", v.slices_without_exit,
                  rip);
  t.quiet_ticks = exited ? 0 : t.quiet_ticks + t.slice_ticks;
  if (!t.default_watchdog && !v.config->watchdog_slices && t.quiet_ticks >= guests::kDefaultWatchdogTicks) {
    console_flush(v);
    return finish(v, guests::Outcome::Watchdog,
                  "%lu timer ticks of time slices without an exit of its own (the default watchdog period), rip 0x%lx",
                  t.quiet_ticks, rip);
  }
  if (guests::slice_was_storm(t.charged_ticks, t.slice_ticks)) {
    ++t.storm_slices;
    t.storm_ticks += t.slice_ticks;
    if (t.storm_slices >= 2 && t.storm_ticks >= guests::kStormTicks) {
      console_flush(v);
      return finish(v, guests::Outcome::Watchdog,
                    "exit storm: %u slices in a row (%lu timer ticks) more than half spent handling its exits, %lu exits, "
                    "rip 0x%lx",
                    t.storm_slices, t.storm_ticks, v.exits.total, rip);
    }
  } else {
    t.storm_slices = 0;
    t.storm_ticks = 0;
  }
  // No time slicing asked for: the same guest goes on, with a new period;
  // a vCPU with siblings gives its CPU to them at each period's end.
  if (t.default_watchdog && v.vcpu_total < 2) {
    start_slice(v);
    return Flow::Resume;
  }
  return Flow::Yield;
}

Flow on_preemption_timer(guests::Vcpu& v, const ExitInfo& e) {
  if (v.timer_clamp_extra) {  // a virtual device's deadline, not the slice's end: the rest of the slice goes on
    vmx::write(F::VMX_PREEMPTION_TIMER_VALUE, v.timer_clamp_extra);
    v.timer_clamp_extra = 0;
    return Flow::Resume;
  }
  return end_of_slice(v, e.guest_rip);
}

// A guest with a virtual timer (devices.local_apic, devices.pit) gets its
// interrupt when it is due even if it spins without exiting: the
// VMX-preemption timer is cut to the device's next deadline and the rest of
// the slice held back, to be given back at that exit (on_preemption_timer)
// or charged at any other (run/scheduler.cpp). The slice keeps its length;
// the watchdog counts these exits as it counts every timer exit, not as the
// guest's own.
void clamp_timer_to_virtual_deadline(guests::Vcpu& v) {
  const uint64_t now = arch::rdtsc();
  uint64_t deadline = next_virtual_interrupt_tsc(v, now, nullptr);
  // A vCPU with siblings looks at its mailbox at least this often (guests/siblings.h).
  if (v.vcpu_total > 1 && (!deadline || deadline > now + guests::kSiblingPollTsc)) deadline = now + guests::kSiblingPollTsc;
  const uint32_t remaining = uint32_t(vmx::read(F::VMX_PREEMPTION_TIMER_VALUE)) + v.timer_clamp_extra;
  const guests::TimerCut cut = guests::cut_timer(remaining, deadline > now ? deadline - now : 0, deadline != 0,
                                                 cpu::this_cpu().caps.preemption_timer_rate());
  vmx::write(F::VMX_PREEMPTION_TIMER_VALUE, cut.value);
  v.timer_clamp_extra = cut.held_back;
}

Flow on_entry_failure(guests::Vcpu& v, const ExitInfo& e) {
  char check[200];
  vmx::diagnose_entry_failure(v, e.reason, e.qualification, check, sizeof check);
  return finish(v, guests::Outcome::EntryFailed, "%s (exit reason %u, qualification %lu): %s",
                arch::exit_reason_name(e.reason), e.reason, e.qualification, check);
}

}  // namespace exits
