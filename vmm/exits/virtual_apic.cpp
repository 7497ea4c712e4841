// The virtual local APIC of devices.local_apic (docs/external-guests.md):
// the APIC page is left out of EPT with a LocalApic hook, so each access is
// an EPT violation; the guest's MOV (any width) goes to guests/virtual_apic,
// which keeps the registers on the virtual-APIC page. Before each VM entry
// the timer is brought up to date and the highest deliverable vector is
// injected when the guest can take it (interrupt-window exiting otherwise).
// HLT with interrupts on waits for it: the guest stays at its HLT and
// yields the CPU, and the injection completes the HLT.
#include "arch/cpu.h"
#include "exits/guest_access.h"
#include "console/log.h"
#include "cpu/percpu.h"
#include "exits/handlers.h"
#include "guests/guest_memory.h"
#include "guests/isolation_rules.h"
#include "guests/virtual_apic.h"
#include "memory/phys.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;

guests::VirtualApic apic_of(guests::Vcpu& v) {
  return guests::VirtualApic(memory::phys_to_virt<uint32_t>(v.virtual_apic), v.apic_timer);
}
}  // namespace


void reset_virtual_apic(guests::Vcpu& v) { apic_of(v).reset(uint8_t(v.guest_index)); }

Flow emulate_virtual_apic_access(guests::Vcpu& v, const ExitInfo& e, uint64_t gpa) {
  const GuestAccess a = fetch_guest_access(v, e);
  const arch::MemoryMove& mv = a.mv;
  if (!a.move || mv.size > 4 || (gpa & 0xF) + mv.size > 4)
    return finish(v, guests::Outcome::Stopped, "local APIC access at 0x%lx by an instruction that is not emulated (%s), rip 0x%lx",
                  gpa, a.text(), e.guest_rip);
  guests::VirtualApic apic = apic_of(v);
  const uint32_t offset = uint32_t(gpa & 0xFF0), shift = uint32_t(gpa & 3) * 8;
  const uint32_t lanes = mv.size == 4 ? 0xFFFFFFFFu : ((1u << (8 * mv.size)) - 1) << shift;
  const uint64_t now = arch::rdtsc();
  if (mv.store) {
    const uint32_t source = uint32_t(stored_value(v, a));
    const uint32_t merged = (apic.read(offset, now) & ~lanes) | ((source << shift) & lanes);
    switch (apic.write(offset, merged, now)) {
      case guests::ApicEffect::Nmi:
        v.nmi_pending = true;  // delivered before the next entry (run/scheduler.cpp)
        guests::refresh_fast_path(v);
        break;
      case guests::ApicEffect::Refused:
        LOG("vmm: guest %s: interrupt command 0x%x dropped: only fixed and NMI delivery to the guest's own APIC exist", v.name,
            merged);
        break;
      case guests::ApicEffect::None: break;
    }
  } else {
    complete_load(v, a, (apic.read(offset, now) & lanes) >> shift);
  }
  advance_past(a, e);
  return Flow::Resume;
}

void deliver_virtual_apic(guests::Vcpu& v) {
  guests::VirtualApic apic = apic_of(v);
  apic.update_timer(arch::rdtsc());
  const uint8_t vector = apic.deliverable();
  if (!vector) return;
  if (arch::InterruptionInfo{uint32_t(vmx::read(F::VM_ENTRY_INTERRUPTION_INFORMATION))}.valid()) return;  // one event per entry
  arch::InterruptibilityState blocking{vmx::read(F::GUEST_INTERRUPTIBILITY_STATE)};
  if (v.waiting_hlt_length) {
    // The guest waits at its HLT: the interrupt completes it, and the STI
    // shadow an `sti; hlt` left ends with the HLT.
    vmx::write(F::GUEST_RIP, vmx::read(F::GUEST_RIP) + v.waiting_hlt_length);
    v.waiting_hlt_length = 0;
    blocking = blocking.without_sti_and_mov_ss_blocking();
    vmx::write(F::GUEST_INTERRUPTIBILITY_STATE, blocking.raw);
  }
  if (!(vmx::read(F::GUEST_RFLAGS) & arch::rflags::IF) || blocking.blocking_by_sti_or_mov_ss()) {
    request_window(v, arch::ctl::INTERRUPT_WINDOW_EXITING, true);
    return;
  }
  apic.accept(vector);
  inject(arch::InterruptionInfo::make(arch::InterruptionType::ExternalInterrupt, vector, false), 0, 0);
  vmx::write(F::GUEST_ACTIVITY_STATE, uint32_t(arch::ActivityState::Active));
}

Flow wait_for_virtual_interrupt(guests::Vcpu& v, const ExitInfo& e) {
  guests::VirtualApic apic = apic_of(v);
  const uint64_t now = arch::rdtsc();
  apic.update_timer(now);
  if (apic.deliverable()) {
    v.waiting_hlt_length = e.instruction_length;  // injected before the next entry
    return Flow::Resume;
  }
  if (!apic.timer_counting())
    return finish(v, guests::Outcome::Halted, "HLT with interrupts on and no interrupt to wait for (APIC timer stopped), rip 0x%lx",
                  e.guest_rip);
  // A timer set further out than the default watchdog period would hold
  // the guest without end; such a wait is the watchdog's to stop.
  const uint64_t bound = uint64_t(guests::kDefaultWatchdogTicks) << cpu::this_cpu().caps.preemption_timer_rate();
  if (apic.timer_deadline() - now > bound)
    return finish(v, guests::Outcome::Watchdog,
                  "HLT waits for an APIC timer %lu TSC ticks away, beyond the default watchdog period, rip 0x%lx",
                  apic.timer_deadline() - now, e.guest_rip);
  v.waiting_hlt_length = e.instruction_length;
  return Flow::Yield;  // the CPU's other guests run; this one comes back to its HLT
}

}  // namespace exits
