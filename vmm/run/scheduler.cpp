#include "run/scheduler.h"

#include "arch/cpu.h"
#include "arch/vmx_insn.h"
#include "console/debug_ring.h"
#include "console/log.h"
#include "console/serial.h"
#include "console/trace.h"
#include "exits/exit.h"
#include "exits/handlers.h"
#include "guests/cpu_state.h"
#include "guests/fast_path.h"
#include "guests/isolation_rules.h"
#include "run/host_nmis.h"
#include "run/setup.h"
#include "vmx/diagnose.h"
#include "vmx/vmcs.h"

extern "C" int vmx_enter(guests::GuestRegisters* regs, uint64_t launched, uint64_t* host_rsp);
// The TSC at the hypervisor's first instruction (boot/multiboot.S).
extern "C" uint64_t boot_entry_tsc;

namespace run {
using namespace guests;  // the orchestration works on vcpus throughout
namespace {
using F = arch::VmcsField;

Vcpu* next_ready(cpu::PerCpu& c, Vcpu* after) {
  Vcpu* all = vcpus();
  const uint32_t n = vcpu_count();
  const uint32_t start = after ? uint32_t(after - all) + 1 : 0;
  for (uint32_t k = 0; k < n; ++k) {
    Vcpu& v = all[(start + k) % n];
    if (v.cpu == c.index && v.state == State::Ready) return &v;
  }
  return nullptr;
}

// vCPUs 1..n of guests with several (guests/siblings.h) on this CPU that
// wait for their start-up IPI: each takes what was posted to it; a guest
// that ended takes them along. Returns one that a start-up IPI started.
// `idle`: nothing else runs here, so it waits (bounded by the guest's end).
void switch_to(cpu::PerCpu& c, Vcpu& v);  // below; inlined on every entry's way
Vcpu* poll_waiting_vcpus(cpu::PerCpu& c, bool idle) {
  if (!has_multi_vcpu_guests()) return nullptr;
  for (;;) {
    bool waiting = false;
    Vcpu* all = vcpus();
    for (uint32_t i = 0; i < vcpu_count(); ++i) {
      Vcpu& s = all[i];
      if (s.cpu != c.index || __atomic_load_n(&s.state, __ATOMIC_ACQUIRE) != State::WaitingForStartup) continue;
      if (exits::group_has_ended(s)) {
        exits::end_with_group(s);
        LOG("vmm: guest %s: vcpu %u ended with its guest while waiting for a start-up IPI", s.name, s.vcpu_index);
        continue;
      }
      waiting = true;
      if (mailbox_empty(s.mailbox)) continue;
      switch_to(c, s);
      exits::take_sibling_ipis(s);
      if (s.state == State::Ready) return &s;
    }
    if (!idle || !waiting) return nullptr;
    console::log_drain();
    arch::cpu_pause();
  }
}

bool has_timer(const Vcpu& v) {
  return v.controls[uint32_t(arch::ControlWord::PIN)] & arch::ctl::ACTIVATE_VMX_PREEMPTION_TIMER.mask();
}

// Queued console output (console/serial.h) before an entry: a guest whose
// VMX-preemption timer brings it back within the default watchdog period
// lets the UART go on sending meanwhile (what the UART takes is handed to it
// at every eighth entry: a drain is about 40 instructions, and 16 bytes take
// the UART longer than eight exits); before any other guest, which may keep
// the CPU for as long as it likes, everything goes out first, so a run that
// hangs in a guest still shows its last lines.
constexpr uint32_t kEntriesPerDrain = 8;
void send_queued_output(const Vcpu& v, uint32_t& entries) {
  if (!has_timer(v) || v.timer_value > kDefaultWatchdogTicks)
    console::log_flush();
  else if (++entries % kEntriesPerDrain == 0)
    console::log_drain();
}

// Makes v's VMCS current on this CPU and its non-VMCS state the CPU's
// (guests/cpu_state.h): both only when another guest had them.
[[gnu::always_inline]] inline void switch_to(cpu::PerCpu& c, Vcpu& v) {
  if (c.current != &v) {
    if (arch::vmptrld(v.vmcs) != arch::VmxResult::Succeed) {
      exits::finish(v, Outcome::Stopped, "VMPTRLD of its VMCS failed");
      return;
    }
    c.current = &v;
  }
  if (c.state_owner != &v) switch_cpu_state(c, v);
}

// The host time of the exit just handled, charged to the guest's slice
// (docs/isolation.md, "Time"): the timer's saved remainder less that time.
// Resume when some of the slice is left.
exits::Flow charge_exit_time(cpu::PerCpu& c, Vcpu& v) {
  if (!has_timer(v) || !v.time.exit_tsc) return exits::Flow::Resume;
  const uint64_t host = arch::rdtsc() - v.time.exit_tsc + v.exits.fast_tsc_pending;  // with the fast path's since the last
  v.time.exit_tsc = 0;
  v.exits.fast_tsc_pending = 0;
  // The slice's remainder: the timer's, and what a cut to a device deadline held back.
  const uint32_t remaining = uint32_t(vmx::read(F::VMX_PREEMPTION_TIMER_VALUE)) + v.timer_clamp_extra;
  v.timer_clamp_extra = 0;
  const SliceCharge charge = charge_exit(remaining, host, c.caps.preemption_timer_rate());
  v.time.charged_ticks += charge.charged;
  v.time.total_charged += charge.charged;
  if (!charge.ended) {
    vmx::write(F::VMX_PREEMPTION_TIMER_VALUE, charge.remaining);
    v.exits.fast_path_budget = fast_path_budget(charge.remaining, c.caps.preemption_timer_rate());
    return exits::Flow::Resume;
  }
  return exits::end_of_slice(v, vmx::read(F::GUEST_RIP));
}

// An NMI the guest owes (run/host_nmis.cpp, exceptions.cpp), injected once it
// can take one: no NMI blocking, no blocking by STI or MOV SS, no other
// event queued (SDM 26.3.1.5). With virtual NMIs the NMI-window exit says
// when; without, a later exit brings the next chance.
void deliver_pending_nmi(Vcpu& v) {
  if (!v.nmi_pending) return;
  const bool queued = arch::InterruptionInfo{uint32_t(vmx::read(F::VM_ENTRY_INTERRUPTION_INFORMATION))}.valid();
  const arch::InterruptibilityState blocking{vmx::read(F::GUEST_INTERRUPTIBILITY_STATE)};
  if (queued || blocking.blocks_nmi_injection() || blocking.blocking_by_sti()) {
    if (v.controls[uint32_t(arch::ControlWord::PIN)] & arch::ctl::VIRTUAL_NMIS.mask())
      exits::request_window(v, arch::ctl::NMI_WINDOW_EXITING, true);
    return;
  }
  v.nmi_pending = false;
  refresh_fast_path(v);
  ++v.nmis_delivered;
  exits::inject(arch::InterruptionInfo::make(arch::InterruptionType::Nmi, uint8_t(arch::Vector::NMI), false), 0, 0);
  vmx::write(F::GUEST_ACTIVITY_STATE, uint32_t(arch::ActivityState::Active));  // an NMI wakes a halted guest
  LOG("vmm: guest %s: NMI injected (%u so far)", v.name, v.nmis_delivered);
}

// Event injection queued in the profile (`inject:`), one per entry (SDM
// 26.6). An external interrupt waits until the guest can take it (IF set,
// no STI or MOV-SS blocking), an NMI until no NMI blocking: the window
// exits (SDM 25.2) say when.
void inject_next_event(Vcpu& v) {
  if (v.next_event >= v.config->event_count) return;
  if (arch::InterruptionInfo{uint32_t(vmx::read(F::VM_ENTRY_INTERRUPTION_INFORMATION))}.valid()) return;
  const blob::Event& e = v.events[v.next_event];
  const arch::InterruptionInfo info{e.interruption_info};
  const bool interrupt = info.type() == arch::InterruptionType::ExternalInterrupt;
  const bool nmi = info.type() == arch::InterruptionType::Nmi;
  const arch::InterruptibilityState blocking{vmx::read(F::GUEST_INTERRUPTIBILITY_STATE)};
  if (interrupt && (!(vmx::read(F::GUEST_RFLAGS) & arch::rflags::IF) || blocking.blocking_by_sti_or_mov_ss())) {
    exits::request_window(v, arch::ctl::INTERRUPT_WINDOW_EXITING, true);
    return;
  }
  if (nmi && blocking.blocks_nmi_injection()) {
    exits::request_window(v, arch::ctl::NMI_WINDOW_EXITING, true);
    return;
  }
  ++v.next_event;
  refresh_fast_path(v);  // the last one opens the fast path's gate
  exits::inject(info, e.error_code, e.instruction_length);
  if (interrupt || nmi) vmx::write(F::GUEST_ACTIVITY_STATE, uint32_t(arch::ActivityState::Active));  // an interrupt wakes a halted guest
  LOG("vmm: guest %s: event 0x%x injected", v.name, e.interruption_info);
}

}  // namespace

void run_cpu_guests(cpu::PerCpu& c) {
  Vcpu* v = next_ready(c, nullptr);
  if (!v) v = poll_waiting_vcpus(c, true);  // only vCPUs that wait for a start-up IPI here
  bool new_slice = true;
  bool slice_open = false;  // a SliceStart is recorded that no SliceEnd has closed (docs/trace.md)
  // The boot-cost figure (docs/benchmarks.md "Boot cost"): TSC ticks from
  // the hypervisor's first instruction to this CPU's first VM entry. Bochs
  // derives its TSC from the instruction count (docs/benchmarks.md), so in
  // Bochs it counts instructions. Read just before the entry, printed after
  // the first exit so the line's own output is not part of the figure.
  uint64_t first_entry_tsc = 0;
  uint32_t entries_with_output_queued = 0;
  while (v) {
    if (v->vcpu_total > 1) {  // one test on the way of guests of one vCPU
      if (!v->launched && v->vcpu_index == 0) wait_for_siblings_built(*v);
      if (exits::group_has_ended(*v)) exits::end_with_group(*v);  // a sibling ended the guest
    }
    switch_to(c, *v);
    if (new_slice && v->state == State::Ready) {
      if (has_timer(*v)) exits::start_slice(*v);  // or the rest of one a PAUSE gave up (exits/siblings.cpp)
      if (console::trace_enabled()) console::trace_record(trace::Kind::SliceStart, 0, uint16_t(v->guest_index), v->exits.total);
      slice_open = true;
    }
    new_slice = false;
    exits::Flow flow = exits::Flow::End;
    if (v->state == State::Ready) {
      if (run::nmis_waiting(c)) run::route_host_nmis(c, v);
      flow = charge_exit_time(c, *v);
    }
    if (v->state == State::Ready && flow == exits::Flow::Resume) {
      bool enter = true;
      if (v->entry_duties) {  // one test for what most entries need none of (guests::refresh_fast_path)
        inject_next_event(*v);
        if (v->config->forwarded_irqs) exits::deliver_pending_interrupts(*v);
        if (exits::has_virtual_apic(*v)) exits::deliver_virtual_apic(*v);
        if (exits::has_legacy_pic(*v)) exits::deliver_legacy_interrupts(*v);
        if ((exits::has_virtual_apic(*v) || exits::has_legacy_pic(*v)) && has_timer(*v))
          exits::clamp_timer_to_virtual_deadline(*v);
        deliver_pending_nmi(*v);
        if (v->controls[uint32_t(arch::ControlWord::PROC)] & arch::ctl::MONITOR_TRAP_FLAG.mask())
          exits::record_mtf_entry(*v);
        // A sibling's INIT (taken with the virtual APIC's duty) sends it back to
        // wait for a start-up IPI, or ends the guest (INIT to vCPU 0).
        if (v->state != State::Ready) {
          flow = v->state == State::Finished ? exits::Flow::End : exits::Flow::Yield;
          enter = false;
        }
      }
      if (enter) {
        if (arch::read_cr2() != v->regs.cr2) arch::write_cr2(v->regs.cr2);
        if (console::serial_pending()) send_queued_output(*v, entries_with_output_queued);
        const bool first_entry = first_entry_tsc == 0;
        if (first_entry) first_entry_tsc = arch::rdtsc();
        const uint64_t entry_tsc = v->exit_loads_host_tsc ? arch::rdtsc() : 0;
        const int rc = vmx_enter(&v->regs, v->launched, &v->host_rsp);
        v->time.exit_tsc = arch::rdtsc();
        if (v->exit_loads_host_tsc && rc == 0) console::trace_clock_continue(entry_tsc);
        v->regs.cr2 = arch::read_cr2();
        if (first_entry)
          LOG("vmm: boot: first guest entry (%s) after %lu ticks since the hypervisor's first instruction", v->name,
              first_entry_tsc - boot_entry_tsc);
        if (rc != 0) {
          char why[200];  // the VM-instruction error, then the first failing 26.2 rule
          vmx::describe_vmfail(arch::VmxResult(rc), why, sizeof why);
          LOG("vmm: guest %s: %s failed: %s", v->name, v->launched ? "VMRESUME" : "VMLAUNCH", why);
          vmx::dump_vmcs(*v);
          exits::finish(*v, Outcome::EntryFailed, "%s", why);
          flow = exits::Flow::End;
        } else {
          if (!v->launched) console::debug_record("launched", v->guest_index, vmx::read(F::GUEST_RIP));
          v->launched = true;
          flow = exits::dispatch(*v);
        }
      }
    }
    if (v->state == State::Finished) {
      // Not for a vCPU whose guest ended before its slice began (a sibling ended it).
      if (slice_open)
        console::trace_record(trace::Kind::SliceEnd, uint8_t(trace::SliceEndCause::Finished), uint16_t(v->guest_index),
                              v->exits.total);
      slice_open = false;
      if (v->vcpu_total > 1)
        LOG("vmm: guest %s: vcpu %u finished on this CPU", v->name, v->vcpu_index);
      else
        LOG("vmm: guest %s finished on this CPU", v->name);
      v = next_ready(c, v);
      if (Vcpu* started = poll_waiting_vcpus(c, !v)) v = started;
      new_slice = true;
      continue;
    }
    if (flow == exits::Flow::Yield) {
      slice_open = false;
      if (console::trace_enabled())
        console::trace_record(trace::Kind::SliceEnd, uint8_t(trace::SliceEndCause::Yield), uint16_t(v->guest_index),
                              v->exits.total);
      Vcpu* next = next_ready(c, v);
      if (Vcpu* started = poll_waiting_vcpus(c, !next)) next = started;
      if (next && next != v && !v->yielded_slice_left) {  // a PAUSE's yield is not a slice's end (exits/siblings.cpp)
        LOG("vmm: time slice: %s -> %s", v->name, next->name);
        console::debug_record("time slice", v->guest_index, next->guest_index, v->exits.total);
      }
      v = next;
      new_slice = true;  // alone on this CPU or not: a new slice
    }
  }
}

}  // namespace run
