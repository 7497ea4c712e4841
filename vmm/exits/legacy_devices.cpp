// The legacy PC devices of devices.pic and devices.pit: the 8259A pair
// (guests/virtual_8259) and the 8254 (guests/virtual_8254) answer their
// ports through I/O exits; before each VM entry the 8254's counter 0 raises
// IRQ 0 for the edges it made since, and the 8259's highest request is
// injected as an external interrupt when the guest can take it
// (interrupt-window exiting otherwise, SDM 25.2). The 8254 counts the host
// TSC at the rate the boot measured (platform/pit8254).
#include "arch/cpu.h"
#include "console/log.h"
#include "exits/handlers.h"
#include "platform/pit8254.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;

bool has_pit(const guests::Vcpu& v) { return v.config->devices & blob::kDevicePit; }

uint64_t pit_now(const guests::Vcpu& v, uint64_t tsc) {
  return guests::pit_ticks_from_tsc(tsc - v.i8254_epoch_tsc, platform::tsc_hz());
}

void update_pit(guests::Vcpu& v, uint64_t tsc) {
  if (has_pit(v) && guests::pit_take_irq0_edges(v.i8254, pit_now(v, tsc))) guests::pic_raise(v.i8259, 0);
}

bool int_reaches_cpu(guests::Vcpu& v) { return !has_virtual_apic(v) || virtual_apic_accepts_extint(v); }

bool byte_access(guests::Vcpu& v, uint16_t port, bool in, uint8_t& byte, uint64_t tsc) {
  if (guests::pic_io(v.i8259, port, in, byte)) return true;
  return has_pit(v) && guests::pit_io(v.i8254, port, in, byte, pit_now(v, tsc));
}
}  // namespace

void reset_legacy_devices(guests::Vcpu& v) {
  guests::pic_reset(v.i8259);
  guests::pit_reset(v.i8254);
  v.i8254_epoch_tsc = arch::rdtsc();
}

bool legacy_device_io(guests::Vcpu& v, uint16_t port, uint8_t size, bool in, uint32_t& value) {
  const uint64_t tsc = arch::rdtsc();
  uint8_t first = uint8_t(value);
  update_pit(v, tsc);
  if (!byte_access(v, port, in, first, tsc)) return false;
  // Wider accesses reach the next ports byte by byte, as on the ISA bus;
  // a byte no device answers reads all ones.
  uint32_t result = first;
  for (uint8_t i = 1; i < size; ++i) {
    uint8_t byte = uint8_t(value >> (8 * i));
    if (!byte_access(v, uint16_t(port + i), in, byte, tsc) && in) byte = 0xFF;
    result |= uint32_t(byte) << (8 * i);
  }
  if (in) value = result;
  return true;
}

bool legacy_interrupt_ready(guests::Vcpu& v, uint64_t tsc) {
  update_pit(v, tsc);
  return int_reaches_cpu(v) && guests::pic_pending_vector(v.i8259) >= 0;
}

uint64_t legacy_next_interrupt_tsc(guests::Vcpu& v, uint64_t tsc) {
  // IRQ 0 masked or held back by a level in service (the 8259's fully
  // nested mode), or the INT line cut off at LINT0: it waits for nothing.
  if (!has_pit(v) || !int_reaches_cpu(v) || !guests::pic_input_can_interrupt(v.i8259, 0)) return 0;
  const uint64_t ticks = guests::pit_ticks_to_next_irq0(v.i8254, pit_now(v, tsc));
  return ticks == UINT64_MAX ? 0 : tsc + guests::tsc_from_pit_ticks(ticks, platform::tsc_hz());
}

void deliver_legacy_interrupts(guests::Vcpu& v) {
  if (!legacy_interrupt_ready(v, arch::rdtsc())) return;
  if (arch::InterruptionInfo{uint32_t(vmx::read(F::VM_ENTRY_INTERRUPTION_INFORMATION))}.valid()) {
    request_window(v, arch::ctl::INTERRUPT_WINDOW_EXITING, true);  // one event per entry: this one right after
    return;
  }
  arch::InterruptibilityState blocking = complete_waiting_hlt(v);
  if (!(vmx::read(F::GUEST_RFLAGS) & arch::rflags::IF) || blocking.blocking_by_sti_or_mov_ss()) {
    request_window(v, arch::ctl::INTERRUPT_WINDOW_EXITING, true);
    return;
  }
  const int vector = guests::pic_acknowledge(v.i8259);  // INTA
  inject(arch::InterruptionInfo::make(arch::InterruptionType::ExternalInterrupt, uint8_t(vector), false), 0, 0);
  vmx::write(F::GUEST_ACTIVITY_STATE, uint32_t(arch::ActivityState::Active));
}

}  // namespace exits
