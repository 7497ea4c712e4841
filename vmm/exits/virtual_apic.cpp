// The virtual local APIC of devices.local_apic (docs/external-guests.md):
// the APIC page is left out of EPT with a LocalApic hook, so each access is
// an EPT violation; the guest's MOV (any width) goes to guests/virtual_apic,
// which keeps the registers on the virtual-APIC page. Its MSRs exit as every
// MSR does (SDM 25.1.3): IA32_APIC_BASE, IA32_TSC_DEADLINE and, in x2APIC
// mode, the registers at 800H-8FFH; a rule broken is #GP(0). Before each VM entry
// the timer is brought up to date and the highest deliverable vector is
// injected when the guest can take it (interrupt-window exiting otherwise).
// HLT with interrupts on waits for it: the guest stays at its HLT and
// yields the CPU, and the injection completes the HLT.
#include <stdarg.h>

#include "arch/cpu.h"
#include "exits/guest_access.h"
#include "console/log.h"
#include "cpu/percpu.h"
#include "exits/handlers.h"
#include "guests/cpuid_view.h"
#include "guests/guest_memory.h"
#include "guests/isolation_rules.h"
#include "guests/virtual_apic.h"
#include "memory/phys.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;


// The guest's TSC against the host's: RDTSC in the guest adds TSC_OFFSET
// while "use TSC offsetting" is on (SDM 24.6.5, 25.3).
uint64_t guest_tsc_offset(const guests::Vcpu& v) {
  return v.controls[uint32_t(arch::ControlWord::PROC)] & arch::ctl::USE_TSC_OFFSETTING.mask() ? vmx::read(F::TSC_OFFSET) : 0;
}

bool refuse(const guests::Vcpu& v, const char* instruction, uint32_t msr, uint64_t value, guests::ApicFault f) {
  const guests::ApicFaultInfo& why = guests::fault_info(f);
  LOG("vmm: guest %s: %s msr 0x%x value 0x%lx: #GP(0): %s [SDM %s]", v.name, instruction, msr, value, why.text, why.sdm_section);
  return false;
}

// A command that reaches nobody is logged within the vCPU's budget of such
// lines (ipi_line_allowed): a guest must not be able to flood the
// hypervisor's log with them.
[[gnu::format(printf, 2, 3)]] void log_drop(guests::Vcpu& v, const char* format, ...) {
  if (!ipi_line_allowed(v)) return;
  char line[200];
  va_list args;
  va_start(args, format);
  console::format_to(line, sizeof line, format, args);
  va_end(args);
  LOG("vmm: guest %s: %s%s", v.name, line, v.ipi_log_lines == kLoggedIpiLines ? " (further dropped commands are not logged)" : "");
}

// `command` was just written to the ICR (xAPIC: its low word; x2APIC: the
// whole MSR, destination in bits 63:32).
void report_effect(guests::Vcpu& v, guests::ApicEffect effect, uint64_t command) {
  const uint32_t icr_low = uint32_t(command);
  if (effect == guests::ApicEffect::Nmi || effect == guests::ApicEffect::NmiAndOthers) {
    v.nmi_pending = true;  // delivered before the next entry (run/scheduler.cpp)
    guests::refresh_fast_path(v);
  }
  if (!guests::reaches_others(effect)) {
    if (effect == guests::ApicEffect::Refused)
      log_drop(v, "interrupt command 0x%lx to its own APIC dropped: only fixed and NMI delivery to itself exist", command);
    return;
  }
  guests::VirtualApic apic = virtual_apic_of(v);
  const uint32_t destination = apic.icr_destination();
  const uint32_t reached = v.vcpu_total > 1 ? send_to_siblings(v, icr_low, destination) : 0;
  if (!reached && !apic.addressed_by(icr_low, destination, true))
    log_drop(v, "interrupt command 0x%lx dropped (destination 0x%x): no APIC of the guest answers%s", command, destination,
             v.vcpu_total > 1 ? "" : " (it has one vCPU)");
}
}  // namespace


guests::VirtualApic virtual_apic_of(guests::Vcpu& v) {
  return guests::VirtualApic(memory::phys_to_virt<uint32_t>(v.virtual_apic), v.apic_timer, v.apic_base_msr,
                             v.config->devices & blob::kDeviceLocalApicX2apic);
}

// The APIC ID: a guest of several vCPUs numbers them 0..n-1 as its MADT
// does; a guest of one keeps its index in the blob.
void reset_virtual_apic(guests::Vcpu& v) {
  guests::VirtualApic apic = virtual_apic_of(v);
  apic.reset(uint8_t(v.vcpu_total > 1 ? v.vcpu_index : v.guest_index));
  if (has_legacy_pic(v)) apic.set_virtual_wire();  // the 8259 behind LINT0, as firmware leaves it
}

Flow emulate_virtual_apic_access(guests::Vcpu& v, const ExitInfo& e, uint64_t gpa) {
  const GuestAccess a = fetch_guest_access(v, e);
  const arch::MemoryMove& mv = a.mv;
  if (!a.move || mv.size > 4 || (gpa & 0xF) + mv.size > 4)
    return finish(v, guests::Outcome::Stopped, "local APIC access at 0x%lx by an instruction that is not emulated (%s), rip 0x%lx",
                  gpa, a.text(), e.guest_rip);
  guests::VirtualApic apic = virtual_apic_of(v);
  const uint32_t offset = uint32_t(gpa & 0xFF0), shift = uint32_t(gpa & 3) * 8;
  const uint32_t lanes = mv.size == 4 ? 0xFFFFFFFFu : ((1u << (8 * mv.size)) - 1) << shift;
  const uint64_t now = arch::rdtsc();
  if (apic.mode() != guests::ApicMode::XApic) {
    // Disabled or in x2APIC mode, the APIC answers no memory access: the
    // page behaves as with the APIC globally disabled (SDM 11.12.2), reads
    // all ones and writes go nowhere.
    LOG("vmm: guest %s: local APIC %s at 0x%lx while the APIC is %s: no register answers (reads all ones)", v.name,
        mv.store ? "write" : "read", gpa, guests::mode_name(apic.mode()));
    if (!mv.store) complete_load(v, a, lanes >> shift);
  } else if (mv.store) {
    const uint32_t source = uint32_t(stored_value(v, a));
    const uint32_t merged = (apic.read(offset, now) & ~lanes) | ((source << shift) & lanes);
    report_effect(v, apic.write(offset, merged, now), merged);
  } else {
    complete_load(v, a, (apic.read(offset, now) & lanes) >> shift);
  }
  advance_past(a, e);
  return Flow::Resume;
}

arch::InterruptibilityState complete_waiting_hlt(guests::Vcpu& v) {
  arch::InterruptibilityState blocking{vmx::read(F::GUEST_INTERRUPTIBILITY_STATE)};
  if (!v.waiting_hlt_length) return blocking;
  __atomic_store_n(&v.waits_for_siblings_only, false, __ATOMIC_RELEASE);  // it runs again
  if (vmx::read(F::GUEST_RIP) != v.waiting_hlt_rip) {  // another event (an NMI, a profile event) took it elsewhere
    v.waiting_hlt_length = 0;
    return blocking;
  }
  vmx::write(F::GUEST_RIP, vmx::read(F::GUEST_RIP) + v.waiting_hlt_length);
  v.waiting_hlt_length = 0;
  blocking = blocking.without_sti_and_mov_ss_blocking();
  vmx::write(F::GUEST_INTERRUPTIBILITY_STATE, blocking.raw);
  return blocking;
}

bool virtual_apic_accepts_extint(guests::Vcpu& v) { return virtual_apic_of(v).accepts_extint(); }

void deliver_virtual_apic(guests::Vcpu& v) {
  guests::VirtualApic apic = virtual_apic_of(v);
  if (v.vcpu_total > 1) take_sibling_ipis(v);  // the scheduler checks the state after its entry duties
  apic.update_timer(arch::rdtsc());
  const uint8_t vector = apic.deliverable();
  if (!vector) return;
  if (arch::InterruptionInfo{uint32_t(vmx::read(F::VM_ENTRY_INTERRUPTION_INFORMATION))}.valid()) {
    request_window(v, arch::ctl::INTERRUPT_WINDOW_EXITING, true);  // one event per entry: this one right after
    return;
  }
  const arch::InterruptibilityState blocking = complete_waiting_hlt(v);
  if (!(vmx::read(F::GUEST_RFLAGS) & arch::rflags::IF) || blocking.blocking_by_sti_or_mov_ss()) {
    request_window(v, arch::ctl::INTERRUPT_WINDOW_EXITING, true);
    return;
  }
  apic.accept(vector);
  inject(arch::InterruptionInfo::make(arch::InterruptionType::ExternalInterrupt, vector, false), 0, 0);
  vmx::write(F::GUEST_ACTIVITY_STATE, uint32_t(arch::ActivityState::Active));
}

bool is_virtual_apic_msr(const guests::Vcpu& v, uint32_t msr) {
  return has_virtual_apic(v) && (msr == uint32_t(arch::Msr::IA32_APIC_BASE) || msr == uint32_t(arch::Msr::IA32_TSC_DEADLINE) ||
                                 (msr >= guests::apic::kX2apicMsrFirst && msr <= guests::apic::kX2apicMsrLast));
}

bool virtual_apic_rdmsr(guests::Vcpu& v, uint32_t msr, uint64_t& value) {
  guests::VirtualApic apic = virtual_apic_of(v);
  if (msr == uint32_t(arch::Msr::IA32_APIC_BASE)) {
    value = v.apic_base_msr;
    return true;
  }
  if (msr == uint32_t(arch::Msr::IA32_TSC_DEADLINE)) {
    value = apic.read_tsc_deadline();
    return true;
  }
  const guests::ApicFault f = apic.read_msr(msr, arch::rdtsc(), value);
  return f == guests::ApicFault::None || refuse(v, "RDMSR", msr, 0, f);
}

bool virtual_apic_wrmsr(guests::Vcpu& v, uint32_t msr, uint64_t value) {
  guests::VirtualApic apic = virtual_apic_of(v);
  const uint64_t now = arch::rdtsc();
  if (msr == uint32_t(arch::Msr::IA32_APIC_BASE)) {
    const guests::ApicMode before = apic.mode();
    const guests::ApicFault f = apic.write_base(value, arch::physical_address_width());
    if (f != guests::ApicFault::None) return refuse(v, "WRMSR", msr, value, f);
    if (apic.mode() != before)
      LOG("vmm: guest %s: IA32_APIC_BASE = 0x%lx: its local APIC is now %s", v.name, value, guests::mode_name(apic.mode()));
    return true;
  }
  if (msr == uint32_t(arch::Msr::IA32_TSC_DEADLINE)) {
    apic.write_tsc_deadline(value, now + guest_tsc_offset(v), now);
    return true;
  }
  guests::ApicEffect effect;
  const guests::ApicFault f = apic.write_msr(msr, value, now, effect);
  if (f != guests::ApicFault::None) return refuse(v, "WRMSR", msr, value, f);
  report_effect(v, effect, value);
  return true;
}

void virtual_apic_tsc_moved(guests::Vcpu& v, int64_t delta) {
  if (has_virtual_apic(v)) virtual_apic_of(v).guest_tsc_moved(delta);
}

guests::CpuidApic cpuid_apic_view(const guests::Vcpu& v) {
  const bool device = has_virtual_apic(v);
  return {!(v.apic_base_msr & guests::apic_base::EN), device && (v.config->devices & blob::kDeviceLocalApicX2apic), device};
}

uint64_t next_virtual_interrupt_tsc(guests::Vcpu& v, uint64_t now, const char** source) {
  uint64_t deadline = 0;
  const char* timer = "APIC timer";
  if (has_virtual_apic(v)) {
    const guests::VirtualApic apic = virtual_apic_of(v);
    // A masked LVT timer counts but interrupts nothing (SDM 11.5.1).
    if (apic.timer_counting() && !(apic.read(guests::apic::LVT_TIMER, now) & guests::apic::kLvtMasked))
      deadline = apic.timer_deadline();
  }
  if (has_legacy_pic(v)) {
    const uint64_t irq0 = legacy_next_interrupt_tsc(v, now);
    if (irq0 && (!deadline || irq0 < deadline)) deadline = irq0, timer = "8254 IRQ 0";
  }
  if (source) *source = timer;
  return deadline;
}

// HLT with IF = 1 in a guest with a virtual APIC or 8259: it waits for the
// next interrupt either would deliver.
Flow wait_for_virtual_interrupt(guests::Vcpu& v, const ExitInfo& e) {
  if (v.vcpu_total > 1) {  // its siblings' IPIs wake it too: each HLT exit looks
    take_sibling_ipis(v);
    if (v.state == guests::State::Finished) return Flow::End;
    if (v.state != guests::State::Ready) return Flow::Yield;  // an INIT: it waits for a start-up IPI now
  }
  const uint64_t now = arch::rdtsc();
  bool ready = v.nmi_pending;
  if (has_virtual_apic(v)) {
    guests::VirtualApic apic = virtual_apic_of(v);
    apic.update_timer(now);
    ready = apic.deliverable();
  }
  if (has_legacy_pic(v)) ready = ready || legacy_interrupt_ready(v, now);
  // The same HLT again: the wait goes on; a new one starts its clock.
  if (!v.waiting_hlt_length || v.waiting_hlt_rip != e.guest_rip) v.waiting_since_tsc = now;
  v.waiting_hlt_rip = e.guest_rip;
  v.waits_for_siblings_only = false;
  if (ready) {
    v.waiting_hlt_length = e.instruction_length;  // injected before the next entry
    return Flow::Resume;
  }
  const char* timer = nullptr;
  const uint64_t deadline = next_virtual_interrupt_tsc(v, now, &timer);
  // With siblings, an IPI may come at any time while one of them runs:
  // the wait has no deadline of its own, only the bounds below.
  if (!deadline && v.vcpu_total > 1) {
    __atomic_store_n(&v.waits_for_siblings_only, true, __ATOMIC_RELEASE);
    if (!sibling_running(v))
      return finish(v, guests::Outcome::Halted,
                    "HLT with interrupts on and nothing left to end it: no virtual timer counts and no other vCPU runs, rip 0x%lx",
                    e.guest_rip);
    timer = "IPI from another vCPU";
  } else if (!deadline)
    return finish(v, guests::Outcome::Halted, "HLT with interrupts on and no interrupt to wait for (%s), rip 0x%lx",
                  !has_legacy_pic(v) ? "APIC timer stopped or masked"
                  : has_virtual_apic(v) ? "APIC timer stopped or masked, 8254 IRQ 0 masked, held back in service or not counting"
                                        : "8254 IRQ 0 masked, held back in service or not counting",
                  e.guest_rip);
  // A timer set further out than the default watchdog period would hold
  // the guest without end; such a wait is the watchdog's to stop.
  const uint64_t bound = uint64_t(guests::kDefaultWatchdogTicks) << cpu::this_cpu().caps.preemption_timer_rate();
  const uint64_t wait = deadline > now ? deadline - now : 0;  // 0 also with no deadline (siblings only)
  if (wait > bound)
    return finish(v, guests::Outcome::Watchdog, "HLT waits for an %s %lu TSC ticks away, beyond the default watchdog period, rip 0x%lx",
                  timer, wait, e.guest_rip);
  // A timer that keeps firing into an interrupt that cannot be taken (its
  // LVT masked, its vector below the TPR) would hold the HLT forever. A
  // vCPU whose sibling runs may wait for its IPI as long as that runs (the
  // sibling's own watchdog bounds it); once all wait, the bound applies.
  if (now - v.waiting_since_tsc > bound && !(v.vcpu_total > 1 && sibling_running(v)))
    return finish(v, guests::Outcome::Watchdog,
                  "HLT waited the default watchdog period with no interrupt delivered (the %s fires into nothing the guest can take), rip 0x%lx",
                  timer, e.guest_rip);
  v.waiting_hlt_length = e.instruction_length;
  return Flow::Yield;  // the CPU's other guests run; this one comes back to its HLT
}

}  // namespace exits
